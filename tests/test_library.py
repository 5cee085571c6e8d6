"""The library without the CLI: what a program that imports summarize gets."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from summarize.options import RunOptions
from summarize.pipeline import Summarizer
from summarize.read import Article

TEXT = "Le conseil municipal a voté le budget mardi soir. Les travaux commenceront en juin."


def test_the_cache_dir_of_the_options_is_the_cache(tiny_options: RunOptions, tmp_path: Path) -> None:
    # RunOptions.cache_dir was read by the CLI alone: a program that set it got no cache at all.
    options = dataclasses.replace(tiny_options, cache_dir=tmp_path / "c", source_lang="fr")
    with Summarizer(options) as summarizer:
        (first,) = summarizer.process([Article("a", "a.txt", TEXT)])
    assert first.status == "ok" and first.cached == {"translation": False, "summary": False}
    assert (tmp_path / "c" / "outputs.sqlite3").is_file()
    with Summarizer(options) as summarizer:
        (second,) = summarizer.process([Article("a", "a.txt", TEXT)])
    assert second.cached == {"translation": True, "summary": True}
    assert (second.translation_en, second.summary_fr) == (first.translation_en, first.summary_fr)
    assert summarizer.stats.misses == 0 and summarizer.stats.hits > 0
    # Closed, with the run's counts kept for `summarize cache stats`.
    from summarize.cache import Cache

    with Cache.open(tmp_path / "c" / "outputs.sqlite3", readonly=True) as cache:
        stats = cache.stats()
    assert (stats.last_run_hits, stats.last_run_misses) == (summarizer.stats.hits, 0)


def test_no_cache_dir_and_an_explicit_none_mean_no_cache(tiny_options: RunOptions, tmp_path: Path) -> None:
    options = dataclasses.replace(tiny_options, cache_dir=None, source_lang="fr")
    assert Summarizer(options).cache is None
    assert Summarizer(dataclasses.replace(options, cache_dir=tmp_path / "c"), None).cache is None
    assert not (tmp_path / "c").exists()


def test_the_library_defaults_are_the_cli_defaults(tiny: dict[str, Path], tmp_path: Path) -> None:
    # They were transformers in float32 for a program, CTranslate2 in int8 for the command line.
    import typer

    from summarize.cli import app
    from summarize.engines import EngineOptions
    from summarize.models import ModelRef, resolve
    from summarize.runner import resolve_engine_options

    run = typer.main.get_command(app).commands["run"]  # type: ignore[attr-defined]
    defaults = {param.name: param.default for param in run.params}
    engine = RunOptions().engine
    assert engine == EngineOptions()
    assert {name: str(defaults[name]) for name in ("backend", "dtype", "device")} == {
        "backend": engine.backend,
        "dtype": engine.dtype,
        "device": engine.device,
    }
    # What they mean on the CPU for a Marian model (nothing is converted to find out).
    model = resolve(ModelRef(str(tiny["marian"])), tmp_path / "models", offline=True)
    resolved = resolve_engine_options(RunOptions(models_dir=tmp_path / "models"), model)
    assert (resolved.backend, resolved.dtype, resolved.device) == ("ctranslate2", "int8", "cpu")


def test_a_summarizer_that_stored_nothing_creates_no_cache(tmp_path: Path) -> None:
    # Closing one that read no article, or only articles that failed, wrote its run's counts
    # into a new models_cache/outputs.sqlite3: a program that built one and had no input, or
    # a mistyped path, left a cache folder behind.
    from summarize.read import ReadFailure, UnreadableError

    missing = UnreadableError("nope.txt: no such file or folder", "check the path")
    failure = ReadFailure("nope", "nope.txt", missing)
    options = RunOptions(cache_dir=tmp_path / "c", models_dir=tmp_path / "m")
    with Summarizer(options) as summarizer:
        (result,) = summarizer.process([failure])
    assert result.status == "error"
    with Summarizer(options):
        pass
    assert not (tmp_path / "c").exists() and not (tmp_path / "m").exists()

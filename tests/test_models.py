"""Model resolution: local folders, the hub cache layout, and the missing-model message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from summarize.errors import ModelError, ModelNotFoundError
from summarize.models import ModelRef, find_local, list_stored, resolve


def _fake_pull(src: Path, models_dir: Path, model_id: str, revision: str, commit: str) -> Path:
    """Lay a model out as huggingface_hub's snapshot_download does."""
    repo = models_dir / ("models--" + model_id.replace("/", "--"))
    (repo / "refs" / Path(revision).parent).mkdir(parents=True, exist_ok=True)
    (repo / "refs" / revision).write_text(commit)
    shutil.copytree(src, repo / "snapshots" / commit)
    return repo / "snapshots" / commit


def test_local_folder(tiny: dict[str, Path], tmp_path: Path) -> None:
    model = resolve(ModelRef(str(tiny["marian"])), tmp_path, offline=True)
    assert model.path == tiny["marian"] and model.model_type == "marian"
    assert model.commit.startswith("local-")


def test_local_fingerprint_changes_with_the_weights(tiny: dict[str, Path], tmp_path: Path) -> None:
    copy = shutil.copytree(tiny["marian"], tmp_path / "m")
    before = resolve(ModelRef(str(copy)), tmp_path, offline=True).commit
    data = bytearray((copy / "model.safetensors").read_bytes())
    data[-1] ^= 1
    (copy / "model.safetensors").write_bytes(bytes(data))
    assert resolve(ModelRef(str(copy)), tmp_path, offline=True).commit != before


def test_hub_layout_with_pinned_revision(tiny: dict[str, Path], tmp_path: Path) -> None:
    commit = "a" * 40
    snapshot = _fake_pull(
        tiny["barthez"], tmp_path, "moussaKam/barthez-orangesum-abstract", "refs/pr/2", commit
    )
    model = resolve(ModelRef("moussaKam/barthez-orangesum-abstract"), tmp_path, offline=True)
    assert model.path == snapshot and model.commit == commit and model.revision == "refs/pr/2"
    stored = list_stored(tmp_path)
    assert [(s.id, s.revision) for s in stored] == [("moussaKam/barthez-orangesum-abstract", "refs/pr/2")]
    assert stored[0].size_bytes > 100_000


def test_missing_model_offline(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        resolve(ModelRef("Helsinki-NLP/opus-mt-fr-en"), tmp_path, offline=True)
    assert "summarize models pull Helsinki-NLP/opus-mt-fr-en" in info.value.hint
    assert str(tmp_path) in info.value.message


def test_missing_model_online_fails_fast_without_network(tmp_path: Path) -> None:
    """No network here: the real download attempt must end in the same clear error."""
    with pytest.raises(ModelNotFoundError) as info:
        resolve(ModelRef("Helsinki-NLP/opus-mt-de-en"), tmp_path, offline=False)
    assert "local model folder" in info.value.hint
    assert find_local(ModelRef("Helsinki-NLP/opus-mt-de-en"), tmp_path) is None


def test_folder_without_config(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="not a model folder"):
        resolve(ModelRef(str(tmp_path / "empty")), tmp_path, offline=True)


def test_models_pull_converts_once_for_the_cpu_backend(
    tiny: dict[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`models pull` lays the files out (the network is replaced by a copy) and converts them."""
    from typer.testing import CliRunner

    import summarize.models
    from summarize.cli import app

    def offline_pull(ref: ModelRef, models_dir: Path) -> Path:
        return _fake_pull(tiny["marian"], models_dir, ref.id, ref.effective_revision, "b" * 40)

    monkeypatch.setattr(summarize.models, "pull", offline_pull)
    result = CliRunner().invoke(
        app, ["models", "pull", "Helsinki-NLP/opus-mt-de-en", "--models-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[1].startswith("Helsinki-NLP/opus-mt-de-en\t")
    converted = Path(lines[1].split("\t")[1])
    assert converted.parent == tmp_path / "ctranslate2" and (converted / "model.bin").is_file()
    listed = CliRunner().invoke(app, ["models", "list", "--lang", "de", "--models-dir", str(tmp_path)])
    assert ["de", "translation", "Helsinki-NLP/opus-mt-de-en", "stored"] in [
        line.split("\t") for line in listed.stdout.splitlines()
    ]


def test_a_file_given_as_model_is_named_as_such(tmp_path: Path) -> None:
    article = tmp_path / "in" / "a.txt"
    article.parent.mkdir()
    article.write_text("Bonjour.", encoding="utf-8")
    with pytest.raises(ModelError) as info:
        resolve(ModelRef(str(article)), tmp_path / "models", offline=True)
    assert info.value.message == f"{article} is a file, not a model folder"
    assert "config.json" in (info.value.hint or "")


def test_a_relative_default_lands_in_the_tests_own_folder(tmp_path: Path) -> None:
    # RunOptions() keeps models in ./models_cache: a test that forgets --models-dir must not
    # write fingerprints or conversions into the repository's folder.
    from summarize.options import RunOptions

    assert RunOptions().models_dir.resolve().is_relative_to(tmp_path)


@pytest.mark.parametrize("how", ["--offline", "HF_HUB_OFFLINE"])
def test_pull_offline_converts_what_is_stored_and_never_dials(
    tiny: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    import socket

    from typer.testing import CliRunner

    from summarize.cli import app

    def dial(*args: object, **kwargs: object) -> None:
        raise AssertionError("models pull --offline opened a connection")

    monkeypatch.setattr(socket, "create_connection", dial)
    args = ["models", "pull", "Helsinki-NLP/opus-mt-es-en", str(tiny["marian"])]
    args += ["--models-dir", str(tmp_path)]
    if how == "--offline":
        args.append("--offline")
    else:
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert "Helsinki-NLP/opus-mt-es-en" in line and "(offline)" in line
    assert f"{tiny['marian']}\t{tmp_path / 'ctranslate2'}" in result.stdout  # the folder still converts

"""Shared fixtures: every cache and model directory goes to a temp dir; tiny models built once;
the read tests' named pipes and unset SUMMARIZE_DEBUG."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from summarize.options import RunOptions

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tiny_models  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "seeds" / "000_7fb48d97fe35ba3a.txt"
COPY_MODEL = REPO / "tests" / "fixtures" / "copy_model"


@pytest.fixture(scope="session")
def _user_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One user cache dir for the session: it holds only derived files (the detector's model,
    decompressed, 68 MB), which every test may share but none may write into the user's home."""
    return tmp_path_factory.mktemp("user-cache")


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _user_cache: Path) -> None:
    """No test ever reads or writes the user's models, cache or config.

    The working directory is the test's own too: a default that is a relative path
    (``./models_cache``) must never land in the repository.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SUMMARIZE_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("SUMMARIZE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(_user_cache))
    monkeypatch.delenv("SUMMARIZE_SUMMARY_MODEL", raising=False)
    monkeypatch.delenv("SUMMARIZE_TRANSLATION_MODEL", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Random-weight Marian, T5 and BARThez-shaped models with real tokenizers, built once."""
    root = tmp_path_factory.mktemp("tiny-models")
    return {name: build(root / name) for name, build in tiny_models.BUILDERS.items()}


@pytest.fixture
def tiny_options(tiny: dict[str, Path], tmp_path: Path) -> RunOptions:
    """Run options on the tiny T5 (summary) and Marian (translation); models and cache in tmp_path.

    transformers in float32, not the library's default (auto: CTranslate2 in int8): converting
    the models would cost every test that uses these options; tests of auto say so.
    """
    from summarize.engines import EngineOptions
    from summarize.options import RunOptions
    from summarize.routing import RoutingConfig

    routing = RoutingConfig(summary_model=str(tiny["t5"]), translation_model=str(tiny["marian"]))
    return RunOptions(
        routing=routing,
        models_dir=tmp_path / "models",
        cache_dir=tmp_path,
        engine=EngineOptions(backend="transformers", dtype="float32"),
    )


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def _no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    """SUMMARIZE_DEBUG unset: the read tests (``pytestmark``) see an unexpected error become a
    failure of its input, as a user's run does."""
    monkeypatch.delenv("SUMMARIZE_DEBUG", raising=False)


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Callable[[str, bytes], Path]]:
    """Make a named pipe whose writer (a thread) writes its bytes once a reader opens it."""
    made: list[Path] = []

    def make(name: str, data: bytes) -> Path:
        path = tmp_path / name
        os.mkfifo(path)
        made.append(path)

        def write() -> None:
            with contextlib.suppress(BrokenPipeError), path.open("wb") as fh:
                fh.write(data)

        threading.Thread(target=write, daemon=True).start()
        return path

    yield make
    for path in made:  # a writer still waiting for its reader (the test failed) opens, and ends
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))

"""torch's idle OpenMP threads soon sleep, so that runs sharing the cores do not starve.

GNU OpenMP (torch's on Linux) reads ``GOMP_SPINCOUNT`` and ``OMP_WAIT_POLICY`` once, when torch
loads it: what counts is their values at torch's first import.  Each case runs the CLI in a
fresh interpreter that records them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEED

from summarize.engines.hf import SPIN_COUNT

# Runs the CLI as `python -m summarize` does, noting the OpenMP settings when torch is first imported.
WATCH = """
import os, runpy, sys
seen = []
def watch(event, args):
    # The import machinery's own event: raised by `import torch`, not by find_spec's lookups.
    if event == "import" and args[0] == "torch" and not seen:
        seen.append((os.environ.get("GOMP_SPINCOUNT"), os.environ.get("OMP_WAIT_POLICY")))
sys.addaudithook(watch)
sys.argv = ["summarize", *sys.argv[1:]]
try:
    runpy.run_module("summarize", run_name="__main__")
finally:
    sys.stderr.write(f"torch imported with GOMP_SPINCOUNT, OMP_WAIT_POLICY = {seen}\\n")
"""


def _run(tiny: dict[str, Path], tmp_path: Path, backend: str, **env: str) -> subprocess.CompletedProcess[str]:
    args = [
        "run", str(SEED), "--no-cache", "--format", "jsonl", "--backend", backend,
        "--translation-model", str(tiny["marian"]), "--summary-model", str(tiny["t5"]),
        "--models-dir", str(tmp_path / "models"),
    ]  # fmt: skip
    environ = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    return subprocess.run(
        [sys.executable, "-c", WATCH, *args],
        capture_output=True,
        text=True,
        env={**environ, **env},
        cwd=tmp_path,
        timeout=300,
    )


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_a_run_that_loads_torch_lets_its_idle_threads_sleep_soon(
    tiny: dict[str, Path], tmp_path: Path, backend: str
) -> None:
    # The transformers engine imports torch to run; the CTranslate2 backend only to convert.
    result = _run(tiny, tmp_path, backend)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"torch imported with GOMP_SPINCOUNT, OMP_WAIT_POLICY = [('{SPIN_COUNT}', None)]" in result.stderr


@pytest.mark.parametrize(
    ("env", "seen"),
    [
        # A spin count would override the policy in libgomp: none is added to the user's policy.
        ({"OMP_WAIT_POLICY": "active"}, "[(None, 'active')]"),
        ({"GOMP_SPINCOUNT": "infinite"}, "[('infinite', None)]"),
    ],
)
def test_the_users_own_openmp_settings_are_kept(
    tiny: dict[str, Path], tmp_path: Path, env: dict[str, str], seen: str
) -> None:
    result = _run(tiny, tmp_path, "transformers", **env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"torch imported with GOMP_SPINCOUNT, OMP_WAIT_POLICY = {seen}" in result.stderr


def test_openmp_settings_set_to_nothing_count_as_unset(tiny: dict[str, Path], tmp_path: Path) -> None:
    # CTranslate2, sentencepiece and torch each bundle libgomp, which took `GOMP_SPINCOUNT=`
    # for a bad value: "libgomp: Invalid value for environment variable ..." on stderr once per
    # copy, and its own 300,000 spins. The CTranslate2 backend converts here, so torch loads too.
    result = _run(tiny, tmp_path, "ctranslate2", GOMP_SPINCOUNT="", OMP_WAIT_POLICY=" ")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "libgomp" not in result.stderr
    assert f"torch imported with GOMP_SPINCOUNT, OMP_WAIT_POLICY = [('{SPIN_COUNT}', None)]" in result.stderr

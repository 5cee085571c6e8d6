"""torch's OpenMP threads sleep while they wait, so that runs sharing the cores do not starve.

GNU OpenMP (torch's on Linux) reads ``OMP_WAIT_POLICY`` once, when torch loads it: what counts
is the variable's value at torch's first import.  Each case runs the CLI in a fresh interpreter
that records that value.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEED

# Runs the CLI as `python -m summarize` does, noting OMP_WAIT_POLICY when torch is first imported.
WATCH = """
import os, runpy, sys
seen = []
def watch(event, args):
    # The import machinery's own event: raised by `import torch`, not by find_spec's lookups.
    if event == "import" and args[0] == "torch" and not seen:
        seen.append(os.environ.get("OMP_WAIT_POLICY"))
sys.addaudithook(watch)
sys.argv = ["summarize", *sys.argv[1:]]
try:
    runpy.run_module("summarize", run_name="__main__")
finally:
    sys.stderr.write(f"torch imported with OMP_WAIT_POLICY={seen}\\n")
"""


def _run(tiny: dict[str, Path], tmp_path: Path, backend: str, **env: str) -> subprocess.CompletedProcess[str]:
    args = [
        "run", str(SEED), "--no-cache", "--format", "jsonl", "--backend", backend,
        "--translation-model", str(tiny["marian"]), "--summary-model", str(tiny["t5"]),
        "--models-dir", str(tmp_path / "models"),
    ]  # fmt: skip
    environ = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    return subprocess.run(
        [sys.executable, "-c", WATCH, *args],
        capture_output=True,
        text=True,
        env={**environ, **env},
        cwd=tmp_path,
        timeout=300,
    )


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_a_run_that_loads_torch_lets_its_threads_sleep(
    tiny: dict[str, Path], tmp_path: Path, backend: str
) -> None:
    # The transformers engine imports torch to run; the CTranslate2 backend only to convert.
    result = _run(tiny, tmp_path, backend)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "torch imported with OMP_WAIT_POLICY=['PASSIVE']" in result.stderr


def test_the_users_own_wait_policy_is_kept(tiny: dict[str, Path], tmp_path: Path) -> None:
    result = _run(tiny, tmp_path, "transformers", OMP_WAIT_POLICY="active")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "torch imported with OMP_WAIT_POLICY=['active']" in result.stderr

"""The install step of the README (pip install -e '.[dev]') builds with what pyproject.toml asks."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_a_license_expression_asks_for_a_setuptools_that_reads_it() -> None:
    # `license = "Apache-2.0"` (an SPDX expression, PEP 639) is read from setuptools 77 on; the
    # build asked for >=69, and setuptools 69 to 76 refuse the file ("`project.license` must be
    # valid exactly by one definition"), so an install that found one of them failed.
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    floors = [
        int(m.group(1))
        for spec in project["build-system"]["requires"]
        if (m := re.fullmatch(r"setuptools\s*>=\s*(\d+)(?:\.\d+)*", spec))
    ]
    assert len(floors) == 1, project["build-system"]["requires"]
    if isinstance(project["project"].get("license"), str):
        assert floors[0] >= 77

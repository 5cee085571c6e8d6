"""What the clean tests share: the annotated pages, the seed, a news text the rules are tried on.

The annotated pages in tests/data/pages/*.txt hold one input line per file line, prefixed with
``+ `` (must stay in the body), ``T `` (the title) or ``-kind `` / ``- `` (must be removed, with
that kind when one is given); ``x `` marks furniture the rules are known to miss today (it stays
in the body; the benchmark counts it as a miss). Blank lines are blank input lines; ``#`` lines
are comments.
HTML pages come as NAME.html with the same annotations in NAME.expect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "data" / "pages"
SEED = ROOT / "seeds" / "000_7fb48d97fe35ba3a.txt"


@dataclass
class Annotated:
    """An annotated test page: the input text and what must become of each line."""

    text: str
    keep: list[str] = field(default_factory=list)
    drop: list[tuple[str | None, str]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    title: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    expected_body: str = ""


def parse_annotated(path: Path) -> Annotated:
    """Read an annotated page (see the module docstring)."""
    page = Annotated(text="")
    lines: list[str] = []
    body: list[str] = []
    for raw in path.read_text(encoding="utf-8").split("\n"):
        if raw.startswith("#"):
            key, _, value = raw[1:].partition(":")
            page.meta[key.strip()] = value.strip()
            continue
        if not raw.strip():
            lines.append("")
            body.append("")
            continue
        found = re.match(r"^(\+|T|x|-(\w*)) (.*)$", raw)
        assert found, f"{path.name}: bad annotation {raw!r}"
        mark, kind, text = found.group(1), found.group(2), found.group(3)
        lines.append(text)
        if mark in "+x":
            (page.keep if mark == "+" else page.missed).append(text)
            body.append(text)
        elif mark == "T":
            page.title = text
        else:
            page.drop.append((kind or None, text))
    page.text = "\n".join(lines)
    page.expected_body = re.sub(r"\n{3,}", "\n\n", "\n".join(body)).strip("\n")
    return page


TEXT_PAGES = sorted(PAGES.glob("*.txt"))
HTML_PAGES = sorted(PAGES.glob("*.html"))

# A news text the rules, the Markdown and the HTML tests set lines around.
BODY_FR = (
    "Le gouvernement a présenté mercredi un projet de loi sur le logement.\n"
    "Il prévoit de construire cent mille logements sociaux par an."
)
# The headline of the Markdown and HTML table tests.
HEADLINE = "Le budget municipal adopté"
# The settings of the property tests (hypothesis).
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

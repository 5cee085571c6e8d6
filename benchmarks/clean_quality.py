"""How well the clean stage separates articles from page furniture, on the annotated pages.

Usage: python benchmarks/clean_quality.py [PAGES_DIR]   (default: tests/data/pages)

Each annotated page marks its lines ``+ `` (article body), ``T `` (title) or ``- ``/``-kind ``
(furniture); ``x `` is furniture the rules are known to miss, counted as furniture. HTML pages
are NAME.html with the annotations in NAME.expect. For every page the script prints the share
of body lines kept in the body, the share of furniture lines kept out of it, and whether the
title was found; then the same figures over all pages.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

from summarize.clean import Cleaned, clean_text  # noqa: E402
from summarize.clean_html import extract_html  # noqa: E402


@dataclass(frozen=True)
class Score:
    """Counts for one page."""

    name: str
    body_kept: int
    body_total: int
    furniture_removed: int
    furniture_total: int
    title_ok: bool


def parse(path: Path) -> tuple[str, list[str], list[str], str | None]:
    """Input text, body lines, furniture lines and title of an annotated file."""
    lines: list[str] = []
    body: list[str] = []
    furniture: list[str] = []
    title: str | None = None
    for raw in path.read_text(encoding="utf-8").split("\n"):
        if raw.startswith("#"):
            continue
        found = re.match(r"^(\+|T|x|-\w*) (.*)$", raw)
        if not found:
            lines.append("")
            continue
        mark, text = found.groups()
        lines.append(text)
        if mark == "+":
            body.append(text)
        elif mark == "T":
            title = text
        else:
            furniture.append(text)
    return "\n".join(lines), body, furniture, title


def score(name: str, cleaned: Cleaned, body: list[str], furniture: list[str], title: str | None) -> Score:
    """Compare one cleaning result with its annotations."""
    body_lines = set(cleaned.body.split("\n"))
    return Score(
        name=name,
        body_kept=sum(1 for line in body if line in body_lines),
        body_total=len(body),
        furniture_removed=sum(1 for line in furniture if line not in cleaned.body),
        furniture_total=len(furniture),
        title_ok=cleaned.title == title,
    )


def _share(part: int, total: int) -> str:
    return f"{part}/{total} ({100 * part / total:5.1f} %)" if total else "-/- (  n/a  )"


def main(argv: list[str]) -> int:
    """Score every annotated page in the folder and print the table."""
    folder = Path(argv[1]) if len(argv) > 1 else ROOT / "tests" / "data" / "pages"
    scores: list[Score] = []
    for path in sorted(folder.glob("*.txt")):
        text, body, furniture, title = parse(path)
        scores.append(score(path.name, clean_text(text), body, furniture, title))
    for path in sorted(folder.glob("*.html")):
        _, body, furniture, title = parse(path.with_suffix(".expect"))
        cleaned = extract_html(path.read_text(encoding="utf-8"))
        scores.append(score(path.name, cleaned, body, furniture, title))
    if not scores:
        print(f"no annotated pages in {folder}")
        return 1

    width = max(len(s.name) for s in scores)
    print(f"{'page':<{width}}  {'body lines kept':>20}  {'furniture removed':>20}  title")
    for s in scores:
        print(
            f"{s.name:<{width}}  {_share(s.body_kept, s.body_total):>20}  "
            f"{_share(s.furniture_removed, s.furniture_total):>20}  {'ok' if s.title_ok else 'WRONG'}"
        )
    kept = sum(s.body_kept for s in scores)
    body_total = sum(s.body_total for s in scores)
    removed = sum(s.furniture_removed for s in scores)
    furniture_total = sum(s.furniture_total for s in scores)
    titles = sum(s.title_ok for s in scores)
    print(
        f"{'overall':<{width}}  {_share(kept, body_total):>20}  "
        f"{_share(removed, furniture_total):>20}  {titles}/{len(scores)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Read, what a run will read before it reads it: the listing of each folder named as an input
(its articles, an earlier run's results, other files and subfolders), the notes that say what
a folder run skips, and how many items the inputs yield when their names and listings tell it.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .own_output import Head, look_at_head
from .read_decode import _WIDE_CODECS
from .read_inputs import _some, input_path
from .read_json import _JSON_LEAD, _is_article_object, _json_object
from .read_kinds import ARTICLE_SUFFIXES, _article_suffix


def _is_article_name(name: str) -> bool:
    # Hidden names are not articles: macOS AppleDouble files (._a.txt), editor locks (.#a.txt),
    # .git and the like.
    return not name.startswith(".") and name.lower().endswith(ARTICLE_SUFFIXES)


@dataclass(frozen=True)
class FolderListing:
    """What a folder named as an input holds, as a run reads it (hidden names left out), sorted:
    told once, from one listing and one look at each article file's head, for both
    :func:`folder_notes` and :func:`listed_total`."""

    folder: Path
    articles: tuple[str, ...]  # files named as articles that a run reads
    results: tuple[str, ...]  # files named as articles that are this tool's results: skipped
    others: tuple[str, ...]  # files not named as articles: not read
    subfolders: tuple[str, ...]  # not read
    # Article files (among ``articles``) whose head may open a feed saved under an article's
    # name: read as JSON Lines when every line is an article, so how many they yield is untold.
    feeds: tuple[str, ...] = ()


def list_folders(inputs: list[str], output_dir: Path | None = None) -> dict[str, FolderListing]:
    """The :class:`FolderListing` of each input that is a folder that can be listed, by input.

    ``output_dir`` (--output-dir), when it is a subfolder of one, is not among its subfolders:
    it holds this run's results, as a folder's own results are never articles either.
    """
    target = _resolved(output_dir)
    listings: dict[str, FolderListing] = {}
    for raw in inputs:
        folder = input_path(raw)
        try:
            if raw in listings or folder is None or not folder.is_dir():
                continue
            # One scan: a directory entry knows whether it is a folder without a stat of its own.
            with os.scandir(folder) as scan:
                entries = sorted((e.name, e.is_dir()) for e in scan if not e.name.startswith("."))
        except OSError:
            continue  # reading it says why
        files = [name for name, is_dir in entries if not is_dir]
        named = [name for name in files if _is_article_name(name)]
        # One look at each file's head tells both a result and a feed saved as an article.
        heads = {name: look_at_head(folder / name) for name in named}
        articles = tuple(name for name in named if not heads[name].ours)
        listings[raw] = FolderListing(
            folder=folder,
            articles=articles,
            results=tuple(name for name in named if heads[name].ours),
            others=tuple(name for name in files if not _is_article_name(name)),
            subfolders=tuple(
                name
                for name, is_dir in entries
                if is_dir and (target is None or _resolved(folder / name) != target)
            ),
            feeds=tuple(name for name in articles if _may_open_feed(name, heads[name])),
        )
    return listings


def _resolved(path: Path | None) -> Path | None:
    try:
        return path.resolve() if path is not None else None
    except (OSError, RuntimeError):  # a symlink loop: it matches nothing
        return None


def folder_notes(inputs: list[str], listings: dict[str, FolderListing] | None = None) -> list[str]:
    """One line for each folder among ``inputs`` that holds no article file, or that holds files
    or subfolders a run does not read (an earlier run's results among them): a wrong folder
    must not pass in silence.  ``listings``: :func:`list_folders` of ``inputs``, when known."""
    if listings is None:
        listings = list_folders(inputs)
    notes = []
    kinds = ", ".join(ARTICLE_SUFFIXES)
    for raw in inputs:
        if (listing := listings.get(raw)) is None:
            continue
        folder = listing.folder
        results, others, subfolders = list(listing.results), list(listing.others), list(listing.subfolders)
        ours = _some(results, "result of summarize", "results of summarize")
        subs = _some(subfolders, "subfolder")
        # Subfolders are not read: say how to read them, as a folder of folders (news/2024/...)
        # would otherwise be "nothing to read" and no more.
        deeper = f"name them, or pass a pattern such as '{folder / '**' / '*.txt'}'" if subfolders else ""
        if not listing.articles:
            only = " and ".join(x for x in (ours, subs) if x)
            only = f", only {only}" if only else ""
            end = f"subfolders are not read: {deeper}" if deeper else "nothing to read"
            notes.append(f"{folder}: no article in it (files ending in {kinds}){only}; {end}")
            continue
        skipped = [x for x in (ours, _some(others, "other file"), subs) if x]
        if skipped:
            said = " and ".join([", ".join(skipped[:-1]), skipped[-1]] if len(skipped) > 1 else skipped)
            why = [f"only its files ending in {kinds} are read"] if others or subfolders else []
            why += ["results are not read as articles"] if results else []
            to_read = f"; to read its subfolders, {deeper}" if deeper else ""
            notes.append(f"{folder}: skipped {said}; {', and '.join(why)}{to_read}")
    return notes


def listed_total(
    inputs: list[str],
    never_read: frozenset[tuple[int, int]] = frozenset(),
    listings: dict[str, FolderListing] | None = None,
) -> int | None:
    """How many items :func:`iter_articles` yields for ``inputs`` (patterns expanded), when
    names and folder listings tell it; else None.  ``listings``: :func:`list_folders` of
    ``inputs``, when known (the run lists its folders once, for :func:`folder_notes` too).

    Known for files named with an article suffix and folders of such files (each yields one
    item, a failure included).  Not for stdin, a URL, JSON Lines (a ``.jsonl`` name), a name
    whose content decides its kind, or a pipe.  A folder's earlier results (a ``.jsonl`` one
    too) are not counted: the listing tells them, and the reader skips them.
    """
    if listings is None:
        listings = list_folders(inputs)
    total = 0
    for raw in inputs:
        path = input_path(raw)
        if path is None:
            return None
        try:
            info = path.stat()
        except OSError:
            total += 1  # reading it says why, in one failure
            continue
        if stat.S_ISDIR(info.st_mode):
            listing = listings.get(raw)
            if listing is None:
                total += 1  # it could not be listed: reading it says why, in one failure
                continue
            feeds = set(listing.feeds)
            for name in listing.articles:
                if never_read:
                    with contextlib.suppress(OSError):  # a broken link is one failure
                        found = (path / name).stat()
                        if (found.st_dev, found.st_ino) in never_read:
                            continue  # the run's own output file
                if name in feeds:
                    return None
                total += 1
        elif (
            stat.S_ISREG(info.st_mode)
            and _article_suffix(path) is not None
            and not _may_open_feed(path.name, look_at_head(path, judge=False))  # .jsonl too
        ):
            total += 1
        else:
            return None
    return total


def _may_open_feed(name: str, head: Head) -> bool:
    """Whether an article file (``name``, with an article suffix) may yield other than one item,
    told from its ``head`` alone: a ``.jsonl`` one is JSON Lines; another is when it is a feed
    saved under an article's name (see read_json._plainly_articles), which its first line tells when the
    head holds it whole, else its first character."""
    if name.lower().endswith(".jsonl"):
        return True
    # A wide BOM is read as decode reads it (a head may end inside a character: what is cut is
    # left out); other text is ASCII-compatible, enough to tell JSON by, and only its first
    # line is decoded.
    wide = [codec for bom, codec in _WIDE_CODECS if head.start.startswith(bom)]
    if wide:
        body = head.start.decode(wide[0], "ignore").lstrip(_JSON_LEAD)
    else:
        # BOM bytes stripped one by one: what they might cut from a character opens no JSON.
        start = head.start.lstrip(codecs.BOM_UTF8 + b" \t\r\n")
        body = start[: start.find(b"\n") + 1 or None].decode("utf-8", "replace")
    if not body:
        return not head.whole  # blank so far: what follows is untold
    if not body.startswith("{"):
        return False
    line, newline, _ = body.partition("\n")
    if not newline and not head.whole:
        return True  # its first line goes on past the head
    return _is_article_object(_json_object(line))

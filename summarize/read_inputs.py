"""Read, the inputs named on the command line: which are http(s) URLs, which name a file or a
folder (a path, a ``file://`` URL), and which are patterns (``news/*.md``) to expand as a shell
would have.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from pathlib import Path

from .own_output import is_own_output

# Inputs read from the network rather than the disk.
_URL_PREFIXES = ("http://", "https://")


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")  # ftp://, s3://...: not a path


# What makes an input a pattern: the wildcards of a shell's globbing (and of Python's glob).
_WILDCARDS = re.compile(r"[*?[]")


def _is_web_url(raw: str) -> bool:
    """Whether ``raw`` is an http(s) URL: a scheme is case-insensitive (``HTTPS://``, as a
    phone or an old page may write it, is https)."""
    return raw[:8].lower().startswith(_URL_PREFIXES)


def is_pattern(raw: str) -> bool:
    """Whether ``raw`` is a path pattern to expand: it has wildcards and names nothing as it is
    (a file really called ``a*.md`` is that file)."""
    return (
        not _is_web_url(raw)
        and raw[:7].lower() != "file://"
        and not _SCHEME.match(raw)
        and bool(_WILDCARDS.search(raw))
        and not os.path.lexists(raw)
    )


def expand_patterns(
    inputs: list[str],
    output_dir: Path | None = None,
    never_read: frozenset[tuple[int, int]] = frozenset(),
) -> tuple[list[str], list[str]]:
    """``inputs`` with each pattern (see :func:`is_pattern`) replaced by what it matches, as a
    shell would have expanded it (`summarize run 'news/*.md'`, or a pattern from a script or a
    Windows shell): sorted, hidden names matched only by a pattern that starts them with a dot,
    ``**`` across subfolders.  What folder runs skip is skipped: this tool's own results (said in
    the notes returned), the files of ``never_read`` (the run's own stdout file, by device and
    inode), and ``output_dir``.  Under ``**`` a folder that matches is dropped, since
    its files match too.  A pattern that matches nothing stays as it is: reading it says so.
    """
    import glob

    expanded: list[str] = []
    notes: list[str] = []
    target = output_dir.resolve() if output_dir is not None else None
    for raw in inputs:
        pattern = raw
        if raw[:7].lower() == "file://" and (local := input_path(raw)) is not None:
            pattern = str(local)  # file:///news/*.md: its path is the pattern
        if not is_pattern(pattern):
            expanded.append(raw)
            continue
        recursive = "**" in pattern
        matches, results = [], []
        found = sorted(glob.glob(pattern, recursive=recursive))
        for match in found:
            path = Path(match)
            try:
                info = path.stat()
            except OSError:
                info = None  # a broken link: reading it says so
            if info is not None and (info.st_dev, info.st_ino) in never_read:
                continue
            if recursive and target is not None and target in path.resolve().parents:
                continue  # under **, the output folder's files: skipped as the folder is
            if info is not None and stat.S_ISDIR(info.st_mode):
                if recursive or (target is not None and path.resolve() == target):
                    continue
            elif is_own_output(path):
                results.append(match)
                continue
            matches.append(match)
        if results:
            said = _some(results, "result of summarize", "results of summarize")
            notes.append(f"{raw}: skipped {said}; results are not read as articles")
        if not found:
            expanded.append(raw)  # read, it is "no file matches"
        expanded.extend(matches)
    return expanded, notes


def input_path(raw: str) -> Path | None:
    """The file or folder an input names (a path, or a ``file://`` URL); None for ``-`` and
    other URLs."""
    if raw == "-" or _is_web_url(raw):
        return None
    if raw[:7].lower() == "file://":
        import urllib.parse
        import urllib.request

        parts = urllib.parse.urlsplit(raw)
        local = parts.netloc in ("", "localhost") and parts.path.startswith("/")
        return Path(urllib.request.url2pathname(parts.path)) if local else None
    return None if _SCHEME.match(raw) else Path(raw)


def local_files(inputs: list[str]) -> frozenset[Path]:
    """The files on disk that ``inputs`` name, a folder's own files included, resolved."""
    files = set()
    for raw in inputs:
        path = input_path(raw)
        if path is None:
            continue
        with contextlib.suppress(OSError):
            if path.is_dir():
                files.update(p.resolve() for p in path.iterdir() if p.is_file())
            elif path.is_file():
                files.add(path.resolve())
    return frozenset(files)


def _some(names: list[str], what: str, plural: str | None = None) -> str:
    """``3 other files (a, b, c)``; empty for no names."""
    if not names:
        return ""
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    return f"{len(names)} {what if len(names) == 1 else plural or what + 's'} ({shown})"

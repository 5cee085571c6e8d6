"""Output: records as text, JSON or JSON Lines, to a stream or one file per article."""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import tempfile
import unicodedata
import uuid
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .errors import OutputError, UsageError, check_one_of
from .own_output import SUMMARY_LABEL, TRANSLATION_LABEL, is_own_output

if TYPE_CHECKING:
    from .pipeline import ArticleResult

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
_RESERVED = re.compile(r"(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\.|$)", re.IGNORECASE)
MAX_NAME = 120
# The output formats (--format), which the writers refuse any other than.
FORMATS = ("text", "json", "jsonl")


def to_record(result: ArticleResult) -> dict[str, Any]:
    """The JSON object written for one article (the JSONL schema in the README)."""
    # Shallow on purpose: asdict deep-copies, and _scrub builds new containers anyway.
    record = {f.name: getattr(result, f.name) for f in fields(result)}
    if record["error"] is None:
        del record["error"]
    return _scrub(record)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrub(value: Any) -> Any:
    """``value`` with lone surrogates replaced by U+FFFD.

    They come from file names that are not UTF-8 and from ``"\\ud800"`` escapes in JSON input,
    and no UTF-8 stream can encode them: left in, one such id would stop the whole run.
    """
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


# C0 and C1 controls but newline and tab, and DEL: from a JSONL id or title, or a file name,
# they would reach the terminal as escape sequences (colours, a new window title...).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``), safe for a terminal."""
    if one_line:
        text = text.replace("\n", "\\n").replace("\t", "\\t")
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def format_text(record: dict[str, Any]) -> str:
    """A record laid out for reading in a terminal (controls in any field shown as escapes)."""
    return printable(_layout(record))


def _layout(record: dict[str, Any]) -> str:
    # Only the outputs keep their line breaks: a newline in an id, a title or a message would
    # start a line that reads as a header ("== ...") or as part of the text.
    def line(text: str) -> str:
        return printable(str(text), one_line=True)

    head = f"== {line(record['id'])}"
    if record.get("title"):
        head += f" — {line(record['title'])}"
    lines = [head]
    if record.get("error"):
        err = record["error"]
        lines.append(
            f"[{record['status']}: {line(err['message'])}"
            + (f"; {line(err['hint'])}]" if err.get("hint") else "]")
        )
    if record.get("summary_fr") is not None:
        lines += ["", SUMMARY_LABEL, record["summary_fr"]]
    if record.get("translation_en") is not None:
        lines += ["", TRANSLATION_LABEL, record["translation_en"]]
    for warning in record.get("warnings", []):
        lines.append(f"warning: {line(warning.get('message', warning.get('kind')))}")
    return "\n".join(lines) + "\n"


class StreamWriter:
    """Writes records to a text stream as they come: text blocks, JSON Lines or one JSON array."""

    def __init__(self, stream: TextIO, fmt: str) -> None:
        check_one_of("format", fmt, FORMATS)  # anything else was written as text
        self.stream = stream
        self.fmt = fmt
        self.count = 0
        self.encoding = getattr(stream, "encoding", None) or "utf-8"
        # A stream that cannot take every character (a cp1252 console, PYTHONIOENCODING=ascii)
        # still gets valid JSON (\u escapes), and text with "?" for what it cannot show.
        self.unicode = codecs.lookup(self.encoding).name.startswith("utf")

    def write(self, record: dict[str, Any]) -> None:
        if self.fmt == "jsonl":
            data = json.dumps(record, ensure_ascii=not self.unicode) + "\n"
        elif self.fmt == "json":
            # Stream the array element by element, so a large run is never held in memory.
            data = ("[\n" if self.count == 0 else ",\n") + json.dumps(
                record, ensure_ascii=not self.unicode, indent=2
            )
        else:
            self.write_block(format_text(record))
            return
        # Counted before the write: should it be cut short (Ctrl-C as it returns), close() must
        # still end the array that this write opened, not write a second "[]" after it.
        self.count += 1
        self._put(data)

    def write_block(self, text: str) -> None:
        """One block of text for reading, separated from the previous one by a blank line."""
        data = ("\n" if self.count else "") + text
        if not self.unicode:
            data = data.encode(self.encoding, "replace").decode(self.encoding)
        self.count += 1
        self._put(data)

    def close(self) -> None:
        if self.fmt == "json":
            self._put("[]\n" if self.count == 0 else "\n]\n")

    def _put(self, data: str) -> None:
        try:
            self.stream.write(data)
            self.stream.flush()
        except BrokenPipeError:
            raise  # the reader went away: the CLI stops quietly
        except OSError as exc:
            raise OutputError(
                f"cannot write the output: {exc.strerror or exc}",
                "free some space or write elsewhere; finished results are in the cache, so a re-run is quick",
            ) from exc


def safe_name(name: str) -> str:
    """A file name made from untrusted ``name`` that cannot leave its folder."""
    text = unicodedata.normalize("NFKC", name.replace("\0", ""))
    text = _UNSAFE.sub("_", text).strip("._-") or "article"
    if _RESERVED.match(text):
        # CON, NUL, COM1... name devices on Windows, with any extension: never a file there.
        text = "_" + text
    if len(text.encode("utf-8")) > MAX_NAME or text != name:
        # Keep names unique when sanitising or shortening made two inputs look alike.
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        text = text.encode("utf-8")[:MAX_NAME].decode("utf-8", "ignore").rstrip("._-") + "-" + digest
    return text


class DirectoryWriter:
    """Writes one file per article into ``folder``, atomically, never outside it."""

    def __init__(self, folder: Path, fmt: str, inputs: frozenset[Path] = frozenset()) -> None:
        """``inputs``: the input files (resolved); a result never takes one of their names."""
        check_one_of("format", fmt, FORMATS)
        self.folder = folder
        self.fmt = fmt
        self.inputs = inputs
        self.used: set[str] = set()
        # Names (case-folded) that hold a result renamed away from its own name: its id, the
        # name it would have had and the file it is in.
        self.renamed: dict[str, tuple[str, str, str]] = {}
        # Said on stderr by the CLI: a result that could not take its own name, and why.
        self.notices: list[str] = []

    def prepare(self) -> None:
        """Make the folder, or say why it cannot be used, before any model work is done."""
        if self.folder.exists() and not self.folder.is_dir():
            raise UsageError(f"--output-dir {self.folder} is a file, not a folder", "pick a folder")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".tmp-"):
                pass  # the folder takes files
        except OSError as exc:
            raise OutputError(
                f"cannot write to the output folder {self.folder}: {exc.strerror or exc}",
                "pick another --output-dir",
            ) from exc

    def path_for(self, ident: str) -> Path:
        """Where the result for ``ident`` goes: its own name, or the next free one (``a-2.json``).

        Every result that cannot take its own name is said in :attr:`notices`, with where it went.
        The ids to come are not known in advance (a feed on stdin), so a renamed result may take
        the own name of a later article (ids ``a``, ``a``, ``a-2``): that article still gets its
        name, and the renamed result moves on to the next free one (``a-3.json``), said too.
        """
        base = safe_name(ident)
        # Compared case-folded: on a case-insensitive disk (macOS, Windows) "A" and "a" are one file.
        suffix = ".txt" if self.fmt == "text" else ".json"
        # Only the folder is resolved: resolving the file would follow a symlink planted under
        # that name (stepped around below; one planted later is replaced by os.replace, not followed).
        folder = self.folder.resolve()
        squatter = self.renamed.pop(base.casefold(), None)
        if squatter is not None:
            # Our own name holds an earlier article's renamed result: that one moves on.
            other_ident, other_base, held = squatter
            moved, _ = self._free(folder, other_base, suffix)
            self.renamed[moved.stem.casefold()] = (other_ident, other_base, moved.name)
            try:
                os.replace(folder / held, moved)
            except OSError as exc:
                raise OutputError(
                    f"cannot move {self.folder / held} to {moved.name}: {exc.strerror or exc}",
                    "pick another --output-dir; finished results are in the cache",
                ) from exc
            self.notices.append(
                f"the result of the article '{other_ident}' is moved from {self.folder / held} to "
                f"{self.folder / moved.name}, so that the article '{ident}' keeps its own name"
            )
            return folder / (base + suffix)
        path, reason = self._free(folder, base, suffix)
        if path.parent != folder:  # belt and braces: safe_name already prevents it
            raise ValueError(f"refusing to write outside {self.folder}: {ident!r}")
        if reason is not None:
            self.renamed[path.stem.casefold()] = (ident, base, path.name)
            self.notices.append(f"{reason}: this result is written to {self.folder / path.name}")
        return path

    def _free(self, folder: Path, base: str, suffix: str) -> tuple[Path, str | None]:
        """The first name from ``base`` on that this run may write (taken for it), and why its
        own name could not be used (None when it could)."""
        name, n = base, 1
        # A folder already using the name cannot be replaced by a file: take the next name.
        # Nor may an input file (`summarize run news/a.txt -o news/`), whatever it holds, or any
        # other file the tool did not write; that one is said, as the user would look for the
        # result under its own name.
        reason: str | None = None
        while True:
            candidate = folder / (name + suffix)
            shown = self.folder / candidate.name
            if name.casefold() in self.used:
                reason = reason or f"{shown} is taken by an earlier article of this run"
            elif candidate.is_dir():
                reason = reason or f"{shown} is a folder"
            elif candidate in self.inputs:
                reason = reason or f"{shown} is an input, so it is left as it is"
            elif _foreign(candidate):
                reason = reason or f"{shown} was not written by summarize, so it is left as it is"
            else:
                break
            n += 1
            name = f"{base}-{n}"
        self.used.add(name.casefold())
        return folder / (name + suffix), reason

    def write(self, record: dict[str, Any]) -> Path:
        path = self.path_for(str(record["id"]))
        if self.fmt == "text":
            data = format_text(record)
        else:
            data = json.dumps(record, ensure_ascii=False, indent=2 if self.fmt == "json" else None) + "\n"
        # Created exclusively under a fresh name, so the file follows the umask like any other
        # (mkstemp's are private), then renamed into place: a reader never sees half a file.
        tmp = self.folder / f".tmp-{uuid.uuid4().hex}{path.suffix}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "x", encoding="utf-8") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise OutputError(
                    f"cannot write {path}: {exc.strerror or exc}",
                    "free some space or pick another --output-dir; finished results are in the cache",
                ) from exc
            raise
        return path


def _foreign(path: Path) -> bool:
    """Something at ``path`` that the tool did not write (an article, notes, a link): never
    written over. Our own results are told by their content, so a re-run writes over them
    under the same names, with no state kept between runs; a symbolic link is never ours."""
    return os.path.lexists(path) and (path.is_symlink() or not is_own_output(path))

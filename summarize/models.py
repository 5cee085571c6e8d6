"""Models on disk: resolve an id or a folder, list what is stored, pull what is missing.

Nothing here imports torch or transformers: resolving a model only reads the Hugging Face
cache layout (``models--org--name/refs/<revision>`` → ``snapshots/<commit>/``), so a run that
is served from the output cache can still name the exact revision it would have used.
``huggingface_hub`` is imported only to download.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import socket
import stat
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ModelError, ModelNotFoundError

DEFAULT_SUMMARY_MODEL = "moussaKam/barthez-orangesum-abstract"
DEFAULT_TRANSLATION_MODEL = "Helsinki-NLP/opus-mt-fr-en"
# Revisions that hold safetensors weights: barthez has them only on the conversion PR.
PINNED_REVISIONS = {
    DEFAULT_SUMMARY_MODEL: "refs/pr/2",
    DEFAULT_TRANSLATION_MODEL: "main",
}

# The files the tool needs; TF/Flax/ONNX copies are never fetched.
NEEDED_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "target_vocab.json",
    "source.spm",
    "target.spm",
    "spiece.model",
    "sentencepiece.bpe.model",
    "sentencepiece.model",
    "merges.txt",
    "vocab.txt",
)
_TOKENIZER_FILES = tuple(n for n in NEEDED_FILES if n not in ("config.json", "generation_config.json"))
_WEIGHTS = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
_WEIGHT_INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")
# The memo of weights digests (see ``_DigestMemo``), kept in the models dir.
FINGERPRINT_MEMO = ".fingerprints.json"
_MEMO_FORMAT = 1
# A file changed this recently may change again within its timestamps' granularity without its
# stat changing (2 s on FAT, coarse on network file systems): its digest is not memoised.
RACY_SECONDS = 3.0


@dataclass(frozen=True)
class ModelRef:
    """What the user asked for: a hub id (with a revision) or a local folder."""

    id: str
    revision: str | None = None

    @property
    def effective_revision(self) -> str:
        return self.revision or PINNED_REVISIONS.get(self.id, "main")


@dataclass(frozen=True)
class ResolvedModel:
    """A model found on disk, with what identifies its exact weights and tokenizer."""

    id: str  # the hub id, or a local folder's resolved absolute path (however it was typed)
    revision: str
    commit: str  # hub commit hash, or "local-<hash>" for a folder
    path: Path
    model_type: str
    tokenizer_hash: str

    def describe(self) -> dict[str, str]:
        return {"id": self.id, "revision": self.revision, "commit": self.commit}


def check_weights(model: ResolvedModel) -> None:
    """Raise ModelError when ``model``'s folder holds no usable weights file.

    Said before transformers is asked (by a backend or the CTranslate2 converter), whose own
    error for it reads like damaged weights, or names neither the file nor the way out.
    """
    folder = model.path
    problem = weights_problem(folder)
    if problem is None:
        return
    local = model.revision == "local"
    again = (
        "save the model again with save_pretrained"
        if local
        else f"pull again: summarize models pull {model.id}"
    )
    if problem == "no weights":
        raise ModelError(
            f"no weights in {folder}: neither model.safetensors nor pytorch_model.bin",
            f"{again}, or pass another folder" if local else again,
        )
    whose = "" if local else f" of {model.id}"  # a folder's id is its path
    # In the words engines/hf.py uses for what transformers finds damaged.
    what = (
        "lack a shard their index names"
        if problem == "weights missing a shard"
        else "are damaged or incomplete"
    )
    raise ModelError(f"the weights{whose} in {folder} {what}", f"verify the files or {again}")


def weights_problem(folder: Path) -> str | None:
    """Why the weights in ``folder`` cannot be loaded, told from file sizes and headers only:
    "no weights", "weights incomplete" (a file cut short, or a link to a file that is gone: an
    interrupted copy of the models dir, a deleted blob) or "weights missing a shard"; None when
    they look whole."""
    names = _weights_files(folder)
    # transformers reads the safetensors when there are any, and only then the PyTorch files.
    safetensors = [n for n in names if n.endswith(".safetensors")]
    wanted = safetensors or [n for n in names if n.endswith(".bin")]
    present = [n for n in wanted if (folder / n).is_file()]  # a link to nothing is no file
    absent = [n for n in wanted if n not in present]
    # A name without its file (a dangling link) is a damaged model, not a bare folder.
    if any((folder / n).is_symlink() for n in absent):
        return "weights incomplete"
    if not present:
        return "no weights"
    if absent:
        return "weights missing a shard"
    if not all(_whole(folder / n) for n in present):
        return "weights incomplete"
    return None


def _whole(path: Path) -> bool:
    """Whether a weights file holds all the bytes its own header promises (read: the header)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
            if path.suffix == ".bin":
                # torch.save writes a zip archive, whose directory is at the end; a file from
                # before torch 1.6 is a bare pickle, which tells nothing of its length.
                import zipfile

                return not head.startswith(b"PK") or zipfile.is_zipfile(fh)
            if len(head) < 8:
                return False
            length = int.from_bytes(head, "little")
            if length > size - 8:
                return False
            header = json.loads(fh.read(length))
    except (OSError, ValueError):
        return False
    if not isinstance(header, dict):
        return False
    ends = [
        v["data_offsets"][1]
        for k, v in header.items()
        if k != "__metadata__" and isinstance(v, dict) and isinstance(v.get("data_offsets"), list)
    ]
    # safetensors refuses a file whose data does not end exactly where the header says.
    return 8 + length + max(ends, default=0) == size


def _repo_folder(models_dir: Path, model_id: str) -> Path:
    return models_dir / ("models--" + model_id.replace("/", "--"))


#: The Hugging Face Hub's rules for a repository id, as huggingface_hub's validate_repo_id has them.
HUB_ID_RULE = (
    "a Hugging Face id is NAME or NAMESPACE/NAME, each of letters, digits, '-', '_' and '.', "
    "at most 96 characters, not starting or ending with '-' or '.', without '--' or '..'"
)
_HUB_CHAR = re.compile(r"[A-Za-z0-9_.\-]")


def hub_id_problem(model_id: str) -> str | None:
    """What breaks the Hub's rules (:data:`HUB_ID_RULE`) in ``model_id``; None for a valid id.

    Checked before any download, so that a typo is refused at once instead of costing a round
    trip to the Hub (or its timeouts, offline) and an error in the client's words.
    """
    if not model_id.strip():
        return "it is empty"
    parts = model_id.split("/")
    if len(parts) > 2:
        return f"{len(parts) - 1} '/' where at most one may be"
    for part in parts:
        if not part:
            return "an empty namespace or name"
        bad = sorted({c for c in part if not _HUB_CHAR.fullmatch(c)})
        if bad:
            return ", ".join(repr(c) for c in bad[:5]) + (" is" if len(bad) == 1 else " are") + " not allowed"
        if len(part) > 96:
            return f"{part[:12]}... is {len(part)} characters long"
    for pair in ("--", ".."):
        if pair in model_id:
            return f"it holds {pair!r}"
    for part in parts:
        if part[0] in "-." or part[-1] in "-.":
            return f"{part!r} starts or ends with '-' or '.'"
    if model_id.endswith(".git"):
        return "it ends with '.git'"
    return None


def not_an_id(value: str, problem: str) -> str:
    """The error for a model name that is neither a folder nor an id (hint: :data:`HUB_ID_RULE`)."""
    return f"{value!r} is neither a model folder nor a valid Hugging Face id ({problem})"


def _is_hub_id(model_id: str) -> bool:
    return hub_id_problem(model_id) is None


def check_hub_id(model_id: str) -> None:
    """Raise ModelNotFoundError, naming the rule it breaks, when ``model_id`` (not a folder here)
    cannot be a Hugging Face id: nothing could be downloaded under it."""
    problem = hub_id_problem(model_id)
    if problem is not None:
        raise ModelNotFoundError(
            not_an_id(model_id, problem),
            f"{HUB_ID_RULE}; or pass a model folder's path",
        )


def find_local(ref: ModelRef, models_dir: Path) -> Path | None:
    """The snapshot folder of ``ref`` in ``models_dir``, if it was pulled."""
    repo = _repo_folder(models_dir, ref.id)
    revision = ref.effective_revision
    commit = revision if re.fullmatch(r"[0-9a-f]{40}", revision) else None
    if commit is None:
        ref_file = repo / "refs" / revision
        if not ref_file.is_file():
            return None
        commit = ref_file.read_text(encoding="utf-8").strip()
    snapshot = repo / "snapshots" / commit
    return snapshot if (snapshot / "config.json").is_file() else None


def resolve(ref: ModelRef, models_dir: Path, *, offline: bool) -> ResolvedModel:
    """Find ``ref`` locally or (online) pull it; raise ModelNotFoundError otherwise."""
    if not ref.id.strip():
        check_hub_id(ref.id)  # Path("") is the working folder: an empty id names no folder
    folder = Path(ref.id).expanduser()
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise ModelError(
                f"{folder} is not a model folder (no config.json)",
                "pass a folder saved with save_pretrained, or a Hugging Face model id",
            )
        # The id goes into cache keys and records: "./m", "m/" and "/abs/m" are one model.
        model_id = str(folder.resolve())
        return _describe(model_id, "local", "local-" + fingerprint(folder, models_dir)[:16], folder)
    if folder.exists():  # "in/a.txt": a path to something that is not a folder, never a hub id
        raise ModelError(
            f"{folder} is a file, not a model folder",
            "pass the folder that holds config.json, or a Hugging Face model id",
        )
    if looks_like_path(ref.id):
        raise ModelNotFoundError(
            f"model folder {ref.id} does not exist",
            "check the path, or pass a Hugging Face model id"
            + ("" if ref.id.startswith((".", "/", "~")) else " (NAME or NAMESPACE/NAME: one '/' at most)"),
        )
    check_hub_id(ref.id)
    snapshot = find_local(ref, models_dir)
    if snapshot is None and not offline:
        snapshot = pull(ref, models_dir)
    if snapshot is None:
        raise ModelNotFoundError(
            f"model {ref.id} (revision {ref.effective_revision}) is not in {models_dir} (offline)",
            fetch=_fetch(ref, models_dir),
        )
    return _describe(ref.id, ref.effective_revision, snapshot.name, snapshot)


def looks_like_path(model_id: str) -> bool:
    """Whether ``model_id`` was meant as a folder (hub ids are ``name`` or ``org/name``)."""
    return model_id.startswith((".", "/", "~")) or model_id.count("/") > 1


def _describe(model_id: str, revision: str, commit: str, folder: Path) -> ResolvedModel:
    config = read_json(folder / "config.json")
    return ResolvedModel(
        model_id,
        revision,
        commit,
        folder,
        str(config.get("model_type", "unknown")),
        _hash_files(folder / n for n in _TOKENIZER_FILES),
    )


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; {} when the file does not exist."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path}: {exc}", "verify the model folder or pull it again") from exc
    if not isinstance(data, dict):
        raise ModelError(f"{path} does not hold a JSON object", "verify the model folder or pull it again")
    return data


def _hash_files(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if path.is_file():
            digest.update(path.name.encode() + b"\0")
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def fingerprint(folder: Path, memo_dir: Path | None = None) -> str:
    """Identify a local folder's model by the full content of its config and weights files.

    Every weights file counts, each shard of a sharded checkpoint included, so retrained
    weights always mean a new fingerprint.  Hashing hundreds of MB on every run would cost
    tenths of a second, so a file's digest is memoised by its stat, as git's index does (see
    ``_DigestMemo``, kept in ``memo_dir``, the models dir): an unchanged model costs a few
    ``stat`` calls.
    """
    digest = hashlib.sha256(b"summarize-fingerprint-2\0")
    digest.update(_hash_files(folder / n for n in ("config.json", "generation_config.json")).encode())
    memo = _DigestMemo(memo_dir)
    for name in _weights_files(folder):
        path = folder / name
        # A shard the index names but that is missing still counts: it changes the fingerprint.
        digest.update(f"{name}\0{memo.digest(path) if path.is_file() else 'missing'}\n".encode())
    memo.save()
    return digest.hexdigest()


def _weights_files(folder: Path) -> list[str]:
    """The names of every file in ``folder`` that holds or indexes its weights, sorted."""
    names = {n for n in _WEIGHTS if (folder / n).is_file()}
    names.update(p.name for p in folder.glob("*.safetensors"))
    names.update(p.name for p in folder.glob("pytorch_model*.bin"))
    for index in _WEIGHT_INDEXES:
        try:
            weight_map = json.loads((folder / index).read_text(encoding="utf-8")).get("weight_map")
        except (OSError, ValueError, AttributeError):
            continue  # no index, or a damaged one: its bytes are hashed all the same
        if isinstance(weight_map, dict):
            names.update(
                v
                for v in weight_map.values()
                if isinstance(v, str) and v not in ("", ".", "..") and "/" not in v and "\\" not in v
            )
    return sorted(names)


class _DigestMemo:
    """SHA-256 digests of whole files, by (absolute path, size, mtime_ns, inode, ctime_ns).

    A file whose stat is unchanged is not read again: replacing, rewriting or touching a file
    changes its mtime, ctime or inode.  The digests are kept in
    ``<memo_dir>/.fingerprints.json``, which is only a speed-up: a memo that cannot be read,
    is damaged or cannot be written is ignored (and rewritten when it can be), never an error.
    """

    def __init__(self, memo_dir: Path | None) -> None:
        self.path = memo_dir / FINGERPRINT_MEMO if memo_dir is not None else None
        self._files: dict[str, list[Any]] | None = None  # the memo file's entries, read on first miss
        self._new: dict[str, list[Any]] = {}

    def digest(self, path: Path) -> str:
        """The SHA-256 of ``path``'s content, read only when no digest matches its stat."""
        name = os.path.abspath(path)
        entry = self._load().get(name)
        if entry is not None and tuple(entry[:4]) == _stat_key(os.stat(path)):
            return str(entry[4])
        value, stat = _file_sha256(path)
        if stat is not None:
            self._new[name] = [*stat, value]
        return value

    def _load(self) -> dict[str, list[Any]]:
        if self._files is None:
            self._files = _read_memo(self.path) if self.path is not None else {}
        return self._files

    def save(self) -> None:
        """Write the new digests into the memo file, atomically; skipped when it cannot be."""
        if self.path is None or not self._new or not self.path.parent.is_dir():
            return  # the models dir is never created just for a memo
        # Merge with what other processes wrote since, and forget files that are gone.
        files = {**_read_memo(self.path), **self._new}
        files = {name: entry for name, entry in files.items() if os.path.exists(name)}
        tmp = self.path.with_name(f"{FINGERPRINT_MEMO}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            # os.open, not mkstemp (mode 0600): the memo follows the umask, for a shared models dir.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"format": _MEMO_FORMAT, "files": files}, fh)
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):  # not created, or a models dir that is a file
                tmp.unlink()


def _stat_key(stat: os.stat_result) -> tuple[int, int, int, int]:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns)


def _read_memo(path: Path | None) -> dict[str, list[Any]]:
    """The valid entries of the memo file at ``path``; {} when it is missing or damaged."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) and data.get("format") == _MEMO_FORMAT else None
    if not isinstance(files, dict):
        return {}
    return {
        name: entry
        for name, entry in files.items()
        if isinstance(entry, list)
        and len(entry) == 5
        and all(type(v) is int for v in entry[:4])
        and isinstance(entry[4], str)
        and re.fullmatch(r"[0-9a-f]{64}", entry[4])
    }


def _file_sha256(path: Path) -> tuple[str, tuple[int, int, int, int] | None]:
    """``path``'s SHA-256, and the stat it may be memoised under (None: not safely)."""
    with path.open("rb") as fh:
        before = _stat_key(os.fstat(fh.fileno()))
        value = hashlib.file_digest(fh, "sha256").hexdigest()
        after = os.fstat(fh.fileno())
    # Changed while being read, or so recently that a change to come could keep the same stat
    # (git's "racily clean" entries): right for this run, not to be trusted for the next one.
    recent = time.time_ns() - max(after.st_mtime_ns, after.st_ctime_ns) < RACY_SECONDS * 1e9
    return value, None if recent or _stat_key(after) != before else before


def pull(ref: ModelRef, models_dir: Path, *, damaged: str | None = None) -> Path:
    """Download the files the tool needs for ``ref`` into ``models_dir``; return the snapshot.

    ``damaged`` (why the stored copy cannot be loaded) downloads every file again: the hub
    client keeps a file that is there, even cut short.
    """
    check_hub_id(ref.id)  # before any connection: the Hub could only refuse it
    revision = ref.effective_revision
    fetch = _fetch(ref, models_dir)
    host = urllib.parse.urlsplit(os.environ.get("HF_ENDPOINT") or "https://huggingface.co").hostname or ""
    try:
        # Fail fast when offline: the hub client would retry with backoff for half a minute.
        socket.create_connection((host, 443), timeout=5).close()
    except OSError as exc:
        where = f"is stored in {models_dir} but damaged ({damaged})" if damaged else f"is not in {models_dir}"
        raise ModelNotFoundError(
            f"model {ref.id} (revision {revision}) {where} and {host} cannot be reached "
            f"({exc.strerror or exc})",
            fetch=fetch,
        ) from exc
    from huggingface_hub import HfApi, snapshot_download

    try:
        files = HfApi().list_repo_files(ref.id, revision=revision)
        has_safetensors = any(f.endswith(".safetensors") for f in files)
        patterns = list(NEEDED_FILES) + (
            ["model.safetensors", "model-*.safetensors", "model.safetensors.index.json"]
            if has_safetensors
            else ["pytorch_model.bin"]
        )
        path = snapshot_download(
            ref.id,
            revision=revision,
            cache_dir=models_dir,
            allow_patterns=patterns,
            force_download=damaged is not None,
        )
    except Exception as exc:  # the hub client raises many kinds; each means "not downloaded"
        raise ModelNotFoundError(
            f"cannot download {ref.id} (revision {revision}) into {models_dir}: {_short(exc)}", fetch=fetch
        ) from exc
    return Path(path)


def _fetch(ref: ModelRef, models_dir: Path) -> str:
    """How to get a hub model that is not stored here."""
    return f"run `summarize models pull {ref.id}` on a connected machine and copy {models_dir}"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:160] if text else type(exc).__name__


def model_status(model_id: str, models_dir: Path) -> str:
    """ "stored", "local folder", "no such folder", "missing", "not a folder, nor a valid Hugging
    Face id", or why a model cannot be loaded
    ("not a model folder", "unreadable config.json", "no weights", "weights incomplete",
    "weights missing a shard", "no tokenizer"; "stored, but ..." for a pulled one), without
    downloading or loading anything."""
    folder = Path(model_id).expanduser()
    if folder.is_dir():
        return folder_problem(folder) or "local folder"
    if folder.exists():
        return "not a model folder"  # a file
    if looks_like_path(model_id):
        return "no such folder"  # nothing to pull: a path that leads nowhere
    if not _is_hub_id(model_id):
        return "not a folder, nor a valid Hugging Face id"
    snapshot = find_local(ModelRef(model_id), models_dir)
    if snapshot is None:
        return "missing"
    problem = folder_problem(snapshot)
    return f"stored, but {problem}" if problem else "stored"


def folder_problem(folder: Path) -> str | None:
    """What a run would refuse in a model folder at its first article, told now from the files
    alone: "not a model folder", "unreadable config.json", a :func:`weights_problem` or "no
    tokenizer"; None when it looks loadable."""
    if not (folder / "config.json").is_file():
        return "not a model folder"
    try:
        json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unreadable config.json"
    problem = weights_problem(folder)
    if problem is not None:
        return problem
    from .tokens import TOKENIZER_FILES

    return None if any((folder / n).is_file() for n in TOKENIZER_FILES) else "no tokenizer"


@dataclass(frozen=True)
class StoredModel:
    id: str
    revision: str
    commit: str
    path: Path
    size_bytes: int


def disk_size(folders: Iterable[Path]) -> int:
    """The bytes held by the files of ``folders`` (not their subfolders), each underlying file
    counted once: a file reached by two names, a symbolic link into the Hugging Face cache's
    blobs (two snapshots, or ``source.spm`` and ``target.spm`` that are the same blob) or a hard
    link between a model and a conversion, is told by its (device, inode)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for folder in folders:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat()  # follows a link: the blob it points to
            except OSError:
                continue  # a link to a deleted blob holds nothing
            if not stat.S_ISREG(info.st_mode) or (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            total += info.st_size
    return total


def list_stored(models_dir: Path) -> list[StoredModel]:
    """Every pulled revision in ``models_dir`` with its size on disk (a file it names twice,
    counted once: see :func:`disk_size`)."""
    out: list[StoredModel] = []
    if not models_dir.is_dir():
        return out
    for repo in sorted(models_dir.glob("models--*")):
        model_id = repo.name[len("models--") :].replace("--", "/", 1)
        refs = (
            {
                p.read_text(encoding="utf-8").strip(): str(p.relative_to(repo / "refs"))
                for p in (repo / "refs").rglob("*")
                if p.is_file()
            }
            if (repo / "refs").is_dir()
            else {}
        )
        for snapshot in sorted((repo / "snapshots").glob("*")) if (repo / "snapshots").is_dir() else []:
            size = disk_size([snapshot])
            out.append(
                StoredModel(
                    model_id, refs.get(snapshot.name, snapshot.name[:12]), snapshot.name, snapshot, size
                )
            )
    return out

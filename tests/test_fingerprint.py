"""A local model's identity: its content fingerprint, the memo that keeps it cheap, path
spellings, and the CTranslate2 conversion folder named after it."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from summarize import convert, models
from summarize.convert import converted_path, ensure_converted
from summarize.models import FINGERPRINT_MEMO, ModelRef, fingerprint, resolve

MIB = 1 << 20


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test count as settled: their digests may be memoised at once.

    (A real file is memoised only once it is RACY_SECONDS old; see the test on that.)
    """
    monkeypatch.setattr(models, "RACY_SECONDS", 0)


def _model_with_big_file(folder: Path, middle: float = 0.0) -> Path:
    """A config and one 3 MiB safetensors file whose ``middle`` tensor lies past the first MiB
    and before the last one (what a size-and-edges hash never read)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text('{"model_type": "marian"}', encoding="utf-8")
    tensors = {
        "a": np.zeros(MIB * 3 // 2 // 4, dtype=np.float32),
        "b": np.full(16, middle, dtype=np.float32),
        "c": np.zeros(MIB * 3 // 2 // 4, dtype=np.float32),
    }
    save_file(tensors, str(folder / "model.safetensors"))
    return folder


def _opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files opened through pathlib from now on."""
    seen: list[str] = []
    real = Path.open

    def spy(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        seen.append(self.name)
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", spy)
    return seen


# -- the fingerprint follows every byte of the weights ----------------------------------------


def test_a_changed_shard_changes_the_fingerprint(tiny: dict[str, Path], tmp_path: Path) -> None:
    """The user's repro: save_pretrained with a small shard size, retrain, save again."""
    import torch
    from transformers import MarianMTModel

    net = MarianMTModel.from_pretrained(tiny["marian"])
    folder = shutil.copytree(tiny["marian"], tmp_path / "sharded", ignore=shutil.ignore_patterns("model.*"))
    net.save_pretrained(folder, max_shard_size="100KB")
    shards = sorted(folder.glob("model-*.safetensors"))
    assert len(shards) > 1 and (folder / "model.safetensors.index.json").is_file()
    before = resolve(ModelRef(str(folder)), tmp_path, offline=True)

    with torch.no_grad():
        for param in net.parameters():
            param.add_(0.5)
    net.save_pretrained(folder, max_shard_size="100KB")
    assert sorted(folder.glob("model-*.safetensors")) == shards  # same names, same index
    after = resolve(ModelRef(str(folder)), tmp_path, offline=True)
    assert after.commit != before.commit
    assert converted_path(after, tmp_path, "int8") != converted_path(before, tmp_path, "int8")


def test_one_shard_alone_changes_the_fingerprint(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    index = {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index), encoding="utf-8")
    save_file({"a": np.zeros(8, dtype=np.float32)}, str(folder / "model-00001-of-00002.safetensors"))
    save_file({"b": np.zeros(8, dtype=np.float32)}, str(folder / "model-00002-of-00002.safetensors"))
    before = fingerprint(folder, tmp_path)
    save_file({"b": np.ones(8, dtype=np.float32)}, str(folder / "model-00002-of-00002.safetensors"))
    changed = fingerprint(folder, tmp_path)
    assert changed != before
    (folder / "model-00002-of-00002.safetensors").unlink()  # a shard the index names, missing
    assert fingerprint(folder, tmp_path) not in (before, changed)


def test_a_change_past_the_first_mib_changes_the_fingerprint(tmp_path: Path) -> None:
    folder = _model_with_big_file(tmp_path / "m", middle=0.0)
    size = (folder / "model.safetensors").stat().st_size
    before = fingerprint(folder, tmp_path)
    _model_with_big_file(folder, middle=1.0)
    assert (folder / "model.safetensors").stat().st_size == size > 2 * MIB
    assert fingerprint(folder, tmp_path) != before


# -- the memo: an unchanged model is not read again -------------------------------------------


def test_an_unchanged_model_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    folder = _model_with_big_file(tmp_path / "m")
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    first = fingerprint(folder, models_dir)
    memo = json.loads((models_dir / FINGERPRINT_MEMO).read_text(encoding="utf-8"))
    assert list(memo["files"]) == [str(folder / "model.safetensors")]

    opened = _opened(monkeypatch)
    assert fingerprint(folder, models_dir) == first
    assert "model.safetensors" not in opened  # config.json is read (a few bytes); weights not
    assert fingerprint(folder, models_dir) == first  # and again from this process's memo
    assert "model.safetensors" not in opened
    # Nothing beside the memo: no temporary file left.
    assert [p.name for p in models_dir.iterdir()] == [FINGERPRINT_MEMO]


def test_a_rewrite_that_keeps_size_and_mtime_is_still_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    """`cp -p` of retrained weights over the old file: same inode, size and mtime; new ctime."""
    folder = _model_with_big_file(tmp_path / "m", middle=0.0)
    weights = folder / "model.safetensors"
    mtime = weights.stat().st_mtime_ns
    before = fingerprint(folder, tmp_path)
    time.sleep(0.05)  # past the file system's timestamp granularity
    inode = weights.stat().st_ino
    with weights.open("r+b") as fh:  # rewritten in place, as `cp -p` does
        data = bytearray(fh.read())
        data[2 * MIB] ^= 0xFF
        fh.seek(0)
        fh.write(data)
    os.utime(weights, ns=(mtime, mtime))
    assert weights.stat().st_ino == inode and weights.stat().st_mtime_ns == mtime
    assert fingerprint(folder, tmp_path) != before


def test_a_file_written_just_now_is_not_memoised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A change within the timestamps' granularity could keep the stat: not trusted yet."""
    folder = _model_with_big_file(tmp_path / "m")
    fingerprint(folder, tmp_path)
    assert not (tmp_path / FINGERPRINT_MEMO).exists()
    opened = _opened(monkeypatch)
    fingerprint(folder, tmp_path)
    assert "model.safetensors" in opened


def test_a_damaged_memo_is_ignored_and_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    folder = _model_with_big_file(tmp_path / "m")
    expected = fingerprint(folder, None)  # no memo at all
    memo = tmp_path / FINGERPRINT_MEMO
    weights = str(folder / "model.safetensors")
    stat = os.stat(weights)
    stat_key = [stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns]
    for damaged in (
        b"\x00garbage{",
        b"[1, 2]",
        json.dumps({"format": 1, "files": []}).encode(),
        json.dumps({"format": 1, "files": {weights: [*stat_key, "not-a-digest"]}}).encode(),
        json.dumps({"format": 1, "files": {weights: ["1", 2, 3, 4, "0" * 64]}}).encode(),
    ):
        memo.write_bytes(damaged)
        assert fingerprint(folder, tmp_path) == expected
        assert json.loads(memo.read_text(encoding="utf-8"))["files"][weights][:4] == stat_key


def test_an_unwritable_models_dir_still_gives_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    folder = _model_with_big_file(tmp_path / "m")
    expected = fingerprint(folder, None)

    a_file = tmp_path / "not-a-dir"
    a_file.write_text("", encoding="utf-8")
    blocked = tmp_path / "blocked"
    (blocked / FINGERPRINT_MEMO).mkdir(parents=True)  # the memo's name is taken by a folder
    missing = tmp_path / "missing"
    for models_dir in (a_file, blocked, missing):
        assert fingerprint(folder, models_dir) == expected
    assert [p.name for p in blocked.iterdir()] == [FINGERPRINT_MEMO]  # no temporary file left
    assert not missing.exists()  # never created just for a memo

    # Through resolve: a models dir that cannot hold the memo costs nothing but the reading.
    assert resolve(ModelRef(str(folder)), blocked, offline=True).commit == "local-" + expected[:16]


# -- one model, however its path is typed -----------------------------------------------------


def test_path_spellings_are_one_model(
    tiny: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = shutil.copytree(tiny["marian"], tmp_path / "copy_model")
    monkeypatch.chdir(tmp_path)
    spellings = ["./copy_model", "copy_model", "copy_model/", str(copy), str(tmp_path / "." / "copy_model")]
    resolved = [resolve(ModelRef(s), tmp_path / "models", offline=True) for s in spellings]
    # What enters the cache key (and the record) is the same for every spelling.
    assert all(m.describe() == resolved[0].describe() for m in resolved)
    assert resolved[0].describe()["id"] == str(copy.resolve())
    assert len({m.tokenizer_hash for m in resolved}) == 1
    paths = {converted_path(m, tmp_path / "models", "int8") for m in resolved}
    assert len(paths) == 1
    # The conversion is named by content alone: the same model elsewhere is converted once.
    moved = shutil.copytree(copy, tmp_path / "elsewhere" / "renamed")
    other = resolve(ModelRef(str(moved)), tmp_path / "models", offline=True)
    assert other.commit == resolved[0].commit
    assert converted_path(other, tmp_path / "models", "int8") in paths


# -- conversion leftovers ---------------------------------------------------------------------


def test_leftovers_are_removed_when_the_target_already_exists(tiny: dict[str, Path], tmp_path: Path) -> None:
    model = resolve(ModelRef(str(tiny["t5"])), tmp_path, offline=True)
    target = converted_path(model, tmp_path, None)
    target.mkdir(parents=True)  # converted by an earlier run
    (target / "model.bin").write_bytes(b"converted")
    (target / convert.METADATA_FILE).write_text("{}", encoding="utf-8")
    dead = target.parent / f".{target.name}.dead.tmp"  # a conversion killed with SIGKILL
    running = target.parent / f".{target.name}.running.tmp"  # one under way in another process
    other = target.parent / f".{target.name}-other.dead.tmp"  # another target's
    for leftover in (dead, running, other):
        (leftover / "model").mkdir(parents=True)
    old = time.time() - convert.STALE_SECONDS - 60
    for leftover in (dead, other):
        os.utime(leftover, (old, old))

    assert ensure_converted(model, tmp_path) == target
    assert sorted(p.name for p in target.parent.iterdir()) == sorted([target.name, running.name, other.name])

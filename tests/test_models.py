"""Model resolution: local folders, the hub cache layout, and the missing-model message."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from summarize.errors import ModelError, ModelNotFoundError
from summarize.models import ModelRef, check_weights, find_local, list_stored, resolve


def _fake_pull(src: Path, models_dir: Path, model_id: str, revision: str, commit: str) -> Path:
    """Lay a model out as huggingface_hub's snapshot_download does."""
    repo = models_dir / ("models--" + model_id.replace("/", "--"))
    (repo / "refs" / Path(revision).parent).mkdir(parents=True, exist_ok=True)
    (repo / "refs" / revision).write_text(commit)
    shutil.copytree(src, repo / "snapshots" / commit)
    return repo / "snapshots" / commit


def test_local_folder(tiny: dict[str, Path], tmp_path: Path) -> None:
    model = resolve(ModelRef(str(tiny["marian"])), tmp_path, offline=True)
    assert model.path == tiny["marian"] and model.model_type == "marian"
    assert model.commit.startswith("local-")


def test_local_fingerprint_changes_with_the_weights(tiny: dict[str, Path], tmp_path: Path) -> None:
    copy = shutil.copytree(tiny["marian"], tmp_path / "m")
    before = resolve(ModelRef(str(copy)), tmp_path, offline=True).commit
    data = bytearray((copy / "model.safetensors").read_bytes())
    data[-1] ^= 1
    (copy / "model.safetensors").write_bytes(bytes(data))
    assert resolve(ModelRef(str(copy)), tmp_path, offline=True).commit != before


def test_hub_layout_with_pinned_revision(tiny: dict[str, Path], tmp_path: Path) -> None:
    commit = "a" * 40
    snapshot = _fake_pull(
        tiny["barthez"], tmp_path, "moussaKam/barthez-orangesum-abstract", "refs/pr/2", commit
    )
    model = resolve(ModelRef("moussaKam/barthez-orangesum-abstract"), tmp_path, offline=True)
    assert model.path == snapshot and model.commit == commit and model.revision == "refs/pr/2"
    stored = list_stored(tmp_path)
    assert [(s.id, s.revision) for s in stored] == [("moussaKam/barthez-orangesum-abstract", "refs/pr/2")]
    assert stored[0].size_bytes > 100_000


def test_missing_model_offline(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        resolve(ModelRef("Helsinki-NLP/opus-mt-fr-en"), tmp_path, offline=True)
    assert "summarize models pull Helsinki-NLP/opus-mt-fr-en" in info.value.hint
    assert str(tmp_path) in info.value.message


def test_missing_model_online_fails_fast_without_network(tmp_path: Path) -> None:
    """No network here: the real download attempt must end in the same clear error."""
    with pytest.raises(ModelNotFoundError) as info:
        resolve(ModelRef("Helsinki-NLP/opus-mt-de-en"), tmp_path, offline=False)
    assert "local model folder" in info.value.hint
    assert find_local(ModelRef("Helsinki-NLP/opus-mt-de-en"), tmp_path) is None


def test_folder_without_config(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="not a model folder"):
        resolve(ModelRef(str(tmp_path / "empty")), tmp_path, offline=True)


def test_models_pull_converts_once_for_the_cpu_backend(
    tiny: dict[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`models pull` lays the files out (the network is replaced by a copy) and converts them."""
    from typer.testing import CliRunner

    import summarize.models
    from summarize.cli import app

    def offline_pull(ref: ModelRef, models_dir: Path, *, damaged: str | None = None) -> Path:
        return _fake_pull(tiny["marian"], models_dir, ref.id, ref.effective_revision, "b" * 40)

    monkeypatch.setattr(summarize.models, "pull", offline_pull)
    result = CliRunner().invoke(
        app, ["models", "pull", "Helsinki-NLP/opus-mt-de-en", "--models-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[1].startswith("Helsinki-NLP/opus-mt-de-en\t")
    converted = Path(lines[1].split("\t")[1])
    assert converted.parent == tmp_path / "ctranslate2" and (converted / "model.bin").is_file()
    listed = CliRunner().invoke(app, ["models", "list", "--lang", "de", "--models-dir", str(tmp_path)])
    assert ["de", "translation", "Helsinki-NLP/opus-mt-de-en", "stored"] in [
        line.split("\t") for line in listed.stdout.splitlines()
    ]


def test_a_file_given_as_model_is_named_as_such(tmp_path: Path) -> None:
    article = tmp_path / "in" / "a.txt"
    article.parent.mkdir()
    article.write_text("Bonjour.", encoding="utf-8")
    with pytest.raises(ModelError) as info:
        resolve(ModelRef(str(article)), tmp_path / "models", offline=True)
    assert info.value.message == f"{article} is a file, not a model folder"
    assert "config.json" in (info.value.hint or "")


def test_a_relative_default_lands_in_the_tests_own_folder(tmp_path: Path) -> None:
    # RunOptions() keeps models in ./models_cache: a test that forgets --models-dir must not
    # write fingerprints or conversions into the repository's folder.
    from summarize.options import RunOptions

    assert RunOptions().models_dir.resolve().is_relative_to(tmp_path)


@pytest.mark.parametrize("how", ["--offline", "HF_HUB_OFFLINE"])
def test_pull_offline_converts_what_is_stored_and_never_dials(
    tiny: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    import socket

    from typer.testing import CliRunner

    from summarize.cli import app

    def dial(*args: object, **kwargs: object) -> None:
        raise AssertionError("models pull --offline opened a connection")

    monkeypatch.setattr(socket, "create_connection", dial)
    args = ["models", "pull", "Helsinki-NLP/opus-mt-es-en", str(tiny["marian"])]
    args += ["--models-dir", str(tmp_path)]
    if how == "--offline":
        args.append("--offline")
    else:
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert "Helsinki-NLP/opus-mt-es-en" in line and "(offline)" in line
    assert f"{tiny['marian']}\t{tmp_path / 'ctranslate2'}" in result.stdout  # the folder still converts


def _pull_as_the_hub_does(src: Path, models_dir: Path, model_id: str, commit: str) -> Path:
    """Lay a model out as huggingface_hub does: snapshot entries are links into blobs/."""
    import hashlib

    repo = models_dir / ("models--" + model_id.replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    (repo / "blobs").mkdir()
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for file in src.iterdir():
        blob = repo / "blobs" / hashlib.sha256(file.read_bytes()).hexdigest()
        shutil.copyfile(file, blob)
        (snapshot / file.name).symlink_to(Path("../../blobs") / blob.name)
    return snapshot


@pytest.mark.parametrize("damage", ["deleted blob", "cut short", "missing shard"])
def test_models_list_check_fails_on_a_stored_model_that_cannot_load(
    tiny: dict[str, Path], tmp_path: Path, damage: str
) -> None:
    # A models dir copied to an offline machine in part, or a blob deleted to free space:
    # `models list --check` said "stored" and exit 0, and the run then failed on every article.
    from typer.testing import CliRunner

    from summarize.cli import app

    snapshot = _pull_as_the_hub_does(tiny["marian"], tmp_path, "tiny/marian", "d" * 40)
    args = ["models", "list", "--translation-model", "tiny/marian", "--summary-model", "tiny/marian"]
    args += ["--models-dir", str(tmp_path), "--check"]
    whole = CliRunner().invoke(app, args)
    assert whole.exit_code == 0 and "fr\ttranslation\ttiny/marian\tstored" in whole.stdout.splitlines()
    weights = snapshot / "model.safetensors"
    if damage == "deleted blob":
        weights.resolve().unlink()
        state = "stored, but weights incomplete"
    elif damage == "cut short":
        blob = weights.resolve()
        blob.write_bytes(blob.read_bytes()[:-100])
        state = "stored, but weights incomplete"
    else:
        index = {
            "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}
        }
        (snapshot / "model.safetensors.index.json").write_text(json.dumps(index))
        weights.rename(snapshot / "model-00001-of-00002.safetensors")
        state = "stored, but weights missing a shard"
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert f"fr\ttranslation\ttiny/marian\t{state}" in result.stdout.splitlines()
    assert result.stderr == "summarize: 1 stored model damaged: summarize models pull tiny/marian\n"
    # The run says the same, and names the same way out, instead of transformers' own words.
    said = "lack a shard their index names" if "shard" in state else "are damaged or incomplete"
    with pytest.raises(ModelError, match=f"the weights of tiny/marian in .* {said}"):
        check_weights(resolve(ModelRef("tiny/marian"), tmp_path, offline=True))


def test_models_list_check_passes_a_damaged_model_that_runs_from_its_conversion(
    tiny: dict[str, Path], tmp_path: Path
) -> None:
    # A run with the default backend loads the CTranslate2 conversion alone, and worked; but
    # `models list --check` called the model damaged and exited 1, failing the pre-flight of
    # `models list --check && run`. It passes now, and says which form is broken.
    from typer.testing import CliRunner

    from summarize.cli import app

    mdir = tmp_path / "models"
    snapshot = _pull_as_the_hub_does(tiny["marian"], mdir, "tiny/marian", "f" * 40)
    pull = ["models", "pull", "tiny/marian", "--offline", "--models-dir", str(mdir)]
    pulled = CliRunner().invoke(app, pull)
    assert pulled.exit_code == 0, pulled.stderr  # stored, and converted for the default dtype
    blob = (snapshot / "model.safetensors").resolve()
    blob.write_bytes(blob.read_bytes()[:-100])
    model = ["--translation-model", "tiny/marian", "--summary-model", "tiny/marian"]
    model += ["--models-dir", str(mdir)]
    listed = CliRunner().invoke(app, ["models", "list", *model, "--check"])
    assert listed.exit_code == 0, listed.stderr
    state = "stored, but weights incomplete; a run loads its CTranslate2 conversion"
    assert f"fr\ttranslation\ttiny/marian\t{state}" in listed.stdout.splitlines()
    assert listed.stderr == (
        "summarize: warning: 1 stored model damaged, but a run loads only its CTranslate2 conversion "
        "(`--backend transformers` would fail): summarize models pull tiny/marian\n"
    )
    # What the check says is what runs do.
    src = tmp_path / "a.txt"
    src.write_text("Le conseil municipal a voté le budget.\n", encoding="utf-8")
    run = ["run", str(src), *model, "--only", "translation", "--source-lang", "fr", "--offline", "--no-cache"]
    assert CliRunner().invoke(app, [*run, "--max-translation-tokens", "2"]).exit_code == 0
    fails = CliRunner().invoke(app, [*run, "--backend", "transformers"])
    assert fails.exit_code == 1 and "are damaged or incomplete" in fails.stderr
    # Without the conversion, the run would read the damaged weights: --check fails as before.
    shutil.rmtree(mdir / "ctranslate2")
    again = CliRunner().invoke(app, ["models", "list", *model, "--check"])
    assert again.exit_code == 1
    assert "fr\ttranslation\ttiny/marian\tstored, but weights incomplete" in again.stdout.splitlines()


def test_models_pull_fetches_a_damaged_stored_model_again(
    tiny: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every message about a damaged model says `summarize models pull ID`, which answered
    # "already stored" and changed nothing.
    from typer.testing import CliRunner

    import summarize.models
    from summarize.cli import app

    snapshot = _pull_as_the_hub_does(tiny["marian"], tmp_path, "tiny/marian", "e" * 40)
    (snapshot / "model.safetensors").resolve().unlink()
    args = ["models", "pull", "tiny/marian", "--no-convert", "--models-dir", str(tmp_path)]

    offline = CliRunner().invoke(app, [*args, "--offline"])
    assert offline.exit_code == 1 and offline.stdout == ""
    (line,) = offline.stderr.splitlines()
    assert f"model tiny/marian in {snapshot} is damaged (weights incomplete) and offline" in line
    assert "summarize models pull tiny/marian` on a connected machine" in line

    asked: list[str | None] = []

    def hub_pull(ref: ModelRef, models_dir: Path, *, damaged: str | None = None) -> Path:
        asked.append(damaged)
        shutil.copyfile(tiny["marian"] / "model.safetensors", (snapshot / "model.safetensors").resolve())
        return snapshot

    monkeypatch.setattr(summarize.models, "pull", hub_pull)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert asked == ["weights incomplete"]  # downloaded anew: the hub client keeps files it has
    assert result.stdout == f"tiny/marian\t{snapshot}\tdownloaded again (weights incomplete)\n"
    again = CliRunner().invoke(app, args)
    assert again.stdout == f"tiny/marian\t{snapshot}\talready stored\n" and asked == ["weights incomplete"]


def test_models_list_counts_a_shared_file_once(tmp_path: Path) -> None:
    """A file reached by several names (a blob two snapshots link to, source.spm and target.spm
    that are one blob, a conversion hard-linked to a model's file) takes its bytes once."""
    from typer.testing import CliRunner

    from summarize.cli import app
    from summarize.convert import METADATA_FILE, list_converted

    repo = tmp_path / "models--org--name"
    (repo / "blobs").mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "blobs" / "spm").write_bytes(b"s" * 1000)
    (repo / "blobs" / "config").write_bytes(b"{}" + b" " * 98)
    for commit, ref in (("a" * 40, "main"), ("b" * 40, "v1")):
        (repo / "refs" / ref).write_text(commit)
        snapshot = repo / "snapshots" / commit
        snapshot.mkdir(parents=True)
        for name, blob in (("source.spm", "spm"), ("target.spm", "spm"), ("config.json", "config")):
            (snapshot / name).symlink_to(Path("../../blobs") / blob)
    conversion = tmp_path / "ctranslate2" / "org--name-x"
    conversion.mkdir(parents=True)
    (conversion / "model.bin").write_bytes(b"m" * 500)
    (conversion / METADATA_FILE).write_bytes(b"{}")
    os.link(repo / "blobs" / "spm", conversion / "source_vocabulary.spm")

    stored = list_stored(tmp_path)
    assert [s.size_bytes for s in stored] == [1100, 1100]  # not 2100: the two .spm are one file
    assert [size for _, size in list_converted(tmp_path)] == [1502]
    result = CliRunner().invoke(app, ["models", "list", "--models-dir", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    # 1000 + 100 + 500 + 2 bytes: not 1100 + 1100 + 1502.
    assert "# total on disk: 1.6 KB (a file shared by several counted once)" in result.stdout.splitlines()


BAD_IDS = ["bad id!", "org/bad name", "a--b", "org/x..y", "-lead", "trail.", "org/name.git", "", "n" * 97]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every connection attempt recorded and refused; HF_ENDPOINT at a closed local port too."""
    import socket

    import summarize.models

    attempts: list[object] = []

    def refuse(address: object, *args: object, **kwargs: object) -> socket.socket:
        attempts.append(address)
        raise OSError("connection refused (test)")

    monkeypatch.setattr(summarize.models.socket, "create_connection", refuse)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    return attempts


@pytest.mark.parametrize("model_id", BAD_IDS)
def test_models_pull_refuses_a_malformed_id_without_dialing(
    model_id: str, tmp_path: Path, no_network: list[object]
) -> None:
    from typer.testing import CliRunner

    from summarize.cli import app

    args = [
        "models",
        "pull",
        "--models-dir",
        str(tmp_path / "m"),
        "--",
        "Helsinki-NLP/opus-mt-fr-en",
        model_id,
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.stderr
    (line,) = result.stderr.splitlines()  # one line, and nothing pulled: not even the valid id
    assert line.startswith(f"summarize: error: model {model_id!r} is neither a model folder nor a valid")
    assert "a Hugging Face id is NAME or NAMESPACE/NAME" in line
    assert no_network == [] and result.stdout == ""


@pytest.mark.parametrize("model_id", BAD_IDS)
def test_a_malformed_id_is_refused_by_the_library_without_dialing(
    model_id: str, tmp_path: Path, no_network: list[object]
) -> None:
    from summarize.models import pull

    for call in (
        lambda: resolve(ModelRef(model_id), tmp_path, offline=False),
        lambda: pull(ModelRef(model_id), tmp_path),
    ):
        with pytest.raises(ModelNotFoundError) as info:
            call()
        assert "nor a valid Hugging Face id" in info.value.message
    assert no_network == []


def test_a_malformed_model_choice_is_refused_before_any_work(
    tmp_path: Path, no_network: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from summarize.cli import app

    (tmp_path / "a.txt").write_text("Le maire a inauguré la médiathèque.", encoding="utf-8")
    run = CliRunner().invoke(app, ["run", "a.txt", "--summary-model", "org/bad name"])
    assert run.exit_code == 2 and run.stdout == ""
    assert run.stderr.startswith("summarize: error: --summary-model 'org/bad name' is neither")
    monkeypatch.setenv("SUMMARIZE_TRANSLATION_MODEL", "a--b")
    listed = CliRunner().invoke(app, ["models", "list"])
    assert listed.exit_code == 2 and listed.stdout == ""
    assert listed.stderr.startswith("summarize: error: SUMMARIZE_TRANSLATION_MODEL 'a--b' is neither")
    monkeypatch.delenv("SUMMARIZE_TRANSLATION_MODEL")
    config = tmp_path / "c.toml"
    lines = [
        'summary = "moussaKam/barthez-orangesum-abstract"',
        "[models.translation.by_lang]",
        'es = "bad id!"',
    ]
    config.write_text("[models]\n" + "\n".join(lines) + "\n")
    listed = CliRunner().invoke(app, ["models", "list", "--config", str(config)])
    assert listed.exit_code == 2
    assert listed.stderr.startswith(f"summarize: error: {config}:4: models.translation.by_lang.es: 'bad id!'")
    assert no_network == []


def test_a_folder_whose_name_is_no_hub_id_is_still_a_model(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from summarize.cli import app

    shutil.copytree(Path(__file__).parent / "fixtures" / "copy_model", tmp_path / "my model!")
    listed = CliRunner().invoke(app, ["models", "list", "--summary-model", "my model!"])
    assert listed.exit_code == 0, listed.stderr
    assert ["fr", "summary", "my model!", "local folder"] in [
        line.split("\t") for line in listed.stdout.splitlines()
    ]
    config = tmp_path / "c.toml"
    config.write_text('[models]\nsummary = "my model!"\n')
    listed = CliRunner().invoke(app, ["models", "list", "--config", str(config)])
    assert listed.exit_code == 0, listed.stderr
    assert f"{tmp_path / 'my model!'}\tlocal folder" in listed.stdout

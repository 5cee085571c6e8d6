"""Any language in: each article takes the route of its language, and the record says which."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fault_tools import jsonl, records_by_id
from typer.testing import CliRunner

from summarize.cli import app

ARTICLES = {
    "fr": "Le gouvernement a présenté mardi un nouveau plan pour les transports publics. Les syndicats "
    "ont salué une avancée, mais ils attendent des précisions sur le financement des lignes rurales.",
    "es": "El gobierno presentó el martes un nuevo plan para el transporte público. Los sindicatos "
    "celebraron el avance, pero esperan más detalles sobre la financiación de las líneas rurales.",
    "de": "Die Regierung hat am Dienstag einen neuen Plan für den öffentlichen Verkehr vorgestellt. Die "
    "Gewerkschaften begrüßten den Schritt, erwarten aber Einzelheiten zur Finanzierung der Landlinien.",
    "en": "The government unveiled a new plan for public transport on Tuesday. Unions welcomed the step, "
    "but they are waiting for details on how rural lines will be funded.",
}


@pytest.fixture
def routed(tiny: dict[str, Path], tmp_path: Path) -> dict[str, str]:
    """Copies of the tiny Marian model registered under several language routes in a config file."""
    names = ["fr-en", "es-en", "de-en", "es-fr", "de-fr", "en-fr"]
    paths = {n: str(shutil.copytree(tiny["marian"], tmp_path / f"opus-{n}")) for n in names}
    paths["summary"] = str(tiny["t5"])
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[models]
summary = "{paths["summary"]}"

[models.translation]
default = "{paths["fr-en"]}"

[models.translation.by_lang]
es = "{paths["es-en"]}"
de = "{paths["de-en"]}"

[models.to_french]
default = "{paths["en-fr"]}"

[models.to_french.by_lang]
es = "{paths["es-fr"]}"
de = "{paths["de-fr"]}"
""",
        encoding="utf-8",
    )
    paths["config"] = str(config)
    return paths


def _run(routed: dict[str, str], tmp_path: Path, articles: dict[str, str]) -> dict[str, dict]:
    src = tmp_path / "articles.jsonl"
    src.write_text(
        jsonl(({"id": k, "text": v} for k, v in articles.items()), ensure_ascii=False), encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["run", str(src), "--format", "jsonl", "--config", routed["config"]])
    assert result.exit_code == 0, result.stderr
    return records_by_id(result.stdout)


def test_each_language_takes_its_route(routed: dict[str, str], tmp_path: Path) -> None:
    records = _run(routed, tmp_path, ARTICLES)
    for lang in ARTICLES:
        assert records[lang]["language"]["code"] == lang
        assert records[lang]["summary_fr"]
        assert records[lang]["models"]["summary"]["id"] == routed["summary"]
    assert records["fr"]["models"]["translation"]["id"] == routed["fr-en"]
    assert "to_french" not in records["fr"]["models"]  # French goes straight to the summariser
    assert records["es"]["models"]["translation"]["id"] == routed["es-en"]
    assert records["es"]["models"]["to_french"]["id"] == routed["es-fr"]
    assert records["de"]["models"]["translation"]["id"] == routed["de-en"]
    assert records["de"]["models"]["to_french"]["id"] == routed["de-fr"]
    assert records["en"]["models"]["to_french"]["id"] == routed["en-fr"]


def test_english_is_passed_through_without_a_model(routed: dict[str, str], tmp_path: Path) -> None:
    record = _run(routed, tmp_path, {"en": ARTICLES["en"]})["en"]
    assert record["translation_en"] == ARTICLES["en"]
    assert record["models"]["translation"] == {"id": None, "route": "passthrough", "lang": "en"}
    assert record["chunks"]["translation"] == 0


def test_mixed_article_keeps_the_english_paragraph(routed: dict[str, str], tmp_path: Path) -> None:
    quote = (
        "In a statement, the minister said: we will keep every rural line open, and we will pay for "
        "the new trains with the money saved on motorway contracts over the next ten years."
    )
    text = ARTICLES["fr"] + "\n\n" + quote + "\n\n" + ARTICLES["fr"].replace("mardi", "lundi")
    record = _run(routed, tmp_path, {"mixed": text})["mixed"]
    assert record["language"]["reason"] == "mixed"
    assert record["language"]["paragraphs"] == ["fr", "en", "fr"]
    paragraphs = record["translation_en"].split("\n\n")
    assert len(paragraphs) == 3 and paragraphs[1] == quote
    assert paragraphs[0] != ARTICLES["fr"]  # the French ones went through the model


def test_a_quote_whose_model_is_missing_is_kept_as_written(tiny: dict[str, Path], tmp_path: Path) -> None:
    # Only what `models pull` fetches by default: fr-en and the summariser; no opus-mt-en-fr.
    quote = (
        "In a statement, the minister said: we will keep every rural line open, and we will pay for "
        "the new trains with the money saved on motorway contracts over the next ten years."
    )
    text = ARTICLES["fr"] + "\n\n" + quote + "\n\n" + ARTICLES["fr"].replace("mardi", "lundi")
    src = tmp_path / "mixed.txt"
    src.write_text(text, encoding="utf-8")
    args = ["run", str(src), "-f", "jsonl", "--offline", "--models-dir", str(tmp_path / "m")]
    args += ["--summary-model", str(tiny["t5"]), "--translation-model", str(tiny["marian"])]
    for _ in range(2):  # the second run must not serve a memoised record: the model may come later
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.stderr
        record = json.loads(result.stdout)
        assert record["status"] == "ok" and record["summary_fr"]
        assert record["translation_en"].split("\n\n")[1] == quote
        # (The random summariser never ends: its summary_truncated warning is not the point.)
        (warning,) = [w for w in record["warnings"] if w["kind"] != "summary_truncated"]
        assert warning["kind"] == "paragraph_untranslated" and warning["paragraph"] == 2
        assert warning["model"] == "Helsinki-NLP/opus-mt-en-fr" and "models pull" in warning["message"]
        assert record["models"]["to_french:en"] == {
            "id": "Helsinki-NLP/opus-mt-en-fr",
            "route": "missing",
            "lang": "en",
        }
    assert record["cached"]["summary"] is True  # the summary chunks themselves come from the cache


def test_a_pivot_names_both_legs_when_only_the_summary_is_asked(
    tiny: dict[str, Path], tmp_path: Path
) -> None:
    pt = (
        "O governo apresentou na terça-feira um novo plano para os transportes públicos. Os sindicatos "
        "saudaram o avanço, mas esperam detalhes sobre o financiamento das linhas rurais."
    )
    legs = {n: str(shutil.copytree(tiny["marian"], tmp_path / f"opus-{n}")) for n in ("pt-en", "en-fr")}
    config = tmp_path / "config.toml"
    config.write_text(
        f'[models]\nsummary = "{tiny["t5"]}"\n\n[models.translation.by_lang]\npt = "{legs["pt-en"]}"\n\n'
        f'[models.to_french]\ndefault = "{legs["en-fr"]}"\n',
        encoding="utf-8",
    )
    src = tmp_path / "pt.txt"
    src.write_text(pt, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["run", str(src), "-f", "jsonl", "--only", "summary", "--config", str(config)]
    )
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["language"]["code"] == "pt" and record["summary_fr"]
    assert set(record["models"]) == {"pivot", "to_french", "summary"}
    assert record["models"]["pivot"]["id"] == legs["pt-en"]
    assert record["models"]["to_french"]["id"] == legs["en-fr"]
    assert record["chunks"]["pivot"] >= 1 and record["chunks"]["to_french"] >= 1
    assert set(record["cached"]) == {"to_french", "summary"}

    # The pivot's second leg serves the article's own language: without it there is no French
    # text to summarise, so the article fails rather than summarising English as French.
    config.write_text(config.read_text(encoding="utf-8").replace(legs["en-fr"], str(tmp_path / "gone")))
    result = CliRunner().invoke(
        app, ["run", str(src), "-f", "jsonl", "--only", "summary", "--config", str(config)]
    )
    assert result.exit_code == 1
    record = json.loads(result.stdout)
    assert record["status"] == "error" and record["summary_fr"] is None
    assert "gone does not exist" in record["error"]["message"]


def test_a_pivot_ends_on_the_english_model_of_the_config(tiny: dict[str, Path], tmp_path: Path) -> None:
    # The review's case: en→fr set only under by_lang.  The pivot took opus-mt-en-fr instead
    # (not stored: no summary), while `models list` named both for "to_french".
    legs = {n: str(shutil.copytree(tiny["marian"], tmp_path / f"opus-{n}")) for n in ("de-en", "en-fr")}
    config = tmp_path / "config.toml"
    config.write_text(
        f'[models.translation.by_lang]\nde = "{legs["de-en"]}"\n\n'
        f'[models.to_french.by_lang]\nde = "pivot"\nen = "{legs["en-fr"]}"\n',
        encoding="utf-8",
    )
    src = tmp_path / "de.txt"
    src.write_text(ARTICLES["de"], encoding="utf-8")
    common = ["--config", str(config), "--models-dir", str(tmp_path / "m")]
    common += ["--summary-model", str(tiny["t5"])]
    result = CliRunner().invoke(app, ["run", str(src), "-f", "jsonl", "--offline", *common])
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["status"] == "ok" and record["summary_fr"]
    assert record["models"]["translation"]["id"] == legs["de-en"]
    assert record["models"]["to_french"]["id"] == legs["en-fr"]

    result = CliRunner().invoke(app, ["models", "list", "--lang", "de,en", *common])
    assert result.exit_code == 0, result.stderr
    rows = [line.split("\t")[:3] for line in result.stdout.splitlines() if "\tto_french\t" in line]
    assert rows == [
        ["de", "to_french", legs["de-en"]],
        ["de", "to_french", legs["en-fr"]],
        ["en", "to_french", legs["en-fr"]],
    ]


@pytest.mark.parametrize(
    ("only", "key"),
    [("translation", "[models.translation.by_lang] de"), ("summary", "[models.to_french.by_lang] de")],
)
def test_a_missing_model_hint_names_the_config_key_for_other_languages(
    tiny: dict[str, Path], tmp_path: Path, only: str, key: str
) -> None:
    # --translation-model serves French only: for German, a local folder goes in the config.
    src = tmp_path / "de.txt"
    src.write_text(ARTICLES["de"], encoding="utf-8")
    args = ["run", str(src), "-f", "jsonl", "--only", only, "--offline", "--models-dir", str(tmp_path / "m")]
    args += ["--summary-model", str(tiny["t5"]), "--translation-model", str(tiny["marian"])]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    hint = json.loads(result.stdout)["error"]["hint"]
    assert "summarize models pull Helsinki-NLP/opus-mt-de-" in hint
    assert hint.endswith(f'name a local model folder in the config file: {key} = "DIR"')
    (line,) = [line for line in result.stderr.splitlines() if "opus-mt-de-" in line]
    assert key in line


def test_a_missing_model_costs_one_output_not_the_article(routed: dict[str, str], tmp_path: Path) -> None:
    # es-fr is gone: the Spanish article still gets its English translation, and its record
    # says which output is missing and what to do.  The other articles are not touched.
    config = Path(routed["config"])
    config.write_text(config.read_text(encoding="utf-8").replace(routed["es-fr"], str(tmp_path / "gone")))
    src = tmp_path / "articles.jsonl"
    src.write_text(
        jsonl(({"id": k, "text": v} for k, v in ARTICLES.items()), ensure_ascii=False), encoding="utf-8"
    )
    args = ["run", str(src), "--format", "jsonl", "--config", str(config)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    records = records_by_id(result.stdout)
    es = records["es"]
    assert es["status"] == "partial" and es["translation_en"] and es["summary_fr"] is None
    assert es["error"]["task"] == "summary" and es["error"]["message"].startswith("no French summary: ")
    assert "gone does not exist" in es["error"]["message"]
    assert set(es["models"]) == set(es["chunks"]) == {"translation"}
    assert all(records[k]["status"] == "ok" and records[k]["summary_fr"] for k in ("fr", "de", "en"))
    (line,) = [line for line in result.stderr.splitlines() if "no French summary" in line]
    assert "articles.jsonl:2: no French summary" in line and "Traceback" not in result.stderr

    # The other way round: es-en's weights cannot be loaded, es-fr is back.  The summary is
    # made, the translation is the missing half.
    config.write_text(config.read_text(encoding="utf-8").replace(str(tmp_path / "gone"), routed["es-fr"]))
    weights = next(Path(routed["es-en"]).glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:100])
    result = CliRunner().invoke(app, [*args, "--no-cache"])
    assert result.exit_code == 1
    records = records_by_id(result.stdout)
    es = records["es"]
    assert es["status"] == "partial" and es["summary_fr"] and es["translation_en"] is None
    assert es["error"]["task"] == "translation"
    assert es["error"]["message"].startswith("no English translation: ")
    assert set(es["models"]) == {"to_french", "summary"}
    assert all(records[k]["status"] == "ok" and records[k]["translation_en"] for k in ("fr", "de", "en"))

    # Both halves gone: the article fails as a whole, and says so without a half-made record.
    config.write_text(config.read_text(encoding="utf-8").replace(routed["es-fr"], str(tmp_path / "gone")))
    result = CliRunner().invoke(app, [*args, "--no-cache"])
    records = records_by_id(result.stdout)
    es = records["es"]
    assert es["status"] == "error" and es["summary_fr"] is None and es["translation_en"] is None
    assert es["error"]["task"] == "translation" and not es["models"] and not es["chunks"]


def test_source_lang_overrides_detection(routed: dict[str, str], tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text(ARTICLES["es"], encoding="utf-8")
    args = ["run", str(src), "--format", "jsonl", "--config", routed["config"], "--only", "translation"]
    record = json.loads(CliRunner().invoke(app, [*args, "--source-lang", "de"]).stdout)
    assert record["language"] == {"code": "de", "confidence": 1.0, "reliable": True, "reason": "given"}
    assert record["models"]["translation"]["id"] == routed["de-en"]
    bad = CliRunner().invoke(app, [*args, "--source-lang", "klingon"])
    assert bad.exit_code == 2 and "ISO 639-1" in bad.stderr


def test_models_list_shows_routing_and_what_is_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["models", "list", "--lang", "es,en", "--models-dir", str(tmp_path)])
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines() if not line.startswith("#")]
    assert ["es", "translation", "Helsinki-NLP/opus-mt-es-en", "missing"] in rows
    assert ["es", "to_french", "Helsinki-NLP/opus-mt-es-fr", "missing"] in rows
    assert ["en", "translation", "-", "no model (passthrough)"] in rows
    assert "summarize models pull" in result.stderr


def test_a_missing_summariser_hint_names_summary_model(tiny: dict[str, Path], tmp_path: Path) -> None:
    # Its own option is the way to a local folder, as --translation-model is for French.
    src = tmp_path / "fr.txt"
    src.write_text(ARTICLES["fr"], encoding="utf-8")
    args = ["run", str(src), "-f", "jsonl", "--only", "summary", "--offline"]
    args += ["--models-dir", str(tmp_path / "m"), "--translation-model", str(tiny["marian"])]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    hint = json.loads(result.stdout)["error"]["hint"]
    assert "summarize models pull moussaKam/barthez-orangesum-abstract" in hint
    assert hint.endswith("pass a local model folder with --summary-model")


def _run_lines(routed: dict[str, str], tmp_path: Path, lines: list[dict], *args: str):
    src = tmp_path / "feed.jsonl"
    src.write_text(jsonl(lines, ensure_ascii=False), encoding="utf-8")
    command = ["run", str(src), "--format", "jsonl", "--config", routed["config"], "--only", "translation"]
    result = CliRunner().invoke(app, [*command, *args])
    return result, records_by_id(result.stdout)


def test_a_lines_lang_is_taken_instead_of_detection(routed: dict[str, str], tmp_path: Path) -> None:
    # A French text the feed says is German is read as German: its route, and the record says why.
    lines = [
        {"id": "de", "lang": "de", "text": ARTICLES["fr"]},
        {"id": "deu", "lang": "DEU", "text": ARTICLES["fr"]},  # ISO 639-3, any case, as --source-lang
        {"id": "es", "language": "es", "text": ARTICLES["fr"]},
        {"id": "fr", "text": ARTICLES["fr"]},
    ]
    result, records = _run_lines(routed, tmp_path, lines)
    assert result.exit_code == 0, result.stderr
    for name, lang in [("de", "de"), ("deu", "de"), ("es", "es")]:
        given = {"code": lang, "confidence": 1.0, "reliable": True, "reason": "input"}
        assert records[name]["language"] == given
        assert records[name]["models"]["translation"]["id"] == routed[f"{lang}-en"]
    assert records["fr"]["language"]["code"] == "fr" and records["fr"]["language"]["reason"] != "input"
    assert records["fr"]["models"]["translation"]["id"] == routed["fr-en"]


def test_an_invalid_lang_fails_only_its_line(routed: dict[str, str], tmp_path: Path) -> None:
    lines = [
        {"id": "a", "lang": "klingon", "text": ARTICLES["fr"]},
        {"id": "b", "lang": "fe", "text": ARTICLES["fr"]},
        {"id": "c", "language": 12, "text": ARTICLES["fr"]},
        {"id": "d", "lang": "de", "text": ARTICLES["de"]},
    ]
    result, records = _run_lines(routed, tmp_path, lines)
    assert result.exit_code == 1
    assert [records[n]["status"] for n in "abcd"] == ["error", "error", "error", "ok"]
    assert {records[n]["error"]["kind"] for n in "abc"} == {"language_code"}
    assert records["b"]["error"]["message"] == "the article's language 'fe' is not an ISO 639-1 language code"
    assert records["c"]["error"]["message"] == "the article's language '12' is not a language code"
    assert records["d"]["models"]["translation"]["id"] == routed["de-en"]
    said = f"{tmp_path / 'feed.jsonl'}:2: the article's language 'fe' is not an ISO 639-1 language code"
    assert f"summarize: {said} (use codes such as fr, en, de, es, it, pt; fix its" in result.stderr


def test_source_lang_wins_over_a_lines_lang(routed: dict[str, str], tmp_path: Path) -> None:
    # Typed for the whole run, --source-lang overrides the feed, even a code the feed gets wrong.
    lines = [
        {"id": "de", "lang": "de", "text": ARTICLES["es"]},
        {"id": "bad", "lang": "xx", "text": ARTICLES["es"]},
    ]
    result, records = _run_lines(routed, tmp_path, lines)
    assert records["de"]["language"]["code"] == "de" and records["bad"]["status"] == "error"
    result, records = _run_lines(routed, tmp_path, lines, "--source-lang", "es")
    assert result.exit_code == 0, result.stderr
    for record in records.values():
        assert record["language"] == {"code": "es", "confidence": 1.0, "reliable": True, "reason": "given"}
        assert record["models"]["translation"]["id"] == routed["es-en"]


def _conflicts(record: dict) -> list[dict]:
    return [w for w in record["warnings"] if w["kind"] == "language_conflict"]


def test_a_lines_lang_and_language_that_disagree_give_a_warning(
    routed: dict[str, str], tmp_path: Path
) -> None:
    # "lang" won over "language" without a word: a feed whose two fields disagree was read as one.
    lines = [
        {"id": "fr-de", "lang": "fr", "language": "de", "text": ARTICLES["fr"]},
        {"id": "fr-fra", "lang": "fr", "language": "fra", "text": ARTICLES["fr"]},  # the same language
        {"id": "DE-de", "lang": "DE", "language": "de-AT", "text": ARTICLES["de"]},
        {"id": "fr-null", "lang": "fr", "language": None, "text": ARTICLES["fr"]},
        {"id": "fr-bad", "lang": "fr", "language": "klingon", "text": ARTICLES["fr"]},
        {"id": "bad-de", "lang": "xx", "language": "de", "text": ARTICLES["de"]},
    ]
    result, records = _run_lines(routed, tmp_path, lines)
    assert result.exit_code == 1  # bad-de: "lang" still decides, and fails its article
    (warning,) = _conflicts(records["fr-de"])
    assert warning == {
        "kind": "language_conflict",
        "lang": "fr",
        "language": "de",
        "message": "the input's \"lang\" 'fr' and \"language\" 'de' disagree; "
        '"lang" wins: fix or remove the wrong one',
    }
    # "lang" still decides: the record's language and the route are its.
    assert records["fr-de"]["language"]["code"] == "fr" and records["fr-de"]["status"] == "ok"
    assert records["fr-de"]["models"]["translation"]["id"] == routed["fr-en"]
    for name in ("fr-fra", "DE-de", "fr-null"):
        assert _conflicts(records[name]) == [] and records[name]["status"] == "ok", name
    assert [w["language"] for w in _conflicts(records["fr-bad"])] == ["klingon"]
    assert records["fr-bad"]["status"] == "ok"
    assert records["bad-de"]["status"] == "error" and records["bad-de"]["error"]["kind"] == "language_code"
    assert [w["language"] for w in _conflicts(records["bad-de"])] == ["de"]
    # In the text layout, a warning line of its record.
    text = CliRunner().invoke(
        app, ["run", str(tmp_path / "feed.jsonl"), "--config", routed["config"], "--only", "translation"]
    )
    assert "warning: the input's \"lang\" 'fr' and \"language\" 'de' disagree;" in text.stdout
    # --source-lang overrides both: nothing to warn about.
    result, records = _run_lines(routed, tmp_path, lines[:1], "--source-lang", "es")
    assert result.exit_code == 0 and _conflicts(records["fr-de"]) == []

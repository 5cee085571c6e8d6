"""The article memo: a whole record served from the cache, trusted only while its runners are unchanged."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from summarize import pipeline, runner
from summarize.cache import Cache
from summarize.engines import EngineOptions
from summarize.generation import Overrides
from summarize.options import ChunkOptions, RunOptions
from summarize.pipeline import ArticleResult, Summarizer
from summarize.read import Article, ReadOptions, iter_articles

TEXT = (
    "La Chine va étendre sa coopération internationale via sa station spatiale.\n\n"
    "Selon M. Ji, l'espace extra-atmosphérique est le bien commun des peuples du monde entier.\n\n"
    "Abonnez-vous à notre compte WeChat !\n\n"
    "La Chine est également favorable à des vols conjoints avec des astronautes étrangers."
)


@pytest.fixture
def base(tiny_options: RunOptions) -> RunOptions:
    return tiny_options


def _run(
    options: RunOptions, cache_dir: Path, articles: list[Article] | None = None
) -> tuple[Summarizer, list[ArticleResult]]:
    cache = Cache.open(cache_dir / "outputs.sqlite3")
    summarizer = Summarizer(options, cache)
    results = list(summarizer.process(articles or [Article("a", "a.txt", TEXT)]))
    cache.close()
    return summarizer, results


def _fail(*args: object, **kwargs: object) -> None:
    raise AssertionError("a memo hit must not clean, segment or chunk")


# What a memo hit skips: cleaning and detection (pipeline.py), chunking (runner.py).
_SKIPPED = (
    (pipeline, "clean_article"),
    (pipeline, "segment"),
    (runner, "segment"),
    (runner, "make_chunks"),
    (runner, "LightTokenizer"),
)


def _plain(result: ArticleResult) -> dict:
    return {k: v for k, v in dataclasses.asdict(result).items() if k not in ("id", "source", "cached")}


def test_hit_skips_cleaning_detection_and_chunking(
    base: RunOptions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, (cold,) = _run(base, tmp_path)
    assert cold.removed and cold.language["code"] == "fr" and cold.chunks["translation"] > 0
    for module, name in _SKIPPED:
        monkeypatch.setattr(module, name, _fail)
    # The same text under another name: the record is the same, its id and source are its own.
    warm, (hit,) = _run(base, tmp_path, [Article("b", "elsewhere/b.txt", TEXT)])
    assert (hit.id, hit.source) == ("b", "elsewhere/b.txt")
    assert _plain(hit) == _plain(cold)
    assert hit.cached == {"translation": True, "summary": True}
    assert warm.stats.misses == 0 and warm.stats.hits == sum(cold.chunks.values())


def test_not_trusted_when_a_model_changes_under_the_same_path(
    base: RunOptions, tmp_path: Path, tiny: dict[str, Path]
) -> None:
    import shutil

    folder = Path(shutil.copytree(tiny["marian"], tmp_path / "marian"))
    options = dataclasses.replace(
        base, routing=dataclasses.replace(base.routing, translation_model=str(folder)), tasks=("translation",)
    )
    _, (cold,) = _run(options, tmp_path)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["no_repeat_ngram_size"] = 1  # the outputs repeat tokens: they must change
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    warm, (again,) = _run(options, tmp_path)
    (tmp_path / "fresh").mkdir()
    _, (fresh,) = _run(options, tmp_path / "fresh")
    assert warm.stats.hits == 0 and warm.stats.misses > 0
    assert again.translation_en == fresh.translation_en != cold.translation_en


SMALL_CHUNKS = {"chunking": ChunkOptions(max_chunk_tokens=24)}
INT8 = EngineOptions("ctranslate2", "int8", "cpu")
# Small chunks and short partial summaries: a summary in more than one round.
ROUNDS = {"chunking": ChunkOptions(max_chunk_tokens=40), "summary_overrides": Overrides(max_new_tokens=2)}


@pytest.mark.parametrize(
    ("start", "change"),
    [
        ({}, {"tasks": ("translation",)}),
        ({}, {"keep_boilerplate": True}),
        ({}, {"source_lang": "fr"}),
        ({}, {"summary_overrides": Overrides(max_new_tokens=4)}),
        ({}, SMALL_CHUNKS),
        (ROUNDS, {"max_summary_rounds": 1}),
        ({"engine": INT8}, {"engine": EngineOptions("ctranslate2", "float32")}),
    ],
    ids=lambda c: next(iter(c), "base"),
)
def test_options_that_decide_the_record_are_in_its_key(
    base: RunOptions, tmp_path: Path, start: dict, change: dict
) -> None:
    base = dataclasses.replace(base, **start)
    _, (cold,) = _run(base, tmp_path)
    options = dataclasses.replace(base, **change)
    _, (changed,) = _run(options, tmp_path)
    (tmp_path / "fresh").mkdir()
    _, (fresh,) = _run(options, tmp_path / "fresh")
    assert _plain(fresh) != _plain(cold)  # the change matters...
    assert _plain(changed) == _plain(fresh)  # ...and the memo did not hide it


def test_a_record_of_an_older_format_is_not_served(
    base: RunOptions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Records cached before dates were ISO 8601 hold the raw time stamp line: not to be served.
    current = pipeline.RECORD_FORMAT
    monkeypatch.setattr(pipeline, "RECORD_FORMAT", current - 1)
    _run(base, tmp_path)
    monkeypatch.setattr(pipeline, "RECORD_FORMAT", current)
    cleaned: list[str] = []
    clean_article = pipeline.clean_article

    def counting(article: Article, keep_boilerplate: bool) -> object:
        cleaned.append(article.id)
        return clean_article(article, keep_boilerplate)

    monkeypatch.setattr(pipeline, "clean_article", counting)
    _run(base, tmp_path)
    assert cleaned == ["a"]


def test_the_same_text_as_markdown_and_as_plain_text_are_two_records(
    base: RunOptions, tmp_path: Path
) -> None:
    text = "# La station spatiale chinoise\n\n" + TEXT.replace("coopération", "**coopération**")
    _, (plain,) = _run(base, tmp_path, [Article("a", "a.txt", text)])
    _, (markdown,) = _run(base, tmp_path, [Article("a", "a.md", text, markdown=True)])
    (tmp_path / "fresh").mkdir()
    _, (fresh,) = _run(base, tmp_path / "fresh", [Article("a", "a.md", text, markdown=True)])
    assert markdown.title == "La station spatiale chinoise" != plain.title
    assert _plain(markdown) == _plain(fresh)  # the .txt record was not served for the .md


def test_input_format_text_after_auto_does_not_serve_the_markdown_record(
    base: RunOptions, tmp_path: Path
) -> None:
    # The article as read, not only its text, keys the record: --input-format text computes again.
    src = tmp_path / "station.md"
    src.write_text("# La station spatiale chinoise\n\n" + TEXT.replace("coopération", "**coopération**"))

    def read_as(input_format: str) -> list[Article]:
        items = list(iter_articles([str(src)], ReadOptions(input_format=input_format)))
        assert all(isinstance(item, Article) for item in items)
        return items  # type: ignore[return-value]

    options = dataclasses.replace(base, tasks=("translation",))  # the title is the record's either way
    _, (markdown,) = _run(options, tmp_path, read_as("auto"))
    _, (again,) = _run(options, tmp_path, read_as("auto"))
    _, (text,) = _run(options, tmp_path, read_as("text"))
    assert again.cached == {"translation": True}  # the memo serves the same reading...
    assert markdown.title == "La station spatiale chinoise"
    # ...not another: the text kept as written, its # and ** included, was computed.
    assert text.title == "# La station spatiale chinoise" and text.cached == {"translation": False}


def test_options_that_do_not_decide_the_record_keep_the_hit(base: RunOptions, tmp_path: Path) -> None:
    _, (cold,) = _run(base, tmp_path)
    options = dataclasses.replace(base, batch_tokens=256, max_batch_size=2, window_articles=1)
    options = dataclasses.replace(options, engine=dataclasses.replace(options.engine, threads=1))
    warm, (hit,) = _run(options, tmp_path)
    assert warm.stats.misses == 0 and _plain(hit) == _plain(cold)
    assert not any(r._tokenizer for r in warm._runners.values())  # served whole, nothing re-chunked


def test_engine_options_that_mean_the_same_engine_share_the_hit(
    base: RunOptions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On the CPU, "auto" is CTranslate2 in int8 for these families: typing it out is the same run.
    _, (cold,) = _run(dataclasses.replace(base, engine=EngineOptions("auto", "auto", "cpu")), tmp_path)
    used = cold.models["translation"]
    assert (used["backend"], used["dtype"]) == ("ctranslate2", "int8")
    for module, name in _SKIPPED:
        monkeypatch.setattr(module, name, _fail)
    warm, (hit,) = _run(dataclasses.replace(base, engine=INT8), tmp_path)
    assert warm.stats.misses == 0 and _plain(hit) == _plain(cold)


def test_a_memo_entry_of_another_engine_is_not_counted_as_a_hit(base: RunOptions, tmp_path: Path) -> None:
    def memo_hits() -> list[int]:
        with sqlite3.connect(tmp_path / "outputs.sqlite3") as conn:
            return [
                count
                for (count,) in conn.execute(
                    "SELECT u.hit_count FROM entries AS e JOIN usage AS u ON u.key = e.key"
                    " WHERE e.task = 'article'"
                )
            ]

    _run(dataclasses.replace(base, engine=INT8), tmp_path)
    float32 = dataclasses.replace(base, engine=EngineOptions("ctranslate2", "float32"))
    _run(float32, tmp_path)  # found under the same key, rejected by its runners, replaced
    assert memo_hits() == [0]
    _run(float32, tmp_path)
    assert memo_hits() == [1]


def test_a_damaged_memo_falls_back_to_the_chunk_cache(base: RunOptions, tmp_path: Path) -> None:
    _, (cold,) = _run(base, tmp_path)
    with sqlite3.connect(tmp_path / "outputs.sqlite3") as conn:
        changed = conn.execute("UPDATE entries SET value = '{\"deps\": 3' WHERE task = 'article'").rowcount
    assert changed == 1
    warm, (again,) = _run(base, tmp_path)
    assert _plain(again) == _plain(cold)
    assert warm.stats.misses == 0 and warm.stats.hits > 0
    assert any(r._tokenizer for r in warm._runners.values())  # the full path ran


def test_refresh_recomputes(base: RunOptions, tmp_path: Path) -> None:
    cold, _ = _run(base, tmp_path)
    refreshed, _ = _run(dataclasses.replace(base, refresh=True), tmp_path)
    assert refreshed.stats.hits == 0 and refreshed.stats.misses == cold.stats.misses


def test_refresh_recomputes_a_repeated_text_once(
    base: RunOptions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarize.lang import LanguageDetector

    _run(base, tmp_path)
    detect, detected = LanguageDetector.detect, []

    def counted(self: LanguageDetector, text: str) -> object:
        detected.append(text)
        return detect(self, text)

    monkeypatch.setattr(LanguageDetector, "detect", counted)
    # Windows of one article: the second copy of the text comes after the first was written.
    options = dataclasses.replace(base, refresh=True, window_articles=1)
    twice = [Article("a", "a.txt", TEXT), Article("b", "b.txt", TEXT)]
    refreshed, (first, second) = _run(options, tmp_path, twice)
    assert refreshed.stats.misses == sum(first.chunks.values()) > 0
    assert refreshed.stats.hits == sum(second.chunks.values())
    assert second.cached == {"translation": True, "summary": True} and _plain(second) == _plain(first)
    assert len(detected) == 1  # the language too is found once


def test_skipped_and_failed_articles_are_not_memoised(base: RunOptions, tmp_path: Path) -> None:
    articles = [Article("e", "e.txt", "   "), Article("a", "a.txt", TEXT)]
    _, first = _run(base, tmp_path, articles)
    assert [r.status for r in first] == ["skipped", "ok"]
    with sqlite3.connect(tmp_path / "outputs.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM entries WHERE task = 'article'").fetchone() == (1,)
    _, second = _run(base, tmp_path, articles)
    assert [r.status for r in second] == ["skipped", "ok"]
    assert second[0].error == first[0].error


def test_a_window_mixes_hits_and_misses_in_input_order(base: RunOptions, tmp_path: Path) -> None:
    one, two = TEXT.split("\n\n")[0], TEXT.split("\n\n")[1]
    _run(base, tmp_path, [Article("one", "one", one)])
    articles = [Article("two", "two", two), Article("one", "one", one), Article("three", "three", TEXT)]
    warm, results = _run(dataclasses.replace(base, window_articles=4), tmp_path, articles)
    assert [r.id for r in results] == ["two", "one", "three"]
    (tmp_path / "fresh").mkdir()
    _, fresh = _run(base, tmp_path / "fresh", articles)
    assert [_plain(r) for r in results] == [_plain(r) for r in fresh]


@pytest.mark.parametrize("task", ["translation", "language"])
@pytest.mark.parametrize("damage", ['{"text": "x"', '{"text": null}', "[1, 2]", '{"language": 3}'])
def test_a_damaged_entry_is_a_miss_computed_again(
    base: RunOptions, tmp_path: Path, task: str, damage: str
) -> None:
    # SQLite's own check passes (the file is sound); one stored value is not what the tool wrote.
    options = dataclasses.replace(base, source_lang=None)
    _, (cold,) = _run(options, tmp_path)
    db = tmp_path / "outputs.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM entries WHERE task = 'article'")  # reach the entries below
        changed = conn.execute("UPDATE entries SET value = ? WHERE task = ?", (damage, task)).rowcount
    assert changed >= 1
    cache = Cache.open(db)
    summarizer = Summarizer(options, cache)
    (again,) = list(summarizer.process([Article("a", "a.txt", TEXT)]))
    warnings = list(cache.warnings)
    cache.close()
    assert again.status == "ok" and _plain(again) == _plain(cold)
    assert warnings == ["some cache entries were damaged; they were computed again and replaced"]
    with sqlite3.connect(db) as conn:
        counts = conn.execute(
            "SELECT u.hit_count FROM entries AS e JOIN usage AS u ON u.key = e.key WHERE e.task = ?", (task,)
        ).fetchall()
    assert counts and all(count == 0 for (count,) in counts)  # replaced, never served: not hits
    # Overwritten: the next run reads it back without a warning.
    cache = Cache.open(db)
    list(Summarizer(options, cache).process([Article("a", "a.txt", TEXT)]))
    assert cache.warnings == []
    cache.close()


def _date_warnings(result: ArticleResult) -> list[dict]:
    return [w for w in result.warnings if w["kind"] == "date_unreadable"]


def test_the_inputs_date_is_the_records_and_costs_no_miss(
    base: RunOptions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A feed's date decides no output: the record is served whole, with the date of this input.
    dated = "Publié le 17/06/2024 à 16h01\n\n" + TEXT
    _, (cold,) = _run(base, tmp_path, [Article("a", "a.jsonl:1", dated, date="2026-01-01T10:00:00+02:00")])
    assert cold.date == "2026-01-01T10:00+02:00" and _date_warnings(cold) == []
    for module, name in _SKIPPED:
        monkeypatch.setattr(module, name, _fail)
    again = [
        Article("b", "b.jsonl:1", dated, date="2025-12-31"),
        Article("c", "c.txt", dated),  # the text's own date, not the one the first input gave
        Article("d", "d.jsonl:1", dated, date="hier soir"),
    ]
    warm, (other, none, bad) = _run(base, tmp_path, again)
    assert warm.stats.misses == 0
    assert (other.date, none.date, bad.date) == ("2025-12-31", "2024-06-17T16:01", "2024-06-17T16:01")
    assert _date_warnings(other) == _date_warnings(none) == []
    (warning,) = _date_warnings(bad)
    assert bad.status == "ok" and warning["date"] == "hier soir"
    assert warning["message"].startswith(
        "the input's date 'hier soir' is not a date (the text's date, 2024-06-17T16:01, is kept)"
    )
    assert _plain(other) == {**_plain(cold), "date": "2025-12-31"}


def test_a_front_matters_date_is_the_records_under_the_inputs(
    base: RunOptions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Markdown front matter's date is what the text says of itself: the record's date, or a
    # warning when it is no date (the memo serves both), and a JSON line's own date wins.
    front = "---\ntitle: La station spatiale chinoise\ndate: {}\n---\n\nPublié le 17/06/2024 à 16h01\n\n"
    dated, bad = front.format("2024-06-18T09:30:00+08:00") + TEXT, front.format("hier soir") + TEXT
    articles = [Article("a", "a.md", dated, markdown=True), Article("b", "b.md", bad, markdown=True)]
    _, (cold, cold_bad) = _run(base, tmp_path, articles)
    assert (cold.title, cold.date, _date_warnings(cold)) == (
        "La station spatiale chinoise",
        "2024-06-18T09:30+08:00",
        [],
    )
    (warning,) = _date_warnings(cold_bad)
    assert (cold_bad.status, cold_bad.date, warning["date"]) == ("ok", "2024-06-17T16:01", "hier soir")
    assert warning["message"] == (
        "the front matter's date 'hier soir' is not a date (the text's date, 2024-06-17T16:01, is kept); "
        "write it as ISO 8601, such as 2024-06-17 or 2024-06-17T16:01+02:00"
    )
    for module, name in _SKIPPED:
        monkeypatch.setattr(module, name, _fail)
    again = [
        Article("c", "c.md", bad, markdown=True),
        Article("d", "d.jsonl:1", bad, markdown=True, date="2025-12-31"),  # the line's wins: no warning
        Article("e", "e.jsonl:1", bad, markdown=True, date="hier"),  # both unreadable: both told
    ]
    warm, (hit, lined, both) = _run(base, tmp_path, again)
    assert warm.stats.misses == 0
    assert (hit.date, _date_warnings(hit)) == (cold_bad.date, [warning])
    assert (lined.date, _date_warnings(lined)) == ("2025-12-31", [])
    assert both.date == "2024-06-17T16:01"
    assert [w["date"] for w in _date_warnings(both)] == ["hier soir", "hier"]


def test_the_inputs_language_is_in_the_key(base: RunOptions, tmp_path: Path) -> None:
    # The same text said to be English is passed through, not served the French record.
    options = dataclasses.replace(base, source_lang=None, tasks=("translation",))
    _, (french,) = _run(options, tmp_path)
    _, (english,) = _run(options, tmp_path, [Article("a", "a.jsonl:1", TEXT, lang="en")])
    assert french.language["code"] == "fr" and french.translation_en != english.translation_en
    assert english.language["reason"] == "input" and english.models["translation"]["route"] == "passthrough"
    # --source-lang decides instead: the input's code is then not part of the record, nor of its key.
    given = dataclasses.replace(options, source_lang="fr")
    _, (first,) = _run(given, tmp_path, [Article("a", "a.jsonl:1", TEXT, lang="en")])
    warm, (second,) = _run(given, tmp_path, [Article("a", "a.jsonl:1", TEXT, lang="de")])
    assert first.language["reason"] == "given" and _plain(second) == _plain(first)


def test_a_language_conflict_warning_is_the_inputs_not_the_memos(base: RunOptions, tmp_path: Path) -> None:
    # The memo is keyed by the code taken ("lang"), not by the "language" it overrode: the
    # warning that they disagree is put on the record served, never stored with it.
    options = dataclasses.replace(base, source_lang=None, tasks=("translation",))
    conflict = Article("a", "a.jsonl:1", TEXT, lang="fr", overridden_lang="de")
    _, (cold,) = _run(options, tmp_path, [conflict])
    assert [w["kind"] for w in cold.warnings] == ["language_conflict"]
    warm, (agreeing, again) = _run(options, tmp_path, [Article("b", "b.jsonl:1", TEXT, lang="fr"), conflict])
    assert warm.stats.misses == 0
    assert agreeing.warnings == [] and again.warnings == cold.warnings

"""BatchSummarizer: columnar batches in, one record per row out, as Ray Data's map_batches calls it.

On the committed copy model (its output is its input), converted once for the module.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from summarize.batch import BatchSummarizer, content_id
from summarize.errors import UsageError
from summarize.options import RunOptions
from summarize.output import to_record
from summarize.pipeline import ArticleResult
from summarize.read import ReadFailure, ReadOptions, iter_articles
from summarize.routing import RoutingConfig

REPO = Path(__file__).resolve().parent.parent
COPY_MODEL = REPO / "tests" / "fixtures" / "copy_model"
SKY = "Le ciel est bleu."
SEA = "La mer est calme."
# Every field of a record, the error included: the columns a batch must have.
RECORD_FIELDS_IN_ORDER = list(to_record(ArticleResult("x", "y", error={"kind": "input", "message": "m"})))
RECORD_FIELDS = set(RECORD_FIELDS_IN_ORDER)


def loaded(column: list[Any]) -> list[Any]:
    """A nested column's values as objects: the default gives them as JSON text."""
    return [None if value is None else json.loads(value) for value in column]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One models dir for the module: the copy model is converted for CTranslate2 once."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def options(models_dir: Path) -> RunOptions:
    model = str(COPY_MODEL)
    return RunOptions(
        routing=RoutingConfig(summary_model=model, translation_model=model),
        models_dir=models_dir,
        source_lang="fr",  # no language detection: the copy model copies any text
    )


def test_rows_come_back_in_order_with_their_ids(options: RunOptions) -> None:
    batch = {
        "id": ["b", None, "a", ""],
        "text": [SEA, SKY, "<p>Le vent se lève.</p>", SKY],
        "title": ["Mer", None, None, "Ciel"],
        "format": [None, None, "html", None],
    }
    with BatchSummarizer(options) as summarize_batch:
        out = summarize_batch(batch)
    # An absent or empty id is the hash of the row's text.
    assert out["id"] == ["b", content_id(SKY), "a", content_id(SKY)]
    assert out["source"] == ["row 0", "row 1", "row 2", "row 3"]
    assert out["status"] == ["ok"] * 4
    # The copy model returns its input: each row's own text, in the row's place; the html row's
    # markup was stripped, as a JSON Lines line's "format" says.
    assert out["translation_en"] == [SEA, SKY, "Le vent se lève.", SKY]
    assert out["summary_fr"] == [SEA, SKY, "Le vent se lève.", SKY]
    assert out["title"] == ["Mer", None, None, "Ciel"]
    assert out["error"] == [None] * 4


def test_a_bad_row_costs_only_itself_and_fails_as_its_json_line_does(
    options: RunOptions, tmp_path: Path
) -> None:
    rows: list[dict[str, Any]] = [
        {"id": "ok1", "text": SKY},
        {"id": "num", "text": 5},
        {"id": "fmt", "text": SEA, "format": "pdf"},
        {"id": "ok2", "text": SEA},
    ]
    batch = {name: [row.get(name) for row in rows] for name in ("id", "text", "format")}
    with BatchSummarizer(options) as summarize_batch:
        out = summarize_batch(batch)
    assert out["id"] == ["ok1", "num", "fmt", "ok2"]
    assert out["status"] == ["ok", "error", "error", "ok"]
    assert out["translation_en"] == [SKY, None, None, SEA]
    # The same error as the CLI gives each line of the same rows as JSON Lines, but for where.
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    failures = [item for item in iter_articles([str(feed)], ReadOptions()) if isinstance(item, ReadFailure)]
    assert [f.id for f in failures] == ["num", "fmt"]
    errors = loaded(out["error"])
    for n, failure in zip((1, 2), failures):
        error = errors[n]
        line_message = failure.error.message.removeprefix(f"{feed}:{n + 1}: ")
        assert error["message"] == f"row {n}: {line_message}"
        assert (error["kind"], error["hint"]) != (None, None)
        assert error["kind"] == failure.error.kind
    assert errors[1]["message"] == 'row 1: "text" is a number, not a string'
    assert errors[1]["hint"] == 'each row needs a "text" string'
    assert errors[2]["kind"] == "input_format"


def test_every_row_has_every_record_field(options: RunOptions) -> None:
    batch = {"text": [SKY, None, ""], "url": ["https://example.org/a", None, None]}
    with BatchSummarizer(options) as summarize_batch:
        out = summarize_batch(batch)
    assert set(out) == RECORD_FIELDS
    assert {name: len(values) for name, values in out.items()} == dict.fromkeys(RECORD_FIELDS, 3)
    assert out["status"] == ["ok", "error", "skipped"]
    assert out["url"] == ["https://example.org/a", None, None]
    # None where a record has no such field: an ok record has no "error".
    assert out["error"][0] is None and loaded(out["error"])[2]["kind"] == "empty"


def test_duplicate_texts_each_get_their_row(options: RunOptions) -> None:
    with BatchSummarizer(options) as summarize_batch:
        out = summarize_batch({"id": ["x", "y", "z"], "text": [SKY, SKY, SEA]})
    assert out["id"] == ["x", "y", "z"]
    assert out["translation_en"] == [SKY, SKY, SEA]
    assert out["status"] == ["ok"] * 3


@pytest.mark.parametrize("empty", [[], (), np.array([], dtype=object)])
def test_an_empty_batch_gives_empty_columns(options: RunOptions, empty: Any) -> None:
    summarize_batch = BatchSummarizer(options)
    assert summarize_batch({"text": empty, "id": empty}) == {name: [] for name in RECORD_FIELDS}


def test_numpy_columns_and_missing_cells(options: RunOptions) -> None:
    batch = {
        "text": np.array([SKY, None, SEA, float("nan")], dtype=object),
        "id": np.array([7, 8, 9, 10]),
        "title": np.array(["Ciel", float("nan"), None, "T"], dtype=object),
        "date": np.array(["2024-06-17T16:01", "NaT", "2024-06-18", "NaT"], dtype="datetime64[ns]"),
        "lang": np.array(["fr", "fr", "fr", "fr"]),  # str dtype: np.str_ cells
    }
    with BatchSummarizer(options) as summarize_batch:
        out = summarize_batch(batch)
    assert out["id"] == ["7", "8", "9", "10"]
    assert all(type(ident) is str for ident in out["id"])  # not np.str_ nor np.int64
    assert out["status"] == ["ok", "error", "ok", "error"]
    # A NaN text is a missing one, as None is.
    assert loaded(out["error"])[3]["message"] == 'row 3: "text" is null, not a string'
    assert out["title"] == ["Ciel", None, None, None]
    assert out["date"] == ["2024-06-17T16:01", None, "2024-06-18T00:00", None]
    assert out["translation_en"] == [SKY, None, SEA, None]
    assert json.dumps(out)  # plain Python values throughout


def test_str_dtype_text_and_a_column_named_otherwise(options: RunOptions) -> None:
    # Columns the rows are not read from are ignored, whatever they hold.
    batch = {"body": np.array([SEA, SKY]), "text": np.array(["ignored"]), "vector": 5}
    with BatchSummarizer(options, text_column="body") as summarize_batch:
        out = summarize_batch(batch)
        assert out["translation_en"] == [SEA, SKY]
        bad = summarize_batch({"body": [None]})
    assert loaded(bad["error"])[0] == {
        "kind": "input",
        "message": 'row 0: "body" is null, not a string',
        "hint": 'each row needs a "body" string',
    }


class _Frame:
    """What map_batches passes with batch_format="pandas", as far as the batch reads it: keys()
    and columns that iterate their values (a Series indexes by label, never read here)."""

    def __init__(self, columns: dict[str, list[Any]]) -> None:
        self._columns = columns

    def keys(self) -> list[str]:
        return list(self._columns)

    def __getitem__(self, name: str) -> Any:
        return iter(self._columns[name])  # values to iterate, not to index

    def __len__(self) -> int:
        return len(next(iter(self._columns.values())))


def test_a_frame_like_batch_is_read_by_its_columns(options: RunOptions) -> None:
    with BatchSummarizer(options) as summarize_batch:
        out = summarize_batch(_Frame({"id": ["p", "q"], "text": [SKY, SEA]}))  # type: ignore[arg-type]
    assert out["id"] == ["p", "q"] and out["translation_en"] == [SKY, SEA]


class _Scalar:
    """An Arrow scalar as a pyarrow column iterates it: no str, its value behind as_py()."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def as_py(self) -> Any:
        return self.value


class _Column:
    def __init__(self, values: list[Any]) -> None:
        self._values = values

    def __iter__(self) -> Any:
        return (_Scalar(value) for value in self._values)

    def __len__(self) -> int:
        return len(self._values)

    def to_pylist(self) -> list[Any]:
        return list(self._values)


class _Table:
    """What map_batches passes with batch_format="pyarrow", as far as the batch reads it: a
    pyarrow.Table has column_names and column(name), no keys(); its columns iterate scalars."""

    def __init__(self, columns: dict[str, list[Any]]) -> None:
        self._columns = columns
        self.column_names = list(columns)

    def column(self, name: str) -> _Column:
        return _Column(self._columns[name])

    def __getitem__(self, name: str) -> _Column:
        return self.column(name)


def test_an_arrow_table_batch_is_read_by_its_columns(options: RunOptions) -> None:
    # It had no keys(): an AttributeError ended the batch.
    table = _Table({"id": ["p", None], "text": [SKY, SEA], "title": ["Ciel", None]})
    with BatchSummarizer(options) as summarize_batch:
        out = summarize_batch(table)  # type: ignore[arg-type]
    assert out["id"] == ["p", content_id(SEA)] and out["title"] == ["Ciel", None]
    assert out["translation_en"] == [SKY, SEA] and out["status"] == ["ok", "ok"]
    with pytest.raises(UsageError, match="the batch has no 'text' column \\(its columns: 'body'\\)"):
        BatchSummarizer(options)(_Table({"body": [SKY]}))  # type: ignore[arg-type]


def test_a_batch_of_arrow_arrays_is_read_by_their_values(options: RunOptions) -> None:
    # A dict of pyarrow Arrays (not a Table) iterates Arrow scalars: every row was
    # '"text" is an object, not a string'.
    batch = {"id": _Column(["p", "q"]), "text": _Column([SKY, SEA]), "date": _Column(["2024-03-05", None])}
    with BatchSummarizer(options) as summarize_batch:
        out = summarize_batch(batch)  # type: ignore[arg-type]
    assert out["status"] == ["ok", "ok"] and out["id"] == ["p", "q"]
    assert out["translation_en"] == [SKY, SEA] and out["date"] == ["2024-03-05", None]


class _TwoTextColumns:
    """A DataFrame whose two columns have one label: keys() names both, [] gives a frame."""

    def keys(self) -> list[str]:
        return ["text", "id", "text"]

    def __getitem__(self, name: str) -> Any:
        return ["text", "text"] if name == "text" else ["a"]


def test_two_columns_of_one_label_are_a_usage_error(options: RunOptions) -> None:
    # Which column a row read was a guess: the frame's labels were read as the texts.
    with pytest.raises(UsageError) as raised:
        BatchSummarizer(options)(_TwoTextColumns())  # type: ignore[arg-type]
    assert raised.value.message == "the batch has 2 columns named 'text'"
    assert raised.value.hint == "rename or drop all but one of them"


@pytest.mark.parametrize(
    ("batch", "said"),
    [
        ({"body": [SKY]}, "the batch has no 'text' column (its columns: 'body')"),
        ({}, "the batch has no 'text' column (its columns: none)"),
        ({"text": [SKY, SEA], "id": ["a"]}, "the batch's columns differ in length (text: 2, id: 1)"),
        ({"text": SKY}, "the batch's column 'text' is not a column of values (str)"),
        ({"text": [SKY], "id": 5}, "the batch's column 'id' is not a column of values (int)"),
    ],
)
def test_a_batch_that_is_not_a_table_of_texts_is_a_usage_error(
    options: RunOptions, tmp_path: Path, batch: dict[str, Any], said: str
) -> None:
    summarize_batch = BatchSummarizer(dataclasses.replace(options, cache_dir=tmp_path / "c"))
    with pytest.raises(UsageError) as raised:
        summarize_batch(batch)
    assert raised.value.message == said and raised.value.hint
    assert raised.value.kind == "usage"
    assert not (tmp_path / "c").exists()  # refused before anything was opened


@pytest.mark.parametrize("kwargs", [{"text_column": ""}, {"input_format": "pdf"}])
def test_bad_arguments_are_refused_when_built(kwargs: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        BatchSummarizer(None, **kwargs)  # type: ignore[arg-type]


def test_input_format_wins_over_the_format_column(options: RunOptions) -> None:
    batch = {"text": ["<p>Le vent se lève.</p>"], "format": ["html"]}
    with BatchSummarizer(options, input_format="text") as summarize_batch:
        out = summarize_batch(batch)
    assert out["translation_en"] == ["<p>Le vent se lève.</p>"]


def test_the_cache_serves_the_second_call_and_the_next_worker(options: RunOptions, tmp_path: Path) -> None:
    cached = dataclasses.replace(options, cache_dir=tmp_path / "c")
    batch = {"id": ["a", "b"], "text": [SKY, SEA]}
    with BatchSummarizer(cached) as summarize_batch:
        first = summarize_batch(batch)
        summarizer = summarize_batch._summarizer
        assert summarizer is not None and summarizer.stats.misses == 4  # 2 texts, 2 tasks
        second = summarize_batch(batch)
        assert summarize_batch._summarizer is summarizer and summarizer.stats.misses == 4
    both = {"translation": True, "summary": True}
    assert loaded(first["cached"]) == [{"translation": False, "summary": False}] * 2
    assert loaded(second["cached"]) == [both] * 2
    assert second["translation_en"] == first["translation_en"] == [SKY, SEA]
    # Closed, the cache stays: another worker with the same cache_dir is served from it.
    with BatchSummarizer(cached) as other:
        assert loaded(other({"text": [SEA]})["cached"]) == [both]


def test_two_instances_share_nothing(options: RunOptions, tmp_path: Path) -> None:
    one = BatchSummarizer(dataclasses.replace(options, cache_dir=tmp_path / "one"))
    two = BatchSummarizer(dataclasses.replace(options, cache_dir=tmp_path / "two"))
    with one, two:
        one({"text": [SKY]})
        assert two._summarizer is None  # the first one's call loaded nothing for it
        assert loaded(two({"text": [SKY]})["cached"]) == [{"translation": False, "summary": False}]
        assert loaded(one({"text": [SKY]})["cached"]) == [{"translation": True, "summary": True}]
        assert one._summarizer is not two._summarizer


def test_one_summarizer_serves_every_call_until_closed(options: RunOptions) -> None:
    summarize_batch = BatchSummarizer(options)
    assert summarize_batch._summarizer is None
    summarize_batch({"text": [SKY]})
    first = summarize_batch._summarizer
    summarize_batch({"text": [SEA]})
    assert first is not None and summarize_batch._summarizer is first
    summarize_batch.close()
    assert summarize_batch._summarizer is None
    assert summarize_batch({"text": [SEA]})["translation_en"] == [SEA]  # a new one, once closed
    summarize_batch.close()


def test_building_one_loads_and_opens_nothing(options: RunOptions, tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from summarize.batch import BatchSummarizer\n"
        "from summarize.options import RunOptions\n"
        "b = BatchSummarizer(RunOptions(cache_dir=Path(sys.argv[1])))\n"
        "heavy = ('torch', 'transformers', 'ctranslate2', 'numpy', 'summarize.pipeline')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "c")],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "[]\n"
    assert not (tmp_path / "c").exists()


def test_an_unused_instance_pickles_and_its_copy_runs(options: RunOptions, tmp_path: Path) -> None:
    original = BatchSummarizer(dataclasses.replace(options, cache_dir=tmp_path / "c"), text_column="body")
    copy = pickle.loads(pickle.dumps(original))
    with copy:
        out = copy({"body": [SKY]})
    assert out["translation_en"] == [SKY] and out["status"] == ["ok"]
    assert original._summarizer is None  # the copy's models are its own
    # A used one pickles as its arguments: the copy starts unloaded, and the original still runs.
    with original:
        original({"body": [SEA]})
        again = pickle.loads(pickle.dumps(original))
        assert again._summarizer is None and again.text_column == "body"
        assert loaded(original({"body": [SEA]})["cached"]) == [{"translation": True, "summary": True}]
    with again:
        assert loaded(again({"body": [SEA]})["cached"]) == [{"translation": True, "summary": True}]


def test_the_readme_example_runs_as_written(options: RunOptions, capsys: pytest.CaptureFixture[str]) -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("### At scale: batches")
    begin = lines.index("```python", start) + 1
    block = lines[begin : lines.index("```", begin)]
    # Every whole-line comment of the block is a line that it prints.
    expected = [line.removeprefix("# ") for line in block if line.startswith("# ")]
    assert expected, "the example shows what it prints"
    exec("\n".join(block), {"options": options})  # noqa: S102 - the README's own code
    assert capsys.readouterr().out.splitlines() == expected


def test_an_id_that_is_no_json_value_is_its_text(options: RunOptions) -> None:
    # A UUID or Decimal cell (a database export's key) raised TypeError in json.dumps, and the
    # whole batch with it.
    import decimal
    import uuid

    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    batch = {"id": [key, decimal.Decimal("1.50"), {"k": key}], "text": [SKY, SEA, None]}
    with BatchSummarizer(options) as summarize_batch:
        out = summarize_batch(batch)
    assert out["id"] == [str(key), "1.50", '{"k": "12345678-1234-5678-1234-567812345678"}']
    assert out["status"] == ["ok", "ok", "error"]


def test_every_column_is_strings_or_none_in_every_batch(options: RunOptions) -> None:
    # Ray Data builds an Arrow block from the returned columns: dicts became a struct inferred
    # from each batch (an ok row's "language" has fields, an error row's none, an "error" has a
    # "task" or not), so blocks differed and a column of {} cannot be written to Parquet.
    batches = [{"text": [SKY, None, ""]}, {"text": [5]}, {"text": [SEA]}]
    with BatchSummarizer(options) as as_json, BatchSummarizer(options, nested="objects") as as_objects:
        for batch in batches:
            out, objects = as_json(batch), as_objects(batch)
            for name, values in out.items():
                assert all(value is None or type(value) is str for value in values), name
                if any(isinstance(value, dict | list) for value in objects[name]):
                    assert loaded(values) == objects[name], name  # the JSON of each object
                else:
                    assert values == objects[name], name
    assert objects["language"][0]["code"] == "fr"
    assert out["language"] == ['{"code": "fr", "confidence": 1.0, "reliable": true, "reason": "given"}']


def test_nested_is_checked_when_built() -> None:
    with pytest.raises(UsageError) as raised:
        BatchSummarizer(None, nested="dicts")
    assert raised.value.hint == "expected one of: json, objects"


def test_masked_cells_are_missing_and_bytes_are_said(options: RunOptions) -> None:
    # A masked cell was numpy's masked constant: its id was "--" and its text "an object".
    batch = {
        "id": np.ma.masked_array(["a", "b", "c"], mask=[True, False, False]),
        "text": np.ma.masked_array([SKY, SEA, SEA], mask=[False, True, False], dtype=object),
        "title": np.ma.masked_array(["T", "U", "V"], mask=[False, False, True]),
    }
    with BatchSummarizer(options) as summarize_batch:
        out = summarize_batch(batch)
        raw = summarize_batch({"text": [SKY.encode()]})
    assert out["id"] == [content_id(SKY), "b", "c"] and out["title"] == ["T", None, None]  # row 1 failed
    assert out["status"] == ["ok", "error", "ok"]
    assert loaded(out["error"])[1]["message"] == 'row 1: "text" is null, not a string'
    # Bytes are no text (decode them first), and were called "an object".
    assert loaded(raw["error"])[0]["message"] == 'row 0: "text" is bytes, not a string'


def test_a_lang_column_gives_each_row_its_language(options: RunOptions) -> None:
    batch = {
        "text": [SKY, SEA, SKY, SEA],
        "lang": ["fr", "xx-bogus", None, "fr"],
        "language": [None, None, "fr", "en"],
    }
    detecting = dataclasses.replace(options, source_lang=None)
    with BatchSummarizer(detecting, nested="objects") as summarize_batch:
        out = summarize_batch(batch)
    assert out["status"] == ["ok", "error", "ok", "ok"]
    assert [language.get("code") for language in out["language"]] == ["fr", None, "fr", "fr"]
    assert [language.get("reason") for language in out["language"]] == ["input", None, "input", "input"]
    # An invalid code costs its row only, as a JSON line's does.
    assert out["error"][1]["kind"] == "language_code" and "'xx-bogus'" in out["error"][1]["message"]
    # "lang" wins over "language", and says so when they disagree.
    assert out["warnings"][3][0]["kind"] == "language_conflict" and out["warnings"][:3] == [[], [], []]


def test_source_lang_wins_over_a_lang_column(options: RunOptions) -> None:
    # options.source_lang is "fr": a row's "lang", valid or not, is not read.
    with BatchSummarizer(options, nested="objects") as summarize_batch:
        out = summarize_batch({"text": [SKY, SEA], "lang": ["de", "xx-bogus"]})
    assert out["status"] == ["ok", "ok"]
    assert [(language["code"], language["reason"]) for language in out["language"]] == [("fr", "given")] * 2


def test_a_cache_that_cannot_be_used_is_said_in_notices(options: RunOptions, tmp_path: Path) -> None:
    # The rows are still made, as in the CLI, which says so on stderr: a batch said nothing.
    (tmp_path / "file").write_text("x", encoding="utf-8")
    summarize_batch = BatchSummarizer(dataclasses.replace(options, cache_dir=tmp_path / "file" / "cache"))
    assert summarize_batch.notices == []
    with summarize_batch:
        assert summarize_batch({"text": [SKY]})["status"] == ["ok"]
        notices = summarize_batch.notices
        summarize_batch({"text": [SEA]})
        assert summarize_batch.notices == notices  # each said once
    assert len(notices) == 1 and notices[0].startswith("cache disabled: cannot use ")
    assert summarize_batch.notices == []


def test_a_call_that_raises_leaves_the_instance_usable(
    options: RunOptions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarize.cache import Cache
    from summarize.errors import CacheError
    from summarize.read_queue import reading_ahead

    put_many = Cache.put_many
    calls: list[int] = []

    def failing_once(self: Cache, items: Any) -> None:
        calls.append(len(items))
        if len(calls) == 1:
            raise CacheError("cannot change the cache", "make it writable")
        put_many(self, items)

    monkeypatch.setattr(Cache, "put_many", failing_once)
    batch = {"id": ["a", "b", "c"], "text": [SKY, SEA, "Le vent se lève."]}
    summarize_batch = BatchSummarizer(dataclasses.replace(options, cache_dir=tmp_path / "c"))
    with pytest.raises(CacheError):
        summarize_batch(batch)
    summarizer = summarize_batch._summarizer
    out = summarize_batch(batch)  # the same worker, its models kept
    assert summarize_batch._summarizer is summarizer
    assert out["id"] == ["a", "b", "c"] and out["status"] == ["ok"] * 3
    assert out["translation_en"] == [SKY, SEA, "Le vent se lève."]
    assert not reading_ahead()  # the failed call's reader thread ended with it
    summarize_batch.close()
    summarize_batch.close()  # twice: nothing more to close
    assert summarize_batch._summarizer is None


def test_a_text_over_max_bytes_costs_only_its_row(options: RunOptions) -> None:
    # A JSON line over --max-bytes is refused; a row was summarized whatever its size.
    texts = ["é" * 10, "é" * 11, "a" * 20, "a" * 21 + " ", "<p>" + "a" * 30 + "</p>"]
    batch = {"id": ["fits", "wide", "ascii", "over", "html"], "text": texts}
    with BatchSummarizer(options, max_bytes=20) as summarize_batch:
        out = summarize_batch(batch)
    assert out["id"] == ["fits", "wide", "ascii", "over", "html"]  # named as its row
    assert out["status"] == ["ok", "error", "ok", "error", "error"]
    errors = loaded(out["error"])
    too_large = "too_large"
    assert [error and error["kind"] for error in errors] == [None, too_large, None, too_large, too_large]
    assert errors[1]["message"] == 'row 1: "text" over max_bytes (20 bytes)'
    assert out["translation_en"][:3] == ["é" * 10, None, "a" * 20]


def test_max_bytes_is_checked_when_built() -> None:
    with pytest.raises(UsageError):
        BatchSummarizer(None, max_bytes=0)


def test_the_readme_ray_example_builds_its_workers_as_ray_would(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ray is no dependency: a stand-in takes the example's map_batches arguments, builds the
    # instance from fn_constructor_kwargs as an actor does, and pickles it as Ray ships it.
    import types

    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    begin = lines.index("import ray") - 3
    assert lines[begin] == "```python"
    block = lines[begin + 1 : lines.index("```", begin + 1)]
    asked: dict[str, Any] = {}

    class Dataset:
        def map_batches(self, fn: Any, **kwargs: Any) -> Dataset:
            asked.update(kwargs, worker=pickle.loads(pickle.dumps(fn(**kwargs["fn_constructor_kwargs"]))))
            return self

        def write_json(self, path: str) -> None:
            asked["written"] = path

    ray = types.ModuleType("ray")
    ray.data = types.SimpleNamespace(read_json=lambda path: Dataset())  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ray", ray)
    exec("\n".join(block), {})  # noqa: S102 - the README's own code
    worker = asked["worker"]
    assert isinstance(worker, BatchSummarizer) and worker.nested == "json"
    assert worker.keep == ("article_id",)  # the input's key comes back beside each record
    # Each worker runs on the cores Ray reserves for it, no more.
    assert worker.options.engine.threads == asked["num_cpus"] == 4
    assert asked["written"].startswith("s3://")


def test_refresh_recomputes_each_output_once_per_worker(options: RunOptions, tmp_path: Path) -> None:
    cached = dataclasses.replace(options, cache_dir=tmp_path / "c")
    with BatchSummarizer(cached) as summarize_batch:
        summarize_batch({"text": [SKY]})
    refreshing = dataclasses.replace(cached, refresh=True)
    both, neither = {"translation": True, "summary": True}, {"translation": False, "summary": False}
    with BatchSummarizer(refreshing) as summarize_batch:
        # As --refresh in one run: computed again once, then served (the same text twice too).
        assert loaded(summarize_batch({"text": [SKY, SKY]})["cached"]) == [neither, both]
        assert loaded(summarize_batch({"text": [SKY]})["cached"]) == [both]
    with BatchSummarizer(refreshing) as summarize_batch:  # a new worker: a new run
        assert loaded(summarize_batch({"text": [SKY]})["cached"]) == [neither]


def test_a_call_while_another_is_under_way_is_refused(
    options: RunOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two threads shared one summarizer mid-batch (or built two): nothing said so.
    import threading

    from summarize.pipeline import Summarizer

    started, release = threading.Event(), threading.Event()
    process = Summarizer.process

    def held(self: Summarizer, items: Any) -> Any:
        started.set()
        assert release.wait(60)
        yield from process(self, items)

    summarize_batch = BatchSummarizer(options)
    outs: list[dict[str, list[Any]]] = []
    with monkeypatch.context() as patch:
        patch.setattr(Summarizer, "process", held)
        first = threading.Thread(target=lambda: outs.append(summarize_batch({"text": [SKY]})))
        first.start()
        assert started.wait(60)
        with pytest.raises(UsageError) as raised:
            summarize_batch({"text": [SEA]})
        release.set()
        first.join(60)
    assert raised.value.message == "this BatchSummarizer is already summarizing a batch"
    assert outs[0]["translation_en"] == [SKY]
    with summarize_batch:  # free again once the first call is done
        assert summarize_batch({"text": [SEA]})["translation_en"] == [SEA]


def last_run(cache_dir: Path) -> str | None:
    """The "last run" line of ``summarize cache stats`` for ``cache_dir``: None without one."""
    from typer.testing import CliRunner

    from summarize.cli import app

    result = CliRunner().invoke(app, ["cache", "stats", "--cache-dir", str(cache_dir)], prog_name="summarize")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("last run\t")]
    return lines[0].removeprefix("last run\t") if lines else None


def test_an_instance_never_closed_writes_its_run_when_collected(options: RunOptions, tmp_path: Path) -> None:
    # Ray never calls close(): the run's counts were never written.
    import gc
    import weakref

    summarize_batch = BatchSummarizer(dataclasses.replace(options, cache_dir=tmp_path / "c"))
    summarize_batch({"text": [SKY, SEA]})
    assert last_run(tmp_path / "c") is None  # written at the close, not before
    collected = weakref.ref(summarize_batch)
    del summarize_batch
    gc.collect()
    assert collected() is None  # nothing held it: its finalizer holds the summarizer only
    assert last_run(tmp_path / "c") == "0 hits, 4 misses"


def test_an_instance_never_closed_writes_its_run_at_exit(options: RunOptions, tmp_path: Path) -> None:
    # One instance left open at exit, another closed before it (its finalizer then does nothing).
    assert options.models_dir is not None
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from summarize.batch import BatchSummarizer\n"
        "from summarize.options import RunOptions\n"
        "from summarize.routing import RoutingConfig\n"
        "model, models, cache = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])\n"
        "routing = RoutingConfig(summary_model=model, translation_model=model)\n"
        "def options(name):\n"
        "    return RunOptions(routing=routing, models_dir=models, source_lang='fr',\n"
        "                      cache_dir=cache / name)\n"
        "kept = BatchSummarizer(options('kept'))\n"
        "print(kept({'text': ['Le ciel est bleu.']})['status'])\n"
        "closed = BatchSummarizer(options('closed'))\n"
        "closed({'text': ['Le ciel est bleu.', 'La mer est calme.']})\n"
        "closed.close()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(COPY_MODEL), str(options.models_dir), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    assert (proc.stdout, proc.stderr) == ("['ok']\n", "")
    assert last_run(tmp_path / "kept") == "0 hits, 2 misses"
    assert last_run(tmp_path / "closed") == "0 hits, 4 misses"


def test_a_row_without_an_id_is_named_by_its_text_in_every_batch(options: RunOptions) -> None:
    # Each batch counted from "0": rows of two batches, or of two workers, had the same ids.
    import hashlib

    with BatchSummarizer(options) as one, BatchSummarizer(options) as other:
        first = one({"text": [SKY, SEA, None]})["id"]
        second = one({"text": [SEA, "Le vent se lève.", SKY]})["id"]
        elsewhere = other({"text": [SEA], "id": [float("nan")]})["id"]
    assert len(set(first)) == 3 and len(set(second)) == 3
    assert second == [first[1], content_id("Le vent se lève."), first[0]] and elsewhere == [first[1]]
    # What a user can compute from an input row to join it with its record.
    assert first[0] == hashlib.sha256(SKY.encode("utf-8")).hexdigest()[:32]
    assert first[2] == hashlib.sha256(b"null").hexdigest()[:32]  # a missing text: its JSON
    assert content_id("\ud800") != content_id("\udc00") and len(content_id(b"x")) == 32


def test_kept_columns_come_back_unchanged_after_the_records(options: RunOptions) -> None:
    # map_batches replaces a batch with what the function returns: the user's own columns (a
    # key to join on, a section) were gone.
    article_id = np.array([101, 102, 103], dtype=np.int64)
    vector = np.arange(6, dtype=np.float32).reshape(3, 2)
    batch = {
        "vector": vector,
        "text": [SKY, None, SEA],
        "article_id": article_id,
        "section": ("monde", None, "sport"),
    }
    summarize_batch = BatchSummarizer(options, keep=("article_id", "section", "vector"))
    with summarize_batch:
        out = summarize_batch(batch)
    # The record's fields, then the kept columns in keep's order.
    assert list(out) == [*RECORD_FIELDS_IN_ORDER, "article_id", "section", "vector"]
    assert out["article_id"] is article_id and out["vector"] is vector  # the batch's own arrays
    assert out["section"] == ["monde", None, "sport"]  # a tuple as a list, as Ray takes it back
    assert out["status"] == ["ok", "error", "ok"] and out["translation_en"] == [SKY, None, SEA]
    assert pickle.loads(pickle.dumps(summarize_batch)).keep == ("article_id", "section", "vector")


def test_kept_columns_of_an_arrow_table_or_a_frame(options: RunOptions) -> None:
    table = _Table({"text": [SKY, SEA], "key": ["s3://a", "s3://b"]})
    with BatchSummarizer(options, keep="key") as summarize_batch:  # a str names one column
        from_table = summarize_batch(table)  # type: ignore[arg-type]
        # The text column may be kept too; a frame's column that iterates once comes as a list.
        from_frame = BatchSummarizer(options, keep=["text"])(_Frame({"text": [SEA, SKY]}))  # type: ignore[arg-type]
    kept = from_table["key"]
    assert isinstance(kept, _Column) and kept.to_pylist() == ["s3://a", "s3://b"]  # the Arrow column
    assert from_table["translation_en"] == [SKY, SEA]
    assert from_frame["text"] == [SEA, SKY] and from_frame["translation_en"] == [SEA, SKY]


def test_keep_true_keeps_every_column_but_those_a_record_reads(options: RunOptions) -> None:
    batch = {
        "id": [7, None],
        "article_id": ["a1", "a2"],
        "text": [SKY, SEA],
        "title": ["Ciel", None],
        "lang": ["fr", "fr"],
    }
    with BatchSummarizer(options, keep=True) as summarize_batch:
        out = summarize_batch(batch)
        # A column that a record field has the name of, but is not read from, would be lost.
        with pytest.raises(UsageError) as raised:
            summarize_batch({"text": [SKY], "status": ["draft"]})
    assert list(out)[len(RECORD_FIELDS) :] == ["article_id", "text", "lang"]
    assert out["id"] == ["7", content_id(SEA)] and out["title"] == ["Ciel", None]  # the records'
    assert out["article_id"] == ["a1", "a2"] and out["text"] == [SKY, SEA]
    assert raised.value.message == (
        "keep=True passes the batch's column 'status' through, and every record has a field 'status'"
    )
    assert "Dataset.rename_columns({'status': 'input_status'})" in raised.value.hint


@pytest.mark.parametrize(
    ("keep", "said", "hint"),
    [
        (("id",), "keep names the column 'id', and every record has a field 'id'", "leave it out of keep"),
        ("status", "keep names the column 'status', and every record has a field 'status'", "rename"),
        (("a", "a"), "keep names the column 'a' twice", "name each column once"),
        ((5,), "invalid keep column 5", "pass keep=True"),
        (("",), "invalid keep column ''", "pass keep=True"),
        (5, "invalid keep 5", "pass keep=True"),
    ],
)
def test_a_bad_keep_is_refused_when_built(keep: Any, said: str, hint: str) -> None:
    with pytest.raises(UsageError) as raised:
        BatchSummarizer(None, keep=keep)
    assert raised.value.message == said and raised.value.hint.startswith(hint)


@pytest.mark.parametrize(
    ("batch", "said"),
    [
        ({"text": [SKY], "key": 5}, "the batch's column 'key' is not a column of values (int)"),
        ({"text": [SKY], "key": ["a", "b"]}, "the batch's columns differ in length (text: 1, key: 2)"),
        (
            {"text": [SKY], "other": ["a"]},
            "the batch has no 'key' column to keep (its columns: 'text', 'other')",
        ),
    ],
)
def test_a_kept_column_that_is_missing_or_no_column_is_a_usage_error(
    options: RunOptions, batch: dict[str, Any], said: str
) -> None:
    with pytest.raises(UsageError) as raised:
        BatchSummarizer(options, keep=("key",))(batch)
    assert raised.value.message == said

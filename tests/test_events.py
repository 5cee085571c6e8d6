"""What the library tells an observer (summarize.events), and the article count a listing gives.

The library never prints: ``Summarizer(observer=...)`` is told what it is doing, in order, and
the command line draws its progress line from that (see test_progress.py).
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import os
from pathlib import Path

import pytest

from summarize.engines import EngineOptions
from summarize.events import ArticleDone, Computing, Event, ModelLoaded, ModelLoading
from summarize.options import RunOptions
from summarize.pipeline import Summarizer
from summarize.read import Article, ReadOptions, iter_articles
from summarize.read_listing import listed_total
from summarize.routing import RoutingConfig

COPY_MODEL = Path(__file__).resolve().parent / "fixtures" / "copy_model"


def _translation(
    model: Path,
    tmp_path: Path,
    cache_dir: Path | None = None,
    engine: EngineOptions | None = None,
) -> RunOptions:
    """A French-to-English run of ``model`` alone (on transformers float32 unless ``engine``)."""
    return RunOptions(
        tasks=("translation",),
        routing=RoutingConfig(translation_model=str(model)),
        source_lang="fr",
        models_dir=tmp_path / "models",
        cache_dir=cache_dir,
        engine=engine or EngineOptions(backend="transformers", dtype="float32"),
    )


def test_the_summarizer_tells_phases_and_articles_in_order(tmp_path: Path) -> None:
    """The copy model on the default engine: converted on first use, then loaded as it is."""
    options = _translation(
        COPY_MODEL, tmp_path, cache_dir=tmp_path / "cache", engine=EngineOptions(threads=1)
    )
    articles = [Article("a", "a.txt", "Le ciel est bleu."), Article("b", "b.txt", "La mer est calme.")]

    def run(options: RunOptions) -> list[Event]:
        events: list[Event] = []
        with Summarizer(options, observer=events.append) as summarizer:
            for result in summarizer.process(articles):
                events.append(result)  # type: ignore[arg-type]  # where each result comes out
        return events

    first = run(options)
    model = str(COPY_MODEL.resolve())
    assert first[:3] == [
        Computing(1),
        ModelLoading("translation", model, "ctranslate2", "int8", converting=True),
        ModelLoaded("translation", model, ok=True),
    ]
    done = [e for e in first if isinstance(e, ArticleDone)]
    assert done == [ArticleDone(i, f"{i}.txt", "ok", False, True) for i in ("a", "b")]
    # Each event just before its result.
    assert [type(e).__name__ for e in first[3:]] == [
        "ArticleDone",
        "ArticleResult",
        "Computing",
        "ArticleDone",
        "ArticleResult",
    ]
    # Converted once: a run without the cache only loads it.
    second = run(dataclasses.replace(options, cache_dir=None))
    assert ModelLoading("translation", model, "ctranslate2", "int8", converting=False) in second
    # Served from the cache: no model, and no article computed.
    third = run(options)
    assert [e for e in third if isinstance(e, (ModelLoading, Computing))] == []
    assert [e.computed for e in third if isinstance(e, ArticleDone)] == [False, False]


def test_a_model_that_cannot_load_is_said_loaded_not_ok(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in os.listdir(COPY_MODEL):
        (broken / name).write_bytes(
            (COPY_MODEL / name).read_bytes() if (COPY_MODEL / name).is_file() else b""
        )
    (broken / "model.safetensors").write_bytes(b"not weights")
    options = _translation(broken, tmp_path)
    events: list[Event] = []
    results = list(Summarizer(options, observer=events.append).process([Article("a", "a.txt", "Le ciel.")]))
    assert results[0].failed
    loaded = [e for e in events if isinstance(e, ModelLoaded)]
    assert loaded == [ModelLoaded("translation", str(broken.resolve()), ok=False)]


@pytest.mark.parametrize("failing", [Computing, ModelLoading, ModelLoaded, ArticleDone])
def test_an_observer_that_raises_stops_the_run_with_its_error(tmp_path: Path, failing: type) -> None:
    """The observer's bug is the caller's: it comes out of process() as it is, never as an
    "internal error" record blamed on each article (whose model work would be thrown away)."""
    options = _translation(COPY_MODEL, tmp_path)

    class ObserverBug(Exception):
        pass

    def observer(event: Event) -> None:
        if isinstance(event, failing):
            raise ObserverBug("the observer's own bug") from KeyError("its cause")

    articles = [Article("a", "a.txt", "Le ciel est bleu."), Article("b", "b.txt", "La mer est calme.")]
    results = []
    with pytest.raises(ObserverBug) as raised:
        results.extend(Summarizer(options, observer=observer).process(articles))
    assert isinstance(raised.value.__cause__, KeyError)
    assert [r for r in results if r.status == "error"] == []


def test_listed_total(tmp_path: Path) -> None:
    news = tmp_path / "news"
    (news / "sub.txt").mkdir(parents=True)  # a subfolder, even with an article's name, is not read
    for name in ("a.txt", "b.md", "c.html", ".hidden.txt", "notes.pdf"):
        (news / name).write_text("x")
    (tmp_path / "one.txt").write_text("x")
    (tmp_path / "feed.jsonl").write_text("{}")
    (tmp_path / "notes").write_text("x")
    assert listed_total([str(news), str(tmp_path / "one.txt"), str(tmp_path / "missing.txt")]) == 5
    assert listed_total([str(news)], never_read=frozenset({_inode(news / "a.txt")})) == 2
    for other in ("-", "https://example.org/a", str(tmp_path / "feed.jsonl"), str(tmp_path / "notes")):
        assert listed_total([str(news), other]) is None, other
    (news / "more.jsonl").write_text("{}")
    assert listed_total([str(news)]) is None


_FEED = "".join(json.dumps({"id": str(n), "text": f"Article {n}."}) + "\n" for n in range(57))


@pytest.mark.parametrize(
    ("content", "total"),
    [
        # A feed saved under an article's name is read as JSON Lines: 57 items, not the 1 told.
        (_FEED.encode(), None),
        (codecs.BOM_UTF8 + b"\n  \n" + _FEED.encode(), None),
        (_FEED.encode("utf-16"), None),
        # Its first line longer than the head looked at: it may still be an article object.
        (json.dumps({"text": "Le conseil a voté. " * 4000}).encode() + b"\n", None),
        (b" " * 70_000 + _FEED.encode(), None),  # blank as far as the look goes
        # Heads that cannot open a feed keep the count: one article, or one failure.
        (b"Le conseil municipal a vot\xc3\xa9.\n" + _FEED.encode(), 1),
        (b"{Note} Le conseil a vot\xc3\xa9.\n" + _FEED.encode(), 1),
        (b'{"title": "Sans texte"}\n' + _FEED.encode(), 1),
        (b'[{"text": "Bonjour."}]\n', 1),
        (b"", 1),
        (b"  \n", 1),
    ],
)
def test_listed_total_leaves_untold_a_feed_saved_under_an_articles_name(
    tmp_path: Path, content: bytes, total: int | None
) -> None:
    """A .txt (or .md, .html) named or in a folder counted as one item, though a feed saved as
    export.txt yields one a line: the progress line said 1/1, then ran past it.  Told from one
    bounded look at its head (the folder's listing takes that look anyway)."""
    news = tmp_path / "news"
    news.mkdir()
    (news / "export.txt").write_bytes(content)
    (news / "b.md").write_text("Le conseil a voté.\n", encoding="utf-8")
    named = news / "export.txt"
    assert listed_total([str(named)]) == total
    assert listed_total([str(news)]) == (None if total is None else total + 1)
    if total is not None:  # the count told is what the reader yields
        assert len(list(iter_articles([str(named)], ReadOptions()))) == total


def test_listed_total_leaves_out_a_folders_earlier_results(tmp_path: Path) -> None:
    from summarize.own_output import RECORD_KEYS

    news = tmp_path / "news"
    news.mkdir()
    for name in ("a.txt", "b.md", "c.txt"):
        (news / name).write_text("Le conseil municipal a voté.\n", encoding="utf-8")
    # `summarize run news/a.txt -o news/`, then `summarize run news/ > news/all.jsonl`: skipped when
    # read, they were counted (3/4), and a .jsonl result left no total at all.
    (news / "a-2.txt").write_text(
        "== a — Titre\n\nRésumé (fr):\nLe conseil a voté.\n\nTranslation (en):\nThe council voted.\n",
        encoding="utf-8",
    )
    assert listed_total([str(news)]) == 3
    record = {**dict.fromkeys(RECORD_KEYS[:-1]), "id": "a", "status": "ok"}
    (news / "all.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert len(list(iter_articles([str(news)], ReadOptions()))) == 3
    assert listed_total([str(news)]) == 3
    # The run's own stdout file, in the folder: not read, so not counted, .jsonl or not.
    (news / "out.jsonl").write_text("")
    assert listed_total([str(news)], never_read=frozenset({_inode(news / "out.jsonl")})) == 3
    (news / "feed.jsonl").write_text('{"text": "Bonjour."}\n')  # a user's JSON Lines: lines untold
    assert listed_total([str(news)], never_read=frozenset({_inode(news / "out.jsonl")})) is None
    # The run's listing is used as it is: no file is looked at a second time.
    from summarize.read_listing import FolderListing, list_folders

    listing = FolderListing(folder=news, articles=("a.txt",), results=(), others=(), subfolders=())
    assert listed_total([str(news)], listings={str(news): listing}) == 1
    assert list_folders([str(news), str(news / "a.txt"), "-"]) == {
        str(news): FolderListing(
            folder=news,
            articles=("a.txt", "b.md", "c.txt", "feed.jsonl", "out.jsonl"),
            results=("a-2.txt", "all.jsonl"),
            others=(),
            subfolders=(),
            feeds=("feed.jsonl", "out.jsonl"),  # how many items each yields is untold
        )
    }


def _inode(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino

"""The pipeline: read → clean → segment → chunk → engine → reassemble, with the cache beside it.

``Summarizer.process`` takes articles and yields one ``ArticleResult`` per article, in input
order.  Articles are taken in windows: the chunks of a whole window (cache misses only, the
same text once) are sorted by length and run in token-budgeted batches, then put back in
order, so that a long batch of articles streams results while memory stays bounded.

One task on one model (chunking, batching, the cache and engine calls) is
:class:`~summarize.runner.TaskRunner`'s; the article's language and date as the record gives
them are :mod:`summarize.lang_date`'s; the inputs read ahead for the windows,
:mod:`summarize.read_queue`'s.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .chunk import Chunk
from .engines import Generated, threads_notice
from .errors import InputError, ModelError, ModelNotFoundError, SummarizeError
from .events import ArticleDone, Computing, Event, Observer
from .guard import check_translation
from .lang_date import (
    LanguageInputError,
    date_unreadable,
    given_lang,
    input_date,
    input_lang,
    lang_conflict,
    language_warning,
)
from .models import ModelRef
from .options import RunOptions
from .read import Article, Item, ReadFailure
from .read_queue import Ready
from .reassemble import reassemble
from .runner import KEY_FORMAT, RunStats, TaskRunner
from .segment import segment

# The article memo's own format: a record cached under an older one is not served.  Bump it
# when cleaning, segmenting or reassembling changes a record made from the same input.
# 2: dates are ISO 8601; 3: an RFC 2822 date keeps its zone, a page its own date; 4: a Markdown
# table and a page's data table are body, and sentences of other scripts split by their own
# rules; 5: a page's data-table cells joined by ", " as a Markdown table's, a list's end before
# a number ends a sentence ("etc. 2023 a été"), a page's date is never a modified date nor a
# copyright year, a block's HTML tags in Markdown are a space, and a Markdown front matter's title,
# date and url are the record's (a TOML one goes from the body); 6: a bracket closed after a full
# stop, a Russian "г." before a sentence opener and a space between Thai or Lao words end a
# sentence.  5 shipped: its records must go.
RECORD_FORMAT = 6
# Detection results are cached too; change this when the detector or its settings change.
DETECTOR_SIGNATURE = "py3langid-0.4/news-languages/v1"
# Articles whose language cannot be told are taken as French, the tool's main input.
DEFAULT_SOURCE_LANG = "fr"


@dataclass
class ArticleResult:
    """Everything the tool knows about one article after the run."""

    id: str
    source: str
    title: str | None = None
    url: str | None = None
    date: str | None = None
    summary_fr: str | None = None
    translation_en: str | None = None
    chunks: dict[str, int] = field(default_factory=dict)
    models: dict[str, dict[str, str]] = field(default_factory=dict)
    cached: dict[str, bool] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    language: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"  # ok | partial | skipped | error
    error: dict[str, str] | None = None

    @property
    def failed(self) -> bool:
        """Something asked for is missing: the whole article, or one of its two outputs."""
        return self.status in ("error", "partial")


@dataclass
class _Unit:
    """One paragraph to translate with one model (None: it is already in the target language)."""

    prep: _Prepared
    index: int  # the paragraph's position in the article
    text: str
    lang: str
    model: str | None
    role: str  # "translation" (into English) or "to_french"
    chunks: list[Chunk] = field(default_factory=list)
    output: str = ""
    cached: bool = True
    missing: str | None = None  # the model that could not be loaded: the paragraph is kept as written

    @property
    def source_lang(self) -> str:
        """The paragraph's own language (a pivot's second leg reads English, but serves it)."""
        return self.prep.paragraphs[self.index][1]


@dataclass
class _Prepared:
    article: Article
    result: ArticleResult
    body: str = ""
    lang: str = "fr"
    paragraphs: list[tuple[str, str, str]] = field(default_factory=list)  # (text, lang, separator)
    deps: set[tuple[str, str]] = field(default_factory=set)  # (role, model id) of the runners used
    # Some paragraph was kept as written for want of its model: never memoised, so that the
    # record is made again once the model is there.
    degraded: bool = False
    # Tasks that cannot be made for this article ("summary", "translation"), with the reason.
    failures: dict[str, dict[str, str]] = field(default_factory=dict)


# ``Summarizer(options)``: the cache ``options.cache_dir`` names (none when it is None).
_FROM_OPTIONS: Any = object()


class Summarizer:
    """Runs the whole pipeline over articles; owns its runners and detector, nothing global.

    The output cache is ``options.cache_dir``'s ``outputs.sqlite3``, opened here and closed by
    :meth:`close` (or ``with``), unless a :class:`~summarize.cache.Cache` (or None) is passed.
    ``observer``, when given, is called with each :mod:`summarize.events` event as the run
    works (a model loading, a result out); it runs in the caller's thread, between results.
    An exception it raises leaves :meth:`process` as it is (the caller's bug, no article's).
    """

    def __init__(
        self, options: RunOptions, cache: Any = _FROM_OPTIONS, observer: Observer | None = None
    ) -> None:
        if options.engine.backend in ("auto", "ctranslate2"):
            from .engines.ct2 import check_isa_variable

            check_isa_variable()  # before any record: a bad setting must not cost a half-written run
        self.options = options
        # Told what the run is doing (see summarize.events); never part of a key or signature.
        # Wrapped once: its exceptions must leave the run as they are (see process).
        self._tell = _told(observer)
        # Opened here, it is closed here: a cache passed in belongs to its caller (the CLI).
        self._owns_cache = cache is _FROM_OPTIONS and options.cache_dir is not None
        if cache is _FROM_OPTIONS:
            from .cache import Cache

            cache = Cache.open(Path(options.cache_dir) / "outputs.sqlite3") if self._owns_cache else None
        self.cache = cache
        self.stats = RunStats()
        # Run-wide notes for the user (an option a model cannot honour), in the order made.
        self.notices: list[str] = []
        notice = threads_notice(options.engine)
        if notice is not None:
            self.notices.append(notice)
        self._runners: dict[tuple[str, str], TaskRunner] = {}
        # Models that could not be loaded, so that later articles needing them fail at once
        # instead of looking (or downloading) again.
        self._unusable: dict[tuple[str, str], ModelError] = {}
        self._detector: Any = None
        self._detected_now: set[str] = set()  # detections made by this run (see --refresh)

    def close(self) -> None:
        """Close the cache this summarizer opened (its run's counts kept for ``cache stats``)."""
        if self._owns_cache and self.cache is not None:
            self.cache.record_run(self.stats.hits, self.stats.misses)
            self.cache.close()
            self._owns_cache = False

    def __enter__(self) -> Summarizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def runner(self, role: str, model_id: str) -> TaskRunner:
        """The runner of ``model_id`` for a role: "summary" or "translation" (either direction)."""
        key = (role, model_id)
        if key in self._unusable:
            raise self._unusable[key]
        if key not in self._runners:
            overrides = (
                self.options.summary_overrides if role == "summary" else self.options.translation_overrides
            )
            try:
                self._runners[key] = TaskRunner(
                    role,
                    ModelRef(model_id),
                    overrides,
                    self.options,
                    self.cache,
                    self.stats,
                    self.notices,
                    self._tell,
                )
            except ModelError as exc:
                self._unusable[key] = exc
                raise
        return self._runners[key]

    def signatures(self) -> dict[str, dict[str, Any]]:
        """The signature of every model this run used, by role and model id, sorted by them:
        runners are made in the order articles need them, which a cache hit changes."""
        return {
            f"{role} {model}": self._runners[role, model].signature() for role, model in sorted(self._runners)
        }

    def process(self, items: Iterable[Item]) -> Iterator[ArticleResult]:
        """Yield one result per item, in order, working a window of articles at a time."""
        try:
            yield from self._windows(items)
        except _ObserverFailed as failed:
            error = failed.error
        else:
            return
        raise error  # out of the handler: the observer's exception as it was, cause and all

    def _windows(self, items: Iterable[Item]) -> Iterator[ArticleResult]:
        size = 1
        with Ready(items, self.options.window_articles) as ready:
            # Windows grow 1, 2, 4... so the first result shows at once and later ones batch
            # well; each takes only the articles already read, so that a slow source (a feed
            # on stdin) never holds back a record until the window is full.
            while window := ready.take(size):
                for result in self._isolated(window):
                    if self._tell is not None:
                        self._tell(_done(result))
                    yield result
                size = min(size * 2, self.options.window_articles)

    def _isolated(self, items: list[Item]) -> list[ArticleResult]:
        """The window's results; an error met by some articles costs only those articles.

        A model that cannot be loaded costs only the outputs that need it, inside the window
        (``_translate_units``, ``_summarize``).  A bug may be met by one input only: the window
        is then taken again one article at a time (the cache keeps what was already
        computed), and each article that still fails gets an error record while the others
        come out.  Other errors raised on purpose (a cache closed under the run...) meet every
        article: they end the run.  A full disk is not one of them: it turns the cache off
        with a warning (``cache.py``).
        """
        try:
            return self._process_window(items)
        except ModelError as exc:
            error = error_dict(exc)
        except (SummarizeError, _ObserverFailed):
            raise
        except Exception as exc:
            if self.options.debug:
                raise
            error = {
                "kind": "internal",
                "message": f"internal error: {type(exc).__name__}: {exc}",
                "hint": "please report it with this article; SUMMARIZE_DEBUG=1 shows the traceback",
            }
        if len(items) > 1:
            return [result for item in items for result in self._isolated([item])]
        result = ArticleResult(items[0].id, items[0].source, status="error")
        result.error = error
        return [result]

    # -- one window ----------------------------------------------------------------------
    def _process_window(self, items: list[Item]) -> list[ArticleResult]:
        # Each article's memo key, computed once: hashing a long text twice would cost twice.
        keys = (
            {i: self._memo_key(item) for i, item in enumerate(items) if isinstance(item, Article)}
            if self.cache is not None
            else {}
        )
        done = self._from_memo(items, keys)
        prepared = {i: self._prepare(item) for i, item in enumerate(items) if i not in done}
        live = [p for p in prepared.values() if p.result.status == "ok"]
        if live and self._tell is not None:
            self._tell(Computing(len(live)))
        english = self._to_english(live)
        if "summary" in self.options.tasks:
            french = self._to_french(live, english)
            self._summarize(live, french)
        for prep in live:
            self._settle(prep)
        self._to_memo(keys, prepared)
        results = [done[i] if i in done else prepared[i].result for i in range(len(items))]
        for item, result in zip(items, results):
            if not isinstance(item, Article):
                continue
            # After the memo, which is keyed by neither: what the input says of itself goes on top
            # (the memo holds the text's date; the input's wins).
            result.date, unreadable = input_date(item.date, result.date)
            if item.date is not None and unreadable is None:
                # The input's date is the record's: a warning about the one its text gives (a front
                # matter's: the only date warning before this point) no longer says what happened.
                result.warnings = [w for w in result.warnings if w.get("kind") != "date_unreadable"]
            result.warnings += [w for w in (lang_conflict(item, self.options), unreadable) if w is not None]
        return results

    # -- article memo ----------------------------------------------------------------------
    # A finished article's whole record is cached under its raw input and the options that
    # decide it, with the signature of every runner it used.  A hit is trusted only when those
    # runners' signatures are unchanged, so it returns what the chunk-level path would; it
    # skips cleaning, detection and chunking, which make most of an all-hit run's cost.
    @functools.cached_property
    def _memo_options(self) -> dict[str, Any]:
        """The options that decide an article's record (not batching, threads or the cache).

        The engine options are left out: each runner's digest, checked on every hit, names the
        backend, dtype and device that really ran, so ``--dtype int8`` and an ``auto`` that
        means int8 share the entry, and a run on another engine replaces it.
        """
        o = self.options
        return {
            "tasks": list(o.tasks),
            "routing": _plain(o.routing),
            "source_lang": o.source_lang,
            "chunking": _plain(o.chunking),
            "summary_overrides": _plain(o.summary_overrides),
            "translation_overrides": _plain(o.translation_overrides),
            "max_summary_rounds": o.max_summary_rounds,
            "keep_boilerplate": o.keep_boilerplate,
        }

    def _memo_key(self, article: Article) -> tuple[str, str]:
        from .cache import make_key

        text = hashlib.sha256(article.text.encode("utf-8", "surrogatepass")).hexdigest()
        # The input's language code decides the routes; its date decides no output, and is put
        # on the record after the memo (see _process_window), so that it costs no miss.
        lang: dict[str, str] = {}
        if article.lang is not None and not self.options.source_lang:
            try:
                lang["lang"] = given_lang(article.lang)
            except LanguageInputError:
                lang["lang"] = article.lang  # fails the article: never memoised
        return make_key(
            {
                "key_format": KEY_FORMAT,
                "record_format": RECORD_FORMAT,
                "version": __version__,
                "task": "article",
                "detector": DETECTOR_SIGNATURE,
                "options": self._memo_options,
                "article": {
                    "sha256": text,
                    "html": article.html,
                    "markdown": article.markdown,
                    "title": article.title,
                    "url": article.url,
                    **lang,  # absent without one: the keys of earlier records still match
                },
            }
        )

    def _from_memo(self, items: list[Item], keys: dict[int, tuple[str, str]]) -> dict[int, ArticleResult]:
        """Results of the window's articles whose record is cached and still valid."""
        if self.cache is None or self.options.refresh:
            return {}
        stored = self.cache.get_many([digest for digest, _ in keys.values()])
        found, rejected = {}, set()
        for i, (digest, _) in keys.items():
            if digest in stored:
                result = self._memo_result(items[i], stored[digest])  # type: ignore[arg-type]
                if result is None:
                    rejected.add(digest)
                else:
                    found[i] = result
        self.cache.reject(list(rejected))  # the full path replaces them: not hits
        return found

    def _memo_result(self, article: Article, value: str) -> ArticleResult | None:
        try:
            data = json.loads(value)
            deps, fields, entries = data["deps"], data["result"], int(data["entries"])
            for name, digest in deps.items():
                role, model = name.split(" ", 1)
                if self.runner(role, model).digest != digest:
                    return None
            result = ArticleResult(article.id, article.source, **fields)
        except (ValueError, KeyError, TypeError, AttributeError, SummarizeError):
            # Unreadable, or a model that no longer resolves: the full path decides (and
            # reports the model error the way it always does).
            return None
        self.stats.hits += entries  # the stored record already marks every task as cached
        return result

    def _to_memo(self, keys: dict[int, tuple[str, str]], prepared: dict[int, _Prepared]) -> None:
        if self.cache is None:
            return
        rows = []
        for i, prep in prepared.items():
            result = prep.result
            if result.status != "ok" or prep.degraded:
                continue
            fields = {
                f.name: getattr(result, f.name)
                for f in dataclasses.fields(ArticleResult)
                if f.name not in ("id", "source")
            }
            # What a reader of the memo will see: everything from the cache.  Storing this run's
            # own flags would make the value depend on which process computed what.
            fields["cached"] = {task: True for task in result.cached}
            value = {
                "result": fields,
                "deps": {
                    f"{role} {model}": self.runner(role, model).digest for role, model in sorted(prep.deps)
                },
                "entries": sum(result.chunks.values()),
            }
            rows.append((*keys[i], json.dumps(value, ensure_ascii=False)))
        if rows:
            self.cache.put_many(rows)

    def _prepare(self, item: Item) -> _Prepared:
        if isinstance(item, ReadFailure):
            # An input with nothing in it is skipped, not failed, whatever its form.
            status = "skipped" if item.error.kind == "empty" else "error"
            result = ArticleResult(item.id, item.source, status=status)
            result.error = error_dict(item.error)
            return _Prepared(_placeholder(item), result)
        result = ArticleResult(item.id, item.source, title=item.title, url=item.url)
        prep = _Prepared(item, result)
        try:
            self._clean(prep)
            self._detect(prep)
        except InputError as exc:
            result.status = "skipped" if exc.kind in ("empty", "no_text") else "error"
            result.error = error_dict(exc)
        return prep

    def _clean(self, prep: _Prepared) -> None:
        from .clean import has_text

        article, result = prep.article, prep.result
        cleaned = clean_article(article, self.options.keep_boilerplate)
        result.title = result.title or cleaned.title
        result.url = result.url or cleaned.url
        result.date = cleaned.date
        if cleaned.unread_date is not None:
            result.warnings.append(date_unreadable(cleaned.unread_date, cleaned.date, "front matter's"))
        result.removed = removed_records(cleaned)
        if not article.text.strip():
            raise _Skip("empty", "the article is empty", "give it some text")
        if not has_text(cleaned.body):
            if not self.options.keep_boilerplate and (article.html or cleaned.removed):
                raise _Skip(
                    "no_text",
                    "nothing to translate is left after cleaning",
                    "check the input, or pass --keep-boilerplate",
                )
            # Nothing was cleaned away (or cleaning is off): --keep-boilerplate would not help.
            words = article.text.split()
            if words and all(word.lower().startswith(("http://", "https://")) for word in words):
                # A list of pages to read (urls.txt), not an article.
                import shlex

                given = f" < {shlex.quote(article.source)}" if Path(article.source).is_file() else ""
                raise _Skip(
                    "no_text",
                    "nothing to translate: the article is a list of web addresses",
                    f"to read those pages, pass the addresses as inputs: xargs summarize run{given}",
                )
            raise _Skip("no_text", "nothing to translate: the article holds no words", "check the input")
        prep.body = cleaned.body

    def _detect(self, prep: _Prepared) -> None:
        """The article's language, and each paragraph's when the article mixes languages."""
        result = prep.result
        paragraphs = segment(prep.body)
        given = input_lang(prep.article, self.options)
        if given is not None:
            # --source-lang ("given"), else the input's own code ("input"): never detected.
            lang = given
            reason = "given" if self.options.source_lang else "input"
            result.language = {"code": lang, "confidence": 1.0, "reliable": True, "reason": reason}
            langs = [lang] * len(paragraphs)
        else:
            language, warning = self._detected([p.text for p in paragraphs], prep.body)
            result.language = language
            lang = language["code"]
            if warning:
                result.warnings.append(warning)
            langs = language.get("paragraphs") or [lang] * len(paragraphs)
        prep.lang = lang
        prep.paragraphs = [(para.text, plang, para.joiner) for para, plang in zip(paragraphs, langs)]

    def _detected(self, paragraphs: list[str], body: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Detection of ``body``, from the cache when it was seen before.

        Loading the detector's model costs most of a second, so an all-hit run must not.
        """
        from .cache import make_key

        digest, key_json = make_key(
            {"key_format": KEY_FORMAT, "task": "language", "detector": DETECTOR_SIGNATURE, "text": body}
        )
        if self.cache is not None and (not self.options.refresh or digest in self._detected_now):
            stored = self.cache.get_many([digest]).get(digest)
            if stored is not None:
                try:
                    language = json.loads(stored)["language"]
                    if isinstance(language, dict) and isinstance(language.get("code"), str):
                        return language, language_warning(language)
                except (ValueError, TypeError, KeyError):
                    pass
                self.cache.report_unreadable([digest])  # detected again below, and overwritten
        from .lang import LanguageDetector

        if self._detector is None:
            self._detector = LanguageDetector(unpack_dir=self.options.detector_dir)
        found = self._detector.detect(body)
        lang = found.lang or DEFAULT_SOURCE_LANG
        language: dict[str, Any] = {
            "code": lang,
            "confidence": round(found.confidence, 3),
            "reliable": found.reliable,
            "reason": found.reason if found.lang else "unknown",
        }
        warning = language_warning(language)
        if found.reason == "mixed":
            per = self._detector.detect_paragraphs(paragraphs)
            language["paragraphs"] = [d.lang or lang for d in per]
        if self.cache is not None:
            # The warning is stored too, so that earlier versions sharing the cache can read it.
            value = json.dumps({"language": language, "warning": warning}, ensure_ascii=False)
            self.cache.put_many([(digest, key_json, value)])
            self._detected_now.add(digest)
        return language, warning

    # -- translation ---------------------------------------------------------------------
    def _to_english(self, live: list[_Prepared]) -> dict[int, list[str]]:
        """English paragraphs of each article (needed for the output or for a pivot)."""
        from .routing import summary_route, translation_route

        routing = self.options.routing
        units: list[_Unit] = []
        wanted = {}
        for prep in live:
            needs_output = "translation" in self.options.tasks
            needs_pivot = "summary" in self.options.tasks and any(
                summary_route(lang, routing).reuses_translation for _, lang, _ in prep.paragraphs
            )
            if not (needs_output or needs_pivot):
                continue
            mine = [
                _Unit(prep, i, text, lang, translation_route(lang, routing).model, "translation")
                for i, (text, lang, _) in enumerate(prep.paragraphs)
            ]
            units += mine
            wanted[id(prep)] = mine
        # Without the English text, a pivot's summary fails too (see _to_french).
        task = "translation" if "translation" in self.options.tasks else "summary"
        self._translate_units(units, task)
        out: dict[int, list[str]] = {}
        for prep in live:
            if id(prep) not in wanted or task in prep.failures:
                continue
            mine = wanted[id(prep)]
            out[id(prep)] = [u.output for u in mine]
            if "translation" in self.options.tasks:
                self._record(prep, "translation", mine)
                prep.result.translation_en = _join_paragraphs(prep, out[id(prep)])
            elif any(u.model or u.missing for u in mine):
                # Made only as the first leg of a pivot to French: the record still names it.
                self._record(prep, "pivot", mine)
        return out

    def _to_french(self, live: list[_Prepared], english: dict[int, list[str]]) -> dict[int, str]:
        """The French text of each article: French paragraphs as they are, others translated."""
        from .routing import summary_route

        units: list[_Unit] = []
        mine_by: dict[int, list[_Unit]] = {}
        for prep in live:
            routes = [summary_route(lang, self.options.routing) for _, lang, _ in prep.paragraphs]
            if "summary" in prep.failures:
                continue
            if any(r.reuses_translation for r in routes) and id(prep) not in english:
                # The English first leg could not be made: neither can the French text.
                prep.failures["summary"] = prep.failures["translation"]
                continue
            mine = []
            for index, ((text, lang, _), route) in enumerate(zip(prep.paragraphs, routes)):
                if not route.to_french:
                    mine.append(_Unit(prep, index, text, lang, None, "to_french"))
                elif route.reuses_translation:
                    source = english[id(prep)][index]
                    mine.append(_Unit(prep, index, source, "en", route.to_french[-1], "to_french"))
                else:
                    mine.append(_Unit(prep, index, text, lang, route.to_french[0], "to_french"))
            units += mine
            mine_by[id(prep)] = mine
        self._translate_units(units, "summary")
        out = {}
        for prep in live:
            if id(prep) not in mine_by or "summary" in prep.failures:
                continue
            mine = mine_by[id(prep)]
            if any(u.model or u.missing for u in mine):
                self._record(prep, "to_french", mine)
            out[id(prep)] = _join_paragraphs(prep, [u.output for u in mine])
        return out

    def _translate_units(self, units: list[_Unit], task: str) -> None:
        """Translate every unit, batching all chunks of one model together.

        A model that cannot be loaded costs ``task`` for the articles written in its language
        (the other task, and the other articles, go on); a paragraph quoted in another
        language is kept as written instead.
        """
        by_model: dict[str, list[_Unit]] = {}
        for unit in units:
            if unit.model is None:
                unit.output = unit.text
                continue
            if task in unit.prep.failures:
                continue
            try:
                runner = self.runner("translation", unit.model)
            except ModelError as exc:
                self._unavailable(unit, task, exc)
                continue
            unit.chunks = runner.chunks(unit.text, unit.lang)
            unit.prep.deps.add(("translation", unit.model))
            by_model.setdefault(unit.model, []).append(unit)
        for model, group in by_model.items():
            group = [u for u in group if task not in u.prep.failures]
            if not group:
                continue
            runner = self.runner("translation", model)
            try:
                outputs, hits = runner.run([c.text for u in group for c in u.chunks])
            except ModelError as exc:  # found, but its weights would not load
                for unit in group:
                    unit.chunks = []
                    self._unavailable(unit, task, exc)
                continue
            position = 0
            for unit in group:
                n = len(unit.chunks)
                outs = self._guard(runner, unit, list(outputs[position : position + n]))
                unit.cached = all(hits[position : position + n])
                position += n
                unit.output = reassemble(unit.chunks, [o.text for o in outs])

    def _unavailable(self, unit: _Unit, task: str, exc: ModelError) -> None:
        from .routing import local_model_way

        if isinstance(exc, ModelNotFoundError):
            # --translation-model serves French only: other routes take a folder from the config.
            exc = exc.instead(local_model_way(unit.lang, unit.role))
        if unit.source_lang == unit.prep.lang:
            # A paragraph in the article's own language (a pivot's second leg included):
            # nothing useful can be made for this task without it.
            unit.prep.failures.setdefault(task, error_dict(exc))
        else:
            self._keep_as_written(unit, exc)

    @staticmethod
    def _keep_as_written(unit: _Unit, exc: ModelError) -> None:
        """A quoted paragraph whose language has no usable model: keep it, and say so.

        A French report quoting an English paragraph must not be lost because opus-mt-en-fr
        was never pulled: the quote stays in its own language and a warning names the model.
        """
        unit.output, unit.missing, unit.model = unit.text, unit.model, None
        unit.prep.degraded = True
        where = "English translation" if unit.role == "translation" else "text that was summarised"
        unit.prep.result.warnings.append(
            {
                "kind": "paragraph_untranslated",
                "paragraph": unit.index + 1,
                "lang": unit.lang,
                "model": unit.missing,
                "message": f"paragraph {unit.index + 1} ({unit.lang}) is kept as written in the {where}: "
                f"{exc.message}" + (f"; {exc.hint}" if exc.hint else ""),
            }
        )

    def _record(self, prep: _Prepared, role: str, units: list[_Unit]) -> None:
        """Chunk counts, models (by language) and cache state of one translation role."""
        result = prep.result
        result.chunks[role] = sum(len(u.chunks) for u in units)
        result.cached[role] = all(u.cached for u in units)
        # Named after the paragraphs' own language, the article's first.
        for unit in sorted(units, key=lambda u: u.source_lang != prep.lang):
            lang = unit.source_lang
            name = role if lang == prep.lang or role not in result.models else f"{role}:{lang}"
            if name in result.models:
                continue
            if unit.missing is not None:
                result.models[name] = {"id": unit.missing, "route": "missing", "lang": unit.lang}
            elif unit.model is None:
                result.models[name] = {"id": None, "route": "passthrough", "lang": unit.lang}
            else:
                result.models[name] = {**self.runner("translation", unit.model).describe(), "lang": unit.lang}

    def _guard(self, runner: TaskRunner, unit: _Unit, outs: list[Generated]) -> list[Generated]:
        """Retry suspicious chunks sentence by sentence; flag those that stay suspicious."""
        for index, (chunk, out) in enumerate(zip(unit.chunks, outs)):
            problem = check_translation(chunk.text, out)
            if problem is None:
                continue
            if len(chunk.parts) > 1:
                parts, _ = runner.run(list(chunk.parts))
                outs[index] = Generated(" ".join(p.text for p in parts), any(p.truncated for p in parts))
                retry = [check_translation(t, p) for t, p in zip(chunk.parts, parts)]
                problem = next((r for r in retry if r), None)
                if problem is None:
                    continue
            unit.prep.result.warnings.append(
                {
                    "kind": "incomplete_translation",
                    "task": unit.role,
                    # Counted from 1, as in the message and in paragraph_untranslated.
                    "paragraph": unit.index + 1,
                    "chunk": index + 1,
                    "reason": problem,
                    "message": f"{unit.role} of chunk {index + 1} of {len(outs)} "
                    f'("{chunk.text[:40]}...") may be incomplete: {problem}',
                }
            )
        return outs

    # -- summary ---------------------------------------------------------------------------
    def _summarize(self, live: list[_Prepared], french: dict[int, str]) -> None:
        from .routing import local_model_way, summary_route

        live = [p for p in live if id(p) in french]
        if not live:
            return
        model = summary_route("fr", self.options.routing).summarizer
        try:
            runner = self.runner("summary", model)
        except ModelError as exc:
            if isinstance(exc, ModelNotFoundError):
                exc = exc.instead(local_model_way("fr", "summary"))
            for prep in live:
                prep.failures["summary"] = error_dict(exc)
            return
        current = {}
        for prep in live:
            prep.deps.add(("summary", model))
            chunks = runner.chunks(french[id(prep)], "fr")
            current[id(prep)] = [c.text for c in chunks]
            prep.result.chunks["summary"] = len(chunks)
            prep.result.models["summary"] = runner.describe()
        all_cached = {id(p): True for p in live}
        pending = list(live)
        for depth in range(1, self.options.max_summary_rounds + 1):
            if not pending:
                break
            texts = [t for p in pending for t in current[id(p)]]
            try:
                outputs, hits = runner.run(texts)
            except ModelError as exc:  # found, but its weights would not load
                for prep in pending:
                    prep.failures["summary"] = error_dict(exc)
                break
            position, still = 0, []
            for prep in pending:
                inputs = current[id(prep)]
                outs = outputs[position : position + len(inputs)]
                all_cached[id(prep)] &= all(hits[position : position + len(inputs)])
                position += len(inputs)
                joined = " ".join(o.text for o in outs if o.text)
                if not joined.strip():
                    # Nothing to summarise further, and an empty summary must not pass unseen.
                    prep.result.summary_fr = ""
                    prep.result.warnings.append(
                        {
                            "kind": "summary_empty",
                            "rounds": depth,
                            "message": "the summary model wrote nothing for this article; "
                            "try another --beams value or another --summary-model",
                        }
                    )
                    continue
                if len(inputs) == 1:
                    prep.result.summary_fr = joined
                    if outs[0].truncated:
                        prep.result.warnings.append(self._summary_cut(runner, inputs[0], depth))
                    continue
                before = sum(runner.tokenizer.count(t) for t in inputs)
                after_chunks = runner.chunks(joined, "fr")
                after = sum(c.tokens for c in after_chunks)
                if after >= 0.9 * before or depth == self.options.max_summary_rounds:
                    # The model does not shorten (or the depth bound is reached): stop here
                    # rather than loop, and say so.
                    prep.result.summary_fr = joined
                    reason = (
                        "the summary model did not shorten the text"
                        if after >= 0.9 * before
                        else f"the depth bound ({self.options.max_summary_rounds} rounds) was reached"
                    )
                    prep.result.warnings.append(
                        {
                            "kind": "summary_not_converged",
                            "rounds": depth,
                            "message": f"{reason}; the summary is the joined partial summaries "
                            f"({after} tokens from {before})",
                        }
                    )
                    continue
                current[id(prep)] = [c.text for c in after_chunks]
                still.append(prep)
            pending = still
        for prep in live:
            if "summary" in prep.failures:
                continue
            pivot_cached = prep.result.cached.pop("pivot", True)  # part of the summary's work
            prep.result.cached["summary"] = (
                all_cached[id(prep)] and prep.result.cached.get("to_french", True) and pivot_cached
            )

    def _summary_cut(self, runner: TaskRunner, text: str, depth: int) -> dict[str, Any]:
        """The warning for a final summary that stopped at its token cap, mid-text."""
        cap = runner.cap(text)
        if cap == runner.settings.max_new_tokens:
            hint = "raise --max-summary-tokens"
        elif cap == runner.settings.params.get("max_length"):
            hint = "that is the model's own max_length; --max-summary-tokens allows more"
        else:  # the room a short text leaves (twice its length): the model ran on
            hint = "the model did not end it; try another --beams value or another --summary-model"
        return {
            "kind": "summary_truncated",
            "rounds": depth,
            "message": f"the summary reached its limit of {cap} tokens and is cut there; {hint}",
        }

    # Record entries made by each task: a task that failed leaves none behind.
    _TASK_ENTRIES = {"summary": ("summary", "to_french", "pivot"), "translation": ("translation",)}
    _TASK_NAMES = {"summary": "French summary", "translation": "English translation"}

    def _settle(self, prep: _Prepared) -> None:
        """The article's status once every task has run: ok, partial (one output) or error."""
        if not prep.failures:
            return
        result = prep.result
        for task in prep.failures:
            for table in (result.chunks, result.cached, result.models):
                for name in [n for n in table if n.split(":")[0] in self._TASK_ENTRIES[task]]:
                    del table[name]
        if "summary" in prep.failures:
            result.summary_fr = None
        if "translation" in prep.failures:
            result.translation_en = None
        first = next(iter(prep.failures))  # the first met, in the pipeline's order
        error = {**prep.failures[first], "task": first}
        if all(t in prep.failures for t in self.options.tasks):
            result.status = "error"
            parts = [
                (t, f) for t, f in prep.failures.items() if t == first or f["message"] != error["message"]
            ]
            if len(parts) > 1:
                # Each output is missing for its own reason (two models to pull): name both, so
                # that fixing the first is not taken for fixing the article.
                error["message"] = "; ".join(f"no {self._TASK_NAMES[t]}: {f['message']}" for t, f in parts)
                error["hint"] = "; ".join(dict.fromkeys(f["hint"] for _, f in parts if f.get("hint"))) or None
        else:
            # The other output is still written: one missing model must not cost the article.
            result.status = "partial"
            error["message"] = f"no {self._TASK_NAMES[first]}: {error['message']}"
        result.error = error


def clean_article(article: Article, keep_boilerplate: bool) -> Any:
    """The article's body and metadata: HTML through the extractor, text through the rules
    (Markdown first loses its markup, with --keep-boilerplate too: it is format, not furniture)."""
    from .clean import clean_text
    from .clean_html import extract_html
    from .clean_markdown import clean_markdown

    if article.html:
        return extract_html(article.text, url=article.url, keep_boilerplate=keep_boilerplate)
    if article.markdown:
        return clean_markdown(article.text, keep_boilerplate=keep_boilerplate)
    return clean_text(article.text, keep_boilerplate=keep_boilerplate)


class _ObserverFailed(Exception):
    """The observer raised ``error``: the caller's bug, which must leave the run as it is
    rather than become an error record for each article of the window."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


def _told(observer: Observer | None) -> Observer | None:
    """``observer``, its exceptions wrapped in :class:`_ObserverFailed` (None stays None)."""
    if observer is None:
        return None
    call = observer

    def tell(event: Event) -> None:
        try:
            call(event)
        except Exception as exc:
            raise _ObserverFailed(exc) from exc

    return tell


def _done(result: ArticleResult) -> ArticleDone:
    """The event that says ``result`` is out."""
    computed = any(not hit for hit in result.cached.values())
    return ArticleDone(result.id, result.source, result.status, result.failed, computed)


def _plain(value: Any) -> Any:
    """A dataclass of options as plain JSON data (mappings sorted, paths as text)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _join_paragraphs(prep: _Prepared, texts: list[str]) -> str:
    parts: list[str] = []
    for index, ((_, _, separator), text) in enumerate(zip(prep.paragraphs, texts)):
        parts.append(text.strip())
        if index < len(texts) - 1:
            parts.append(separator)
    return "".join(parts).strip()


class _Skip(InputError):
    def __init__(self, kind: str, message: str, hint: str) -> None:
        super().__init__(message, hint)
        self.kind = kind


def _placeholder(failure: ReadFailure) -> Article:
    return Article(failure.id, failure.source, "")


def removed_records(cleaned: Any) -> list[dict[str, Any]]:
    """The record's ``removed`` list; ``--show-clean`` prints the same, so one jq filter reads both."""
    return [{"line": r.line_no, "kind": r.kind, "text": r.text} for r in cleaned.removed]


def error_dict(exc: SummarizeError) -> dict[str, str]:
    out = {"kind": exc.kind, "message": exc.message}
    if exc.hint:
        out["hint"] = exc.hint
    return out

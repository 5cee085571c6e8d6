"""Which models turn an article in any language into an English translation and a French summary.

Everything here is a pure function of the source language and the user's overrides (no I/O except
:func:`load_config`), so routes can be shown, tested and pre-fetched without loading a model.

English translation
-------------------
* French → ``Helsinki-NLP/opus-mt-fr-en`` (the project's default model).
* English → nothing to do: a pass-through route with no model.
* Other languages → the dedicated ``Helsinki-NLP/opus-mt-{src}-en`` model when one exists
  (:data:`TO_ENGLISH`); for a few languages with no dedicated model, the opus-mt model of their
  language family (e.g. ``opus-mt-ROMANCE-en`` for Portuguese and Romanian, ``opus-mt-zls-en`` for
  Croatian/Serbian/Slovene, ``opus-mt-gmq-en`` for Norwegian); anything else →
  the multilingual fallback ``Helsinki-NLP/opus-mt-mul-en``.

French summary
--------------
The summariser (``moussaKam/barthez-orangesum-abstract``) only reads French, so a non-French article
is **translated into French first, then summarised**:

* French → summarised as is.
* A dedicated ``opus-mt-{src}-fr`` model exists (:data:`TO_FRENCH`: German, Spanish, Italian,
  Dutch, Russian, English...) → translate directly, then summarise.
* Otherwise → pivot through English: ``{src}→en`` with the article's English-translation route,
  then English articles' own English → French model (``opus-mt-en-fr`` unless configured). The
  first leg is exactly the translation the user gets as output, so the pipeline can reuse it
  (:attr:`SummaryRoute.reuses_translation`) and the pivot costs one extra pass (en→fr), like the
  direct route.

Why not summarise in the source language with a multilingual summariser and translate the summary?

* Cost. Translating first costs one extra Marian pass over the body (opus-mt models are ~75 M
  parameters, ~300 MB each), and the English translation the user asked for is needed anyway. The
  alternative translates only a short summary, but needs a second, much larger summariser — the
  usual choice, mT5 fine-tuned on XL-Sum (``csebuetnlp/mT5_multilingual_XLSum``), is mT5-base
  (~580 M parameters, ~2.3 GB) against BARThez's ~165 M.
* Coverage. XL-Sum covers 45 languages but not German, Italian, Dutch or Polish — major sources of
  European news — while opus-mt has a model for them.
* Quality and consistency. Every summary comes from the same French model, in the same OrangeSum
  style, whatever the source; XL-Sum's summaries are single-sentence BBC-style ones. The cost is
  error propagation: translation mistakes reach the summary, twice over on a pivot route, which is
  why a direct ``{src}-fr`` model is preferred when one exists.
* Licence. The XL-Sum checkpoint is CC BY-NC-SA 4.0 (non-commercial); opus-mt models are
  Apache-2.0 / CC-BY.

Marian models read ~512 tokens at most, so the body is translated sentence chunk by chunk (as the
English translation already is) before the French text goes to the summariser.

Configuration file
------------------
Overrides live in ``config.toml`` in the user config directory
(``platformdirs.user_config_path("summarize")``: ``~/.config/summarize/config.toml`` on Linux,
``~/Library/Application Support/summarize/config.toml`` on macOS,
``%LOCALAPPDATA%\\summarize\\config.toml`` on Windows). Every key is optional; a missing file means
the defaults. The file holds the ``[models]`` table only: any other key or table is refused, as
an unknown key inside it is (a ``[model]`` typo must not read as the defaults). Model values are
Hugging Face ids or local model folders (a relative folder, written ``./name``, ``../name`` or
with two or more slashes, is relative to the config file)::

    [models]
    summary = "moussaKam/barthez-orangesum-abstract"   # the French summariser
    translation = "Helsinki-NLP/opus-mt-fr-en"         # French → English (shorthand for
                                                       # [models.translation] default = ...)

    [models.translation]             # use this table *instead of* the shorthand above
    default = "Helsinki-NLP/opus-mt-fr-en"       # French → English
    fallback = "Helsinki-NLP/opus-mt-mul-en"     # languages without a model of their own

    [models.translation.by_lang]     # {source language} → English
    es = "Helsinki-NLP/opus-mt-es-en"
    pt = "my-org/opus-mt-pt-en-finetuned"

    [models.to_french]
    default = "Helsinki-NLP/opus-mt-en-fr"       # English → French, also the pivot's second leg

    [models.to_french.by_lang]       # {source language} → French, before summarising
    de = "Helsinki-NLP/opus-mt-de-fr"
    ja = "pivot"                     # go through English even though a direct model exists

Language keys are ISO 639-1 or 639-3 codes (``nb``/``nn`` count as ``no``, ``fra`` as ``fr``).
A per-language entry wins over the built-in tables; ``translation.by_lang.en`` is ignored
(English is never translated), and ``to_french.by_lang.en`` wins over ``to_french.default`` for
English articles and the pivot's second leg alike (``en = "pivot"`` is ignored).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from summarize.errors import UsageError
from summarize.models import (
    DEFAULT_SUMMARY_MODEL,
    DEFAULT_TRANSLATION_MODEL,
    HUB_ID_RULE,
    hub_id_problem,
    looks_like_path,
    not_an_id,
)

__all__ = [
    "CONFIG_FILENAME",
    "DEFAULT_EN_FR_MODEL",
    "DEFAULT_FALLBACK_MODEL",
    "PIVOT",
    "TO_ENGLISH",
    "TO_FRENCH",
    "ConfigError",
    "LanguageCodeError",
    "Route",
    "RoutingConfig",
    "SummaryRoute",
    "default_config_path",
    "load_config",
    "local_model_way",
    "models_for_langs",
    "normalize_lang",
    "summary_route",
    "translation_route",
]

_HUB = "Helsinki-NLP/opus-mt-"

#: English → French: the English route of the summary, and the pivot's second leg.
DEFAULT_EN_FR_MODEL = f"{_HUB}en-fr"
#: Any language → English, for languages with no model of their own (or no detected language).
DEFAULT_FALLBACK_MODEL = f"{_HUB}mul-en"
#: Config value that forces the summary route through English.
PIVOT = "pivot"
CONFIG_FILENAME = "config.toml"

# Only models checked to exist on the Hugging Face Hub (their model cards, or Helsinki-NLP's model
# listing). No opus-mt-{src}-en was found for pt, ro, el, he, hr, sr, bs, sl, lt, no, fa (served by
# family models below), nor an opus-mt-{src}-fr for pt, zh, hi, fa, sr... (served by the pivot).
_DIRECT_TO_ENGLISH = (
    "af ar bg bn ca cs cy da de eo es et eu fi ga gl hi hu hy id is it ja ka ko lv mk ml mr mt "
    "nl pl ru sk sq sv th tl tr uk ur vi zh"
)
# Multi-source models for one language family, English target (no language token needed).
_FAMILY_TO_ENGLISH = {
    "pt": "ROMANCE",  # fr, es, pt, it, ro, ca, gl... → en
    "ro": "ROMANCE",
    "el": "grk",  # Greek
    "he": "sem",  # Semitic
    "hr": "zls",  # South Slavic
    "sr": "zls",
    "bs": "zls",
    "sl": "zls",
    "no": "gmq",  # North Germanic
    "lt": "bat",  # Baltic
    "fa": "iir",  # Indo-Iranian
}
_DIRECT_TO_FRENCH = (
    "af ar bg ca cs da de el en eo es et fi he hr hu id is it ja ko lt lv mk ms nl no pl ro ru "
    "sk sl sv th tr uk vi"
)

#: Source language → English model (French's default is the project's translation model).
TO_ENGLISH: Mapping[str, str] = MappingProxyType(
    {
        **{code: f"{_HUB}{code}-en" for code in _DIRECT_TO_ENGLISH.split()},
        **{code: f"{_HUB}{family}-en" for code, family in _FAMILY_TO_ENGLISH.items()},
        "fr": DEFAULT_TRANSLATION_MODEL,
    }
)
#: Source language → French model, used before summarising (absent: pivot through English).
TO_FRENCH: Mapping[str, str] = MappingProxyType(
    {code: f"{_HUB}{code}-fr" for code in _DIRECT_TO_FRENCH.split()}
)

# ISO 639-2 (bibliographic and terminology) and 639-3 codes of the news languages, which have a
# two-letter code the routes are keyed by.
_THREE_LETTER = {
    "fra": "fr", "fre": "fr", "eng": "en", "deu": "de", "ger": "de", "spa": "es", "ita": "it",
    "por": "pt", "nld": "nl", "dut": "nl", "cat": "ca", "swe": "sv", "dan": "da", "nor": "no",
    "nob": "no", "nno": "no", "fin": "fi", "est": "et", "ekk": "et", "lav": "lv", "lvs": "lv",
    "lit": "lt", "pol": "pl", "ces": "cs", "cze": "cs", "slk": "sk", "slo": "sk", "hun": "hu",
    "ron": "ro", "rum": "ro", "slv": "sl", "hrv": "hr", "srp": "sr", "bul": "bg", "ell": "el",
    "gre": "el", "ukr": "uk", "rus": "ru", "tur": "tr", "ara": "ar", "arb": "ar", "fas": "fa",
    "per": "fa", "pes": "fa", "heb": "he", "hin": "hi", "ben": "bn", "urd": "ur", "zho": "zh",
    "chi": "zh", "cmn": "zh", "jpn": "ja", "kor": "ko", "vie": "vi", "tha": "th", "ind": "id",
}  # fmt: skip
# Legacy, regional and three-letter codes → the code the tables use.
_ALIASES = {"nb": "no", "nn": "no", "iw": "he", "in": "id", "ji": "yi", "jw": "jv", "sh": "hr"}
_ALIASES.update(_THREE_LETTER)
_CODE = re.compile(r"^[a-z]{2,3}$")


class LanguageCodeError(UsageError):
    """A language code that is not an ISO 639-1 (or 639-3) code."""

    kind = "language_code"


class ConfigError(UsageError):
    """The configuration file cannot be read or holds a wrong value."""

    kind = "config"

    def __init__(self, path: Path, problem: str, line: int | None = None, hint: str | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(
            f"{where}: {problem}",
            hint=hint
            or ("fix that line" if line is not None else "fix the file")
            + ", or move the file away to use the defaults",
        )
        self.path = path
        self.line = line
        self.problem = problem


def normalize_lang(lang: str) -> str:
    """Lower-case an ISO 639 code and map aliases (``nb``/``nn`` → ``no``, ``pt-BR`` → ``pt``,
    ``fra`` → ``fr``)."""
    code = re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]
    code = _ALIASES.get(code, code)
    if not _CODE.match(code):
        raise LanguageCodeError(
            f"{lang!r} is not a language code", hint="use ISO 639-1 codes such as fr, en, de"
        )
    return code


# ISO 639-1: every two-letter code a user may give (three-letter ISO 639-2/3 codes pass as they
# are; opus-mt names some models with them).
ISO_639_1 = frozenset(
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy "
    "da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu "
    "hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb "
    "lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om "
    "or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw "
    "ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu".split()
)


# ISO 639 codes that name no language: undetermined, no linguistic content, uncoded.
_NOT_A_LANGUAGE = frozenset({"und", "zxx", "mis"})


def iso_639_3() -> frozenset[str]:
    """Every three-letter code a user may give (ISO 639-3, 639-2/B and 639-5), read when asked."""
    from importlib import resources

    text = (resources.files("summarize") / "data" / "iso639.txt").read_text(encoding="ascii")
    return frozenset(" ".join(line for line in text.splitlines() if not line.startswith("#")).split())


def user_lang(lang: str) -> str:
    """:func:`normalize_lang` for a code a user typed: it must be an ISO 639 code.

    A typo such as ``fe`` or ``xyz`` would otherwise be routed like any unknown language, to the
    multilingual fallback model, without a word.
    """
    code = normalize_lang(lang)
    if len(code) == 2 and code not in ISO_639_1:
        raise LanguageCodeError(
            f"{lang!r} is not an ISO 639-1 language code", hint="use codes such as fr, en, de, es, it, pt"
        )
    if len(code) == 3 and (code in _NOT_A_LANGUAGE or code not in iso_639_3()):
        raise LanguageCodeError(
            f"{lang!r} is not an ISO 639 language code", hint="use codes such as fr, en, de, or fra, deu, kab"
        )
    return code


@dataclass(frozen=True)
class RoutingConfig:
    """Model overrides read from the config file; empty fields mean the built-in defaults."""

    summary_model: str | None = None
    translation_model: str | None = None  # French → English
    translation_fallback: str | None = None  # replaces opus-mt-mul-en
    en_fr_model: str | None = None  # English → French (and pivot second leg)
    translation_by_lang: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    to_french_by_lang: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: the file these overrides came from (None: defaults, no file)
    path: Path | None = None

    def __getstate__(self) -> dict[str, Any]:
        # A MappingProxyType does not pickle, and options travel pickled to worker processes
        # (a BatchSummarizer's): its dict does, made read-only again on arrival.
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        return {k: dict(v) if isinstance(v, MappingProxyType) else v for k, v in state.items()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, MappingProxyType(value) if isinstance(value, dict) else value)


_NO_OVERRIDES = RoutingConfig()


@dataclass(frozen=True)
class Route:
    """How to get the English translation of a text in ``source_lang``.

    ``kind`` says where the model came from: ``passthrough`` (English, no model), ``default``
    (French, the project's model), ``direct`` (a ``{src}-en`` model), ``family`` (a language-family
    model), ``fallback`` (the multilingual model) or ``override`` (the config file).
    """

    source_lang: str | None
    model: str | None
    kind: str

    @property
    def passthrough(self) -> bool:
        """True when the text is already English and goes through untouched."""
        return self.model is None

    @property
    def models(self) -> tuple[str, ...]:
        """The models this route needs (none for a pass-through)."""
        return () if self.model is None else (self.model,)


@dataclass(frozen=True)
class SummaryRoute:
    """How to get the French summary of a text in ``source_lang``.

    ``to_french`` lists the translation models to apply in order before summarising (empty for
    French); ``kind`` is ``native`` (French), ``direct`` (one ``{src}-fr`` model), ``pivot``
    (``{src}→en→fr``) or ``override`` (the config file).
    """

    source_lang: str | None
    to_french: tuple[str, ...]
    summarizer: str
    kind: str
    #: the intermediate language of a pivot route ("en"), else None
    pivot: str | None = None

    @property
    def models(self) -> tuple[str, ...]:
        """Every model the route needs, in the order they run."""
        return (*self.to_french, self.summarizer)

    @property
    def reuses_translation(self) -> bool:
        """True when the first step is the English translation route, whose output can be reused."""
        return self.pivot == "en"


def translation_route(lang: str | None, overrides: RoutingConfig | None = None) -> Route:
    """Pick the model that translates text in ``lang`` into English.

    ``lang`` is an ISO 639-1 code, or None when detection failed (→ the multilingual fallback).
    Config overrides win over the built-in table.
    """
    config = overrides or _NO_OVERRIDES
    if lang is None:
        return Route(None, config.translation_fallback or DEFAULT_FALLBACK_MODEL, "fallback")
    code = normalize_lang(lang)
    if code == "en":
        return Route(code, None, "passthrough")
    if code in config.translation_by_lang:
        return Route(code, config.translation_by_lang[code], "override")
    if code == "fr":
        if config.translation_model:
            return Route(code, config.translation_model, "override")
        return Route(code, DEFAULT_TRANSLATION_MODEL, "default")
    if code in TO_ENGLISH:
        kind = "family" if code in _FAMILY_TO_ENGLISH else "direct"
        return Route(code, TO_ENGLISH[code], kind)
    return Route(code, config.translation_fallback or DEFAULT_FALLBACK_MODEL, "fallback")


def summary_route(lang: str | None, overrides: RoutingConfig | None = None) -> SummaryRoute:
    """Pick the models that turn text in ``lang`` into a French summary.

    French is summarised as is; other languages are translated into French first — directly when
    a ``{src}-fr`` model exists, else through English (see the module docstring for why).
    """
    config = overrides or _NO_OVERRIDES
    summarizer = config.summary_model or DEFAULT_SUMMARY_MODEL
    # English → French, the same model for English text and for the pivot's second leg:
    # ``by_lang.en`` wins over ``default`` ('pivot' means nothing for English itself).
    en_override = config.to_french_by_lang.get("en")
    en_fr_override = en_override if en_override not in (None, PIVOT) else config.en_fr_model
    en_fr = en_fr_override or DEFAULT_EN_FR_MODEL
    code = None if lang is None else normalize_lang(lang)
    if code == "fr":
        return SummaryRoute(code, (), summarizer, "native")
    if code == "en":
        return SummaryRoute(code, (en_fr,), summarizer, "override" if en_fr_override else "direct")
    override = config.to_french_by_lang.get(code) if code is not None else None
    if override is not None and override != PIVOT:
        return SummaryRoute(code, (override,), summarizer, "override")
    if override is None and code in TO_FRENCH:
        return SummaryRoute(code, (TO_FRENCH[code],), summarizer, "direct")
    # Pivot: the first leg is the English translation route, so its output can be reused.
    to_english = translation_route(code, config)
    assert to_english.model is not None  # only English passes through, handled above
    return SummaryRoute(code, (to_english.model, en_fr), summarizer, "pivot", pivot="en")


def local_model_way(lang: str, step: str) -> str:
    """How to run a local model folder at ``step`` of ``lang``'s routes, for a missing model's hint.

    ``step`` is ``translation`` (into English), ``to_french`` or ``summary``. The summariser and
    French's translation have options of their own (``--summary-model``, ``--translation-model``);
    other routes are set in the config file.
    """
    if step == "summary":  # one summariser, whatever the language
        return "pass a local model folder with --summary-model"
    code = normalize_lang(lang)
    if step == "translation" and code == "fr":
        return "pass a local model folder with --translation-model"
    # For English (and so every pivot's second leg), by_lang.en wins over to_french.default.
    return f'name a local model folder in the config file: [models.{step}.by_lang] {code} = "DIR"'


def models_for_langs(langs: Iterable[str], config: RoutingConfig | None = None) -> list[str]:
    """Every model needed to translate and summarise articles in ``langs``, without duplicates.

    This is what ``summarize models pull --lang es,de`` should fetch; the order is stable
    (language by language, translation first, summariser last).
    """
    needed: dict[str, None] = {}
    summarizer: str | None = None
    for lang in langs:
        needed.update(dict.fromkeys(translation_route(lang, config).models))
        route = summary_route(lang, config)
        needed.update(dict.fromkeys(route.to_french))
        summarizer = route.summarizer
    if summarizer is not None:
        needed[summarizer] = None
    return list(needed)


def routes_for(
    langs: Iterable[str], config: RoutingConfig | None = None
) -> list[tuple[str, str, str | None]]:
    """(language, role, model) rows of the routing in effect, for ``summarize models list``.

    Roles: ``translation`` (into English; model None for English, which passes through),
    ``to_french`` (each step before summarising) and ``summary``.
    """
    rows: list[tuple[str, str, str | None]] = []
    for lang in langs:
        rows.append((lang, "translation", translation_route(lang, config).model))
        route = summary_route(lang, config)
        rows += [(lang, "to_french", model) for model in route.to_french]
        rows.append((lang, "summary", route.summarizer))
    return rows


def default_config_path() -> Path:
    """The config file's default location, in the user config directory."""
    # Lazy import: platformdirs is only needed by runs that read the config.
    import platformdirs

    return platformdirs.user_config_path("summarize") / CONFIG_FILENAME


def load_config(path: Path | None = None) -> RoutingConfig:
    """Read the routing overrides from a TOML file (format in the module docstring).

    With ``path=None`` the default file is read, and a missing default file just means the
    defaults. An explicit ``path`` must exist. A file that cannot be read, is not valid TOML or
    holds a wrong value raises :class:`ConfigError` naming the file and, where known, the line.
    """
    explicit = path is not None
    file = Path(path) if path is not None else default_config_path()
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(
                file, "no such file", hint="check the path given to --config or SUMMARIZE_CONFIG"
            ) from None
        return RoutingConfig()
    except OSError as exc:
        # The default file was never typed by the user: say what to do with it, not with --config.
        raise ConfigError(
            file,
            f"cannot read the file ({exc.strerror or exc})",
            hint="give --config or SUMMARIZE_CONFIG a readable TOML file"
            if explicit
            else "make it a readable TOML file, or move it away to run with the defaults",
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(file, "not UTF-8 text", line) from None
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _error_line(str(exc))
        message = getattr(exc, "msg", None) or re.sub(r"\s*\(at line \d+, column \d+\)$", "", str(exc))
        raise ConfigError(file, f"invalid TOML: {message}", line) from None
    return _parse(data, file, text)


def _error_line(message: str) -> int | None:
    match = re.search(r"at line (\d+)", message)
    return int(match.group(1)) if match else None


def _line_of(text: str, key: str) -> int | None:
    """Best-effort line of ``key`` (an assignment or a table header) for error messages."""
    last = re.escape(key.rsplit(".", 1)[-1])
    patterns = (
        rf"^[ \t]*\[\s*{re.escape(key)}\s*\]",  # [models.translation]
        rf"^[ \t]*(?:[\w.\"-]+\.)?\"?{last}\"?\s*=",  # translation = ... / models.translation = ...
    )
    for pattern in patterns:
        match = re.search(pattern, text, flags=re.MULTILINE)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return None


def _parse(data: Mapping[str, Any], file: Path, text: str) -> RoutingConfig:
    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(file, f"{key}: {problem}", _line_of(text, key))

    def model_value(key: str, value: Any, *, allow_pivot: bool = False) -> str:
        if not isinstance(value, str) or not value.strip():
            raise fail(key, "must be a non-empty string (a model id or folder)")
        if value.strip() == PIVOT and not allow_pivot:
            raise fail(key, f"'{PIVOT}' is only valid under models.to_french.by_lang")
        value = value.strip()
        if Path(value).expanduser().is_absolute():
            return value
        beside = file.absolute().parent / value
        # Relative to the file, so that the file works from any working directory.  A value
        # shaped like a hub id ("models/sum") is a folder too when a model folder of that name
        # lies beside the file: a local folder wins, as it does for from_pretrained.
        if looks_like_path(value) or (beside / "config.json").is_file():
            value = os.path.normpath(beside)
        elif (
            value != PIVOT
            and not beside.exists()
            and not Path(value).expanduser().exists()
            and (problem := hub_id_problem(value)) is not None
        ):
            # Neither a folder beside the file nor an id the Hub could have: said now, with its
            # line, rather than as a failed download at the first article that needs it.
            raise ConfigError(
                file,
                f"{key}: {not_an_id(value, problem)}",
                _line_of(text, key),
                hint=f"{HUB_ID_RULE}; or give a model folder's path",
            )
        return value

    def table(key: str, value: Any, allowed: set[str]) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise fail(key, "must be a table")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise fail(f"{key}.{unknown[0]}", f"unknown key (expected one of: {', '.join(sorted(allowed))})")
        return value

    def by_lang(key: str, value: Any, *, allow_pivot: bool) -> Mapping[str, str]:
        if not isinstance(value, dict):
            raise fail(key, "must be a table of language = model")
        result: dict[str, str] = {}
        typed: dict[str, str] = {}
        for lang, model in value.items():
            try:
                code = user_lang(lang)
            except LanguageCodeError:
                raise fail(f"{key}.{lang}", "not an ISO 639-1 or 639-3 language code") from None
            if code in typed:  # es and spa: one of the two would be dropped without a word
                raise fail(f"{key}.{lang}", f"the same language as {typed[code]}; keep one of the two")
            typed[code] = lang
            result[code] = model_value(f"{key}.{lang}", model, allow_pivot=allow_pivot)
        return MappingProxyType(result)

    for key in data:
        if key != "models":  # a misspelt table (``[model]``) would leave every default in place
            raise fail(key, "unknown key (the file holds a [models] table only)")
    models = table("models", data.get("models", {}), {"summary", "translation", "to_french"})
    summary = model_value("models.summary", models["summary"]) if "summary" in models else None

    translation_model = fallback = None
    translation_by_lang: Mapping[str, str] = MappingProxyType({})
    translation = models.get("translation")
    if isinstance(translation, str) or (translation is not None and not isinstance(translation, dict)):
        translation_model = model_value("models.translation", translation)
    elif translation is not None:
        section = table("models.translation", translation, {"default", "fallback", "by_lang"})
        if "default" in section:
            translation_model = model_value("models.translation.default", section["default"])
        if "fallback" in section:
            fallback = model_value("models.translation.fallback", section["fallback"])
        if "by_lang" in section:
            translation_by_lang = by_lang("models.translation.by_lang", section["by_lang"], allow_pivot=False)

    en_fr = None
    to_french_by_lang: Mapping[str, str] = MappingProxyType({})
    if "to_french" in models:
        section = table("models.to_french", models["to_french"], {"default", "by_lang"})
        if "default" in section:
            en_fr = model_value("models.to_french.default", section["default"])
        if "by_lang" in section:
            to_french_by_lang = by_lang("models.to_french.by_lang", section["by_lang"], allow_pivot=True)

    return RoutingConfig(
        summary_model=summary,
        translation_model=translation_model,
        translation_fallback=fallback,
        en_fr_model=en_fr,
        translation_by_lang=translation_by_lang,
        to_french_by_lang=to_french_by_lang,
        path=file,
    )

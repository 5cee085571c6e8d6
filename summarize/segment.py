"""Segment: split a cleaned body into paragraphs and sentences, with character offsets.

Offsets let the later stages put text back exactly: the body equals the concatenation of
every paragraph's text and the separators between them, and a paragraph equals its
sentences plus the whitespace between them.

Sentence boundaries come from ``sentencex`` (maintained, fast, many languages), followed by a
guard that re-joins splits made after abbreviations it does not know (French news writes
"M. Ji" in every other sentence).  ``tests/test_segment.py`` holds the French table that the
choice was measured on, against pysbd as well.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise

# A line break is \n, \r\n or a lone \r (old Mac files); every line is a paragraph, and blank
# lines between two are kept as one blank line.
_NEWLINE = r"(?:\r\n?|\n)"
_PARAGRAPH_BREAK = re.compile(rf"{_NEWLINE}[ \t]*{_NEWLINE}\s*|{_NEWLINE}")

# Abbreviations after which a full stop does not end a sentence (lower-cased, no dot).
_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "fr": frozenset(
        "m mm mme mmes mlle mlles dr drs pr me mgr st ste sts p pp art al av apr env cf ch chap "
        "éd etc fig hab hr min n no nº numéro réf s ss sq suiv t tél vol vs j.-c jc ex "
        "gén col lt cdt adj sgt".split()
    ),
    "en": frozenset(
        "mr mrs ms dr prof st jr sr vs etc e.g i.e fig no p pp gen col lt sgt inc ltd co".split()
    ),
    "de": frozenset("hr fr dr prof bzw ca evtl usw z.b d.h nr s vgl str".split()),
    "es": frozenset("sr sra srta dr dra ud uds pág art etc núm".split()),
    # Written before what they qualify: "г. Москва", "2020 г." before the rest of its clause,
    # "им. Пушкина", "ул. Ленина", "пл. Революции", "т. е. Иван" (a spaced pair is looked up
    # without its space).  Only a word that starts Russian sentences may follow them as a
    # sentence of its own ("в 2020 г. Однако ...": see _opens_russian_sentence).
    "ru": frozenset("г гг им ул пл т.е т.к т.н".split()),
}
# Abbreviations that may also end a sentence: only join when the next word is in lower case.
_AMBIGUOUS = frozenset({"etc", "usw", "p", "s", "t", "no", "al", "min", "ch", "hr", "vol"})
# Abbreviations that end a list ("etc.", Italian "ecc.", German "usw.", Russian "и т. д.",
# "и т. п."): before a capitalised word or a number they end the sentence too, which sentencex
# (French, Spanish, Italian, Catalan, German, Russian) never cuts.
_LIST_END = re.compile(r"(?<![^\W\d_])(?:etc|ecc|usw|т\.\s?[дп])\.(?=\s)", re.IGNORECASE)
# What may open the sentence after a list's end, before its first word: brackets, quotes (in
# French, English and German use) and the spaces between them.
_OPENING_BRACKETS = "(["
_OPENING_MARKS = _OPENING_BRACKETS + "«»“„‘‚‹›\"' \u00a0\u202f"
# Russian "г." (year, city) and "гг." (years), which sentencex never cuts after: before a word
# that starts Russian sentences and is no name, they end one ("за 2020 г. В текущем году ...").
_YEAR_END = re.compile(r"(?<![^\W\d_])гг?\.(?=\s)")
# A bracket closed right after a sentence's end mark, "(Il l'a dit hier.) Le maire ...", which
# sentencex never cuts after.
_CLOSED_ASIDE = re.compile(r"[.!?…][)\]](?=\s)")
# Thai and Lao write no full stop: a space between two of their words ends a phrase or a
# sentence, but not one after the repetition mark, Thai ๆ or Lao ໆ ("มากๆ ครับ").  Khmer's
# full stop ។ or ៕ before a space ends one too; sentencex knows none of these.
_UNPUNCTUATED_END = re.compile(
    r"(?<=[\u0e00-\u0e45\u0e47-\u0ec5\u0ec7-\u0eff])\s+(?=[\u0e00-\u0eff])|(?<=[\u17d4\u17d5])\s+(?=\S)"
)
# A full stop after a Thai letter marks an abbreviation ("ดร.", "พ.ศ. 2567", "ก.ค."): Thai ends
# no sentence with one.
_THAI_ABBREVIATION = re.compile(r"[\u0e00-\u0e7f]\.$")
# Words that start Russian sentences and are no name: prepositions, conjunctions, pronouns,
# particles and sentence adverbs.
_RUSSIAN_OPENERS = frozenset(
    "в во на по с со к ко о об от до из за для при после перед через между под над без у про "
    "среди около согласно а и но однако зато или если когда хотя пока поэтому потому затем "
    "потом тогда также тоже кроме впрочем ведь даже лишь только уже ещё еще вот так как что "
    "чтобы кто где почему сейчас теперь сегодня вчера здесь там тут позже ранее это этот эта "
    "эти тот та те то он она оно они мы я вы его её ее их все всё весь вся сам не ни нет да".split()
)
# How far around a mark the cuts above look: past any word an abbreviation or opener has.
_WINDOW = 64
_WORD = re.compile(r"[^\W\d_]+")
_LAST_WORD = re.compile(r"(\S+)\.\s*$")
# A spaced pair of one-letter abbreviations at the end: "т. е.", "i. e.".
_LAST_PAIR = re.compile(r"(?<!\S)([^\W\d_])\.\s([^\W\d_])\.\s*$")
# Scripts whose sentences start with a capital letter (Unicode character-name prefixes).
_CAPITALISING_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC", "ARMENIAN")
# Marks that end a sentence, in any script: punctuation other than these that sentencex leaves
# at the end of a sentence, glued to the next word, opens the next one ("Il part. “Oui.")...
_TERMINATORS = frozenset(".!?…;:。！？｡।॥؟۔።፧։။")
# ...unless it closes a quote or bracket the sentence opened ("« Oui. »Puis"): each closing mark
# with the marks it closes, in French, English and German (»…« and „…“) use.
_CLOSES = {
    "»": "«",
    "«": "»",
    "”": "“„",
    "“": "„",
    "’": "‘‚",
    "‘": "‚",
    "›": "‹",
    "‹": "›",
    '"': '"',
    ")": "(",
    "]": "[",
}
# A closing quote or bracket followed by hiragana: a Japanese quotation goes on
# (「行く。」と言った: "'I will go,' he said"), whatever the full stop inside it says.
_JAPANESE_QUOTE_GOES_ON = re.compile(r"[」』）)]$")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")


@dataclass(frozen=True)
class Sentence:
    """One sentence: ``text`` is ``body[start:end]`` with surrounding whitespace excluded."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph:
    """A paragraph (or line) of the body, its sentences, and the separator that follows it."""

    text: str
    start: int
    end: int
    sentences: tuple[Sentence, ...]
    separator: str  # the exact whitespace up to the next paragraph ("" for the last one)

    @property
    def joiner(self) -> str:
        """The separator as reassembly writes it: "\\n\\n" after a blank line, else "\\n"."""
        return "\n\n" if len(re.findall(_NEWLINE, self.separator)) >= 2 else "\n"


def _language_key(lang: str | None) -> str:
    return (lang or "fr").split("-")[0].lower()


def _known_abbreviations(lang: str) -> frozenset[str]:
    if lang in _ABBREVIATIONS:
        return _ABBREVIATIONS[lang]
    return frozenset().union(*_ABBREVIATIONS.values())


def _is_abbreviation(sentence: str, following: str, lang: str) -> bool:
    """Whether ``sentence`` was cut after an abbreviation and should run on into ``following``."""
    match = _LAST_WORD.search(sentence)
    nxt = following.lstrip()
    if not match or not nxt:
        return False
    # "l'art." -> "art": French elision glues the article to the abbreviation.
    raw = re.split(r"['’]", match.group(1).lstrip("(«\"'"))[-1]
    word = raw.lower()
    initial = len(raw) == 1 and raw.isupper()  # "J. Dupont"
    known = _known_abbreviations(lang)
    pair = _LAST_PAIR.search(sentence)
    if pair and f"{pair.group(1)}.{pair.group(2)}".lower() in known:
        word = f"{pair.group(1)}.{pair.group(2)}".lower()
    elif word not in known and not initial:
        return False
    if word in _AMBIGUOUS:
        return _lower_case_word(nxt)
    if word in _ABBREVIATIONS["ru"]:
        return not _opens_russian_sentence(nxt)
    return True


def _opens_russian_sentence(text: str) -> bool:
    """Whether ``text`` starts with a capitalised word that starts Russian sentences and is no
    name ("Однако", "В", "Он"); an initial ("В. Путин") is a name."""
    inside = text.lstrip(_OPENING_MARKS)
    word = _WORD.match(inside)
    if not word or not word.group(0)[0].isupper() or inside[word.end() : word.end() + 1] == ".":
        return False
    return word.group(0).lower() in _RUSSIAN_OPENERS


def _goes_on(sentence: str, following: str, lang: str) -> bool:
    """Whether a sentence that sentencex ended goes on into ``following``."""
    nxt = following.lstrip()
    if not nxt:
        return False
    # A full stop followed by a lower-case word ends no sentence in a script whose sentences
    # start with a capital: a Russian "т. е. рано", whatever abbreviation list misses it. A word
    # with a capital inside (iPhone, eBay, mRNA) is a name that may start one.
    # (After "?" or "!" a lower-case word may follow: « Quoi ? » dit-il.)
    if sentence.endswith(".") and not sentence.endswith("...") and _starts_lower_case(nxt):
        return True
    if _THAI_ABBREVIATION.search(sentence):
        return True
    if _JAPANESE_QUOTE_GOES_ON.search(sentence) and _HIRAGANA.match(nxt):
        return True
    return _is_abbreviation(sentence, following, lang)


def _lower_case_word(text: str) -> bool:
    """Whether ``text`` starts with a word written all in lower case ("рано", not "iPhone")."""
    word = _WORD.match(text)
    return bool(word) and word.group(0).islower()


def _starts_lower_case(text: str) -> bool:
    # Georgian letters are lower case too, but Georgian has no capitals to start a sentence.
    return _lower_case_word(text) and unicodedata.name(text[0], "").startswith(_CAPITALISING_SCRIPTS)


def _boundaries(text: str, lang: str) -> list[tuple[int, int]]:
    """sentencex's sentences, with opening quotes it left at a sentence's end moved on."""
    import sentencex  # fast C extension; imported here so that --help does not load it

    pieces = [(p["start_index"], p["end_index"]) for p in sentencex.get_sentence_boundaries(lang, text)]
    for index in range(len(pieces) - 1):
        start, end = pieces[index]
        glued = pieces[index + 1][0] == end and start < end < len(text)
        if not glued or text[end - 1].isspace() or text[end].isspace():
            continue
        # The boundary falls inside a word: is that word, up to it, only opening punctuation?
        word_start = end
        while word_start > start and not text[word_start - 1].isspace():
            word_start -= 1
        word = text[word_start:end]
        opened = text[:word_start]
        if word_start > start and all(_is_opening(ch, opened) for ch in word):
            pieces[index] = (start, word_start)
            pieces[index + 1] = (word_start, pieces[index + 1][1])
    return [piece for start, end in pieces for piece in _cut_missed_ends(text, start, end, lang)]


def _is_opening(ch: str, before: str) -> bool:
    """Whether the mark ``ch``, after ``before`` in its paragraph, opens the next sentence."""
    if not unicodedata.category(ch).startswith("P") or ch in _TERMINATORS:
        return False
    openers = _CLOSES.get(ch, "")
    if ch in openers:  # a straight quote closes one left open: an odd count before it
        return before.count(ch) % 2 == 0
    # It closes a quote when more were opened than closed before it (one may span sentences).
    return sum(map(before.count, openers)) <= before.count(ch)


def _cut_missed_ends(text: str, start: int, end: int, lang: str) -> list[tuple[int, int]]:
    """Cut the span where a sentence ends that sentencex runs on: after a list's end ("etc.")
    or a closed aside ("(Il l'a dit.)") that a sentence follows, after a Russian "г." that a
    sentence opener follows, and between Thai or Lao phrases."""

    # A window around each mark, not the rest of the span: a long span with many marks stays
    # linear.
    def before(match: re.Match[str]) -> str:
        return text[max(start, match.start() - _WINDOW) : match.end() - 1]

    def after(match: re.Match[str]) -> str:
        return text[match.end() : min(end, match.end() + _WINDOW)].lstrip()

    cuts = [match.end() for match in _LIST_END.finditer(text, start, end) if _starts_sentence(after(match))]
    cuts += [
        match.end() for match in _YEAR_END.finditer(text, start, end) if _opens_russian_sentence(after(match))
    ]
    cuts += [
        match.end()
        for match in _CLOSED_ASIDE.finditer(text, start, end)
        # "(M.) Dupont": the full stop is an abbreviation's.
        if _starts_sentence(after(match)) and not _is_abbreviation(before(match), after(match), lang)
    ]
    cuts += [match.start() for match in _UNPUNCTUATED_END.finditer(text, start, end)]
    bounds = [start, *sorted(set(cuts)), end]
    return list(pairwise(bounds))


def _starts_sentence(text: str) -> bool:
    """Whether ``text``, what follows a list's end ("etc."), starts a sentence: a capitalised
    word or a number does, behind any opening quote ("etc. 2023 a été …", "etc. « Le …").
    Inside the list's own sentence "etc." comes before a comma, a closing bracket or a
    lower-case word, hardly ever a number.  Behind an opening bracket only a capitalised word
    does: "(voir plus bas)" is an aside of the sentence, "(2019)" or "(12 %)" a reference."""
    inside = text.lstrip(_OPENING_MARKS)
    if _has_capital(inside):
        return True
    bracketed = any(ch in _OPENING_BRACKETS for ch in text[: len(text) - len(inside)])
    return not bracketed and inside[:1].isdecimal()


def _has_capital(text: str) -> bool:
    word = _WORD.match(text)
    return bool(word) and any(ch.isupper() for ch in word.group(0))


def split_sentences(text: str, lang: str | None = None) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences of ``text``, whitespace trimmed.

    The spans are in order, do not overlap, and everything between them is whitespace.
    """
    key = _language_key(lang)
    spans: list[list[int]] = []
    for start, end in _boundaries(text, key):
        chunk = text[start:end]
        stripped_start = start + (len(chunk) - len(chunk.lstrip()))
        stripped_end = start + len(chunk.rstrip())
        if stripped_end <= stripped_start:
            continue
        if spans and _goes_on(text[spans[-1][0] : spans[-1][1]], text[stripped_start:], key):
            spans[-1][1] = stripped_end
        else:
            spans.append([stripped_start, stripped_end])
    return [(s, e) for s, e in spans]


def segment(body: str, lang: str | None = None) -> list[Paragraph]:
    """Split ``body`` into paragraphs (separated by newlines) and their sentences."""
    paragraphs: list[Paragraph] = []
    pos = 0
    breaks = list(_PARAGRAPH_BREAK.finditer(body)) + [None]
    for brk in breaks:
        end = brk.start() if brk else len(body)
        sep = brk.group(0) if brk else ""
        raw = body[pos:end]
        if raw.strip():
            sentences = tuple(Sentence(raw[s:e], pos + s, pos + e) for s, e in split_sentences(raw, lang))
            paragraphs.append(Paragraph(raw, pos, end, sentences, sep))
        elif paragraphs:
            # An all-whitespace stretch joins the previous separator so nothing is lost.
            last = paragraphs[-1]
            paragraphs[-1] = Paragraph(
                last.text, last.start, last.end, last.sentences, last.separator + raw + sep
            )
        pos = brk.end() if brk else len(body)
    return paragraphs

"""Tests of summarize.clean: normalisation, the no-text predicate and the rules that clean a
plain text (line classification, the title, a leading time stamp), on the seed and on the
annotated pages (see tests/clean_pages.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from clean_pages import BODY_FR, HTML_PAGES, PROPERTY, ROOT, SEED, TEXT_PAGES, parse_annotated
from hypothesis import given
from hypothesis import strategies as st

from summarize.clean import (
    CAPTION,
    KINDS,
    RELATED,
    SUBSCRIBE,
    TIMESTAMP,
    Cleaned,
    clean_text,
    has_text,
    normalize_text,
)


# --- the seed ---------------------------------------------------------------------------------
def test_seed_keeps_the_article_and_drops_the_furniture() -> None:
    raw = SEED.read_text(encoding="utf-8")
    cleaned = clean_text(raw)
    lines = raw.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("La Chine va étendre"))
    end = next(i for i, line in enumerate(lines) if line.endswith("», a-t-il affirmé."))
    caption = next(line for line in lines if line.endswith("(Photo / China News Service)"))
    article = [line for line in lines[start : end + 1] if line.strip() and line != caption]
    trailing = [line for line in lines[end + 1 :] if line.strip()]

    body_lines = cleaned.body.split("\n")
    assert [line for line in body_lines if line] == article
    for line in trailing:
        assert line not in cleaned.body
    assert "WeChat" not in cleaned.body
    kinds = {r.text: r.kind for r in cleaned.removed}
    assert kinds[caption] == CAPTION
    assert kinds[lines[0]] == TIMESTAMP
    # The stamp has no year: no date is made up, and the line is still listed as removed.
    assert cleaned.date is None
    assert kinds[next(line for line in trailing if "WeChat" in line)] == SUBSCRIBE
    assert all(kinds[line] == RELATED for line in trailing if "WeChat" not in line)
    assert cleaned.title is None
    # The paragraph break before the caption survives its removal.
    assert "astronautes.\n\nLa Chine continuera" in cleaned.body


def test_seed_keep_boilerplate_keeps_everything() -> None:
    raw = SEED.read_text(encoding="utf-8")
    cleaned = clean_text(raw, keep_boilerplate=True)
    assert cleaned == Cleaned(body=normalize_text(raw), title=None, date=None, url=None, removed=())


# --- annotated pages --------------------------------------------------------------------------
# Counts the pages of both kinds, text and HTML: it stays here, with the plain-text pages.
def test_there_are_enough_annotated_pages() -> None:
    pages = [parse_annotated(p) for p in TEXT_PAGES] + [
        parse_annotated(p.with_suffix(".expect")) for p in HTML_PAGES
    ]
    assert len(pages) >= 6
    assert len({p.meta["lang"] for p in pages}) >= 3
    assert HTML_PAGES


@pytest.mark.parametrize("path", TEXT_PAGES, ids=lambda p: p.stem)
def test_annotated_text_page(path: Path) -> None:
    page = parse_annotated(path)
    cleaned = clean_text(page.text)
    assert cleaned.body == page.expected_body
    assert cleaned.title == page.title
    removed = {r.text: r.kind for r in cleaned.removed}
    expected = {text for _, text in page.drop} | ({page.title} if page.title else set())
    assert set(removed) == expected
    for kind, text in page.drop:
        if kind:
            assert removed[text] == kind, text
    # The date of the page's first dated stamp, as ISO 8601 ("# date:"; none without one).
    assert cleaned.date == page.meta.get("date")
    assert all(r.kind in KINDS for r in cleaned.removed)


# --- rules in isolation -----------------------------------------------------------------------
def test_trailing_headlines_are_found_by_shape_in_any_language() -> None:
    text = BODY_FR + "\nDer Winter kommt früher als erwartet\nRekord beim Stadtmarathon\nNeue Brücke eröffnet"
    cleaned = clean_text(text)
    assert cleaned.body == BODY_FR
    assert [r.kind for r in cleaned.removed] == [RELATED] * 3


def test_two_short_trailing_lines_are_kept() -> None:
    # A signature is not a list of other stories.
    text = BODY_FR + "\nJean Dupont\nCorrespondant à Lyon"
    assert clean_text(text).body == text


def test_list_announced_by_a_colon_stays() -> None:
    items = "\n- des prêts à taux zéro\n- des terrains publics\n- des permis plus rapides"
    text = BODY_FR + " Trois mesures:" + items
    assert clean_text(text).body == text


def test_dialogue_at_the_end_stays() -> None:
    text = BODY_FR + "\n— Et après ?\n— On verra bien\n— Merci à vous"
    assert clean_text(text).body == text


def test_text_without_sentences_is_left_alone() -> None:
    poem = "Sous le pont Mirabeau\nCoule la Seine\nEt nos amours\nFaut-il qu'il m'en souvienne"
    cleaned = clean_text(poem)
    assert cleaned.body == poem
    assert cleaned.removed == ()


@pytest.mark.parametrize(
    "line",
    [
        "Le RGPD oblige les sites à demander le consentement avant de déposer des cookies.",
        "Les voyageurs devront présenter un QR code à l'embarquement.",
        "Twitter a perdu la moitié de ses annonceurs en un an, selon le cabinet.",
        "Le photographe a reçu le prix pour une image de réfugiés.",
    ],
)
def test_news_sentences_with_keywords_stay(line: str) -> None:
    text = BODY_FR + "\n" + line + "\nLa mesure entrera en vigueur en janvier."
    assert clean_text(text).body == text


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Lire aussi : Le logement, casse-tête des jeunes actifs", "read_also"),
        ("Read more: Housing costs hit a record", "read_also"),
        ("Lesen Sie auch: Mieten steigen weiter", "read_also"),
        ("Lea también: El precio de la vivienda sube", "read_also"),
        ("Partager sur Facebook", "share"),
        ("Share on WhatsApp", "share"),
        ("Compartir en Twitter", "share"),
        ("Publicité", "advertisement"),
        ("Anzeige", "advertisement"),
        ("Abonnez-vous à notre newsletter pour ne rien manquer.", "subscribe"),
        ("Suscríbete a nuestro boletín.", "subscribe"),
        ("Jetzt abonnieren und weiterlesen", "subscribe"),
        ("We use cookies to improve your experience on our website.", "cookie"),
        ("Un immeuble en construction à Lyon. (Photo d'archives / AFP)", "caption"),
        ("Ein Kran auf einer Baustelle in Köln. Foto: dpa", "caption"),
        ("Le président à l'Élysée, lundi. Photo AFP / Ludovic Marin", "caption"),
        ("Protesters in Nairobi on Tuesday. REUTERS/John Doe", "caption"),
        ("Temps de lecture : 3 min", "reading_time"),
        ("Reporting by Jane Doe; Editing by John Roe", "credit"),
        ("Vous avez aimé cet article ? Partagez-le !", "share"),
        ("(AP Photo/Jane Doe)", "credit"),
        ("© Reuters", "credit"),
        ("(avec AFP)", "credit"),
        ("Le Quotidien avec AFP", "credit"),
        ("Image caption, Firefighters at the scene on Monday", "caption"),
        ("Varios alumnos en el patio de un instituto de Sevilla.PACO PUENTES", "caption"),
        ("Puedes seguir a nuestro diario en Facebook y X.", "subscribe"),
        ("Publié le 3 mars 2024 à 10h", "timestamp"),
        ("Par Jean Dupont", "byline"),
    ],
)
def test_furniture_lines_inside_the_body(line: str, kind: str) -> None:
    text = BODY_FR + "\n" + line + "\nLa mesure entrera en vigueur en janvier."
    cleaned = clean_text(text)
    assert line not in cleaned.body.split("\n")
    assert [(r.kind, r.text) for r in cleaned.removed] == [(kind, line)]


@pytest.mark.parametrize(
    ("stamp", "date"),
    [
        ("Mis à jour le 3 mars 2024 à 18h05", "2024-03-03T18:05"),
        ("Published 5 March 2024", "2024-03-05"),
        ("12/03/2024 08:15", "2024-03-12T08:15"),
        ("Publicado el 4 de abril de 2024", "2024-04-04"),
        ("Aktualisiert am 12.03.2024, 08:15 Uhr", "2024-03-12T08:15"),
        ("Mardi 5 mars 2024", "2024-03-05"),
        ("Dernière mise à jour à 16h01 le 17/06", None),
        ("June 17, 2024 at 4:01 p.m. ET", "2024-06-17T16:01"),  # a meridiem after the minutes
        ("June 17, 2024, 4:01 PM", "2024-06-17T16:01"),
        ("Mon, 17 Jun 2024 16:01:00 +0200", "2024-06-17T16:01+02:00"),  # RFC 2822, as RSS writes it
        ("Published: Mon, 17 Jun 2024 14:01:00 GMT", "2024-06-17T14:01Z"),
    ],
)
def test_leading_time_stamp_becomes_the_date(stamp: str, date: str | None) -> None:
    cleaned = clean_text(stamp + "\n" + BODY_FR)
    assert cleaned.date == date
    assert cleaned.body == BODY_FR
    assert [(r.kind, r.text) for r in cleaned.removed] == [(TIMESTAMP, stamp)]


def test_title_needs_body_text_after_it() -> None:
    cleaned = clean_text("Un projet de loi sur le logement\n\n" + BODY_FR)
    assert cleaned.title == "Un projet de loi sur le logement"
    assert cleaned.body == BODY_FR
    # A first line ending with a full stop is a sentence, not a title.
    assert clean_text(BODY_FR).title is None


def test_headline_with_a_date_is_a_title_not_a_time_stamp() -> None:
    cleaned = clean_text("Élections du 9 juin 2024 : la participation en hausse\n" + BODY_FR)
    assert cleaned.title == "Élections du 9 juin 2024 : la participation en hausse"
    assert cleaned.date is None


# --- normalisation and the no-text predicate ---------------------------------------------------
def test_normalize_text() -> None:
    raw = "\ufeffE\u0301te\u0301\r\nligne\u200b  deux\t \u00a0 fin\rtrois\x07\x00\u2028quatre\n\n\n\ncinq  "
    assert normalize_text(raw) == "Été\nligne deux\t fin\ntrois\nquatre\n\ncinq"
    assert normalize_text("a\tb") == "a\tb"
    assert normalize_text("") == ""


@pytest.mark.parametrize(
    "text",
    [
        "La famille \U0001f468\u200d\U0001f469\u200d\U0001f467 a défilé.",  # one emoji, not three
        "Le drapeau \U0001f3f3\ufe0f\u200d\U0001f308 flottait.",  # the rainbow flag
        "Il a dit \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 en persan.",  # ZWNJ is spelling
    ],
)
def test_joiners_are_kept(text: str) -> None:
    assert normalize_text(text) == text
    assert clean_text(text).body == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bonjour", True),
        ("北京", True),
        ("https://example.org/article?id=3 www.example.com", False),
        ("😀🎉 !!! ... ---", False),
        ("   \n\t ", False),
        ("12 345,67 €", False),
        ("contact@example.org", False),
        ("Voir https://example.org", True),
    ],
)
def test_has_text(text: str, expected: bool) -> None:
    assert has_text(text) is expected


# Imports every clean module (and fetch): it stays here, for all of them.
def test_import_is_lazy() -> None:
    code = (
        "import sys, summarize.clean, summarize.clean_html, summarize.clean_markdown, summarize.dates, "
        "summarize.fetch; "
        "heavy = [m for m in ('trafilatura', 'lxml', 'urllib.request', 'ssl') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# --- properties -------------------------------------------------------------------------------
FURNITURE = [
    "Lire aussi : un autre titre",
    "Partager",
    "Publicité",
    "Dernière mise à jour à 16h01 le 17/06",
    "Accueil > Monde",
    "Most read",
    "We use cookies to improve your experience.",
    "Accept all",
    "Foto: EFE",
    "Une légende. (Photo / AFP)",
    "By Jane Smith",
    "Un titre court sans point",
    "Une phrase de corps de texte qui se termine par un point.",
    "",
    "",
    "- un élément",
    "Fin :",
]
lines_strategy = st.lists(st.one_of(st.sampled_from(FURNITURE), st.text(max_size=40)), max_size=25)
texts = st.one_of(st.text(), lines_strategy.map("\n".join))


def _is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(item == other for other in it) for item in small)


@PROPERTY
@given(st.text())
def test_normalize_never_crashes_and_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "\r" not in once
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u200b\ufeff]", once)


@PROPERTY
@given(texts)
def test_clean_only_removes_lines(text: str) -> None:
    normalized = normalize_text(text)
    cleaned = clean_text(text)
    source = normalized.split("\n")
    assert _is_subsequence(cleaned.body.split("\n") if cleaned.body else [], source)
    # Every non-blank line is either in the body or listed as removed, exactly once, in order.
    kept = iter(line for line in cleaned.body.split("\n") if line)
    removed = {r.line_no: r for r in cleaned.removed}
    for number, line in enumerate(source, start=1):
        if not line:
            continue
        if number in removed:
            assert removed[number].text == line
            assert removed[number].kind in KINDS
        else:
            assert next(kept) == line
    assert next(kept, None) is None
    if cleaned.title is not None:
        assert cleaned.title in source
    has_text(text)  # never crashes either


@PROPERTY
@given(texts)
def test_keep_boilerplate_is_the_normalised_input(text: str) -> None:
    cleaned = clean_text(text, keep_boilerplate=True)
    assert cleaned.body == normalize_text(text)
    assert cleaned.removed == ()

"""Tests of the clean stage (summarize.clean, clean_markdown, clean_html, dates): normalisation,
the no-text predicate, Markdown, dates and article extraction.

The annotated pages in tests/data/pages/*.txt hold one input line per file line, prefixed with
``+ `` (must stay in the body), ``T `` (the title) or ``-kind `` / ``- `` (must be removed, with
that kind when one is given); ``x `` marks furniture the rules are known to miss today (it stays
in the body; the benchmark counts it as a miss). Blank lines are blank input lines; ``#`` lines
are comments.
HTML pages come as NAME.html with the same annotations in NAME.expect.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
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
from summarize.clean_html import extract_html, looks_like_html
from summarize.clean_markdown import clean_markdown, looks_like_markdown, strip_markdown
from summarize.dates import parse_date
from summarize.pipeline import clean_article
from summarize.read import Article

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "data" / "pages"
SEED = ROOT / "seeds" / "000_7fb48d97fe35ba3a.txt"


@dataclass
class Annotated:
    """An annotated test page: the input text and what must become of each line."""

    text: str
    keep: list[str] = field(default_factory=list)
    drop: list[tuple[str | None, str]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    title: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    expected_body: str = ""


def parse_annotated(path: Path) -> Annotated:
    """Read an annotated page (see the module docstring)."""
    page = Annotated(text="")
    lines: list[str] = []
    body: list[str] = []
    for raw in path.read_text(encoding="utf-8").split("\n"):
        if raw.startswith("#"):
            key, _, value = raw[1:].partition(":")
            page.meta[key.strip()] = value.strip()
            continue
        if not raw.strip():
            lines.append("")
            body.append("")
            continue
        found = re.match(r"^(\+|T|x|-(\w*)) (.*)$", raw)
        assert found, f"{path.name}: bad annotation {raw!r}"
        mark, kind, text = found.group(1), found.group(2), found.group(3)
        lines.append(text)
        if mark in "+x":
            (page.keep if mark == "+" else page.missed).append(text)
            body.append(text)
        elif mark == "T":
            page.title = text
        else:
            page.drop.append((kind or None, text))
    page.text = "\n".join(lines)
    page.expected_body = re.sub(r"\n{3,}", "\n\n", "\n".join(body)).strip("\n")
    return page


TEXT_PAGES = sorted(PAGES.glob("*.txt"))
HTML_PAGES = sorted(PAGES.glob("*.html"))


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


@pytest.mark.parametrize("path", HTML_PAGES, ids=lambda p: p.stem)
def test_annotated_html_page(path: Path) -> None:
    page = parse_annotated(path.with_suffix(".expect"))
    html = path.read_text(encoding="utf-8")
    assert looks_like_html(html)
    cleaned = extract_html(html)
    body_lines = cleaned.body.split("\n")
    for line in page.keep:
        assert line in body_lines
    removed = {r.text: r.kind for r in cleaned.removed}
    for kind, text in page.drop:
        assert text not in cleaned.body
        assert text in removed, text
        if kind:
            assert removed[text] == kind, text
    assert cleaned.title == page.title
    assert cleaned.date == page.meta.get("date")
    assert cleaned.url == page.meta.get("url")
    assert "\n\n" in cleaned.body  # paragraphs stay paragraphs


def test_html_keep_boilerplate_returns_all_visible_text() -> None:
    html = (PAGES / "fr_page.html").read_text(encoding="utf-8")
    cleaned = extract_html(html, keep_boilerplate=True)
    assert cleaned.removed == ()
    assert "Les plus lus" in cleaned.body
    assert "Partager" in cleaned.body
    assert "dataLayer" not in cleaned.body  # scripts are never visible text
    assert cleaned.title == "Les abeilles sauvages en net recul dans les campagnes françaises"


def test_html_fallback_when_trafilatura_finds_nothing() -> None:
    html = (
        "<html><head><title>Court</title></head><body><div>Il pleut.</div><div>Partager</div></body></html>"
    )
    cleaned = extract_html(html, url="https://example.org/a")
    assert "Il pleut." in cleaned.body
    assert "Partager" not in cleaned.body
    assert cleaned.url == "https://example.org/a"


def test_html_br_and_paragraphs() -> None:
    html = "<p>un<br>deux<br><br>trois</p><div><div>quatre</div><div>cinq <b>six</b></div></div>"
    cleaned = extract_html(html, keep_boilerplate=True)
    assert cleaned.body == "un\ndeux\n\ntrois\n\nquatre\ncinq six"


def test_extract_html_survives_junk() -> None:
    for junk in ("", "<", "<?xml version='1.0' encoding='utf-8'?><html></html>", "<html>\x00</html>"):
        assert isinstance(extract_html(junk), Cleaned)


# --- rules in isolation -----------------------------------------------------------------------
BODY_FR = (
    "Le gouvernement a présenté mercredi un projet de loi sur le logement.\n"
    "Il prévoit de construire cent mille logements sociaux par an."
)


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the forms French and English news pages write, date alone
        ("17/06/2024", "2024-06-17"),
        ("17.06.2024", "2024-06-17"),
        ("17-06-2024", "2024-06-17"),
        ("2024-06-17", "2024-06-17"),
        ("17 juin 2024", "2024-06-17"),
        ("1er juin 2024", "2024-06-01"),
        ("Mardi 17 juin 2024", "2024-06-17"),
        ("17 déc. 2024", "2024-12-17"),
        ("June 17, 2024", "2024-06-17"),
        ("Monday, June 17th, 2024", "2024-06-17"),
        ("17 June 2024", "2024-06-17"),
        ("4 de abril de 2024", "2024-04-04"),
        ("12. März 2024", "2024-03-12"),
        ("17/06/24", "2024-06-17"),
        ("17/06/99", "1999-06-17"),
        ("17 AVRİL 2024", None),  # İ matches i without case, but its lower case is no month
        ("06/17/2024", "2024-06-17"),  # month first only where day first is impossible
        ("05/06/2024", "2024-06-05"),  # ambiguous: day first
        # with a time: minutes, no seconds, no time zone made up
        ("Publié le 17/06/2024 à 16h01", "2024-06-17T16:01"),
        ("Publié le 17 juin 2024 à 16 h 01", "2024-06-17T16:01"),
        ("17.06.2024 16:01", "2024-06-17T16:01"),
        ("Dernière mise à jour à 16h01 le 17/06/2024", "2024-06-17T16:01"),
        ("Le 17 juin 2024 à 9h", "2024-06-17T09:00"),
        ("June 17, 2024 4:01 pm ET", "2024-06-17T16:01"),
        ("June 17, 2024, 12:30 a.m.", "2024-06-17T00:30"),
        ("Aktualisiert am 17.06.2024, 16.01 Uhr", "2024-06-17T16:01"),
        ("2024-06-17T16:01:59", "2024-06-17T16:01"),
        ("2024-06-17T16:01:00+02:00", "2024-06-17T16:01+02:00"),  # a stated offset stays
        ("2024-06-17 16:01:00Z", "2024-06-17T16:01Z"),
        # Atom and HTML metadata: milliseconds, a space for the T, a lower-case z, no colon
        ("2024-06-17T16:01:00.000Z", "2024-06-17T16:01Z"),
        ("2024-06-17 16:01:00+02:00", "2024-06-17T16:01+02:00"),
        ("2024-06-17t16:01:00z", "2024-06-17T16:01Z"),
        ("2024-06-17T16:01:00.000+0200", "2024-06-17T16:01+02:00"),
        ("2024-06-17T16:01:00-05:00", "2024-06-17T16:01-05:00"),
        # RSS's pubDate (RFC 2822): its zone is stated, so it stays, as an ISO offset does
        ("Mon, 17 Jun 2024 16:01:00 +0200", "2024-06-17T16:01+02:00"),
        ("Mon, 17 Jun 2024 14:01:00 GMT", "2024-06-17T14:01Z"),
        ("Mon, 17 Jun 2024 14:01:00 UT", "2024-06-17T14:01Z"),
        ("Mon, 17 Jun 2024 14:01 Z", "2024-06-17T14:01Z"),
        ("Mon, 17 Jun 2024 14:01:00 +0000", "2024-06-17T14:01+00:00"),
        ("Mon, 17 Jun 2024 10:01:00 EDT", "2024-06-17T10:01-04:00"),
        ("Mon, 17 Jun 2024 08:01:00 PST", "2024-06-17T08:01-08:00"),
        ("Mon, 17 Jun 2024 14:01:00 -0000", "2024-06-17T14:01-00:00"),  # UTC, local zone unknown
        ("17 Jun 2024 16:01 +0200", "2024-06-17T16:01+02:00"),  # no weekday, no seconds
        ("Mon, 17 June 2024 16:01:00 +02:00", "2024-06-17T16:01+02:00"),
        ("Tue, 5 Mar 2024 08:15:00 +0100 (CET)", "2024-03-05T08:15+01:00"),
        ("Mon, 17 Jun 24 16:01:00 +0200", "2024-06-17T16:01+02:00"),  # RSS 2.0 allows a 2-digit year
        ("Published: Mon, 17 Jun 2024 16:01:00 GMT", "2024-06-17T16:01Z"),
        # a zone RFC 2822 does not name, or not one at all: the time without a zone, never guessed
        ("Mon, 17 Jun 2024 16:01:00 CEST", "2024-06-17T16:01"),
        ("Mon, 17 Jun 2024 16:01:00 GMT+2", "2024-06-17T16:01"),
        ("Le 17 mars 2024 16:01 est la date", "2024-03-17T16:01"),
        ("Mon, 31 Feb 2024 10:00:00 GMT", None),
        # the time that goes with the first date, not another date's
        ("Publié le 14 mars 2024 à 07h45, mis à jour à 09h10", "2024-03-14T07:45"),
        ("Publié le 17/06/2024, mis à jour le 18/06/2024 à 16h01", "2024-06-17"),
        ("Publié le 17/06/2024 à 25h70", "2024-06-17"),  # an impossible time is left out
        # no year, impossible or no date at all: None
        ("Dernière mise à jour à 16h01 le 17/06", None),
        ("17 juin", None),
        ("Publié aujourd'hui à 10h12", None),
        ("il y a 3 heures", None),
        ("Updated 2 hours ago", None),
        ("31/02/2024", None),
        ("30 février 2024", None),
        ("2024-13-01", None),
        ("Publié", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected: str | None) -> None:
    assert parse_date(text) == expected


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


# --- Markdown ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("markdown", "title", "body"),
    [
        # headings: the first one is the title, as a headline-shaped first line is
        ("# Grève à la SNCF\n\n" + BODY_FR, "Grève à la SNCF", BODY_FR),
        ("## Grève à la SNCF ##\n" + BODY_FR, "Grève à la SNCF", BODY_FR),
        ("Grève à la SNCF\n===============\n\n" + BODY_FR, "Grève à la SNCF", BODY_FR),
        (
            BODY_FR + "\n\n## La suite\n\nLa mesure entrera en vigueur en janvier.",
            None,
            BODY_FR + "\n\nLa suite\n\nLa mesure entrera en vigueur en janvier.",
        ),
        ("#grève est en tête des tendances ce matin.", None, "#grève est en tête des tendances ce matin."),
        # emphasis, strikethrough, inline code
        (
            "Les **cheminots** et les __usagers__ sont *inquiets* et _fatigués_.",
            None,
            "Les cheminots et les usagers sont inquiets et fatigués.",
        ),
        (
            "Un ***très*** long **conflit *social* annoncé** et ~~trois~~ quatre jours.",
            None,
            "Un très long conflit social annoncé et trois quatre jours.",
        ),
        ("L'**État** et les «*gilets jaunes*» discutent.", None, "L'État et les «gilets jaunes» discutent."),
        (
            "Le mot `grève` et la commande `a*b*c` restent.",
            None,
            "Le mot grève et la commande a*b*c restent.",
        ),
        # asterisks and underscores that are no emphasis stay
        (
            "Il faut 2 * 3 trains, Paris* et Lyon*, un * seul et ** rien.",
            None,
            "Il faut 2 * 3 trains, Paris* et Lyon*, un * seul et ** rien.",
        ),
        (
            "Le fichier snake_case_name et mon_fichier_final.txt sont là.",
            None,
            "Le fichier snake_case_name et mon_fichier_final.txt sont là.",
        ),
        ("\\*Pas d'emphase\\* et un \\_ seul.", None, "*Pas d'emphase* et un _ seul."),
        # links become their text, images go
        (
            "Une [grève reconductible](https://example.com/greve) est votée.",
            None,
            "Une grève reconductible est votée.",
        ),
        (
            'Une [loi](https://fr.wikipedia.org/wiki/Loi_(France) "Loi") est votée.',
            None,
            "Une loi est votée.",
        ),
        (
            "Voir [le rapport][1] publié hier.\n\n[1]: https://example.com/rapport",
            None,
            "Voir le rapport publié hier.",
        ),
        (
            "Voir <https://example.com/rapport> pour le détail.",
            None,
            "Voir https://example.com/rapport pour le détail.",
        ),
        ("![Un train à quai](img.jpg)\n\n" + BODY_FR, None, BODY_FR),
        ("Un train ![Un train à quai](img.jpg) arrive en gare.", None, "Un train arrive en gare."),
        ("[![logo](logo.png)](https://example.com)\n" + BODY_FR, None, BODY_FR),
        # list items keep their text, one line each; block quotes lose their ">"
        (
            BODY_FR
            + " Trois mesures :\n\n- des prêts\n* des terrains\n+ des permis\n1. un fonds\n2) un guichet",
            None,
            BODY_FR + " Trois mesures :\n\ndes prêts\ndes terrains\ndes permis\n1. un fonds\n2) un guichet",
        ),
        # a number a reader sees stays: "1. FC Köln" is a club, not a list item
        (BODY_FR + "\n\n1. FC Köln gewinnt.", None, BODY_FR + "\n\n1. FC Köln gewinnt."),
        # a line shaped like a reference definition whose target is no address is text
        (BODY_FR + "\n\n[Vidéo]: Macron", None, BODY_FR + "\n\n[Vidéo]: Macron"),
        (BODY_FR + "\n\n[1]: https://example.com/a", None, BODY_FR),
        # "## Title ##" loses its closing run; "# C#" keeps its "#"
        ("## Grève à la SNCF ##\n\n" + BODY_FR, "Grève à la SNCF", BODY_FR),
        ("# Le langage C#\n\n" + BODY_FR, "Le langage C#", BODY_FR),
        (
            "- [x] La mesure est votée.\n- [ ] La mesure est appliquée.",
            None,
            "La mesure est votée.\nLa mesure est appliquée.",
        ),
        ("+ 3 % sur un an, selon l'Insee.", None, "+ 3 % sur un an, selon l'Insee."),
        (
            "> « Nous n'avons pas le choix », a-t-il dit.\n> > Une citation dans la citation.",
            None,
            "« Nous n'avons pas le choix », a-t-il dit.\nUne citation dans la citation.",
        ),
        # code blocks, comments, rules and front matter go; paragraphs stay where they were
        ("Avant.\n\n```python\nprint('x')\n```\n\nAprès.", None, "Avant.\n\nAprès."),
        ("Avant.\n\n~~~\ncode\n~~~\nAprès.", None, "Avant.\n\nAprès."),
        ("Avant.\n```\nAprès.", None, "Avant.\nAprès."),  # unclosed: only its line goes
        (
            "Un <!-- à vérifier --> mot.\n<!--\nnote de la rédaction\n-->\nLa suite.",
            None,
            "Un mot.\nLa suite.",
        ),
        ("Avant.\n\n***\n\n- - -\n\n___\n\nAprès.", None, "Avant.\n\nAprès."),
        ("---\ntitle: Grève\ntags: [sncf]\n---\n\n" + BODY_FR, None, BODY_FR),
        # HTML inside Markdown: the tags go, their text stays; "< 3" is text
        (
            '<p align="center"><img src="logo.png"></p>\n\n# Grève à la SNCF\n\n'
            + BODY_FR
            + ' <div class="note">Il durera <b>trois</b> jours.</div> Soit < 3 semaines.',
            "Grève à la SNCF",
            BODY_FR + " Il durera trois jours. Soit < 3 semaines.",
        ),
        # a table: its separator row goes, each row is its cells
        (
            BODY_FR + "\n\n| Ville | Trains |\n|---|:---:|\n| Paris | 50 % |",
            None,
            BODY_FR + "\n\nVille, Trains\nParis, 50 %",
        ),
        # a rule, then prose that starts "Word:", is no front matter: nothing is lost
        (
            "---\nParis: la grève continue.\n\n" + BODY_FR + "\n\n---\n\nLa suite.",
            None,
            "Paris: la grève continue.\n\n" + BODY_FR + "\n\nLa suite.",
        ),
        (
            "Le texte[^1] continue.\n\n[^1]: Selon la direction.",
            None,
            "Le texte continue.\n\nSelon la direction.",
        ),
    ],
)
def test_markdown_markup_is_stripped_before_cleaning(markdown: str, title: str | None, body: str) -> None:
    cleaned = clean_text(strip_markdown(markdown))
    assert (cleaned.title, cleaned.body) == (title, body)


# Tables in the shapes GFM allows: a header row, then a rule row of as many cells; rows go on to
# a blank line or a line that is not a row. Each row is its non-empty cells, joined by ", ".
@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("Ville | Part\n--- | ---\nParis | 50 %", "Ville, Part\nParis, 50 %"),
        ("| Ville | Part\n--- | ---:|\nParis | 50 % |", "Ville, Part\nParis, 50 %"),
        ("| Ville | Part |\n|:-|-:|\n| Paris | 50 % |", "Ville, Part\nParis, 50 %"),
        ("Ville | Part\n:---: | :---\nParis | 50 %", "Ville, Part\nParis, 50 %"),
        ("| Ligne | Trajet |\n|---|---|\n| A \\| B | Paris \\| Lyon |", "Ligne, Trajet\nA | B, Paris | Lyon"),
        ("| Commande | Effet |\n|---|---|\n| `ls | wc` | `a\\|b` |", "Commande, Effet\nls | wc, a|b"),
        ("| Ville | Part | Note |\n|---|---|---|\n| Paris |  | hausse |\n| | | |",
         "Ville, Part, Note\nParis, hausse"),
        ("| Ville | Part |\n|---|---|\n| Paris |\n| Lyon | 40 % | de trop |",
         "Ville, Part\nParis\nLyon, 40 %"),
        ("| Ville | Part |\n|---|---|", "Ville, Part"),
        ("| Ville |\n|---|\n| Paris |", "Ville\nParis"),
        ("| Ville | Part |\n|---|---|\n| # 1 | - 2 |", "Ville, Part\n# 1, - 2"),
        # a cell that ends with a mark of its own takes no comma after it
        ("| Pos. | Ville | Part |\n|---|---|---|\n| Total : | | 90 % |", "Pos. Ville, Part\nTotal : 90 %"),
        (
            "Les chiffres du jour :\nVille | Part\n--- | ---\nParis | 50 %\nLa suite, sans barre.",
            "Les chiffres du jour :\nVille, Part\nParis, 50 %\nLa suite, sans barre.",
        ),
        ("Ville | Part\n--- | ---\nParis | 50 %\n\nLyon | 40 %", "Ville, Part\nParis, 50 %\n\nLyon | 40 %"),
        ("Ville | Part\n--- | ---\nParis | 50 %\n> Lyon | 40 %", "Ville, Part\nParis, 50 %\nLyon | 40 %"),
        ("| Ville | Part |\n|---|---|\n|---|---|\n| Paris | 50 % |", "Ville, Part\nParis, 50 %"),
        # no table: a header and a rule row of other numbers of cells, a row with no rule row
        ("| Ville | Part |\n|---|\n| Paris | 50 % |", "| Ville | Part |\n| Paris | 50 % |"),
        ("| Paris | 50 % |", "| Paris | 50 % |"),
        # a setext heading and a horizontal rule are no table, a "|" in the text or not
        ("Grève | SNCF\n---\nParis | 50 %", "Grève | SNCF\nParis | 50 %"),
        ("Grève\n---\n\nParis | 50 %", "Grève\n\nParis | 50 %"),
        ("Avant | après\n\n---\n\nParis | 50 %", "Avant | après\n\nParis | 50 %"),
        ("Ville | Part\n***\nParis | 50 %", "Ville | Part\nParis | 50 %"),
        # in a quote, as GFM reads it: the quote's lines, less their ">", are the table's
        ("> Le bilan :\n>\n> | Ville | Part |\n> | --- | --- |\n> | Paris | 50 % |",
         "Le bilan :\nVille, Part\nParis, 50 %"),
        ("> > Ville | Part\n> > --- | ---\n> > Paris | 50 %\n> Lyon | 40 %",
         "Ville, Part\nParis, 50 %\nLyon | 40 %"),
        ("> | Ville | Part |\n| --- | --- |\n| Paris | 50 % |", "| Ville | Part |\n| Paris | 50 % |"),
        ("> Citation\n> |---|---|", "Citation"),
        # in a list item, as GFM reads it: the header on the item's line, its rows indented
        # (a number is kept, as rendered; the next item ends the table)
        ("1. | Ville | Part |\n   | --- | --- |\n   | Paris | 50 % |", "1. Ville, Part\nParis, 50 %"),
        ("- | Ville | Part |\n  | --- | --- |\n  | Paris | 50 % |\n- Lyon | 40 %",
         "Ville, Part\nParis, 50 %\nLyon | 40 %"),
        ("* Ville | Part\n  --- | ---\n  Paris | 50 %", "Ville, Part\nParis, 50 %"),
        ("> 2) | Ville | Part |\n>    |---|---|\n>    | Paris | 50 % |", "2) Ville, Part\nParis, 50 %"),
        ("- Paris | 50 %\n- Lyon | 40 %", "Paris | 50 %\nLyon | 40 %"),
        ("- | Ville | Part |\n- | --- | --- |", "| Ville | Part |"),
    ],
    ids=[
        "no-outer-pipes", "some-outer-pipes", "one-dash-colons", "centred", "escaped-pipe", "pipe-in-code",
        "empty-cells", "fewer-and-more-cells", "header-only", "one-column", "cells-are-inline-only",
        "cell-ending-with-a-mark",
        "after-a-paragraph-line", "ends-at-blank-line", "ends-at-quote", "dash-row-inside",
        "cell-counts-differ", "row-without-rule", "setext-heading", "setext-heading-plain",
        "horizontal-rule", "star-rule", "in-a-quote", "ends-at-another-quote-depth", "header-quoted-only",
        "quoted-rule-row-alone", "in-a-numbered-item", "in-a-bullet-item", "in-a-star-item",
        "in-a-quoted-item", "items-with-pipes-no-rule", "rule-row-on-an-item",
    ],
)  # fmt: skip
def test_markdown_tables_in_every_gfm_shape(markdown: str, plain: str) -> None:
    assert strip_markdown(markdown) == plain


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("| Ville | Part |\n|---|---|\n| Paris | **50 %**<br>hausse |", "Ville, Part\nParis, 50 % hausse"),
        ("| Ville | Part |\n|---|---|\n| Paris | un<br/>deux<BR />3 |", "Ville, Part\nParis, un deux 3"),
        ("Le maire de Paris<br>et celui de Lyon", "Le maire de Paris et celui de Lyon"),
        ('Un <b>mot</b> en <span class="x">gras</span>', "Un mot en gras"),
        # A block's tags are a space too, as a browser shows them: they glued "troisquatre".
        ("<p>trois</p><p>quatre</p>", "trois quatre"),
        ("<table><tr><th>Région</th><th>Part</th></tr><tr><td>Occitanie</td><td>20 %</td></tr></table>",
         "Région Part Occitanie 20 %"),
        ('Un<div class="note">deux</div>trois<LI>quatre', "Un deux trois quatre"),
        ("Des <b>mot</b>s <em>en</em>core", "Des mots encore"),  # an inline tag: nothing
    ],
)  # fmt: skip
def test_a_markdown_line_break_tag_is_a_space(markdown: str, plain: str) -> None:
    """<br> is how GFM breaks a line inside a table cell: dropped, it glued two words."""
    assert strip_markdown(markdown) == plain


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("| Poste | Part |\n|---|---|\n| R&amp;D | 5 &lt; 6 |", "Poste, Part\nR&D, 5 < 6"),
        ("L&#39;&eacute;t&eacute; &amp; l&#x2019;hiver", "L'été & l’hiver"),
        # no entity: no ";", an unknown name, an escaped "&", a code span, a character that
        # an entity gives is never markup
        ("?a=1&para=2 AT&T &foo; \\&amp; `&amp;`", "?a=1&para=2 AT&T &foo; &amp; &amp;"),
        ("&#42;pas en italique&#42;", "*pas en italique*"),
    ],
)
def test_markdown_entities_are_their_characters(markdown: str, plain: str) -> None:
    """CommonMark reads "&amp;" as "&": a table exported from a page holds "R&amp;D"."""
    assert strip_markdown(markdown) == plain


def test_markdown_time_stamp_in_emphasis_is_the_date() -> None:
    markdown = "# Grève à la SNCF\n\n*Publié le 17 juin 2024 à 16h01*\n\n" + BODY_FR
    cleaned = clean_text(strip_markdown(markdown))
    assert (cleaned.title, cleaned.date, cleaned.body) == ("Grève à la SNCF", "2024-06-17T16:01", BODY_FR)
    assert [(r.kind, r.text) for r in cleaned.removed] == [
        ("title", "Grève à la SNCF"),
        (TIMESTAMP, "Publié le 17 juin 2024 à 16h01"),
    ]


# A table's rows are short lines, shaped like a list of headlines: they stay body wherever the
# table stands, and the furniture around the table still goes.
TABLE_MD = "| Poste | Montant |\n|---|---|\n| Écoles | 12 M€ |\n| Voirie | 8 M€ |\n| Culture | 3 M€ |"
TABLE_ROWS = "Poste, Montant\nÉcoles, 12 M€\nVoirie, 8 M€\nCulture, 3 M€"
TABLE_BARE = "Poste | Montant\n:-- | --:\nÉcoles | 12 M€\nVoirie | 8 M€\nCulture | 3 M€"
HEADLINE = "Le budget municipal adopté"


@pytest.mark.parametrize(
    ("markdown", "title", "body", "removed"),
    [
        # at the start, after a logo (a line that goes: the rows' numbers must follow)
        ("![logo](logo.png)\n\n" + TABLE_MD + "\n\n" + BODY_FR, None, TABLE_ROWS + "\n\n" + BODY_FR, []),
        # at the end, after the body and a photo
        (
            f"# {HEADLINE}\n\n{BODY_FR}\n\n![photo](photo.jpg)\n\n{TABLE_MD}",
            HEADLINE,
            BODY_FR + "\n\n" + TABLE_ROWS,
            [(1, "title", HEADLINE)],
        ),
        # alone after a headline: the table is the body, the headline still the title
        (f"# {HEADLINE}\n\n{TABLE_MD}", HEADLINE, TABLE_ROWS, [(1, "title", HEADLINE)]),
        # furniture after the table still goes
        (
            f"# {HEADLINE}\n\n{BODY_FR}\n\n{TABLE_MD}\n\nPartager sur Facebook\n\nLire aussi :\n"
            "- Le maire inaugure la nouvelle médiathèque\n- Les travaux du tramway prennent du retard\n",
            HEADLINE,
            BODY_FR + "\n\n" + TABLE_ROWS,
            [
                (1, "title", HEADLINE),
                (11, "share", "Partager sur Facebook"),
                (13, "read_also", "Lire aussi :"),
                (14, RELATED, "Le maire inaugure la nouvelle médiathèque"),
                (15, RELATED, "Les travaux du tramway prennent du retard"),
            ],
        ),
        # the same table without its outer pipes, at the start and at the end
        ("![logo](logo.png)\n\n" + TABLE_BARE + "\n\n" + BODY_FR, None, TABLE_ROWS + "\n\n" + BODY_FR, []),
        (
            f"# {HEADLINE}\n\n{BODY_FR}\n\n![photo](photo.jpg)\n\n{TABLE_BARE}",
            HEADLINE,
            BODY_FR + "\n\n" + TABLE_ROWS,
            [(1, "title", HEADLINE)],
        ),
        # right under the body's last line, no blank line between: the table still ends it
        (
            f"# {HEADLINE}\n\n{BODY_FR}\n{TABLE_BARE}",
            HEADLINE,
            BODY_FR + "\n" + TABLE_ROWS,
            [(1, "title", HEADLINE)],
        ),
    ],
    ids=["start", "end", "alone", "furniture_after", "bare_start", "bare_end", "bare_after_paragraph_line"],
)
def test_markdown_table_rows_are_body_wherever_the_table_stands(
    markdown: str, title: str | None, body: str, removed: list[tuple[int, str, str]]
) -> None:
    # Through the pipeline's step, as a .md file's article goes.
    cleaned = clean_article(Article("a", "a.md", markdown, markdown=True), keep_boilerplate=False)
    assert (cleaned.title, cleaned.body) == (title, body)
    assert [(r.line_no, r.kind, r.text) for r in cleaned.removed] == removed


# A front matter as the common generators write one: its title and date are the article's.
JEKYLL = """---
layout: post
title: "Grève à la SNCF : le trafic reprend"  # the article's own
date: 2024-06-17 16:01:00 +0200
categories: [social, transports]
author:
  name: Jean Dupont
  title: Rédacteur en chef
published: true
---

# Grève

"""
HUGO = """+++
title = 'Grève à la SNCF : le trafic reprend'
date = 2024-06-17T16:01:00+02:00
draft = false
tags = ['social']
[params]
  author = 'Jean Dupont'
+++

"""


@pytest.mark.parametrize(
    ("front", "title", "date"),
    [
        (JEKYLL, "Grève à la SNCF : le trafic reprend", "2024-06-17T16:01+02:00"),
        (HUGO, "Grève à la SNCF : le trafic reprend", "2024-06-17T16:01+02:00"),
        # BOM and blank lines before it; quotes: YAML's '' and its double-quoted escapes
        ("\ufeff\n\n---\ntitle: 'L''État : « on tient »'\n---\n", "L'État : « on tient »", None),
        ('---\ntitle: "Paris : \\"non\\" \\u00e0 la gr\\xe8ve"\n---\n', 'Paris : "non" à la grève', None),
        # unquoted colons (YAML refuses them, but they can only be the title), a value over lines
        ("---\ntitle: Paris: la grève\n  continue\n---\n", "Paris: la grève continue", None),
        # the keys of a page's date, in Hugo's order: Astro's pubDate, Obsidian's published
        ("---\ntitle: Grève\npubDate: June 17, 2024\n---\n", "Grève", "2024-06-17"),
        ("---\npublished: 2024-06-17T14:01:00Z\ntitle: Grève\n---\n", "Grève", "2024-06-17T14:01Z"),
        ("---\nPublishDate: 2024-06-17\nDate: 2024-06-18\n---\n", None, "2024-06-18"),  # any case
        # Jekyll's "published: false" is a flag, not a date; lastmod is no publication date
        ("---\ntitle: Grève\npublished: false\nlastmod: 2024-06-18\n---\n", "Grève", None),
    ],
    ids=["jekyll", "hugo-toml", "single-quotes", "double-quote-escapes", "plain-colons", "astro-pubdate",
         "obsidian-published", "key-case", "published-flag"],
)  # fmt: skip
def test_a_front_matters_title_and_date_are_the_articles(
    front: str, title: str | None, date: str | None
) -> None:
    # They were thrown away with it: the title was a heading's or none, and the date the text's.
    cleaned = clean_article(Article("a", "a.md", front + BODY_FR, markdown=True), keep_boilerplate=False)
    assert (cleaned.title, cleaned.date, cleaned.unread_date) == (title, date, None)
    assert cleaned.body == BODY_FR  # the front matter and the heading under it are no body


@pytest.mark.parametrize(
    ("front", "title"),
    [
        ("---\ndate: 2024-06-17\n---\n\n# Grève à la SNCF\n\n", "Grève à la SNCF"),  # no title key
        ("---\ntags:\n  - social\n  - sncf\n---\n\n# Grève à la SNCF\n\n", "Grève à la SNCF"),  # only tags
        # a folded title is left out, rather than read wrong; a map's "title" is not the article's
        ("---\ntitle: >\n  Grève à la SNCF,\n  le trafic reprend\ndate: 2024-06-17\n---\n\n", None),
        ("---\nseo:\n  title: Grève à la SNCF | Le Journal\ndate: 2024-06-17\n---\n\n", None),
        ("---\ntitle: [Grève, SNCF]\ndate: 2024-06-17\n---\n\n", None),
        ("---\ntitle: ''\ndate: 2024-06-17  # yes\n---\n\n# Grève à la SNCF\n\n", "Grève à la SNCF"),
    ],
    ids=["no-title-key", "only-tags", "folded-title", "nested-title", "list-title", "empty-title"],
)
def test_a_front_matter_without_a_plain_title_leaves_the_text_its_own(front: str, title: str | None) -> None:
    # A folded title, a ">" block, made no front matter at all: its lines were the body.
    cleaned = clean_article(Article("a", "a.md", front + BODY_FR, markdown=True), keep_boilerplate=False)
    assert (cleaned.title, cleaned.body) == (title, BODY_FR)
    assert cleaned.date == ("2024-06-17" if "date:" in front else None)
    assert cleaned.unread_date is None


def test_a_front_matters_unreadable_date_is_told_and_the_texts_is_kept() -> None:
    stamped = "Publié le 17/06/2024 à 16h01\n\n" + BODY_FR
    for front, unread in [
        ("---\ntitle: Grève\ndate: hier soir\n---\n\n", "hier soir"),
        ("---\ntitle: Grève\ndate: {{ .Date }}\n---\n\n", None),  # no YAML value: not read
        ("+++\ntitle = 'Grève'\ndate = 16:01:00\n+++\n\n", "16:01:00"),  # a TOML time, no day
    ]:
        cleaned = clean_markdown(front + stamped)
        assert (cleaned.title, cleaned.date, cleaned.unread_date) == ("Grève", "2024-06-17T16:01", unread)
        assert cleaned.body == BODY_FR


def test_a_front_matter_is_only_one_at_the_start_of_a_markdown_text() -> None:
    # After text, "---" is a rule and its lines are text; in plain text (a .txt file, which is
    # never Markdown unless --input-format says so) nothing of it is metadata.
    later = "Le texte commence ici.\n\n---\ntitle: Grève\ndate: 2024-06-17\n---\n\n" + BODY_FR
    cleaned = clean_markdown(later)
    assert (cleaned.title, cleaned.date) == (None, None)
    assert "title: Grève" in cleaned.body
    front = "---\ntitle: Grève\ndate: 2024-06-17\n---\n\n" + BODY_FR
    plain = clean_article(Article("a", "a.txt", front), keep_boilerplate=False)
    assert (plain.title, plain.date) != ("Grève", "2024-06-17")
    # A "+++" block that is no TOML is text; one that is goes, as a YAML one does.
    assert clean_markdown("+++\nGrève à la SNCF\n+++\n\n" + BODY_FR).body.startswith("+++")
    assert strip_markdown("+++\ntitle = 'Grève'\n+++\n\n" + BODY_FR) == BODY_FR
    assert looks_like_markdown("+++\ntitle = 'Grève'\ndate = 2024-06-17\n+++\n\n" + BODY_FR)


def test_a_front_matters_web_address_is_the_articles_url() -> None:
    # As Obsidian's Web Clipper writes a clipped article: its "source" is the page's address.
    clipped = (
        '---\ntitle: "Grève à la SNCF"\nsource: "https://www.example.fr/societe/greve-sncf"\n'
        'author:\n  - "[[Jean Dupont]]"\npublished: 2024-06-17\ncreated: 2024-06-18\n'
        "tags:\n  - clippings\n---\n\n"
    )
    cleaned = clean_markdown(clipped + BODY_FR)
    assert (cleaned.title, cleaned.url, cleaned.date) == (
        "Grève à la SNCF",
        "https://www.example.fr/societe/greve-sncf",
        "2024-06-17",
    )
    # Hugo's "url" is the page's path, and a "source" may be an agency: no address.
    for front in ("---\nurl: /2024/06/greve/\n---\n\n", "---\nsource: AFP\n---\n\n"):
        assert clean_markdown(front + BODY_FR).url is None


def test_a_toml_front_matter_nested_thousands_deep_is_text() -> None:
    # tomllib reads nested lists by recursion: RecursionError crashed the run, not just the article.
    text = "+++\nrubriques = " + "[" * 5_000 + "]" * 5_000 + "\n+++\n\n" + BODY_FR
    assert clean_markdown(text).body.endswith(BODY_FR) and not looks_like_markdown(text)


def test_a_front_matter_counts_with_keep_boilerplate_too() -> None:
    # What the input says of itself is no furniture: a page's metadata counts there too.
    text = "---\ntitle: Grève à la SNCF\ndate: 2024-06-17\n---\n\n" + BODY_FR
    cleaned = clean_article(Article("a", "a.md", text, markdown=True), keep_boilerplate=True)
    assert (cleaned.title, cleaned.date, cleaned.body) == ("Grève à la SNCF", "2024-06-17", BODY_FR)


HEADLINES = ["Le maire inaugure la médiathèque", "Le tramway prend du retard", "Rennes gagne à Lyon"]


def test_an_html_pages_table_of_links_still_goes() -> None:
    # A page's <table> is often layout or a list of links, which trafilatura keeps as a table:
    # its rows are not protected as a Markdown table's are unless it reads as data (below).
    links = "".join(f"<tr><td><a href='/{i}'>{text}</a></td></tr>" for i, text in enumerate(HEADLINES))
    article = f"<h1>{HEADLINE}</h1><p>{BODY_FR}</p><table>{links}</table>"
    page = f"<html><body><article>{article}</article></body></html>"
    cleaned = extract_html(page)
    assert (cleaned.title, cleaned.body) == (HEADLINE, BODY_FR.replace("\n", " "))
    assert [(r.kind, r.text) for r in cleaned.removed] == [("title", HEADLINE)] + [
        (RELATED, h) for h in HEADLINES
    ]


# A news page's data table (results by candidate, a budget by line) is article content: its rows
# stay body wherever the table stands, while a table of links or a layout table still goes.
PARAGRAPHS = [line.replace("\n", " ") for line in BODY_FR.split("\n")]
RESULTS = [
    ("Marie Dupont", "12 480", "41,2"),
    ("Jean Martin", "9 310", "30,7"),
    ("Paul Roux", "3 390", "11,2"),
]
RESULTS_HTML = (
    "<table><thead><tr><th>Candidat</th><th>Voix</th><th>%</th></tr></thead><tbody>"
    + "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td></tr>" for a, b, c in RESULTS)
    + "</tbody></table>"
)
# Its rows as a Markdown table's: cells joined by ", ".
RESULTS_ROWS = "Candidat, Voix, %\n" + "\n".join(", ".join(row) for row in RESULTS)
BUDGET_HTML = (
    "<table>"
    + "".join(
        f"<tr><td>{a}</td><td>{b}</td></tr>"
        for a, b in [("Écoles", "12 M€"), ("Voirie", "8 M€"), ("Culture", "3 M€")]
    )
    + "</table>"
)


def _article_page(*blocks: str) -> str:
    article = f"<article><h1>{HEADLINE}</h1>{''.join(blocks)}</article>"
    return f"<html><body><nav><a href='/'>Accueil</a></nav>{article}</body></html>"


@pytest.mark.parametrize(
    ("blocks", "body"),
    [
        # after the last paragraph, where results and budgets usually stand
        ([f"<p>{PARAGRAPHS[0]}</p>", f"<p>{PARAGRAPHS[1]}</p>", RESULTS_HTML], [*PARAGRAPHS, RESULTS_ROWS]),
        # right under the headline, before the text
        ([RESULTS_HTML, f"<p>{PARAGRAPHS[0]}</p>", f"<p>{PARAGRAPHS[1]}</p>"], [RESULTS_ROWS, *PARAGRAPHS]),
        # between two paragraphs
        (
            [f"<p>{PARAGRAPHS[0]}</p>", RESULTS_HTML, f"<p>{PARAGRAPHS[1]}</p>"],
            [PARAGRAPHS[0], RESULTS_ROWS, PARAGRAPHS[1]],
        ),
        # no <th>: most rows hold a figure beside a label
        (
            [f"<p>{PARAGRAPHS[0]}</p>", f"<p>{PARAGRAPHS[1]}</p>", BUDGET_HTML],
            [*PARAGRAPHS, "Écoles, 12 M€\nVoirie, 8 M€\nCulture, 3 M€"],
        ),
    ],
    ids=["end", "start", "middle", "figures_without_th"],
)
def test_an_html_pages_data_table_stays_in_the_body(blocks: list[str], body: list[str]) -> None:
    cleaned = extract_html(_article_page(*blocks))
    assert (cleaned.title, cleaned.body) == (HEADLINE, "\n\n".join(body))
    assert [(r.kind, r.text) for r in cleaned.removed] == [("navigation", "Accueil"), ("title", HEADLINE)]


def test_a_data_rows_lines_all_stay_and_furniture_after_the_table_goes() -> None:
    # trafilatura makes a <br> in a cell a paragraph: the row spans lines, and every one of them
    # is the row's; the three rows after it keep their numbers (misnumbered, they would go).
    later = [("Jean Martin", "9 310"), ("Paul Roux", "3 390"), ("Luc Petit", "1 020")]
    rows = "".join(f"<tr><td>{name}</td><td>{votes}</td></tr>" for name, votes in later)
    first = "<tr><td>Marie Dupont<br>(DVG)</td><td>12 480</td></tr>"
    table = f"<table><tr><th>Candidat</th><th>Voix</th></tr>{first}{rows}</table>"
    paragraphs = [f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS]
    cleaned = extract_html(_article_page(*paragraphs, table, "<p>Partager sur Facebook</p>"))
    table_text = "Candidat, Voix\nMarie Dupont\n\n(DVG)\n\n12 480\n" + "\n".join(", ".join(r) for r in later)
    assert cleaned.body == "\n\n".join([*PARAGRAPHS, table_text])
    assert [(r.kind, r.text) for r in cleaned.removed][-1] == ("share", "Partager sur Facebook")


def test_an_html_pages_data_rows_are_joined_as_a_markdown_tables() -> None:
    """A page's data table and the same table in Markdown give the same rows: cells joined by
    ", " (by spaces, "Marie Dupont 12 480 41,2" ran into one phrase), none after a cell that
    ends with a mark of its own, nothing for an empty cell."""
    rows = [("Pos.", "Candidat", "Voix"), ("1", "Marie Dupont", "12 480"), ("Total :", "", "21 790")]
    html = "<table>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    markdown = "\n".join(["| " + " | ".join(row) + " |" for row in rows[:1]] + ["|---|---|---|"])
    markdown += "\n" + "\n".join("| " + " | ".join(row) + " |" for row in rows[1:])
    cleaned = extract_html(_article_page(f"<p>{PARAGRAPHS[0]}</p>", html + "</table>"))
    expected = "Pos. Candidat, Voix\n1, Marie Dupont, 12 480\nTotal : 21 790"
    assert strip_markdown(markdown) == expected
    assert cleaned.body == "\n\n".join([PARAGRAPHS[0], expected])
    # The rows, joined otherwise than the page's visible text writes them, are not "removed".
    assert [(r.kind, r.text) for r in cleaned.removed] == [("navigation", "Accueil"), ("title", HEADLINE)]


def test_an_html_pages_table_of_links_under_a_header_still_goes() -> None:
    # A <th> makes no data table of headline links: the page's cells are mostly link text.
    links = "".join(f"<tr><td><a href='/{i}'>{text}</a></td></tr>" for i, text in enumerate(HEADLINES))
    table = f"<table><tr><th>Les plus lus</th></tr>{links}</table>"
    cleaned = extract_html(_article_page(f"<p>{PARAGRAPHS[0]}</p>", f"<p>{PARAGRAPHS[1]}</p>", table))
    assert (cleaned.title, cleaned.body) == (HEADLINE, "\n\n".join(PARAGRAPHS))
    assert [r.text for r in cleaned.removed if r.kind == RELATED] == ["Les plus lus", *HEADLINES]


ARTICLE_HTML = f"<h1>{HEADLINE}</h1><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p>"


@pytest.mark.parametrize(
    "rows",
    [
        # its menu in <th> cells of links, its footer a row of links
        [
            "".join(f"<th><a href='/{name}'>{name}</a></th>" for name in ("Accueil", "Politique", "Sport")),
            f"<td colspan='3'>{ARTICLE_HTML}</td>",
            "<td><a href='/p'>Partager</a></td><td><a href='/m'>Mentions légales</a></td><td>© 2024</td>",
        ],
        # no links: a masthead <th>, figures beside the article, a copyright footer
        [
            "<th colspan='2'>Le Quotidien de Quimper</th>",
            f"<td>Météo 18 °C<br>CAC 40 +0,4 %</td><td>{ARTICLE_HTML}</td>",
            "<td colspan='2'>© 2024 Le Quotidien de Quimper. Tous droits réservés.</td>",
        ],
    ],
    ids=["menu_of_links", "masthead_and_figures"],
)
def test_an_html_pages_layout_table_still_goes(rows: list[str]) -> None:
    # An old page laid out in a table: trafilatura returns the table whole, the article in one
    # of its cells, so its other rows are no data whatever header cells or figures they hold.
    page = "<html><body><table>" + "".join(f"<tr>{row}</tr>" for row in rows) + "</table></body></html>"
    cleaned = extract_html(page)
    assert (cleaned.title, cleaned.body) == (HEADLINE, "\n\n".join(PARAGRAPHS))
    assert all(word not in cleaned.body for word in ("Accueil", "Quimper", "Météo", "Mentions légales"))


# --- Markdown recognised by its content (stdin, a suffix-less file) ----------------------------
LINK = "Selon [le ministère](https://www.ecologie.gouv.fr/logement), le texte sera voté en juin."


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        # Markdown: signs of several kinds
        ("# Le plan vélo\n\nLa ville **double** ses pistes cyclables.\n", True),
        (LINK + "\n\nUne mesure *attendue* par les bailleurs.\n\n" + BODY_FR, True),
        (LINK + "\n\n- cent mille logements ;\n- des aides.\n", True),
        ("# Grève à la SNCF\n\n![Un train à quai](/img/train.jpg)\n\n" + BODY_FR, True),
        ("---\ntitle: Grève à la SNCF\ndate: 2024-06-17\n---\n\n" + BODY_FR, True),  # Hugo, Jekyll
        ("---\nlayout: post\ntags: [social]\n---\n\n" + LINK, True),
        ("## Les chiffres\n\n```\nregion,taux\nBretagne,6.1\n```\n\n" + BODY_FR, True),
        ("Voir [le rapport][1] publié hier.\n\n[1]: https://example.com/rapport\n", True),
        ("## Résultats\n\n| Candidat | Voix |\n|---|---|\n| A. Martin | 42 % |\n", True),
        ("## La BCE maintient ses taux\n\n> « L'inflation recule »\n\nUne **baisse** en septembre.\n", True),
        ("Grève à la SNCF\n===============\n\n" + LINK, True),
        # A table alone: a "|" header, then a rule row of as many cells, which plain text never writes
        ("Résultats du second tour :\n\n| Candidat | Voix |\n|---|---|\n| A. Martin | 42 % |\n", True),
        ("Candidat | Voix\n:--- | ---:\nA. Martin | 42 %\n\n" + BODY_FR, True),
        ("Candidat | Voix\n-|-\nA. Martin | 42 %\n\n" + BODY_FR, True),  # one "-" a cell is enough
        ("| Candidat |\n|:---:|\n| A. Martin |\n\n" + BODY_FR, True),  # one column, between pipes
        (BODY_FR + "\n| Candidat | Voix |\n| --- | --- |\n| A. Martin | 42 % |\n", True),  # after a line
        # in a quote or a list item, as strip_markdown reads one there
        ("Le bilan :\n\n> | Candidat | Voix |\n> | --- | --- |\n> | A. Martin | 42 % |\n\n" + BODY_FR, True),
        ("1. | Candidat | Voix |\n   | --- | --- |\n   | A. Martin | 42 % |\n\n" + BODY_FR, True),
        # Plain text: the signs of one kind, or only the weak ones plain text writes too
        ("#1 des ventes en France, le roman de l'été.\n#2 : un essai sur l'IA.\n\n" + BODY_FR, False),
        ("C# is the language of the new ticketing system.\n\n- faster\n- cheaper\n", False),
        ("Les JO en images #Paris2024 #JO2024\n\n" + BODY_FR + "\n\n#Paris2024", False),
        ("Abonnement à 1 € par mois*\n\n*conditions apply\n\n" + BODY_FR, False),
        ("Le plan prévoit :\n\n- cent mille logements ;\n- des aides ;\n- un fonds.\n\n" + BODY_FR, False),
        (BODY_FR + " [1]\n\n[1] Rapport de la Cour des comptes, https://www.ccomptes.fr/\n", False),
        ("# Communiqué\n\nLe plan prévoit :\n\n- cent mille logements ;\n- des aides.\n", False),
        (
            "Titre du jour\n=============\n\n> Le maire a dit oui.\n\n- un point\n- un autre\n\n"
            "Un projet *attendu* par tous.\n",
            False,
        ),  # only weak signs, as plain text (an e-mail) writes them: underlined title, quote, list
        ("Lire l'article : " + LINK + "\n\n" + BODY_FR, False),  # one link, nothing else
        ("Le fichier :\n\n```\nregion,taux\n```\n\n" + BODY_FR, False),  # one code block
        ("# make check\n# make install\n\n- Linux\n- BSD\n\nThe __init__ file is `setup.py`.\n", False),
        ("Le prix : 5 * 3 = 15, et 2*3*4 = 24 ; le fichier snake_case_name.txt.\n\n" + BODY_FR, False),
        # A plain-text table: its header has no "|" (turtle.py's docstrings), or not as many cells
        ("Mode      Cap initial\n----------|-----------\nstandard  | à droite\n\n" + BODY_FR, False),
        ("Ville | Taux\n---|---|---\nParis | 6,1\n\n" + BODY_FR, False),
        ("> Ville | Taux\n> ---|---|---\n> Paris | 6,1\n\n" + BODY_FR, False),
        # A setext heading or a horizontal rule under a line holding "|": no table
        ("Grève | SNCF\n------------\n\n" + BODY_FR, False),
        ("Paris | Lyon | Marseille\n\n---\n\n" + BODY_FR, False),
        ("", False),
    ],
    ids=[
        "heading+bold", "link+emphasis", "link+list", "heading+image", "front-matter-title",
        "front-matter+link", "heading+fence", "reference-links", "heading+table", "heading+quote+bold",
        "setext+link", "table-alone", "table-no-outer-bars", "table-one-dash", "table-one-column",
        "table-after-paragraph-line", "table-in-a-quote", "table-in-a-list-item", "numbered-hash",
        "c-sharp", "hashtags",
        "asterisk-note", "dash-list", "footnote", "one-heading+list", "weak-signs-only", "one-link",
        "one-fence", "shell-comments", "arithmetic", "plain-table", "table-of-other-cells",
        "quoted-table-of-other-cells",
        "setext-with-bar", "rule-under-bars", "empty",
    ],
)  # fmt: skip
def test_markdown_is_recognised_by_its_content(text: str, markdown: bool) -> None:
    assert looks_like_markdown(text) is markdown


def test_no_plain_text_fixture_is_taken_for_markdown() -> None:
    # Every plain-text article of the project, as stored and (annotated pages) as the input they
    # encode: none may lose its asterisks and # to a Markdown reading.
    files = sorted((ROOT / "tests" / "data").rglob("*.txt")) + [SEED]
    texts = [(f.name, f.read_text(encoding="utf-8")) for f in files]
    texts += [(f"{page.name} (its input)", parse_annotated(page).text) for page in TEXT_PAGES]
    assert len(texts) >= 40
    assert [name for name, text in texts if looks_like_markdown(text)] == []


def test_markdown_is_judged_on_the_start_of_the_text() -> None:
    # A large stdin is judged on its first 100,000 characters, as looks_like_html judges a page.
    markdown = "# Le plan vélo\n\nLa ville **double** ses pistes cyclables.\n"
    assert looks_like_markdown(markdown + "Il pleut.\n" * 20_000)
    assert not looks_like_markdown("Il pleut.\n" * 10_000 + markdown)


@pytest.mark.parametrize(
    "text",
    ["[" * 200_000, "*a" * 100_000, "_a " * 70_000, "`" * 200_000, "|-" * 100_000, "#" * 200_000,
     "![" + "a" * 200_000, "[a](" * 50_000, "**a " * 50_000],
    ids=["brackets", "stars", "underscores", "backticks", "table", "hashes", "image", "links", "strong"],
)  # fmt: skip
def test_markdown_sniffing_of_hostile_text_finishes(text: str) -> None:
    # Every sign's pattern is bounded: a hang (quadratic backtracking) is the failure here.
    done: list[bool] = []
    worker = threading.Thread(target=lambda: done.append(looks_like_markdown(text)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert done


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!DOCTYPE html><html><body><p>x</p></body></html>", True),
        ("  <html lang='fr'>", True),
        ("<div><p>Un</p><p>Deux</p></div>", True),
        ("Le code <p> ouvre un paragraphe en HTML.", False),
        ("a < b et c > d", False),
        ("Texte simple.", False),
    ],
)
def test_looks_like_html(text: str, expected: bool) -> None:
    assert looks_like_html(text) is expected


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
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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


MARKDOWN_BITS = "# |## |*|**|_|__|~~|`|```|~~~|> |- |1. |[|](|)|![|<!--|-->|---|\\|[^1]|]: |mot| ".split("|")
MARKDOWN_BITS += ["\n", "\n\n"]
markdown_texts = st.one_of(st.text(), st.lists(st.sampled_from(MARKDOWN_BITS), max_size=40).map("".join))


@PROPERTY
@given(markdown_texts)
def test_strip_markdown_never_crashes_and_gives_normalised_text(text: str) -> None:
    stripped = strip_markdown(text)
    assert normalize_text(stripped) == stripped
    clean_text(stripped)  # never crashes either


TABLE_BIT = "| Ville | Part |\n|---|---|\n| Paris | 50 % |"
TABLE_BITS = [
    TABLE_BIT,
    "Ville | Part\n--- | ---\nParis | 50 %",
    "|---|---|",
    "![logo](logo.png)",
    "<!-- pub -->",
    "***",
    "# Grève à la SNCF",
    "Partager sur Facebook",
    "Lire aussi :",
    "Le maire inaugure la nouvelle médiathèque",
    BODY_FR,
    "",
]


@PROPERTY
@given(st.lists(st.sampled_from(TABLE_BITS), max_size=10).map("\n".join))
@example("Lire aussi :\n\n|---|---|\n\n" + TABLE_BIT)  # a blank run where a lone rule row went
@example("Lire aussi :\n" + TABLE_BIT + "\n" + TABLE_BIT)  # a second header row is a row of the first
def test_every_markdown_table_row_stays_in_the_body(markdown: str) -> None:
    # Lines that go (an image, a comment, a rule, blank runs) before or between the rows must
    # not shift which lines the cleaner holds for rows; a table's rule row never stays.
    cleaned = clean_article(Article("a", "a.md", markdown, markdown=True), keep_boilerplate=False)
    rows = markdown.count("Paris | 50 %")
    assert cleaned.body.split("\n").count("Paris, 50 %") == rows
    assert cleaned.title not in ("Paris, 50 %", "Ville, Part")
    assert "---" not in cleaned.body


# --- HTML dates: only a date the page states ---------------------------------------------------
_DATE_BODY = (
    "<p>La ville veut doubler le nombre de pistes cyclables sur son territoire, selon le maire, "
    "qui a présenté son plan mardi devant le conseil municipal réuni en séance plénière.</p>"
    "<p>Les associations saluent une avancée mais demandent des garanties sur le financement et "
    "le calendrier des travaux prévus dans les quartiers du nord de la ville.</p>"
)


def _dated_page(head: str = "", header: str = "", body: str = _DATE_BODY) -> str:
    return (
        f"<!DOCTYPE html><html><head><title>Le plan vélo</title>{head}</head><body>"
        "<nav><a href='/'>Accueil</a></nav>"
        f"<article><header><h1>Le plan vélo</h1>{header}</header>{body}</article></body></html>"
    )


_JSON_LD = (
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
    '"headline": "Le plan vélo", "datePublished": "2021-06-15T08:30:00+02:00"}</script>'
)


@pytest.mark.parametrize("keep_boilerplate", [False, True], ids=["extract", "keep"])
@pytest.mark.parametrize(
    ("html", "date"),
    [
        pytest.param(_dated_page(), None, id="no-date-anywhere"),
        pytest.param(
            _dated_page(body=_DATE_BODY.replace("sur son territoire", "d'ici la fin de 2022")),
            None,
            id="year-only-in-body-text",
        ),
        pytest.param(
            "<html><head><script src='/app.js?v=1995'></script>"
            "<script>window.cfg = {build: '1995'};</script></head>"
            "<body><script>document.write('1995')</script></body></html>",
            None,
            id="scripts-only",
        ),
        pytest.param(
            _dated_page(head='<meta property="article:published_time" content="2024-03-05T10:00:00Z">'),
            "2024-03-05T10:00Z",  # as the same stamp in a text or a JSON Lines line gives it
            id="meta-published-time",
        ),
        pytest.param(
            _dated_page(head='<meta property="article:published_time" content="2024-06-17T16:01:00+02:00">'),
            "2024-06-17T16:01+02:00",
            id="meta-published-time-offset",
        ),
        pytest.param(
            _dated_page(header='<time datetime="2023-11-02">2 novembre 2023</time>'),
            "2023-11-02",
            id="time-datetime-in-header",
        ),
        pytest.param(_dated_page(head=_JSON_LD), "2021-06-15T08:30+02:00", id="json-ld-date-published"),
        pytest.param(
            _dated_page(head='<link rel="canonical" href="https://example.org/2020/07/14/plan-velo">'),
            "2020-07-14",
            id="date-in-url",
        ),
        pytest.param(
            _dated_page(header='<p class="byline">Par Marie Dupont, publié le 12 janvier 2024</p>'),
            "2024-01-12",
            id="dated-byline",
        ),
    ],
)
def test_html_date_is_only_a_date_the_page_states(
    html: str, date: str | None, keep_boilerplate: bool
) -> None:
    # trafilatura's default (htmldate's extensive search) guessed 2022-01-01 from "fin de 2022"
    # and 1995-01-01 from the scripts.
    cleaned = extract_html(html, keep_boilerplate=keep_boilerplate)
    assert cleaned.date == date


def _ld(data: str) -> str:
    return f'<script type="application/ld+json">{data}</script>'


_MODIFIED_META = '<meta property="article:modified_time" content="2024-06-18T09:30:00+02:00">'


# The page's own publication-date metadata is read first, through parse_date, so that a stamp
# comes out as it would from a text or a JSON Lines line; the library's date only without one.
@pytest.mark.parametrize("keep_boilerplate", [False, True], ids=["extract", "keep"])
@pytest.mark.parametrize(
    ("head", "header", "date"),
    [
        pytest.param(
            '<meta property="article:published_time" content="2024-06-17T14:01:00Z">',
            "",
            "2024-06-17T14:01Z",  # the library gave +00:00 (htmldate's +0000)
            id="og-published-z",
        ),
        pytest.param(
            '<meta property="article:published_time" content="Mon, 17 Jun 2024 16:01:00 +0200">',
            "",
            "2024-06-17T16:01+02:00",  # the library gave 2024-06-17: time and zone lost
            id="og-published-rfc2822",
        ),
        pytest.param(
            '<meta itemprop="datePublished" content="2024-06-17T14:01:00Z">',
            "",
            "2024-06-17T14:01Z",
            id="itemprop-meta-z",
        ),
        pytest.param(
            "",
            '<time itemprop="datePublished" datetime="2024-06-17T14:01:00Z">17 juin 2024</time>',
            "2024-06-17T14:01Z",
            id="itemprop-time-z",
        ),
        pytest.param(
            _ld(
                '{"@context": "https://schema.org", "@graph": ['
                '{"@type": "WebPage", "datePublished": "2019-01-01T00:00:00Z"}, '
                '{"@type": "NewsArticle", "dateModified": "2024-06-18T09:30:00+02:00", '
                '"datePublished": "2024-06-17T16:01:00+02:00"}]}'
            ),
            "",
            "2024-06-17T16:01+02:00",  # the library took the WebPage's 2019-01-01
            id="json-ld-graph-article-not-webpage",
        ),
        pytest.param(
            _ld(
                '[{"@type": "BreadcrumbList"}, {"@type": ["BlogPosting"], '
                '"datePublished": "2024-06-17T14:01:00Z"}]'
            ),
            "",
            "2024-06-17T14:01Z",
            id="json-ld-list-z",
        ),
        pytest.param(
            '<meta name="date" content="Mon, 17 Jun 2024 16:01:00 +0200">',
            "",
            "2024-06-17T16:01+02:00",  # the library gave 2024-06-17
            id="meta-name-date-rfc2822",
        ),
        pytest.param(
            '<meta name="dc.date" content="2024-06-17T14:01:00Z">',
            "",
            "2024-06-17T14:01Z",
            id="meta-dc-date-z",
        ),
        pytest.param(
            '<meta name="pubdate" content="2024-06-17T14:01:00Z">',
            "",
            "2024-06-17T14:01Z",
            id="meta-pubdate-z",
        ),
        pytest.param(
            _MODIFIED_META + '<meta name="dc.date" content="2024-06-17T14:01:00Z">',
            "",
            "2024-06-17T14:01Z",  # the published date, not the modified one
            id="modified-and-published",
        ),
        pytest.param(
            _MODIFIED_META + '<meta property="article:published_time" content="2024-06-17T16:01:00+02:00">',
            "",
            "2024-06-17T16:01+02:00",
            id="modified-and-og-published",
        ),
        # Never a modified date, nor a copyright year: the library fell back on them (2024-06-18,
        # 2023-01-01) when a page stated no publication date. A date stated elsewhere still is.
        pytest.param(_MODIFIED_META, "", None, id="modified-only"),
        pytest.param(
            '<meta property="og:updated_time" content="2024-06-18T09:30:00+02:00">',
            "",
            None,
            id="og-updated-only",
        ),
        pytest.param('<meta name="last-modified" content="2024-06-18">', "", None, id="last-modified"),
        pytest.param(
            "",
            '<time itemprop="dateModified" datetime="2024-06-18T09:30:00+02:00">18 juin</time>',
            None,
            id="itemprop-modified-only",
        ),
        pytest.param(
            _ld('{"@type": "NewsArticle", "dateModified": "2024-06-18T09:30:00+02:00"}'),
            "",
            None,
            id="json-ld-modified-only",
        ),
        pytest.param('<meta itemprop="copyrightYear" content="2023">', "", None, id="copyright-year"),
        pytest.param(
            _MODIFIED_META,
            '<time datetime="2024-06-05">5 juin 2024</time>',
            "2024-06-05",  # the library took the modified date over it
            id="modified-and-a-time",
        ),
        pytest.param(
            _MODIFIED_META + '<link rel="canonical" href="https://example.org/2024/06/09/plan-velo">',
            "",
            "2024-06-09",
            id="modified-and-a-dated-url",
        ),
        pytest.param(
            '<meta property="article:published_time" content="bientôt">',
            "",
            None,  # no date there, none anywhere else
            id="unreadable-published",
        ),
    ],
)
def test_html_page_date_is_its_published_metadata_as_parse_date_reads_it(
    head: str, header: str, date: str | None, keep_boilerplate: bool
) -> None:
    html = _dated_page(head=head, header=header)
    assert extract_html(html, keep_boilerplate=keep_boilerplate).date == date


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("x" + "`" * 3000, "x" + "`" * 3000),  # an unclosed backtick run
        ("# a" + "\t" * 50_000 + "b", "a b"),  # a heading with a long run of tabs
    ],
    ids=["backticks", "tabs"],
)
def test_markdown_lines_built_to_make_regexes_backtrack_finish(line: str, kept: str) -> None:
    # These took hours (cubic and quadratic backtracking); a hang is the failure here.
    done: list[str] = []
    worker = threading.Thread(target=lambda: done.append(strip_markdown(line)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert done and " ".join(done[0].split()) == kept

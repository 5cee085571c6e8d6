"""Tests of summarize.clean_markdown: Markdown stripped before cleaning, tables, front
matter, and Markdown recognised by its content."""

from __future__ import annotations

import threading

import pytest
from clean_pages import BODY_FR, HEADLINE, PROPERTY, ROOT, SEED, TEXT_PAGES, parse_annotated
from hypothesis import example, given
from hypothesis import strategies as st

from summarize.clean import RELATED, TIMESTAMP, clean_text, normalize_text
from summarize.clean_markdown import clean_markdown, looks_like_markdown, strip_markdown
from summarize.pipeline import clean_article
from summarize.read import Article


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
        # an indented comment under a value is a comment: the value stays (it was left out)
        ("---\ntitle: Grève\n  # à relire\ndate: 2024-06-17\n---\n", "Grève", "2024-06-17"),
        ("---\ntitle: 'Grève'\n  # à relire\n---\n", "Grève", None),
    ],
    ids=["jekyll", "hugo-toml", "single-quotes", "double-quote-escapes", "plain-colons", "astro-pubdate",
         "obsidian-published", "key-case", "published-flag", "comment-under-plain", "comment-under-quoted"],
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
        # a comment where the value would be: YAML's null, not a title "# TODO"
        ("---\ntitle: # TODO\ndate: 2024-06-17\n---\n\n# Grève à la SNCF\n\n", "Grève à la SNCF"),
        # after a comment a value cannot go on (YAML refuses the line): left out, not read wrong
        ("---\ntitle: Grève\n  # à relire\n  à la SNCF\ndate: 2024-06-17\n---\n\n", None),
    ],
    ids=[
        "no-title-key",
        "only-tags",
        "folded-title",
        "nested-title",
        "list-title",
        "empty-title",
        "comment-for-title",
        "value-on-after-comment",
    ],
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


# --- properties -------------------------------------------------------------------------------
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

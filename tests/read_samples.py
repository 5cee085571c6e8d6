"""What the read tests share: texts read in several of them, and reading a text given on stdin.

tests/test_read.py, test_read_decode.py, test_read_inputs.py, test_read_json.py, test_read_kinds.py
and test_read_listing.py mirror summarize/read*.py; the fixtures they share (``fifo``,
``_no_debug``) are in tests/conftest.py.
"""

from __future__ import annotations

from summarize.read import Item, ReadOptions, iter_articles

BAD_FIRST_LINE = '{"id":"x1","text":"Bonjour"\n{"id":"x2","text":"Le président"}\n'

SAVED_PAGE = (
    "\ufeff\n  <!DOCTYPE html><html><head><meta charset='utf-8'><title>Le plan vélo</title></head>"
    "<body><nav><a href='/'>Accueil</a> <a href='/monde'>Monde</a></nav>"
    "<article><h1>Le plan vélo</h1>"
    "<p>La ville veut doubler le nombre de pistes cyclables sur son territoire, selon le maire, "
    "qui a présenté son plan mardi devant le conseil municipal réuni en séance plénière.</p>"
    "<p>Les associations saluent une avancée mais demandent des garanties sur le financement et "
    "le calendrier des travaux prévus dans les quartiers du nord de la ville.</p>"
    "</article><footer>© Le Journal</footer></body></html>\n"
)

RESULT_TEXT = "== a — Titre\n\nRésumé (fr):\nLe conseil a voté.\n\nTranslation (en):\nThe council voted.\n"

SHORT_LINES = ['{"id": "a", "text": "Il pleut."}\n', '{"id": "b", "text": "Il neige."}\n']


def _stdin(data: str) -> list[Item]:
    return list(iter_articles(["-"], ReadOptions(), read_stdin=lambda: data.encode()))

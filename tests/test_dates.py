"""Tests of summarize.dates: parse_date, the date of a stamp as ISO 8601."""

from __future__ import annotations

import pytest

from summarize.dates import parse_date


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

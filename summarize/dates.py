"""Dates as news pages write them, read as ISO 8601 (:func:`parse_date`): a time stamp line's,
a page's metadata's, a JSON line's "date".

Pure: constants only at module level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Month names and abbreviations (those of clean_words.MONTHS) by number, for the forms news
# pages write.
_MONTH_NUMBERS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            "janvier janv jan january enero ene januar jänner gennaio janeiro",
            "février fevrier févr fevr fév fev feb february febrero februar febbraio fevereiro",
            "mars mar march marzo märz março",
            "avril avr apr april abril aprile",
            "mai may mayo maggio maio",
            "juin jun june junio juni giugno junho",
            "juillet juil jul july julio juli luglio julho",
            "août aout aug august agosto ago",
            "septembre sept sep september septiembre setiembre settembre setembro",
            "octobre oct october octubre oktober okt ottobre outubro",
            "novembre nov november noviembre novembro",
            "décembre decembre déc dec december diciembre dic dezember dez dicembre dezembro",
        ),
        start=1,
    )
    for name in names.split()
}
# Longest first, so that "juillet" is not read as "juil" followed by letters.
_MONTH_NAME = "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True))
# 2024-06-17, with the time, seconds and offset of an ISO or RFC 3339 stamp.
_ISO_DATE = re.compile(
    r"(?<![\d.])(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::\d{2}(?:[.,]\d+)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?(?![\d:])",
    re.IGNORECASE,
)
# Mon, 17 Jun 2024 16:01:00 +0200: RFC 2822 (RFC 822 with a four-digit year), as RSS's pubDate
# and mail headers write it. Its zone is part of the stamp, so the time and offset come with the
# date: a numeric offset, or one of the names RFC 2822 defines. A military letter but Z, or a
# name it does not define (CEST, BST, "GMT+2"), or one in lower case ("16:01 est" is French), is
# not matched: the date is then read with its time and no offset, as any other.
_RFC2822_DATE = re.compile(
    r"(?<![\d.])(\d{1,2})\s+((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)\.?\s+"
    r"(\d{4}|\d{2}),?\s+(\d{1,2}):(\d{2})"
    r"(?::\d{2})?\s*([+-]\d{2}:?\d{2}(?![\d:])|(?-i:UTC?|GMT|Z|[ECMP][SD]T)\b(?!\s*[+-]\d))",
    re.IGNORECASE,
)
# RFC 2822's zone names (section 4.3); UT, GMT and Z are UTC, written Z as an ISO stamp's is.
_RFC2822_ZONES = {
    "UT": "Z",
    "UTC": "Z",
    "GMT": "Z",
    "Z": "Z",
    "EDT": "-04:00",
    "EST": "-05:00",
    "CDT": "-05:00",
    "CST": "-06:00",
    "MDT": "-06:00",
    "MST": "-07:00",
    "PDT": "-07:00",
    "PST": "-08:00",
}
# 17/06/2024, 17.06.2024, 17-06-2024, 17/06/24: one separator throughout.
_NUMERIC_DATE = re.compile(r"(?<![\d.,/-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)(?![/.-]\d)")
# 17 juin 2024, 1er juin 2024, 12. März 2024, 4 de abril de 2024, 17 June 2024.
_DAY_MONTH = re.compile(
    rf"(?<![\d.])(\d{{1,2}})(?:er|re|st|nd|rd|th|º|°|\.)?\s+(?:de\s+)?({_MONTH_NAME})\b\.?,?\s+"
    rf"(?:de\s+)?(\d{{4}})(?!\d)",
    re.IGNORECASE,
)
# June 17, 2024, Mar. 5th 2024.
_MONTH_DAY = re.compile(
    rf"\b({_MONTH_NAME})\b\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b,?\s+(\d{{4}})(?!\d)", re.IGNORECASE
)
# 16h01, 16:01, 16 h 01, 4:01 pm, 08.15 Uhr; then 16h, 4 pm ("4 heures" is as often a duration).
_CLOCK = re.compile(
    r"(?<![\d:.,/])(\d{1,2})\s?(?:h|:)\s?(\d{2})(?::\d{2})?(?!\d)(?:\s*([ap])\.?\s?m\b\.?)?|"
    r"(?<![\d:.,/])(\d{1,2})\.(\d{2})\s?uhr\b",
    re.IGNORECASE,
)
_HOUR = re.compile(r"(?<![\d:.,/])(\d{1,2})\s?(?:h|([ap])\.?\s?m\.?)(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class _DateMatch:
    start: int
    end: int
    year: int
    month: int
    day: int
    time: str | None  # "HH:MM" plus any offset, when the date form carries its own time


def _date_matches(text: str) -> list[_DateMatch]:
    """Every date written in ``text``, possible or not, in order."""
    found: list[_DateMatch] = []
    for m in _ISO_DATE.finditer(text):
        time = None
        if m.group(4) is not None:
            hour, minute = int(m.group(4)), int(m.group(5))
            offset = m.group(6) or ""
            if offset and offset.upper() != "Z" and ":" not in offset:
                offset = f"{offset[:3]}:{offset[3:]}"
            time = f"{hour:02d}:{minute:02d}{offset.upper()}" if hour < 24 and minute < 60 else None
        found.append(_DateMatch(*m.span(), int(m.group(1)), int(m.group(2)), int(m.group(3)), time))
    for m in _RFC2822_DATE.finditer(text):
        month = _MONTH_NUMBERS.get(m.group(2).lower())  # Jun, June; not "Junk"
        if month is None:
            continue
        year = int(m.group(3))
        if len(m.group(3)) == 2:  # RFC 822's year, which RSS 2.0 still allows: %y's window
            year += 1900 if year >= 69 else 2000
        hour, minute = int(m.group(4)), int(m.group(5))
        # A numeric zone is written as an ISO stamp's: -0000 (UTC, the local zone unknown) is
        # RFC 3339's -00:00, which says the same.
        zone = m.group(6)
        zone = f"{zone[:3]}:{zone[-2:]}" if zone[0] in "+-" else _RFC2822_ZONES[zone]
        time = f"{hour:02d}:{minute:02d}{zone}" if hour < 24 and minute < 60 else None
        found.append(_DateMatch(*m.span(), year, month, int(m.group(1)), time))
    for m in _NUMERIC_DATE.finditer(text):
        first, second, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if len(m.group(4)) == 2:
            # "17/06/24" is 2024 and "17/06/99" 1999: POSIX's %y window (69-99 last century).
            year += 1900 if year >= 69 else 2000
        # Day first, as written in French and most of the world; 06/17/2024 can only be American.
        day, month = (second, first) if second > 12 >= first else (first, second)
        found.append(_DateMatch(*m.span(), year, month, day, None))
    for m in _DAY_MONTH.finditer(text):
        month = _MONTH_NUMBERS.get(m.group(2).lower())
        if month is None:  # "AVRİL": IGNORECASE matched a letter whose lower case is not ours
            continue
        found.append(_DateMatch(*m.span(), int(m.group(3)), month, int(m.group(1)), None))
    for m in _MONTH_DAY.finditer(text):
        month = _MONTH_NUMBERS.get(m.group(1).lower())
        if month is None:
            continue
        found.append(_DateMatch(*m.span(), int(m.group(3)), month, int(m.group(2)), None))
    found.sort(key=lambda d: (d.start, -d.end))
    # A span inside an earlier one is the same date read by a weaker pattern.
    kept: list[_DateMatch] = []
    for d in found:
        if not kept or d.start >= kept[-1].end:
            kept.append(d)
    return kept


def _clock_time(text: str) -> str | None:
    """The first time of day written in ``text``, as ``HH:MM``."""
    clock = _CLOCK.search(text)
    hour_only = _HOUR.search(text)
    if clock and (not hour_only or clock.start() <= hour_only.start()):
        if clock.group(4) is not None:  # 08.15 Uhr
            hour, minute, meridiem = int(clock.group(4)), int(clock.group(5)), None
        else:
            hour, minute, meridiem = int(clock.group(1)), int(clock.group(2)), clock.group(3)
    elif hour_only:
        hour, minute, meridiem = int(hour_only.group(1)), 0, hour_only.group(2)
    else:
        return None
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem.lower() == "p" else 0)
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


def parse_date(text: str) -> str | None:
    """The first possible date written in ``text`` as ISO 8601, or None.

    Reads the forms news pages use in French, English, Spanish and German: ``17/06/2024``,
    ``17.06.2024``, ``2024-06-17``, ``17 juin 2024``, ``1er juin 2024``, ``June 17, 2024``,
    ``17 June 2024``, and RFC 2822's ``Mon, 17 Jun 2024 16:01:00 +0200`` (RSS). A time of day
    next to it (``16h01``, ``16:01``, ``à 16 h 01``, ``4:01 pm``) gives ``2024-06-17T16:01``, else
    the result is the date alone (``2024-06-17``); seconds are dropped and a time zone is kept
    only when the stamp states it, never guessed: an ISO offset, or an RFC 2822 zone (``+0200``
    gives ``+02:00``, ``GMT``, ``UT`` and ``Z`` give ``Z`` as an ISO ``Z`` does, ``EDT``
    ``-04:00``).
    A date without a year ("17 juin", "il y a 3 heures") or an impossible one (31/02) is None.
    """
    import datetime

    dates = _date_matches(text)
    for index, found in enumerate(dates):
        try:
            datetime.date(found.year, found.month, found.day)
        except ValueError:
            continue
        day = f"{found.year:04d}-{found.month:02d}-{found.day:02d}"
        time = found.time
        if time is None:
            # The time after the date ("le 17/06/2024 à 16h01"), else the one before it
            # ("à 16h01 le 17/06/2024"), never one that belongs to another date of the line.
            after_end = dates[index + 1].start if index + 1 < len(dates) else len(text)
            before_start = dates[index - 1].end if index > 0 else 0
            time = _clock_time(text[found.end : after_end]) or _clock_time(text[before_start : found.start])
        return f"{day}T{time}" if time else day
    return None

"""The progress line on a terminal: phases, counts, rate and time left; and nothing off a terminal.

The renderer is fed events with a fake clock and a StringIO that says it is a terminal; the
command line runs end to end on a pseudo-terminal once, and with a stderr that is not a
terminal.  What the library sends is tested in test_events.py.
"""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarize.cli import _eta_text, _Progress, _rate_text, app
from summarize.events import ArticleDone, Computing, ModelLoaded, ModelLoading

REPO = Path(__file__).resolve().parent.parent
COPY_MODEL = REPO / "tests" / "fixtures" / "copy_model"
ERASE = "\r\x1b[K"


class _Terminal(io.StringIO):
    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _progress(total: int | None = None) -> tuple[_Progress, _Terminal, _Clock]:
    stream, clock = _Terminal(), _Clock()
    return _Progress(stream, total, clock=clock), stream, clock


def _done(n: int, *, computed: bool = True, failed: bool = False) -> list[ArticleDone]:
    status = "error" if failed else "ok"
    return [ArticleDone(f"a{i}", f"a{i}.txt", status, failed, computed) for i in range(n)]


def _last(stream: _Terminal) -> str:
    """The text the terminal shows: what follows the last erase."""
    return stream.getvalue().rsplit(ERASE, 1)[-1]


def test_phases_show_at_once_then_the_counter_comes_back() -> None:
    progress, stream, clock = _progress(total=200)
    progress(
        ModelLoading("translation", "Helsinki-NLP/opus-mt-fr-en", "ctranslate2", "int8", converting=True)
    )
    assert (
        stream.getvalue() == ERASE + "converting Helsinki-NLP/opus-mt-fr-en for CTranslate2 int8 (first use)…"
    )
    clock.now += 30
    progress(ModelLoaded("translation", "Helsinki-NLP/opus-mt-fr-en"))
    assert _last(stream) == "0/200 articles"
    for event in _done(12):
        progress(event)
    progress(ModelLoading("summary", "moussaKam/barthez-orangesum-abstract", "transformers", "float32"))
    # Mid-run, the count stays in front of the phase.
    assert _last(stream) == "12/200 articles; loading moussaKam/barthez-orangesum-abstract…"


def test_counts_rate_and_time_left() -> None:
    progress, stream, clock = _progress(total=200)
    clock.now += 15
    for event in [*_done(11), *_done(1, failed=True)]:
        progress(event)
    progress.tick()
    # 12 articles in 15 s: 0.8/s, 188 left: 235 s, about 4 min.
    assert _last(stream) == "12/200 articles, 1 failed, 0.8/s, about 4 min left"


def test_no_total_no_time_left_and_no_rate_before_a_second() -> None:
    progress, stream, clock = _progress()
    clock.now += 0.5
    progress(_done(1)[0])
    progress.tick()
    assert _last(stream) == "1 article"
    clock.now += 4.5
    for event in _done(9):
        progress(event)
    progress.tick()
    assert _last(stream) == "10 articles, 2.0/s"


def test_cache_hits_do_not_shorten_the_time_left_and_loading_does_not_slow_the_rate() -> None:
    progress, stream, clock = _progress(total=1100)
    clock.now += 1
    for event in _done(1000, computed=False):  # served from the cache, in a second
        progress(event)
    progress.tick()
    assert _last(stream) == "1000/1100 articles, 1000/s, a few seconds left"
    progress(Computing(16))  # model work starts: the rate of cache hits says nothing of it
    assert _last(stream) == "1000/1100 articles"
    progress(ModelLoading("summary", "m", "ctranslate2", "int8", converting=True))
    clock.now += 40  # converting and loading: no article's time
    progress(ModelLoaded("summary", "m"))
    clock.now += 9
    for event in _done(2):
        progress(event)
    progress.tick()
    # 2 articles computed in 10 s of work: 0.2/s, so 98 left take about 8 min, not 0.1 s.
    assert _last(stream) == "1002/1100 articles, 0.2/s, about 8 min left"


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (3, "a few seconds left"),
        (14.9, "about 10 s left"),
        (15, "about 20 s left"),
        (54.9, "about 50 s left"),
        (55, "about 1 min left"),
        (149, "about 2 min left"),
        (3569, "about 59 min left"),
        (3570, "about 1 h left"),
        (4500, "about 1 h 20 min left"),
        (7500, "about 2 h 10 min left"),
    ],
)
def test_time_left_is_rounded_as_an_estimate_deserves(seconds: float, said: str) -> None:
    assert _eta_text(seconds) == said


@pytest.mark.parametrize(
    ("rate", "said"), [(250.4, "250/s"), (10, "10/s"), (0.84, "0.8/s"), (0.05, "3.0/min")]
)
def test_rate_text(rate: float, said: str) -> None:
    assert _rate_text(rate) == said


def test_redraws_are_rate_limited_but_model_work_draws_the_line_at_once() -> None:
    progress, stream, clock = _progress()
    for _ in range(50):  # 50 results in 0.49 s
        progress(_done(1)[0])
        progress.tick()
        clock.now += 0.01
    assert stream.getvalue().count(ERASE) == 5  # at 0.0, 0.1, 0.2, 0.3 and 0.4 s
    progress(Computing(16))  # a slow stretch follows: the line shows the count reached
    assert stream.getvalue().count(ERASE) == 6 and _last(stream) == "50 articles"
    progress(Computing(16))  # nothing new to show
    assert stream.getvalue().count(ERASE) == 6


def test_clear_erases_once_and_only_what_was_drawn() -> None:
    progress, stream, _ = _progress()
    progress.clear()
    assert stream.getvalue() == ""
    progress.tick()
    progress.clear()
    progress.clear()
    assert stream.getvalue() == ERASE + "0 articles" + ERASE


def test_a_long_line_is_cut_to_the_terminal_width() -> None:
    progress, stream, _ = _progress()
    progress(ModelLoading("summary", "/models/" + "x" * 200, "transformers", "float32"))
    shown = _last(stream)
    assert len(shown) == 79 and shown.startswith("loading /models/xx") and shown.endswith("x…")


def test_a_line_of_wide_characters_is_cut_to_the_columns_it_takes() -> None:
    """A Chinese or Japanese folder name takes two columns a character: cut by characters, the
    line wrapped, and each redraw (which erases one line) left the one above behind."""
    progress, stream, _ = _progress()
    progress(ModelLoading("summary", "/模型/" + "翻译" * 60, "transformers", "float32"))
    shown = _last(stream)
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in shown)
    assert 70 < columns <= 79 and shown.startswith("loading /模型/翻译") and shown.endswith("…")


def test_a_model_folder_with_a_newline_stays_on_one_line() -> None:
    progress, stream, _ = _progress()
    progress(ModelLoading("summary", "/m/a\nb\x1b[2J", "transformers", "float32"))
    assert "\n" not in stream.getvalue() and "\x1b[2J" not in stream.getvalue()


def test_a_total_passed_is_dropped() -> None:
    progress, stream, _ = _progress(total=1)
    for event in _done(2):
        progress(event)
    progress.tick()
    assert _last(stream) == "2 articles"


def test_not_a_terminal_writes_nothing() -> None:
    stream = io.StringIO()
    progress = _Progress(stream, 10, clock=_Clock())
    progress(ModelLoading("summary", "m", "ctranslate2", "int8", converting=True))
    progress(ModelLoaded("summary", "m"))
    progress(Computing(3))
    progress.tick()
    progress.clear()
    assert not progress.enabled and stream.getvalue() == ""
    assert not _Progress(None).enabled  # stderr closed (`2>&-`)


def test_off_a_terminal_stderr_is_as_before(tmp_path: Path) -> None:
    (tmp_path / "news").mkdir()
    for name in ("a", "b"):
        (tmp_path / "news" / f"{name}.txt").write_text("Le ciel est bleu.", encoding="utf-8")
    args = ["run", "news", "missing.txt", "--only", "translation", "--source-lang", "fr", "-o", "out"]
    result = CliRunner().invoke(app, [*args, "--translation-model", str(COPY_MODEL)], prog_name="summarize")
    assert result.exit_code == 1
    assert result.stderr == (
        "summarize: missing.txt: no such file or folder (check the path)\nsummarize: wrote 3 files to out\n"
    )


def test_on_a_terminal_the_line_is_erased_before_each_message_and_at_the_end(tmp_path: Path) -> None:
    """End to end on a pseudo-terminal: inputs that fail to read, so that no model loads."""
    inputs = [str(tmp_path / name) for name in ("a.txt", "b.txt")]
    command = [sys.executable, "-m", "summarize", "run", *inputs, "--no-cache", "-o", str(tmp_path / "out")]
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "80"}
    with subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env
    ) as proc:
        os.close(follower)
        seen = b""
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the other end closed
                break
            if not data:
                break
            seen += data
    os.close(leader)
    assert proc.returncode == 1
    text = seen.decode()
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line]
    # Every message starts on an erased line, and the counter is never left behind.
    messages = [line.rsplit(ERASE, 1)[-1] for line in lines]
    assert messages == [
        f"summarize: {inputs[0]}: no such file or folder (check the path)",
        f"summarize: {inputs[1]}: no such file or folder (check the path)",
        f"summarize: wrote 2 files to {tmp_path / 'out'}",
    ]
    assert "1/2 articles" in text
    assert text.endswith("out\r\n")  # nothing drawn after the last message

"""The command line: the only module that touches argv, stdin, stdout, stderr and exit codes."""

from __future__ import annotations

import contextlib
import io
import math
import os
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TextIO

import typer
from typer.core import TyperGroup

from .engines import BACKENDS, DEVICES, DTYPES, EngineOptions
from .errors import CacheError, ModelError, OutputError, OverLimitError, SummarizeError, UsageError

if TYPE_CHECKING:  # the CLI imports the library lazily: --help must stay fast
    from collections.abc import Iterable

    from .cache import Cache
    from .events import Event, ModelLoading
    from .options import RunOptions
    from .read import Item


class _OneLineUsage(TyperGroup):
    """Click's usage errors in the tool's own one-line form.

    Click prints a usage line, a hint line and the error (four lines in all); every other error
    here is ``summarize: error: WHAT; WHAT TO DO`` on one line, and scripts that grep stderr
    should not need to know which layer refused the input.
    """

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        # typer 0.28 carries its own copy of Click (typer._click); older releases use Click.
        click = sys.modules[typer.BadParameter.__module__]
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except getattr(click, "NoArgsIsHelpError", ()) as exc:  # Click >= 8.2
            exc.show()  # a bare command prints its help, as before
            code = exc.exit_code
        except click.UsageError as exc:
            message = _without_unused_variable(exc, exc.format_message().strip().rstrip("."))
            # Click capitalises its messages; the tool's own start in lower case.
            if message[:1].isupper() and message[1:2].islower():
                message = message[0].lower() + message[1:]
            where = exc.ctx.command_path if exc.ctx is not None else self._path_of(kwargs)
            _err(f"error: {message}; see '{where} --help'")
            code = exc.exit_code
        except click.ClickException as exc:
            _err(f"error: {exc.format_message()}")
            code = exc.exit_code
        except typer.Abort:
            _err("aborted")
            code = EXIT_FAILED
        # Not standalone, Click returns the command's value or the code it exited with.
        sys.exit(code if isinstance(code, int) else EXIT_OK)

    def _path_of(self, kwargs: dict[str, Any]) -> str:
        """The command the arguments name (``summarize cache prune``), for an error Click raised
        without its context (an option missing its value)."""
        args = kwargs.get("args")
        words = list(sys.argv[1:] if args is None else args)
        path, command = [kwargs.get("prog_name") or "summarize"], self
        for word in words:
            sub = getattr(command, "commands", {}).get(word)
            if sub is None:
                break
            path.append(word)
            command = sub
        return " ".join(path)


def _without_unused_variable(exc: Any, message: str) -> str:
    """Click's message less its ``(env var: 'NAME')``, unless the value came from that variable.

    Click names an option's variable in every error about the option, so ``--models-dir DIR``
    typed on the command line was refused as ``'--models-dir' (env var: 'SUMMARIZE_MODELS_DIR')``,
    which sends the user to look for a variable they never set.
    """
    param, ctx = getattr(exc, "param", None), getattr(exc, "ctx", None)
    envvar = getattr(param, "envvar", None)
    if not isinstance(envvar, str) or ctx is None or not getattr(param, "name", None):
        return message
    if _from_variable(ctx, param.name):
        return message
    return message.replace(f" (env var: '{envvar}')", "", 1)


def _from_variable(ctx: typer.Context | None, param: str) -> bool:
    """Whether ``param``'s value came from its environment variable, not the command line."""
    source = ctx.get_parameter_source(param) if ctx is not None else None
    return source is not None and source.name == "ENVIRONMENT"


app = typer.Typer(
    cls=_OneLineUsage,
    help="French summaries and English translations of news articles, with seq2seq models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
models_app = typer.Typer(help="List and download models.", no_args_is_help=True)
cache_app = typer.Typer(help="Inspect and trim the output cache.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(cache_app, name="cache")


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"summarize {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    pass  # only --version; the help text is the app's


# Bad usage exits with 2: UsageError.exit_code, and Click's own usage errors.
EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 130, 143


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C so that finished work is committed before exiting."""


class _Signals:
    """Ctrl-C and SIGTERM, held back while a record is being written.

    A signal that lands inside a write to a slow reader (`| jq`, a large record) cuts it short:
    stdout would end in half a record, which a JSON reader rejects whole.  Inside
    :meth:`held`, the signal is kept and raised once the record is complete.
    """

    def __init__(self) -> None:
        self.holding = 0
        self.pending: KeyboardInterrupt | None = None

    def install(self) -> None:
        import signal

        signal.signal(signal.SIGTERM, self._on_sigterm)
        # A job started in the background inherits Ctrl-C ignored: it stays so.
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, self._on_sigint)

    def _on_sigterm(self, signum: int, frame: object) -> None:
        self._raise(_Terminated())

    def _on_sigint(self, signum: int, frame: object) -> None:
        self._raise(KeyboardInterrupt())

    def _raise(self, exc: KeyboardInterrupt) -> None:
        if self.holding:
            self.pending = self.pending or exc
            return
        raise exc

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.holding += 1
        try:
            yield
        finally:
            self.holding -= 1
        # Not from `finally`: an error met by the write (a closed pipe) keeps its own meaning.
        if not self.holding and self.pending is not None:
            exc, self.pending = self.pending, None
            raise exc


_signals = _Signals()


class Only(StrEnum):
    summary = "summary"
    translation = "translation"


class Format(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"


class InputFormat(StrEnum):
    auto = "auto"
    text = "text"
    markdown = "markdown"
    html = "html"


# The library's own choices, which EngineOptions checks: the two cannot drift apart. (Only,
# Format and InputFormat stay spelled out: importing summarize.options, summarize.output or
# summarize.read would cost every start 25, 12 or 15 ms; tests/test_options.py holds them equal
# to TASKS, FORMATS and INPUT_FORMATS.)
Backend = StrEnum("Backend", [(name, name) for name in BACKENDS])
DType = StrEnum("DType", [(name, name) for name in DTYPES])
Device = StrEnum("Device", [(name, name) for name in DEVICES])


# The library's defaults, so that a program and the command line run the same way by default.
_DEFAULT_BACKEND = Backend(EngineOptions.backend)
_DEFAULT_DTYPE = DType(EngineOptions.dtype)
_DEFAULT_DEVICE = Device(EngineOptions.device)


def _err(message: str) -> None:
    from .output import printable

    # One line, whatever an input's name holds (a newline, a terminal escape sequence).
    try:
        typer.echo(f"summarize: {printable(message, one_line=True)}", err=True)
    except BrokenPipeError:
        # Whoever read the messages went away (`run news/ -o out/ 2>&1 | head`), not whoever
        # takes the results: those still come out, and the exit code still tells the outcome.
        # Stopping here would end the run with 0 and most of its files never written.
        _silence(sys.stderr)


def _silence(stream: object) -> None:
    """Point ``stream``'s descriptor at /dev/null: later writes, and the flush at exit, go
    nowhere instead of raising BrokenPipeError again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())  # type: ignore[attr-defined]
        os.close(devnull)


def _say(exc: SummarizeError) -> None:
    _err(f"error: {exc.message}" + (f"; {exc.hint}" if exc.hint else ""))


def _fail(exc: SummarizeError) -> NoReturn:
    _say(exc)
    raise typer.Exit(exc.exit_code)


class _Kept:
    """What an interrupted run leaves behind, said after "interrupted": it depends on whether
    the cache could be used, which is known only once the run has opened it."""

    def __init__(self) -> None:
        self.cache: Cache | None = None  # set by the run once its cache is open

    def __str__(self) -> str:
        if self.cache is not None and not self.cache.enabled:
            # Full, locked: the warning above said why; claiming otherwise would promise a
            # re-run that costs nothing.
            return "the cache was off (see the warning above), so a re-run computes again what this one did"
        if self.cache is not None and self.cache.unwritable_reason is not None:
            return (
                "the cache is read-only (see the warning above), so a re-run computes again what this one did"
            )
        return "finished results are kept in the cache"


def _no_download_bars_off_a_terminal() -> None:
    """Keep the Hugging Face client's download bars to a terminal, as our own progress is kept.

    The client draws them on stderr whatever it is, so `models pull 2>log` or a cron job would
    fill the log with bars.  Set in the environment, which the client reads when it is first
    imported (always later than this: it is imported only to download); a value the user set
    is kept.
    """
    if sys.stderr is None or not sys.stderr.isatty():
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


@contextlib.contextmanager
def _edge(kept: str | _Kept = "") -> Iterator[None]:
    """Turn every failure into one line on stderr and an exit code; never a traceback.

    ``kept`` says, on Ctrl-C, what the interrupted work leaves behind.
    """
    try:
        yield
    except typer.Exit:
        raise
    except SummarizeError as exc:
        _fail(exc)
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, _Terminated)
        said = str(kept)
        _err(("terminated" if terminated else "interrupted") + (f"; {said}" if said else ""))
        raise typer.Exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED) from None
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other Unix tools do.
        _silence(sys.stdout)
        raise typer.Exit(EXIT_OK) from None
    except Exception as exc:  # a bug: one line, the traceback only on request
        if os.environ.get("SUMMARIZE_DEBUG"):
            raise
        _err(
            f"internal error: {type(exc).__name__}: {exc} (set SUMMARIZE_DEBUG=1 for the traceback "
            "and report it)"
        )
        raise typer.Exit(EXIT_FAILED) from None


def _refuse_contradictions(ctx: typer.Context, *, no_cache: bool, refresh: bool, show_clean: bool) -> None:
    """Options that cannot both be meant are a usage error, said with both names.

    A --cache-dir that comes from SUMMARIZE_CACHE_DIR (set long ago, in a profile) is a default:
    --no-cache wins over it without a word. --no-cache with --show-clean is harmless (neither
    touches the cache) and stays accepted.
    """
    source = ctx.get_parameter_source("cache_dir")
    if no_cache and refresh:
        raise UsageError(
            "--no-cache and --refresh contradict each other (--refresh stores new outputs in the cache)",
            "drop one of them",
        )
    if no_cache and source is not None and source.name == "COMMANDLINE":
        raise UsageError("--no-cache and --cache-dir contradict each other", "drop one of them")
    if show_clean and refresh:
        raise UsageError(
            "--show-clean and --refresh contradict each other (--show-clean computes no output)",
            "drop one of them",
        )


# Options that only one half of the work reads, and that half. --translation-model is the
# French-to-English model, which a summary never runs: a French article is summarised as it is,
# and another language's pivot through English starts with that language's own model
# (routing.summary_route). --beams, --max-translation-tokens and --max-chunk-tokens serve both:
# a summary of another language first runs translations into French.
_ONE_HALF_OPTIONS = {
    "summary_model": Only.summary,
    "max_summary_tokens": Only.summary,
    "translation_model": Only.translation,
}


def _ineffective_options(ctx: typer.Context, only: Only | None) -> list[str]:
    """A note for each option given on the command line that ``--only`` leaves without effect.

    Only the command line: a variable or the config file serves every run, whichever half it asks.
    """
    if only is None:
        return []
    notes = []
    for param, half in _ONE_HALF_OPTIONS.items():
        source = ctx.get_parameter_source(param)
        if half is not only and source is not None and source.name == "COMMANDLINE":
            option = "--" + param.replace("_", "-")
            notes.append(f"{option} has no effect with --only {only.value}")
    return notes


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _models_dir(value: Path | None) -> Path:
    path = value if value is not None else Path("models_cache")
    if path.exists() and not path.is_dir():
        raise UsageError(f"the models dir {path} is a file, not a folder", "pass another --models-dir")
    return path


def _cache_path(cache_dir: Path | None, models_dir: Path) -> Path:
    return (cache_dir if cache_dir is not None else models_dir) / "outputs.sqlite3"


ModelsDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--models-dir",
        envvar="SUMMARIZE_MODELS_DIR",
        help="Where models are stored [default: ./models_cache].",
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="SUMMARIZE_CONFIG",
        help="TOML file choosing models by language [default: config.toml in the user config dir].",
    ),
]
CacheDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        envvar="SUMMARIZE_CACHE_DIR",
        help="Where the output cache lives [default: the models dir].",
    ),
]


@app.command()
def run(
    ctx: typer.Context,
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files, folders (their .txt .md .markdown .jsonl .html .htm files), patterns (news/*.md, "
            "expanded when the shell did not), http(s) or file:// URLs, or - for stdin. JSON Lines (a .jsonl "
            'file, or such a feed on stdin or by URL): one {"text": ...} object a line, with optional id, '
            "title, url, date, lang (or language), format.",
            show_default=False,
        ),
    ] = None,
    only: Annotated[Only | None, typer.Option("--only", help="Run one half only [default: both].")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output_dir: Annotated[
        # Text, not Path: Path("") is the current folder, and an empty name must be refused.
        str | None,
        typer.Option(
            "--output-dir",
            "-o",
            metavar="<path>",
            help="Write one file per article here instead of stdout.",
        ),
    ] = None,
    summary_model: Annotated[
        str | None,
        typer.Option(
            envvar="SUMMARIZE_SUMMARY_MODEL",
            metavar="<id|dir>",
            help="French summariser: Hugging Face id or local folder "
            "[default: moussaKam/barthez-orangesum-abstract].",
        ),
    ] = None,
    translation_model: Annotated[
        str | None,
        typer.Option(
            envvar="SUMMARIZE_TRANSLATION_MODEL",
            metavar="<id|dir>",
            help="French-to-English translator: Hugging Face id or local folder "
            "[default: Helsinki-NLP/opus-mt-fr-en]. Other languages follow the routing table.",
        ),
    ] = None,
    source_lang: Annotated[
        str | None,
        typer.Option(
            metavar="<code>",
            help="The articles' language (ISO 639-1 or 639-3) [default: detected per article].",
        ),
    ] = None,
    config: ConfigOpt = None,
    models_dir: ModelsDirOpt = None,
    offline: Annotated[
        bool,
        typer.Option("--offline", envvar="HF_HUB_OFFLINE", help="Never download; use stored models only."),
    ] = False,
    max_chunk_tokens: Annotated[
        int | None,
        # Below 16 the task prefix and special tokens leave no room for text.
        typer.Option(
            min=16, metavar="<n>", help="Largest chunk in model tokens [default: the model's input limit]."
        ),
    ] = None,
    beams: Annotated[
        int | None, typer.Option(min=1, metavar="<n>", help="Beam size [default: each model's own].")
    ] = None,
    max_summary_tokens: Annotated[
        int | None,
        typer.Option(min=1, metavar="<n>", help="Cap on tokens per summary [default: the model's own]."),
    ] = None,
    max_translation_tokens: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="<n>",
            help="Cap on tokens per translated chunk [default: room for the whole chunk].",
        ),
    ] = None,
    backend: Annotated[
        Backend,
        typer.Option(
            help="Inference engine. auto: CTranslate2 on the CPU for the families it supports "
            "(converted once into the models dir), else transformers."
        ),
    ] = _DEFAULT_BACKEND,
    dtype: Annotated[
        DType, typer.Option(help="Precision. auto: int8 on the CPU, bfloat16/float16 on a GPU.")
    ] = _DEFAULT_DTYPE,
    device: Annotated[
        Device, typer.Option(help="Where models run. auto: a CUDA GPU when one is visible, else the CPU.")
    ] = _DEFAULT_DEVICE,
    threads: Annotated[
        int | None,
        typer.Option(min=1, metavar="<n>", help="CPU threads [default: the cores this process may use]."),
    ] = None,
    batch_tokens: Annotated[
        int,
        typer.Option(
            min=16, metavar="<n>", help="Padded input tokens per model batch (chunks are sorted by length)."
        ),
    ] = 4096,
    batch_size: Annotated[int, typer.Option(min=1, metavar="<n>", help="Most chunks per model batch.")] = 32,
    cache_dir: CacheDirOpt = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Recompute and overwrite cached outputs.")
    ] = False,
    keep_boilerplate: Annotated[
        bool,
        typer.Option(
            "--keep-boilerplate", help="Do not remove page furniture (time stamps, captions, headline lists)."
        ),
    ] = False,
    show_clean: Annotated[
        bool, typer.Option("--show-clean", help="Print the cleaned article bodies only; run no model.")
    ] = False,
    input_format: Annotated[
        InputFormat,
        typer.Option(
            "--input-format",
            help="What every article's text is, whatever its name, content or a JSON line's format say: "
            "text (kept as written), markdown (its markup stripped) or html (a page, extracted). "
            "JSON Lines stay JSON Lines: it applies to each line's text. auto: told by the name and "
            "content.",
        ),
    ] = InputFormat.auto,
    encoding: Annotated[
        str | None,
        typer.Option(
            metavar="<name>",
            help="Encoding of the files, stdin and JSON lines that are not valid UTF-8: valid UTF-8 stays "
            "UTF-8, so inputs can mix both (utf-16/utf-32 apply to all). A BOM always decides; a URL's "
            "encoding comes from the server [default: UTF-8, or an HTML file's <meta> charset].",
        ),
    ] = None,
    max_bytes: Annotated[
        int,
        typer.Option(
            min=1, metavar="<bytes>", help="Refuse inputs larger than this (JSON Lines: each line)."
        ),
    ] = 50_000_000,
    fetch_jobs: Annotated[
        int,
        typer.Option(
            min=1,
            metavar="<n>",
            help="URLs fetched at once, never two at a time from one host (scheme, host and port); "
            "1: one after the other.",
        ),
    ] = 4,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Print the reproducibility signature and run statistics on stderr."
        ),
    ] = False,
) -> None:
    """Summarise (in French) and translate (into English) news articles.

    Reads INPUTS (or, with none, standard input when it is a pipe, a socket or a file: not a
    terminal or /dev/null) and writes one record per article.
    Exit codes: 0 all articles done (or skipped as empty), 1 some failed or the output could
    not be written, 2 bad usage, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
    """
    kept = _Kept()
    _no_download_bars_off_a_terminal()
    with _edge(kept="" if no_cache or show_clean else kept):
        if threading_main():
            _signals.install()
        from .generation import Overrides
        from .options import TASKS, ChunkOptions, RunOptions
        from .read import ReadOptions, iter_articles
        from .read_inputs import expand_patterns, local_files
        from .read_listing import folder_notes, list_folders, listed_total

        _refuse_contradictions(ctx, no_cache=no_cache, refresh=refresh, show_clean=show_clean)
        if output_dir is not None and not output_dir.strip():
            # `-o "$OUT"` with OUT unset wrote every result into the current folder.
            raise UsageError(
                "--output-dir is an empty name",
                "check the variable that gives it, or pass -o . for the current folder",
            )
        out = Path(output_dir) if output_dir is not None else None
        if encoding:
            import codecs

            try:
                codecs.lookup(encoding)
            except LookupError:
                raise UsageError(
                    f"unknown encoding {encoding!r}", "use a Python codec name such as latin-1 or cp1252"
                ) from None
            try:
                b"x".decode(encoding)  # rot13, base64...: codecs, but not from bytes to text
            except LookupError:
                raise UsageError(
                    f"{encoding!r} is not a text encoding",
                    "use a Python codec name such as latin-1 or cp1252",
                ) from None
            except UnicodeError:
                pass  # a real text encoding, for which one byte is not a whole character
        if not inputs:
            if not _stdin_is_fed():
                raise UsageError("no input", "pass files, folders, URLs or - for stdin, or pipe text in")
            inputs = ["-"]
        if any(not raw.strip() for raw in inputs):
            # `summarize run "$FILE"` with FILE unset: Path("") is the current folder.
            raise UsageError("an input is an empty name", "check the variables that give the inputs")
        if inputs.count("-") > 1:  # stdin is read once: a second "-" could only be an empty article
            raise UsageError("- (standard input) is given more than once", "give - once")
        # A quoted pattern ('news/*.md', or one from a script or a Windows shell) is expanded here,
        # so that every check below, and the output folder's names, see the files it matches.
        inputs, notes = expand_patterns(inputs, out, _stdout_file())
        if out is None and sys.stdout is None:
            # Closed (`>&-`): refused before any work, not met at the first record as a bug.
            raise OutputError(
                "standard output is closed: the results have nowhere to go",
                "redirect it to a file, or pass --output-dir DIR",
            )
        if out is not None:
            if show_clean:
                raise UsageError("--show-clean prints the cleaned text on stdout", "drop --output-dir")
            _refuse_input_folder(out, inputs)
            inputs = _without_earlier_results(out, inputs)
        mdir = _models_dir(models_dir)
        debug = bool(os.environ.get("SUMMARIZE_DEBUG"))
        with _said_as_options():
            read_options = ReadOptions(
                encoding=encoding,
                max_bytes=max_bytes,
                debug=debug,
                never_read=_stdout_file(),
                input_format=input_format.value,
                fetch_jobs=fetch_jobs,
            )
            summary_overrides = Overrides(num_beams=beams, max_new_tokens=max_summary_tokens)
            translation_overrides = Overrides(num_beams=beams, max_new_tokens=max_translation_tokens)
        options = RunOptions(
            tasks=(only.value,) if only else TASKS,
            routing=_routing(config, summary_model, translation_model, ctx),
            source_lang=_source_lang(source_lang),
            models_dir=mdir,
            offline=offline,
            chunking=ChunkOptions(max_chunk_tokens=max_chunk_tokens),
            summary_overrides=summary_overrides,
            translation_overrides=translation_overrides,
            engine=EngineOptions(
                backend=backend.value, dtype=dtype.value, device=device.value, threads=threads
            ),
            batch_tokens=batch_tokens,
            max_batch_size=batch_size,
            cache_dir=None if no_cache else _cache_path(cache_dir, mdir).parent,
            refresh=refresh,
            keep_boilerplate=keep_boilerplate,
            debug=debug,
            detector_dir=_user_cache_dir(),
        )
        # Listed once: each article file's head is looked at for both the notes and the total.
        listings = list_folders(inputs, out)
        for note in _ineffective_options(ctx, only) + notes + folder_notes(inputs, listings):
            _err(f"warning: {note}")
        items = iter_articles(
            inputs,
            read_options,
            read_stdin=lambda: sys.stdin.buffer,  # read line by line: JSON Lines is streamed
        )
        if show_clean:
            failed = _show_clean(items, options, fmt.value)
        else:
            failed = _run(
                items,
                options,
                fmt.value,
                out,
                verbose,
                local_files(inputs) if out else frozenset(),
                kept,
                # Counted only for a progress line: listing folders is no work for a pipe's run.
                listed_total(inputs, _stdout_file(), listings) if _is_terminal(sys.stderr) else None,
            )
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


# The library names a value by its field, the command line by its option.
_OPTION_OF_FIELD = {"num_beams": "--beams", "max_bytes": "--max-bytes", "fetch_jobs": "--fetch-jobs"}


@contextlib.contextmanager
def _said_as_options() -> Iterator[None]:
    """A value over the library's limit, said with the option that gave it (``--beams``)."""
    try:
        yield
    except OverLimitError as exc:
        raise exc.named(_OPTION_OF_FIELD.get(exc.name, exc.name)) from None


def _without_earlier_results(output_dir: Path, inputs: list[str]) -> list[str]:
    """``inputs`` without the files in the output folder that are results of an earlier run
    (`summarize run news/*.txt -o news/`, run again): each is said on stderr.  Read, they would
    be summarised as articles, and make new results at every run."""
    from .own_output import is_own_output
    from .read_inputs import input_path

    target = output_dir.resolve()
    kept = []
    for raw in inputs:
        path = input_path(raw)
        if path is not None and path.parent.resolve() == target and is_own_output(path):
            _err(f"warning: skipped {path}: a result of summarize in the output folder, not an article")
            continue
        kept.append(raw)
    return kept


def _stdout_file() -> frozenset[tuple[int, int]]:
    """The file stdout writes to, as (device, inode), when it is one (`run news/ > news/all.jsonl`):
    a folder read must not take the run's own output, still empty, for an article."""
    import stat

    try:
        info = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no descriptor: a test runner's stream
        return frozenset()
    return frozenset({(info.st_dev, info.st_ino)}) if stat.S_ISREG(info.st_mode) else frozenset()


def _stdin_is_fed() -> bool:
    """Whether standard input can bring articles when no input is named: a pipe, a FIFO, a
    socket or a regular file.  Not a terminal, and not /dev/null, which cron, `ssh -n`, CI and
    `xargs` with no input give: reading it would invent an empty article and exit 0."""
    import stat

    if sys.stdin is None:  # closed (`<&-`)
        return False
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):
        # No descriptor (io.UnsupportedOperation is both): a stream made in this process, such
        # as an embedding program's or a test runner's; a closed one is said when it is read.
        with contextlib.suppress(ValueError):
            return not sys.stdin.isatty()
        return True
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISREG(mode)


def _refuse_input_folder(output_dir: Path, inputs: list[str]) -> None:
    """An output folder that is also an input folder: results would lie among the articles,
    each a step from being read as one (a file named on the command line is read, results or not)."""
    from .read_inputs import input_path

    target = output_dir.resolve()
    for raw in inputs:
        path = input_path(raw)
        if path is not None and path.is_dir() and path.resolve() == target:
            raise UsageError(
                f"--output-dir {output_dir} is also an input folder: its results would mix with the articles",
                f"pick another folder, such as {output_dir / 'results'}",
            )


def _user_cache_dir() -> Path | None:
    """Where derived files are kept between runs (None when there is no such place)."""
    import platformdirs

    try:
        return platformdirs.user_cache_path("summarize")
    except Exception:  # no home folder: every run just does the work again
        return None


def _routing(
    config: Path | None,
    summary_model: str | None,
    translation_model: str | None,
    ctx: typer.Context | None = None,
) -> object:
    """The config file's routing, with the command line's model choices on top.

    A choice that is neither a folder nor a valid Hugging Face id is refused here, before any
    work (and any download attempt); ``ctx`` tells whether it came from the option or its variable.
    """
    import dataclasses

    from .routing import load_config

    routing = load_config(config)
    for param, value in (("summary_model", summary_model), ("translation_model", translation_model)):
        if value is not None:
            _check_model_choice(value, _named(ctx, param))
    if summary_model:
        routing = dataclasses.replace(routing, summary_model=summary_model)
    if translation_model:
        routing = dataclasses.replace(routing, translation_model=translation_model)
    return routing


def _named(ctx: typer.Context | None, param: str) -> str:
    """How the user set ``param``: its option (``--summary-model``) or its variable."""
    if _from_variable(ctx, param):
        return "SUMMARIZE_" + param.upper()
    return "--" + param.replace("_", "-")


def _check_model_choice(value: str, where: str) -> None:
    """Refuse a model the user named that can be neither a folder nor a Hugging Face id."""
    from .models import HUB_ID_RULE, hub_id_problem, looks_like_path, not_an_id

    if value.strip() and (looks_like_path(value) or Path(value).expanduser().exists()):
        return  # a folder (one that is not there is said where it is looked for)
    problem = hub_id_problem(value)
    if problem is not None:
        raise UsageError(
            f"{where} {not_an_id(value, problem)}",
            f"{HUB_ID_RULE}; or give a model folder's path",
        )


def _open_cache(options: RunOptions) -> Cache | None:
    from .cache import Cache

    if options.cache_dir is None:
        return None
    cache = Cache.open(Path(options.cache_dir) / "outputs.sqlite3")
    _cache_warnings(cache, 0)
    return cache


def _cache_warnings(cache: Cache | None, shown: int, say: Callable[[str], None] = _err) -> int:
    """Print the cache's warnings from number ``shown`` on; return how many are printed now.

    The cache turns itself off mid-run (a full disk, a read-only folder met at the first
    write) with a warning: the user must see it, not only the warnings of opening.
    """
    warnings = cache.warnings if cache is not None else []
    for warning in warnings[shown:]:
        say(f"warning: {warning}")
    return len(warnings)


def _run(
    items: Iterable[Item],
    options: RunOptions,
    fmt: str,
    output_dir: Path | None,
    verbose: bool,
    inputs: frozenset[Path] = frozenset(),
    kept: _Kept | None = None,
    total: int | None = None,
) -> int:
    """Run the articles, write their results; return how many failed.

    ``total``: how many articles ``items`` holds, when known (the progress line's "12/200").
    """
    import json

    from .output import DirectoryWriter, StreamWriter, to_record
    from .pipeline import Summarizer

    writer = DirectoryWriter(output_dir, fmt, inputs) if output_dir else StreamWriter(sys.stdout, fmt)
    if isinstance(writer, DirectoryWriter):
        writer.prepare()  # a folder that cannot be written is known before any model runs
    cache = _open_cache(options)
    if kept is not None:
        kept.cache = cache
    # stderr may be closed (`2>&-`): the results on stdout or in the folder still come out.
    progress = _Progress(sys.stderr, total)
    summarizer = Summarizer(options, cache, observer=progress if progress.enabled else None)
    # A result printed on the terminal the line is drawn on would run into it.
    results_on_terminal = isinstance(writer, StreamWriter) and _is_terminal(sys.stdout)

    def say(message: str) -> None:
        progress.clear()
        _err(message)

    done = failed = repeated = 0
    reported: set[tuple[str | None, str | None]] = set()
    shown = len(cache.warnings) if cache is not None else 0
    noticed = writer_noticed = 0
    try:
        for result in summarizer.process(items):
            done += 1
            for notice in summarizer.notices[noticed:]:
                say(f"warning: {notice}")
            noticed = len(summarizer.notices)
            if results_on_terminal:
                progress.clear()
            with _signals.held():  # never half a record, in a file or on stdout
                writer.write(to_record(result))
            if isinstance(writer, DirectoryWriter):
                for notice in writer.notices[writer_noticed:]:  # a file of the user's, stepped around
                    say(f"warning: {notice}")
                writer_noticed = len(writer.notices)
            shown = _cache_warnings(cache, shown, say)
            if result.failed:
                failed += 1
                error = result.error or {}
                said = (error.get("message"), error.get("hint"))
                # A model missing for many articles' language is said once; each record still
                # names it.  Input failures are each named: the file is what the user fixes.
                if error.get("kind", "").startswith("model") and said in reported:
                    repeated += 1
                else:
                    reported.add(said)
                    say(_failure_line(result.source, *said))
            progress.tick()
    finally:
        try:
            progress.clear()
            if isinstance(writer, StreamWriter):
                with _signals.held():
                    writer.close()  # may meet a closed pipe again: the cache is still closed below
        finally:
            if cache is not None:
                cache.record_run(summarizer.stats.hits, summarizer.stats.misses)
                cache.close()
                _cache_warnings(cache, shown)
    if repeated:
        _err(f"{repeated} more article{'s' if repeated > 1 else ''} failed the same way as above")
    if verbose:
        for name, signature in summarizer.signatures().items():
            _err(f"signature {name}: {json.dumps(signature, ensure_ascii=False, sort_keys=True)}")
        stats = summarizer.stats
        state = f"{stats.hits} hits, {stats.misses} misses" if cache is not None else "off"
        _err(f"{_count(done, 'article')}, {failed} failed; cache: {state}")
    if output_dir:
        _err(f"wrote {_count(done, 'file')} to {output_dir}")
    return failed


def _show_clean(items: Iterable[Item], options: RunOptions, fmt: str) -> int:
    """Print the cleaned bodies (no model runs); return how many inputs could not be read."""
    from .lang_date import input_date
    from .output import StreamWriter, printable
    from .pipeline import clean_article, error_dict, removed_records
    from .read import ReadFailure

    writer = StreamWriter(sys.stdout, fmt if fmt != "text" else "jsonl")
    failed = 0

    def put(record: dict[str, object] | str) -> None:
        with _signals.held():  # never half a record on stdout, as in a run
            if isinstance(record, str):
                writer.write_block(record)
            else:
                writer.write(record)

    try:
        for item in items:
            if isinstance(item, ReadFailure):
                # Nothing in it (an empty .jsonl file) is skipped, as run skips it: no failure.
                if item.error.kind != "empty":
                    failed += 1
                    _err(_failure_line(item.source, item.error.message, item.error.hint))
                if fmt != "text":
                    # A record too, as run writes one: the output still joins with the inputs by id.
                    put({"id": item.id, "source": item.source, "error": error_dict(item.error)})
                elif item.error.kind == "empty":
                    put(printable(f"== {item.id}\n\n"))  # as an empty article shows
                continue
            cleaned = clean_article(item, options.keep_boilerplate)
            # The input's own title and url (a JSON line's "title", "url"; a fetched page's URL)
            # win, as in a run's record.
            title = item.title or cleaned.title
            if fmt == "text":
                # Laid out as a run's header: a newline in the id or title would start a line.
                head = f"== {printable(str(item.id), one_line=True)}"
                head += f" — {printable(title, one_line=True)}" if title else ""
                put(printable(head + "\n" + cleaned.body.rstrip("\n") + "\n"))
                continue
            put(
                {
                    "id": item.id,
                    "source": item.source,
                    "title": title,
                    "url": item.url or cleaned.url,
                    # The input's own date wins, as in a run's record (one it cannot read is left out).
                    "date": input_date(item.date, cleaned.date)[0],
                    "body": cleaned.body,
                    "removed": removed_records(cleaned),
                }
            )
    finally:
        with _signals.held():  # the closing `]` of a JSON array
            writer.close()
    return failed


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _source_lang(value: str | None) -> str | None:
    """--source-lang's code; a value that is none (`auto`, `detect`, a typo) is refused with the
    way to have the language detected too, which is what `auto` asks for."""
    from .routing import LanguageCodeError, user_lang

    if not value:
        return None
    try:
        return user_lang(value)
    except LanguageCodeError as exc:
        hint = f"{exc.hint}; leave --source-lang out to have each article's language detected"
        raise LanguageCodeError(exc.message, hint) from None


def _failure_line(source: str, message: str | None, hint: str | None) -> str:
    """One input's failure as a line: where, what went wrong, then what to do about it."""
    reason = (message or "failed") + (f" ({hint})" if hint else "")
    # Read failures often name their source already ("a.txt: not valid UTF-8").
    return reason if reason.startswith(source) else f"{source}: {reason}"


class _Progress:
    """The progress line on stderr, drawn only on a terminal and erased before anything else
    prints: what the run is doing (converting or loading a model), then the articles done (of
    how many, when the inputs tell it cheaply), how many failed, the rate, and the time left.

    It is the run's observer (see summarize.events): events update it, and a phase (a model
    converting or loading) or a stretch of model work draws it at once; results draw it through
    :meth:`tick`, at most every ``interval`` seconds, so that a fast all-hit run does not spend
    its time writing to the terminal.

    The rate counts the articles a model worked on, over the time the run spent outside model
    loading: articles served from the cache come back in milliseconds and would make any
    estimate of the work left far too short.  Until a model has worked, it counts every article,
    and none is shown while the first model work is under way.
    """

    ERASE = "\r\x1b[K"

    def __init__(
        self,
        stream: TextIO | None,
        total: int | None = None,
        clock: Callable[[], float] | None = None,
        interval: float = 0.1,
    ) -> None:
        import time

        self.stream = stream
        self.enabled = _is_terminal(stream)
        self.total = total
        self.clock = clock or time.monotonic
        self.interval = interval
        self.start = self.clock()
        self.visible = False
        self.done = self.failed = self.computed = 0
        self.phase: str | None = None
        self.phase_since = 0.0
        self.loading = 0.0  # seconds spent converting and loading models: no article's time
        self.working = False  # model work under way, no result of it out yet
        self.drawn_at: float | None = None
        self.drawn_done = -1  # the count the line showed when last drawn
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        self.ellipsis = "\u2026" if encoding == "utf8" else "..."

    def __call__(self, event: Event) -> None:
        """Take one event of the run (the Summarizer's observer)."""
        from .events import ArticleDone, Computing, ModelLoaded, ModelLoading

        if not self.enabled:
            return
        if isinstance(event, ArticleDone):
            self.working = False
            self.done += 1
            self.failed += event.failed
            self.computed += event.computed
        elif isinstance(event, ModelLoading):
            self.phase_since = self.clock()
            self.phase = self._phase_text(event)
            self._draw(self.line())
        elif isinstance(event, ModelLoaded):
            if self.phase is not None:
                self.loading += self.clock() - self.phase_since
            self.phase = None
            self._draw(self.line())
        elif isinstance(event, Computing):
            self.working = True
            if self.done != self.drawn_done or not self.visible or not self.computed:
                # Model work may follow for a while: the line must not stay behind the results
                # (nor show a rate of cache hits, see rate()).
                self._draw(self.line())

    def tick(self) -> None:
        """Draw the line once a result is out, unless it was drawn less than ``interval`` ago."""
        if self.enabled and (self.drawn_at is None or self.clock() - self.drawn_at >= self.interval):
            self._draw(self.line())

    def clear(self) -> None:
        """Erase the line (before a message or a result prints, and at the end)."""
        if self.visible:
            self._write(self.ERASE)
            self.visible = False

    def line(self) -> str:
        """The text to show now."""
        counts = self._counts()
        if self.phase is not None:
            return f"{counts}; {self.phase}" if self.done else self.phase
        parts = [counts]
        if self.failed:
            parts.append(f"{self.failed} failed")
        rate = self.rate()
        if rate is not None:
            parts.append(_rate_text(rate))
            if self.total is not None and self.done < self.total:
                parts.append(_eta_text((self.total - self.done) / rate))
        return ", ".join(parts)

    def rate(self) -> float | None:
        """Articles a second (see the class), once a second of work gives it some meaning."""
        busy = self.clock() - self.start - self.loading
        if busy < 1 or not self.done or (self.working and not self.computed):
            return None  # the first model work is under way: a rate of cache hits would mislead
        return (self.computed or self.done) / busy

    def _counts(self) -> str:
        if self.total is not None and self.done <= self.total:
            return f"{self.done}/{self.total} articles"
        return _count(self.done, "article")  # more than counted: a total that was wrong is dropped

    def _phase_text(self, event: ModelLoading) -> str:
        from .output import printable

        model = printable(event.model, one_line=True)
        if event.converting:
            return f"converting {model} for CTranslate2 {event.dtype} (first use){self.ellipsis}"
        return f"loading {model}{self.ellipsis}"

    def _draw(self, text: str) -> None:
        self.drawn_at = self.clock()
        self.drawn_done = self.done
        width = _columns(self.stream) - 1  # the last column would wrap on some terminals
        if _width(text) > width:
            room = max(0, width - len(self.ellipsis))
            while _width(text) > room:
                text = text[: len(text) - max(1, (_width(text) - room) // 2)]
            text += self.ellipsis
        self.visible = True  # before the write: one cut short by Ctrl-C is still erased
        self._write(self.ERASE + text)

    def _write(self, text: str) -> None:
        assert self.stream is not None
        try:
            self.stream.write(text)
            self.stream.flush()
        except BrokenPipeError:  # whoever read the messages went away: as _err does
            self.enabled = self.visible = False
            _silence(self.stream)
        except (OSError, ValueError):  # a terminal closed under the run: no progress, results go on
            self.enabled = self.visible = False


def _is_terminal(stream: TextIO | None) -> bool:
    """Whether ``stream`` is a terminal (a closed or missing one is not)."""
    if stream is None:
        return False
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False


def _columns(stream: TextIO | None) -> int:
    """The terminal's width (read at each draw: it may be resized), 80 when it cannot be told."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80  # type: ignore[union-attr]
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return 80


def _width(text: str) -> int:
    """The columns ``text`` takes on a terminal: two for a wide (Chinese, Japanese...) character,
    none for a combining mark; a line cut by characters would wrap, and then stay behind."""
    import unicodedata

    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _rate_text(rate: float) -> str:
    """``12/s``, ``0.8/s``; under one article in ten seconds, a minute's worth: ``3.5/min``."""
    if rate >= 10:
        return f"{rate:.0f}/s"
    if rate >= 0.1:
        return f"{rate:.1f}/s"
    return f"{rate * 60:.1f}/min"


def _eta_text(seconds: float) -> str:
    """The time left, rounded as much as an estimate deserves: to 10 s under a minute, to the
    minute under an hour, to 10 minutes past it."""
    if seconds < 10:
        return "a few seconds left"
    tens = math.floor(seconds / 10 + 0.5) * 10
    if tens < 60:
        return f"about {tens} s left"
    minutes = math.floor(seconds / 60 + 0.5)
    if minutes < 60:
        return f"about {minutes} min left"
    hours, rest = divmod(math.floor(seconds / 600 + 0.5) * 10, 60)
    return f"about {hours} h left" if rest == 0 else f"about {hours} h {rest} min left"


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


LangsOpt = Annotated[
    str | None,
    typer.Option(
        "--lang", metavar="<codes>", help="Comma-separated source languages, e.g. es,de [default: fr]."
    ),
]


def _langs(value: str | None) -> list[str]:
    from .routing import user_lang

    # fr,FR,fra name one language: its routes are listed (and pulled) once.
    return list(dict.fromkeys(user_lang(v) for v in (value or "fr").split(",") if v.strip()))


SummaryModelOpt = Annotated[
    str | None,
    typer.Option(
        envvar="SUMMARIZE_SUMMARY_MODEL", metavar="<id|dir>", help="French summariser, as for `run`."
    ),
]
TranslationModelOpt = Annotated[
    str | None,
    typer.Option(
        envvar="SUMMARIZE_TRANSLATION_MODEL",
        metavar="<id|dir>",
        help="French-to-English translator, as for `run`.",
    ),
]


CONVERTED_RUNS = "a run loads its CTranslate2 conversion"


def _runs_converted(model_id: str, models_dir: Path) -> bool:
    """Whether a run with the default backend, dtype and device loads ``model_id`` from a
    CTranslate2 conversion already made (and so never reads its checkpoint's weights)."""
    from .errors import SummarizeError
    from .models import ModelRef, resolve
    from .options import RunOptions
    from .runner import loaded_conversion

    try:
        model = resolve(ModelRef(model_id), models_dir, offline=True)
        # RunOptions' engine defaults are the run command's (EngineOptions).
        return loaded_conversion(model, RunOptions(models_dir=models_dir)) is not None
    except SummarizeError:  # what cannot be resolved is said by the state already
        return False


@models_app.command("list")
def models_list(
    ctx: typer.Context,
    models_dir: ModelsDirOpt = None,
    lang: LangsOpt = None,
    config: ConfigOpt = None,
    summary_model: SummaryModelOpt = None,
    translation_model: TranslationModelOpt = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when a model the routing needs is missing or unusable.")
    ] = False,
) -> None:
    """Show the stored models with their sizes, and the routing in effect with what is missing."""
    with _edge():
        from .convert import list_converted
        from .models import disk_size, list_stored, model_status
        from .routing import routes_for

        routing = _routing(config, summary_model, translation_model, ctx)  # errors before any output
        langs = _langs(lang)

        mdir = _models_dir(models_dir)
        stored = list_stored(mdir)
        typer.echo(f"# stored in {mdir}" + ("" if stored else ": none"))
        for model in stored:
            typer.echo(
                f"{model.id}\t{model.revision}\t{model.commit[:12]}\t{_size(model.size_bytes)}\t{model.path}"
            )
        converted = list_converted(mdir)
        if converted:
            typer.echo("# converted for CTranslate2 (folder, size)")
        for folder, size in converted:
            typer.echo(f"{folder.name}\t{_size(size)}\t{folder}")
        if stored or converted:
            # Each file once: two revisions share blobs, a conversion may hard-link a model's files.
            total = disk_size([m.path for m in stored] + [folder for folder, _ in converted])
            typer.echo(f"# total on disk: {_size(total)} (a file shared by several counted once)")
        typer.echo("# routing (language, role, model, state)")
        missing: list[str] = []
        nowhere: list[str] = []
        unusable: list[str] = []
        damaged: list[str] = []
        converted_only: list[str] = []
        for source, role, model_id in routes_for(langs, routing):
            state = model_status(model_id, mdir) if model_id else "no model (passthrough)"
            runs_converted = state.startswith("stored, but ") and _runs_converted(model_id, mdir)
            if runs_converted:
                state += f"; {CONVERTED_RUNS}"
            typer.echo(f"{source}\t{role}\t{model_id or '-'}\t{state}")
            if state == "missing":
                missing.append(model_id)
            elif state == "no such folder":
                nowhere.append(model_id)
            elif runs_converted:  # a run loads the conversion alone: it works, --check passes
                converted_only.append(model_id)
            elif state.startswith("stored, but "):  # pulled, then cut short or partly deleted
                damaged.append(model_id)
            elif state not in ("stored", "local folder", "no model (passthrough)"):
                unusable.append(f"{model_id} ({state})")
        if missing:
            names = " ".join(dict.fromkeys(missing))
            _err(f"{_count(len(set(missing)), 'model')} missing: summarize models pull {names}")
        if damaged:
            names = " ".join(dict.fromkeys(damaged))
            _err(f"{_count(len(set(damaged)), 'stored model')} damaged: summarize models pull {names}")
        if converted_only:
            names = " ".join(dict.fromkeys(converted_only))
            _err(
                f"warning: {_count(len(set(converted_only)), 'stored model')} damaged, but a run "
                f"loads only its CTranslate2 conversion (`--backend transformers` would fail): "
                f"summarize models pull {names}"
            )
        if nowhere:
            names = " ".join(dict.fromkeys(nowhere))
            _err(f"{_count(len(set(nowhere)), 'model folder')} not found: {names}; check the paths given")
        if unusable:
            names = " ".join(dict.fromkeys(unusable))
            _err(
                f"cannot load {names}; pass a folder saved with save_pretrained "
                "(config.json and the weights), or a Hugging Face model id"
            )
        if check and (missing or nowhere or unusable or damaged):
            raise typer.Exit(EXIT_FAILED)  # a pre-flight check: `models list --check && run ...`


@models_app.command("pull")
def models_pull(
    ctx: typer.Context,
    ids: Annotated[
        list[str] | None,
        typer.Argument(help="Model ids [default: what the languages of --lang need, French by default]."),
    ] = None,
    lang: LangsOpt = None,
    models_dir: ModelsDirOpt = None,
    config: ConfigOpt = None,
    convert: Annotated[
        bool, typer.Option("--convert/--no-convert", help="Also convert to CTranslate2 (the CPU backend).")
    ] = True,
    summary_model: SummaryModelOpt = None,
    translation_model: TranslationModelOpt = None,
    offline: Annotated[
        bool,
        typer.Option("--offline", envvar="HF_HUB_OFFLINE", help="Never download; convert what is stored."),
    ] = False,
) -> None:
    """Download models: only the files the tool needs (config, generation config, tokenizer,
    safetensors weights; pytorch_model.bin only for a model without them).

    Models already stored are not downloaded again (only converted if they never were), unless
    damaged (a file cut short, a missing shard).
    """
    _no_download_bars_off_a_terminal()
    with _edge():
        from .routing import models_for_langs

        mdir = _models_dir(models_dir)
        routing = _routing(config, summary_model, translation_model, ctx)
        for model_id in ids or []:  # all of them, before anything is downloaded
            _check_model_choice(model_id, "model")
        wanted = list(ids or []) + (models_for_langs(_langs(lang), routing) if lang or not ids else [])
        failed = 0
        for model_id in dict.fromkeys(wanted):
            try:
                _pull_one(model_id, mdir, convert, offline)
            except SummarizeError as exc:  # one model that cannot be had must not stop the others
                failed += 1
                _say(exc)
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


def _pull_one(model_id: str, mdir: Path, convert: bool, offline: bool) -> None:
    """Make ``model_id`` available in ``mdir`` (and converted); print where it is."""
    from .convert import supports_ctranslate2
    from .models import ModelRef, find_local, folder_problem, looks_like_path, pull, resolve

    ref = ModelRef(model_id)
    if looks_like_path(model_id) or Path(model_id).expanduser().exists():
        model = resolve(ref, mdir, offline=True)  # a local folder: checked, never downloaded
        typer.echo(f"{model_id}\t{model.path}\tlocal folder")
    else:
        stored = find_local(ref, mdir)
        # A stored copy that cannot be loaded (a download or copy cut short) is fetched again:
        # `models pull` is the way out every message about it names.
        damaged = folder_problem(stored) if stored is not None else None
        if offline and stored is None:
            resolve(ref, mdir, offline=True)  # not stored: says so, and how to get it
        if offline and damaged:
            raise ModelError(
                f"model {model_id} in {stored} is damaged ({damaged}) and offline: not downloaded again",
                f"run `summarize models pull {model_id}` on a connected machine and copy {mdir}",
            )
        if stored is not None and not damaged:
            typer.echo(f"{model_id}\t{stored}\talready stored")
        else:
            path = pull(ref, mdir, damaged=damaged)
            typer.echo(f"{model_id}\t{path}" + (f"\tdownloaded again ({damaged})" if damaged else ""))
        model = resolve(ref, mdir, offline=True)
    if convert and supports_ctranslate2(model.model_type):
        # Convert now, on the connected machine, so the first run starts without torch.
        from .engines.ct2 import converted_for

        typer.echo(f"{model_id}\t{converted_for(model, mdir)}")


@contextlib.contextmanager
def _command_cache(
    ctx: typer.Context, cache_dir: Path | None, models_dir: Path | None, *, readonly: bool = False
) -> Iterator[Cache]:
    """The cache a `cache` command works on, closed (and its warnings said) however it ends.

    A cache that cannot be used, or that turned itself off on the way (locked, full disk), is an
    error (exit 1), never an empty answer.  So is a folder named by --cache-dir or --models-dir
    (or their variables) that does not exist: a typo must not read as an empty cache.  The
    default folder may be missing: nothing has run yet.  A write the file system refuses
    (`clear` and `prune` on a read-only cache) is the library's CacheError, said by ``_edge``.
    """
    from .cache import Cache

    path = _cache_path(cache_dir, _models_dir(models_dir))
    if (cache_dir is not None or models_dir is not None) and not path.parent.exists():
        # The option, or its variable when it was set that way (long ago, in a profile).
        option = _named(ctx, "cache_dir" if cache_dir is not None else "models_dir")
        raise CacheError(f"no cache at {path.parent}: no such folder", f"check {option}")
    # The command that moves a damaged file aside, with the folder when it is not the default.
    where = "" if cache_dir is None and models_dir is None else f" --cache-dir {_quoted(path.parent)}"
    fix = f"summarize cache clear{where}"
    cache = Cache.open(path, readonly=readonly)
    shown = _unusable_or_warnings(cache, 0, fix)
    try:
        yield cache
    except BaseException:
        cache.close()
        _cache_warnings(cache, shown)
        raise
    cache.close()
    _unusable_or_warnings(cache, shown, fix)  # turned off on the way (locked, full disk)


def _unusable_or_warnings(cache: Cache, shown: int, fix: str) -> int:
    """Print the cache's warnings from number ``shown`` on (how many there are now); a cache
    turned off is this command's error, where `run` words it as a warning (its outputs still
    come out)."""
    if cache.enabled:
        return _cache_warnings(cache, shown)
    for warning in cache.warnings[shown:]:  # a damaged file moved aside...
        if not warning.startswith("cache disabled:"):  # said below, in this command's words
            _err(f"warning: {warning}")
    if cache.damaged:  # left where it is by a command that only looks
        hint = f"run `{fix}` to move it aside and start a new cache"
    else:
        hint = "pass another --cache-dir"
    reason = str(cache.disabled_reason)
    # A reason that names the file already (a foreign file) is not wrapped in a second naming.
    said = reason if reason.startswith(str(cache.path)) else f"cannot use the cache {cache.path} ({reason})"
    _err(f"error: {said}; {hint}")
    raise typer.Exit(EXIT_FAILED)


def _quoted(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))


@cache_app.command("stats")
def cache_stats(ctx: typer.Context, cache_dir: CacheDirOpt = None, models_dir: ModelsDirOpt = None) -> None:
    """Entries, size on disk, and hits/misses of the last run."""
    with _edge():
        # Read-only: looking must not change anything, not even move a damaged file aside.
        with _command_cache(ctx, cache_dir, models_dir, readonly=True) as cache:
            stats = cache.stats()
        typer.echo(f"path\t{stats.path}\nentries\t{stats.entries}\nsize\t{_size(stats.size_bytes)}")
        if stats.last_run_hits is not None:
            typer.echo(f"last run\t{stats.last_run_hits} hits, {stats.last_run_misses} misses")
        # Chunk outputs per task and model, then whole-article records and detected languages.
        for task, model_id, count in stats.by_model:
            typer.echo(f"entries {task or 'unknown'}" + (f" {model_id}" if model_id else "") + f"\t{count}")


@cache_app.command("clear")
def cache_clear(ctx: typer.Context, cache_dir: CacheDirOpt = None, models_dir: ModelsDirOpt = None) -> None:
    """Remove every cached output."""
    with _edge():
        with _command_cache(ctx, cache_dir, models_dir) as cache:
            removed = cache.clear()
        typer.echo(f"removed {removed} entries")


@cache_app.command("prune")
def cache_prune(
    ctx: typer.Context,
    max_size: Annotated[
        str | None,
        typer.Option(
            metavar="<size>",
            help="Keep the cache under this size: bytes, or with a unit, K/KB, M/MB, G/GB, T/TB (powers "
            "of 1000) or KiB, MiB, GiB, TiB (powers of 1024), e.g. 500MB, 2G.",
        ),
    ] = None,
    older_than: Annotated[
        float | None, typer.Option(min=0, metavar="<days>", help="Remove entries unused for DAYS.")
    ] = None,
    cache_dir: CacheDirOpt = None,
    models_dir: ModelsDirOpt = None,
) -> None:
    """Remove least recently used entries by size or age."""
    with _edge():
        from .cache import parse_size

        if max_size is None and older_than is None:
            raise UsageError("nothing to prune by", "pass --max-size SIZE and/or --older-than DAYS")
        with _command_cache(ctx, cache_dir, models_dir) as cache:
            removed = cache.prune(
                max_size_bytes=parse_size(max_size) if max_size else None, older_than_days=older_than
            )
        typer.echo(f"removed {removed} entries")


def main() -> None:
    """Console-script entry point."""
    try:
        app(prog_name="summarize")
    except SystemExit as exc:
        read_queue = sys.modules.get("summarize.read_queue")
        interrupted = exc.code in (EXIT_INTERRUPTED, EXIT_TERMINATED)
        if interrupted or (read_queue is not None and read_queue.reading_ahead()):
            # The reader may be blocked in a read of stdin (`tail -f feed | summarize run -`):
            # interpreter shutdown would wait for it, then abort on stdin's lock.  After Ctrl-C
            # or SIGTERM, CTranslate2's workers still hold the model batches queued before it,
            # and shutdown waited for them (a minute and more with many beams).  Every record
            # and the cache are written by now, so leave at once with the run's exit code.
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(exc.code if isinstance(exc.code, int) else EXIT_OK if exc.code is None else EXIT_FAILED)
        raise

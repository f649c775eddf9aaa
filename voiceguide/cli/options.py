"""The command line's parts, each declared once: checked values, option groups, plain help.

A command names a group by a parameter's type (`timing: Timing`); `command` puts the group's
options in its place on the command line and hands the command one value built from them, as
sqlite-utils shares its option decorators. Ranges and choices are declared on the option
(`Between`, `OneOf`), so they are checked while the line is parsed, before anything loads,
and a bad one is one line on stderr with exit status 2.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Generic, NoReturn, TypeVar, get_type_hints

import typer
from typer.core import TyperCommand, TyperGroup

from voiceguide.errors import ExitStatus, UsageError, VoiceguideError, traceback_if_debugging
from voiceguide.limits import (
    BITRATE_KBPS,
    COUNT_INTERVAL_S,
    MP3_BITRATES,
    PRE_ROLL_RANGE_S,
    PRE_ROLL_S,
    PROFILES,
    RATE_WPM,
    Profile,
)
from voiceguide.render.names import FORMATS
from voiceguide.speech.registry import AUTO, ENGINE_CHOICES, ENGINES, VoiceChoice
from voiceguide.timeline.options import SIDES, CompileOptions, Side

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

# -- checked values -------------------------------------------------------------------------


class Between(Generic[T]):
    """A number from `low` to `high` (above `low` if `above`), in `unit`: the option's parser."""

    def __init__(self, low: float, high: float, unit: str, kind: Callable[[str], T], *, above: bool = False) -> None:
        self.low, self.high, self.unit, self.kind, self.above = low, high, unit, kind, above

    def __call__(self, text: str) -> T:
        try:
            value = self.kind(text)
        except ValueError:
            what = "a whole number" if self.kind is int else "a number"
            raise typer.BadParameter(f"{text!r} is not {what}") from None
        number = float(value)  # type: ignore[arg-type]
        if not (self.low < number if self.above else self.low <= number) or number > self.high:
            lowest = "more than" if self.above else "between"
            joint = ", at most" if self.above else " and"
            raise typer.BadParameter(f"must be {lowest} {self.low:g}{joint} {self.high:g} {self.unit}, not {text}")
        return value

    @property
    def words(self) -> str:
        """The range in words, for the option's help."""
        return f"{self.low:g} to {self.high:g}"


class OneOf(Generic[T]):
    """One of `choices` (written as they are): the option's parser."""

    def __init__(self, choices: Sequence[T], kind: Callable[[str], T] = str) -> None:  # type: ignore[assignment]
        self.choices, self.kind = tuple(choices), kind

    def __call__(self, text: str) -> T:
        for choice in self.choices:
            if str(choice) == str(text):
                return choice
        raise typer.BadParameter(f"must be one of {', '.join(map(str, self.choices))}, not {text!r}")

    @property
    def metavar(self) -> str:
        return "|".join(map(str, self.choices))


PROFILE = OneOf(PROFILES)
INTERVAL = Between(*COUNT_INTERVAL_S, "seconds", float)
RATE = Between(*RATE_WPM, "words per minute", int)
PRE_ROLL = Between(*PRE_ROLL_RANGE_S, "seconds", float)
ENGINE = OneOf(ENGINE_CHOICES)
FORMAT = OneOf(FORMATS)
BITRATE = OneOf(MP3_BITRATES, int)

FLAG = ""
"""A flag's metavar: nothing, as a flag takes no value."""

# -- options several commands take ----------------------------------------------------------

RoutineArg = Annotated[
    str,
    typer.Argument(metavar="ROUTINE", help="A built-in routine's name (see `voiceguide list`) or a routine file."),
]
ProfileOpt = Annotated[
    Profile,
    typer.Option(
        "--profile",
        parser=PROFILE,
        metavar=PROFILE.metavar,
        help="How ranges such as [10, 15] resolve: the low end, the middle or the high end.",
    ),
]


def _help(ctx: typer.Context, value: bool) -> None:
    if value:
        typer.echo(ctx.get_help())
        raise typer.Exit()


HelpOpt = Annotated[
    bool,
    typer.Option(
        "--help", "-h", metavar=FLAG, is_eager=True, expose_value=False, callback=_help, help="Show this help and exit."
    ),
]

# -- option groups: a command names one by its type ------------------------------------------

GROUPS: dict[type, Callable[..., Any]] = {}


def _group(make: F) -> F:
    GROUPS[get_type_hints(make)["return"]] = make
    return make


@dataclass(frozen=True)
class Timing:
    """--count-interval, --rate, --pre-roll, --ticks, --fit: how the routine is paced."""

    count_interval_s: float | None = None
    rate_wpm: int | None = None
    pre_roll_s: float = PRE_ROLL_S
    count_ticks: bool = False
    fit: bool = False

    def options(self, profile: Profile, selection: Selection | None = None) -> CompileOptions:
        """The compile options for this profile and these sections (all, if None)."""
        chosen = selection or Selection()
        return CompileOptions(
            profile=profile,
            count_interval_s=self.count_interval_s,
            rate_wpm=self.rate_wpm,
            pre_roll_s=self.pre_roll_s,
            count_ticks=self.count_ticks,
            fit=self.fit,
            section_ids=chosen.section_ids,
            from_section=chosen.from_section,
            from_side=chosen.from_side,
        )


@_group
def _timing(
    count_interval: Annotated[
        float | None,
        typer.Option(
            "--count-interval",
            parser=INTERVAL,
            metavar="SECONDS",
            help=f"Seconds between spoken counts, {INTERVAL.words} (overrides the routine).",
        ),
    ] = None,
    rate: Annotated[
        int | None,
        typer.Option(
            "--rate",
            parser=RATE,
            metavar="WPM",
            help=f"Speech rate, {RATE.words} words a minute (overrides the routine).",
        ),
    ] = None,
    pre_roll: Annotated[
        float,
        typer.Option(
            "--pre-roll",
            parser=PRE_ROLL,
            metavar="SECONDS",
            help=f"Quiet before the first sound ({PRE_ROLL.words} s), so Bluetooth headphones wake "
            "before the first word.",
        ),
    ] = PRE_ROLL_S,
    ticks: Annotated[bool, typer.Option("--ticks", metavar=FLAG, help="A quiet tick under each spoken count.")] = False,
    fit: Annotated[
        bool,
        typer.Option(
            "--fit",
            metavar=FLAG,
            help="Stretch counts, taps and presses to fit the voice (for a slower --rate) instead of stopping.",
        ),
    ] = False,
) -> Timing:
    return Timing(count_interval, rate, pre_roll, ticks, fit)


@dataclass(frozen=True)
class Selection:
    """--from, --only: which sections play."""

    from_section: str | None = None
    section_ids: tuple[str, ...] | None = None
    from_side: Side | None = None

    @property
    def chosen(self) -> bool:
        return self.from_section is not None or self.section_ids is not None


@_group
def _selection(
    from_section: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="SECTION",
            help="Start at this section and go on to the end (section ids: `voiceguide show`);"
            " ID:right starts a two-sided section at its right side.",
        ),
    ] = None,
    only: Annotated[
        str | None,
        typer.Option(
            "--only",
            metavar="SECTIONS",
            help="Just these sections, ids separated by commas (with the intro and closing).",
        ),
    ] = None,
) -> Selection:
    side = None
    if from_section is not None and ":" in from_section:
        from_section, _, named = from_section.partition(":")
        side = next((s for s in SIDES if s == named.strip().lower()), None)
        if side is None:
            raise UsageError(f"--from {from_section}:{named}: the side after ':' is left or right")
    if only is None:
        return Selection(from_section, None, side)
    sections = tuple(s.strip() for s in only.split(",") if s.strip())
    if not sections:
        raise UsageError("--only needs at least one section id, e.g. --only knees,ankles")
    return Selection(from_section, sections, side)


def _engines_in_words() -> str:
    return ", ".join(f"{kind.name} ({kind.about})" for kind in ENGINES.values())


@_group
def _voice(
    voice: Annotated[
        str | None,
        typer.Option(
            "--voice",
            metavar="VOICE",
            help="A voice's name, id or language, or a Piper voice file (NAME.onnx); see `voiceguide voices`.",
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            parser=ENGINE,
            metavar="ENGINE",
            help=f"Speech engine: {AUTO} (the best voice installed for the routine's language), {_engines_in_words()}.",
        ),
    ] = AUTO,
) -> VoiceChoice:
    return VoiceChoice(voice=voice, engine=engine)


@dataclass(frozen=True)
class RenderOutput:
    """-o, --format, --bitrate, --stereo, --transcripts, --force: what a render writes."""

    path: Path | None = None
    fmt: str | None = None
    bitrate_kbps: int = BITRATE_KBPS
    channels: int = 1
    transcripts: bool = True
    overwrite: bool = False
    into_folder: bool = False
    """-o was written ending in "/": a folder, to write the file into (made if missing)."""


@_group
def _output(
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Where to write; its ending (.mp3, .m4b, .wav) picks the format; a folder (or a name "
            "ending in /) gets ROUTINE.mp3 inside it (default: audio_out/ROUTINE.mp3; missing folders are made).",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", parser=FORMAT, metavar=FORMAT.metavar, help="mp3 (default), m4b (audiobook apps) or wav."
        ),
    ] = None,
    bitrate: Annotated[
        int, typer.Option("--bitrate", parser=BITRATE, metavar="KBPS", help="Bit rate in kbit/s for mp3 and m4b.")
    ] = BITRATE_KBPS,
    stereo: Annotated[bool, typer.Option("--stereo", metavar=FLAG, help="Two channels instead of one.")] = False,
    transcripts: Annotated[
        bool,
        typer.Option(
            "--transcripts/--no-transcripts",
            metavar=FLAG,
            help="Write WebVTT and LRC transcripts beside the file (FILE.vtt, FILE.lrc).",
        ),
    ] = True,
    force: Annotated[
        bool, typer.Option("--force", metavar=FLAG, help="Replace existing output files (regular files only).")
    ] = False,
) -> RenderOutput:
    into_folder = output is not None and output.endswith(("/", os.sep))
    path = None if output is None else Path(output)
    return RenderOutput(path, fmt, bitrate, 2 if stereo else 1, transcripts, force, into_folder)


# -- commands ---------------------------------------------------------------------------------


def command(app: typer.Typer, name: str | None = None, *, help: str | None = None) -> Callable[[F], F]:
    """Register `function` as a command: its group parameters become their options, library
    errors become one line on stderr with their exit status, and its help reads in words."""

    def register(function: F) -> F:
        app.command(name, cls=ProseCommand, help=help)(_reports_errors(_with_groups(function)))
        return function

    return register


def _with_groups(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` with each parameter typed as a group replaced, on the command line, by the
    group's own options; called with the value the group makes of them."""
    signature = inspect.signature(function, eval_str=True)
    params: list[inspect.Parameter] = []
    groups: dict[str, tuple[Callable[..., Any], list[str]]] = {}
    for param in signature.parameters.values():
        make = GROUPS.get(param.annotation)
        if make is None:
            params.append(param)
            continue
        own = list(inspect.signature(make, eval_str=True).parameters.values())
        groups[param.name] = (make, [p.name for p in own])
        params += own

    @functools.wraps(function)
    def run(**kwargs: Any) -> Any:
        for name, (make, names) in groups.items():
            kwargs[name] = make(**{n: kwargs.pop(n) for n in names})
        return function(**kwargs)

    run.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params}
    return run


def _reports_errors(function: F) -> F:
    """Library errors become one line on stderr and their exit status; no traceback."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except VoiceguideError as e:
            traceback_if_debugging()
            fail(str(e), e.exit_status)
        except BrokenPipeError:  # `voiceguide voices | head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(ExitStatus.ERROR) from None
        except OSError as e:  # a path or environment problem the library did not foresee
            traceback_if_debugging()
            where = f"{e.filename}: " if e.filename else ""
            fail(f"{where}{e.strerror or e}", ExitStatus.ERROR)

    return run  # type: ignore[return-value]


def fail(message: str, status: ExitStatus) -> NoReturn:
    """Say what is wrong in one line on stderr and exit with `status`."""
    typer.echo(f"voiceguide: error: {message}", err=True)
    raise typer.Exit(status)


class _OneLineErrors:
    """A bad command line is one line on stderr, exit status 2, like every other error."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args and getattr(self, "no_args_is_help", False):
            typer.echo(ctx.get_help())
            raise typer.Exit(ExitStatus.BAD_INPUT)
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc]
        except typer.TyperException as e:
            message = e.format_message()
            if "'-f'" in message:  # `cp -f`, `rm -f`: people type it meaning --force
                message += " (-f is --format: mp3, m4b or wav; to replace existing files, use --force)"
            fail(message, ExitStatus.BAD_INPUT)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)  # type: ignore[misc]
        except typer.TyperException as e:
            fail(e.format_message(), ExitStatus.BAD_INPUT)


class ProseGroup(_OneLineErrors, TyperGroup):
    """The command list, with one-line errors."""


class ProseCommand(_OneLineErrors, TyperCommand):
    """Help pages in plain words: arguments by their name (ROUTINE), not their type (<str>),
    and no braces in the usage line. Options show their metavar (SECONDS, WPM)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar or "[OPTIONS]"]
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.append(_argument_name(param))
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                arguments.append((_argument_name(param), getattr(param, "help", None) or ""))
            else:
                record = param.get_help_record(ctx)
                if record is not None:
                    options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _argument_name(param: Any) -> str:
    return str(param.metavar or param.name).upper()

"""The `voiceguide` command line: parse options, call one library function, print its result."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from voiceguide import __version__
from voiceguide.compiler import CompileOptions
from voiceguide.errors import ExitStatus, UsageError, VoiceguideError
from voiceguide.model import PROFILES, Profile

app = typer.Typer(
    name="voiceguide",
    help="Voice-guided routines (acupressure, stretching, physiotherapy), spoken live or rendered to MP3.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

F = TypeVar("F", bound=Callable[..., Any])


def _reports_errors(command: F) -> F:
    """Turn library errors into one line on stderr and their exit status; no traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except VoiceguideError as e:
            typer.echo(f"voiceguide: error: {e}", err=True)
            raise typer.Exit(e.exit_status) from None
        except KeyboardInterrupt:
            typer.echo("voiceguide: interrupted", err=True)
            raise typer.Exit(ExitStatus.INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


RoutineArg = Annotated[str, typer.Argument(help="A built-in routine's name (see `voiceguide list`) or a routine file.")]
ProfileOpt = Annotated[
    str, typer.Option("--profile", help="How ranges resolve: short (low end), standard (middle), full (high end).")
]
IntervalOpt = Annotated[
    float | None, typer.Option("--count-interval", help="Seconds between spoken counts (overrides the routine).")
]
RateOpt = Annotated[int | None, typer.Option("--rate", help="Speech rate in words per minute (overrides the routine).")]


def _options(profile: str, count_interval: float | None, rate: int | None, **extra: Any) -> CompileOptions:
    if profile not in PROFILES:
        raise UsageError(f"--profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    if count_interval is not None and not 0.3 <= count_interval <= 60:
        raise UsageError(f"--count-interval must be between 0.3 and 60 seconds, not {count_interval:g}")
    if rate is not None and not 80 <= rate <= 400:
        raise UsageError(f"--rate must be between 80 and 400 words per minute, not {rate}")
    chosen: Profile = profile  # type: ignore[assignment]
    return CompileOptions(profile=chosen, count_interval_s=count_interval, rate_wpm=rate, **extra)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"voiceguide {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    """Voice-guided routines, spoken live or rendered to a phone-ready MP3."""


@app.command()
@_reports_errors
def show(
    routine: RoutineArg,
    profile: ProfileOpt = "standard",
    count_interval: IntervalOpt = None,
    rate: RateOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the timeline as one JSON object.")] = False,
) -> None:
    """Print the cue sheet: every cue with its time, section and side, and the total length."""
    from voiceguide.cuesheet import format_cue_sheet
    from voiceguide.loader import load_routine
    from voiceguide.plan import plan_timeline

    timeline = plan_timeline(load_routine(routine), options=_options(profile, count_interval, rate))
    if as_json:
        typer.echo(json.dumps(timeline.to_json(), indent=1, ensure_ascii=False))
    else:
        typer.echo(format_cue_sheet(timeline), nl=False)


@app.command()
@_reports_errors
def validate(
    files: Annotated[list[str], typer.Argument(help="Routine files (or built-in names) to check.")],
) -> None:
    """Check routine files: the format, and that every profile lays out in time."""
    from voiceguide.loader import load_routine
    from voiceguide.plan import plan_timeline

    for source in files:
        loaded = load_routine(source)
        for profile in PROFILES:
            try:
                plan_timeline(loaded, options=CompileOptions(profile=profile))
            except VoiceguideError as e:
                raise type(e)(f"{source} ({profile} profile): {e}") from None
        typer.echo(f"{source}: ok ({len(loaded.sections)} sections)")


@app.command("list")
@_reports_errors
def list_routines() -> None:
    """List the built-in routines."""
    from voiceguide.loader import builtin_names, load_routine
    from voiceguide.plan import plan_timeline

    for name in builtin_names():
        loaded = load_routine(name)
        minutes = plan_timeline(loaded, options=CompileOptions()).total_s / 60
        typer.echo(f"{name:<16} {loaded.title} ({len(loaded.sections)} sections, about {minutes:.0f} min)")


@app.command()
def schema() -> None:
    """Print the JSON Schema of routine files, for editors."""
    from voiceguide.model import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


@app.command()
@_reports_errors
def new(
    file: Annotated[Path, typer.Argument(help="Where to write the starter routine (.yaml).")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite the file if it exists.")] = False,
) -> None:
    """Write a commented starter routine that validates, to edit into your own."""
    from voiceguide.files import write_text_atomic
    from voiceguide.starter import STARTER

    write_text_atomic(file, STARTER.format(filename=file.name), overwrite=force)
    typer.echo(f"wrote {file}")


def main() -> None:
    """The console script's entry point."""
    try:
        app()
    except KeyboardInterrupt:  # Ctrl-C outside a command (during imports, say)
        print("voiceguide: interrupted", file=sys.stderr)
        sys.exit(ExitStatus.INTERRUPTED)

"""The `voiceguide` command line: parse options, call one library function, print its result."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer

from voiceguide import __version__
from voiceguide.errors import CompileError, ExitStatus, UsageError, VoiceguideError

if TYPE_CHECKING:
    from voiceguide.compiler import CompileOptions
    from voiceguide.model import Profile

# The heavy parts (pydantic models, numpy) are imported inside the commands that need them:
# `--help` stays quick, and `play` can start its speech worker before paying for them.
PROFILES = ("short", "standard", "full")

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
    str,
    typer.Option("--profile", help="How ranges resolve: short (low end), standard (middle), full (high end)."),
]
IntervalOpt = Annotated[
    float | None,
    typer.Option("--count-interval", help="Seconds between spoken counts (overrides the routine)."),
]
RateOpt = Annotated[
    int | None,
    typer.Option("--rate", help="Speech rate in words per minute (overrides the routine)."),
]
VoiceOpt = Annotated[
    str | None,
    typer.Option("--voice", help="A voice's name, id or language (see `voiceguide voices`)."),
]
EngineOpt = Annotated[
    str, typer.Option("--engine", help="Speech engine: pyttsx3 (the default) or espeak (the same voices, faster).")
]
MP3_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


@contextlib.contextmanager
def _about(source: str) -> Iterator[None]:
    """Name the routine in compile errors (the loader already names it in its own)."""
    try:
        yield
    except CompileError as e:
        raise CompileError(f"{source}: {e}") from None


def _options(profile: str, count_interval: float | None, rate: int | None, **extra: Any) -> CompileOptions:
    from voiceguide.compiler import CompileOptions
    from voiceguide.model import Profile

    if profile not in PROFILES:
        raise UsageError(f"--profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    if count_interval is not None and not 0.3 <= count_interval <= 60:
        raise UsageError(f"--count-interval must be between 0.3 and 60 seconds, not {count_interval:g}")
    if rate is not None and not 80 <= rate <= 400:
        raise UsageError(f"--rate must be between 80 and 400 words per minute, not {rate}")
    return CompileOptions(profile=cast(Profile, profile), count_interval_s=count_interval, rate_wpm=rate, **extra)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"voiceguide {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Voice-guided routines, spoken live or rendered to a phone-ready MP3."""


@app.command()
@_reports_errors
def show(
    routine: RoutineArg,
    profile: ProfileOpt = "standard",
    count_interval: IntervalOpt = None,
    rate: RateOpt = None,
    voice: VoiceOpt = None,
    engine: EngineOpt = "pyttsx3",
    as_json: Annotated[bool, typer.Option("--json", help="Print the timeline as one JSON object.")] = False,
    estimate: Annotated[
        bool,
        typer.Option("--estimate", help="Estimate speech lengths from the rate even if clips are cached."),
    ] = False,
) -> None:
    """Print the cue sheet: every cue with its time, section and side, and the total length.

    Once the routine has been rendered, the cached clips give the real speech lengths and
    the sheet matches the track; before that, lengths are estimated from the speech rate.
    """
    from voiceguide.cuesheet import format_cue_sheet
    from voiceguide.loader import load_routine
    from voiceguide.plan import VoiceChoice, plan_timeline

    choice = None if estimate else VoiceChoice(voice=voice, engine=engine)
    options = _options(profile, count_interval, rate)
    with _about(routine):
        timeline = plan_timeline(load_routine(routine), options=options, choice=choice)
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
    from voiceguide.compiler import CompileOptions
    from voiceguide.loader import load_routine
    from voiceguide.plan import plan_timeline

    for source in files:
        loaded = load_routine(source)
        for profile in PROFILES:
            try:
                plan_timeline(loaded, options=CompileOptions(profile=cast("Profile", profile)))
            except CompileError as e:
                raise CompileError(f"{source} ({profile} profile): {e}") from None
        typer.echo(f"{source}: ok ({len(loaded.sections)} sections)")


@app.command("list")
@_reports_errors
def list_routines() -> None:
    """List the built-in routines."""
    from voiceguide.compiler import CompileOptions
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


@app.command()
@_reports_errors
def render(
    routine: RoutineArg,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write (default: audio_out/<routine>.<format>)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="mp3 (default), m4b (audiobook apps) or wav.")] = "mp3",
    profile: ProfileOpt = "standard",
    count_interval: IntervalOpt = None,
    rate: RateOpt = None,
    voice: VoiceOpt = None,
    engine: EngineOpt = "pyttsx3",
    bitrate: Annotated[int, typer.Option("--bitrate", help="Bit rate in kbit/s for mp3 and m4b.")] = 64,
    stereo: Annotated[bool, typer.Option("--stereo", help="Two channels instead of one.")] = False,
    ticks: Annotated[bool, typer.Option("--ticks", help="A quiet tick under each spoken count.")] = False,
    transcripts: Annotated[
        bool,
        typer.Option("--transcripts/--no-transcripts", help="Write .vtt and .lrc transcripts beside it."),
    ] = True,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")] = False,
) -> None:
    """Render a routine to an audio file with chapters, tags and transcripts, for a phone."""
    from voiceguide.export import FORMATS
    from voiceguide.loader import load_routine, routine_name
    from voiceguide.plan import VoiceChoice
    from voiceguide.progress import StageProgress
    from voiceguide.render import default_output
    from voiceguide.render import render as render_routine

    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if bitrate not in MP3_BITRATES:
        raise UsageError(f"--bitrate must be one of {', '.join(map(str, MP3_BITRATES))} kbit/s, not {bitrate}")
    options = _options(profile, count_interval, rate, count_ticks=ticks)
    loaded = load_routine(routine)
    target = output or default_output(routine_name(routine), fmt)
    with _about(routine), StageProgress() as progress:
        result = render_routine(
            loaded,
            output=target,
            fmt=fmt,
            options=options,
            choice=VoiceChoice(voice=voice, engine=engine),
            bitrate_kbps=bitrate,
            channels=2 if stereo else 1,
            overwrite=force,
            transcripts=transcripts,
            progress=progress,
        )
    minutes, seconds = divmod(round(result.duration_s), 60)
    typer.echo(f"{result.path}  {minutes}:{seconds:02d}  {result.size_bytes / 1e6:.1f} MB")
    for extra in result.transcripts:
        typer.echo(str(extra))


@app.command()
@_reports_errors
def play(
    routine: RoutineArg,
    profile: ProfileOpt = "standard",
    count_interval: IntervalOpt = None,
    rate: RateOpt = None,
    voice: VoiceOpt = None,
    engine_name: EngineOpt = "pyttsx3",
    from_section: Annotated[
        str | None, typer.Option("--from", help="Start at this section (its id, as `voiceguide show` lists).")
    ] = None,
    only: Annotated[
        str | None, typer.Option("--only", help="Play only these sections: ids separated by commas.")
    ] = None,
    lead_in: Annotated[bool, typer.Option("--lead-in/--no-lead-in", help='Say "Starting in 3, 2, 1" first.')] = True,
    ticks: Annotated[bool, typer.Option("--ticks", help="A quiet tick under each spoken count.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="One plain line per cue instead of the live view.")] = False,
) -> None:
    """Speak a routine live through the speakers, hands-free, paced by the clock.

    Keys (in a terminal): space pauses and resumes, n skips to the next section, p restarts
    the section (twice: the one before), q quits.
    """
    import queue

    from voiceguide.paths import voices_file
    from voiceguide.quickstart import start_key, take_early

    # A warm start speaks its lead-in from a small cached file at once, before the heavier
    # modules load; a cold one starts its speech worker now, so it boots meanwhile.
    quick_key = start_key(routine, voice=voice, rate=rate) if lead_in and engine_name == "pyttsx3" else None
    quick = take_early(quick_key)

    from voiceguide.speech import make_engine

    engine = make_engine(engine_name)
    if quick is None and not voices_file(engine.name).exists():
        engine.start()

    from rich.console import Console

    from voiceguide.live import SimpleaudioSink, play_routine
    from voiceguide.liveview import CueLines, LivePanel, keys
    from voiceguide.loader import load_routine
    from voiceguide.plan import VoiceChoice
    from voiceguide.speech.cache import ClipCache

    sections = tuple(s.strip() for s in only.split(",") if s.strip()) if only else None
    options = _options(profile, count_interval, rate, count_ticks=ticks, section_ids=sections)
    loaded = load_routine(routine)
    sink = SimpleaudioSink(probe=quick is None)  # fails fast, before any synthesis, with no device
    if quick is not None:
        sink.adopt(quick.playing)
    commands: queue.Queue = queue.Queue()
    console = Console()
    live = quiet or not console.is_terminal
    view_context = contextlib.nullcontext(CueLines()) if live else LivePanel(console)
    try:
        with _about(routine), keys(commands), view_context as view:
            finished = play_routine(
                loaded,
                options=options,
                choice=VoiceChoice(voice=voice, engine=engine_name),
                cache=ClipCache(),
                sink=sink,
                on_tick=view,
                commands=commands,
                lead_in=lead_in,
                from_section=from_section,
                engine=engine,
                quick=quick,
                quick_key=quick_key,
            )
    finally:
        engine.close()
    if not finished:
        typer.echo("stopped", err=True)


@app.command()
@_reports_errors
def voices(
    language: Annotated[str | None, typer.Option("--language", "-l", help="Only voices for this language.")] = None,
    engine_name: EngineOpt = "pyttsx3",
) -> None:
    """List the speech voices installed on this computer."""
    from voiceguide.plan import list_voices
    from voiceguide.speech import make_engine
    from voiceguide.speech.cache import ClipCache

    engine = make_engine(engine_name)
    try:
        found = list_voices(engine, ClipCache())
    finally:
        engine.close()
    for v in found:
        if language and not any(lang.casefold().startswith(language.casefold()) for lang in v.languages):
            continue
        typer.echo(f"{v.id:<28} {v.name:<36} {', '.join(v.languages)}")


def main() -> None:
    """The console script's entry point."""
    try:
        from voiceguide.quickstart import start_early

        start_early(sys.argv[1:])
        app()
    except KeyboardInterrupt:  # Ctrl-C outside a command (during imports, say)
        print("voiceguide: interrupted", file=sys.stderr)
        sys.exit(ExitStatus.INTERRUPTED)

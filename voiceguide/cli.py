"""The `voiceguide` command line: parse options, call one library function, print its result."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer
from typer.core import TyperCommand

from voiceguide.errors import CompileError, ExitStatus, MissingPart, UsageError, VoiceguideError
from voiceguide.limits import AUTO_ENGINE as AUTO
from voiceguide.limits import (
    COUNT_INTERVAL_S,
    MAX_SHARE_MINUTES,
    MP3_BITRATES,
    PRE_ROLL_RANGE_S,
    PRE_ROLL_S,
    PROFILES,
    RATE_WPM,
    SHARE_PORT,
)
from voiceguide.live.keys import KEYS_IN_WORDS
from voiceguide.render.names import OUTPUT_FOLDER

if TYPE_CHECKING:
    from voiceguide.limits import Profile
    from voiceguide.timeline.compiler import CompileOptions

# The heavy parts (pydantic models, numpy) are imported inside the commands that need them:
# `--help` stays quick, and `play` can start its speech worker before paying for them.


class _ProseCommand(TyperCommand):
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


app = typer.Typer(
    name="voiceguide",
    help="Voice-guided routines (acupressure, stretching, physiotherapy), spoken live or rendered to MP3.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    # Each command declares its own -h/--help (HelpOpt): the built-in one labels itself <bool>.
    context_settings={"help_option_names": []},
)

F = TypeVar("F", bound=Callable[..., Any])


def _reports_errors(command: F) -> F:
    """Turn library errors into one line on stderr and their exit status; no traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except VoiceguideError as e:
            _fail(str(e), e.exit_status)
        except OSError as e:  # a path or environment problem the library did not foresee
            where = f"{e.filename}: " if e.filename else ""
            _fail(f"{where}{e.strerror or e}", ExitStatus.ERROR)

    return wrapper  # type: ignore[return-value]


def _fail(message: str, status: ExitStatus) -> None:
    typer.echo(f"voiceguide: error: {message}", err=True)
    raise typer.Exit(status)


# Options shared by several commands, declared once. The metavars keep the help pages in
# words a person reads ("SECONDS"), not type names.
FLAG = ""
"""A flag's metavar: nothing, as a flag takes no value."""
RoutineArg = Annotated[
    str,
    typer.Argument(metavar="ROUTINE", help="A built-in routine's name (see `voiceguide list`) or a routine file."),
]
ProfileOpt = Annotated[
    str,
    typer.Option(
        "--profile",
        metavar="short|standard|full",
        help="How ranges such as [10, 15] resolve: the low end, the middle or the high end.",
    ),
]
IntervalOpt = Annotated[
    float | None,
    typer.Option("--count-interval", metavar="SECONDS", help="Seconds between spoken counts (overrides the routine)."),
]
RateOpt = Annotated[
    int | None,
    typer.Option("--rate", metavar="WPM", help="Speech rate in words per minute (overrides the routine)."),
]
VoiceOpt = Annotated[
    str | None,
    typer.Option(
        "--voice",
        metavar="VOICE",
        help="A voice's name, id or language, or a Piper voice file (NAME.onnx); see `voiceguide voices`.",
    ),
]
EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        metavar="ENGINE",
        help="Speech engine: auto (the best voice installed for the routine's language), piper (neural "
        "voices), pyttsx3 (espeak-ng, every language) or espeak (the same voices as pyttsx3, faster).",
    ),
]
FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="SECTION",
        help="Start at this section and go on to the end (section ids: `voiceguide show`).",
    ),
]
OnlyOpt = Annotated[
    str | None,
    typer.Option(
        "--only", metavar="SECTIONS", help="Just these sections, ids separated by commas (with the intro and closing)."
    ),
]
TicksOpt = Annotated[bool, typer.Option("--ticks", metavar=FLAG, help="A quiet tick under each spoken count.")]
PreRollOpt = Annotated[
    float,
    typer.Option(
        "--pre-roll",
        metavar="SECONDS",
        help="Quiet before the first sound, so Bluetooth headphones wake before the first word.",
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


def _pre_roll(seconds: float) -> float:
    low, high = PRE_ROLL_RANGE_S
    if not low <= seconds <= high:
        raise UsageError(f"--pre-roll must be between {low:g} and {high:g} seconds, not {seconds:g}")
    return seconds


@contextlib.contextmanager
def _about(source: str) -> Iterator[None]:
    """Name the routine in compile errors (the loader already names it in its own)."""
    try:
        yield
    except CompileError as e:
        raise CompileError(f"{source}: {e}") from None


def _options(
    profile: str,
    count_interval: float | None,
    rate: int | None,
    *,
    from_section: str | None = None,
    only: str | None = None,
    **extra: Any,
) -> CompileOptions:
    sections = _checked(profile, count_interval, rate, only)  # before anything heavy is imported

    from voiceguide.timeline.compiler import CompileOptions

    return CompileOptions(
        profile=cast("Profile", profile),
        count_interval_s=count_interval,
        rate_wpm=rate,
        section_ids=sections,
        from_section=from_section,
        **extra,
    )


def _checked(profile: str, count_interval: float | None, rate: int | None, only: str | None) -> tuple[str, ...] | None:
    """Check the timing options (at no cost: nothing is imported); the sections of --only."""
    if profile not in PROFILES:
        raise UsageError(f"--profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    low, high = COUNT_INTERVAL_S
    if count_interval is not None and not low <= count_interval <= high:
        raise UsageError(f"--count-interval must be between {low:g} and {high:g} seconds, not {count_interval:g}")
    if rate is not None and not RATE_WPM[0] <= rate <= RATE_WPM[1]:
        raise UsageError(f"--rate must be between {RATE_WPM[0]} and {RATE_WPM[1]} words per minute, not {rate}")
    if only is None:
        return None
    sections = tuple(s.strip() for s in only.split(",") if s.strip())
    if not sections:
        raise UsageError("--only needs at least one section id, e.g. --only knees,ankles")
    return sections


def _version(value: bool) -> None:
    if value:
        from voiceguide import __version__

        typer.echo(f"voiceguide {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", metavar=FLAG, callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    _help: HelpOpt = False,
) -> None:
    """Voice-guided routines, spoken live or rendered to a phone-ready MP3."""


@app.command(cls=_ProseCommand)
@_reports_errors
def show(
    routine: RoutineArg,
    profile: ProfileOpt = "standard",
    count_interval: IntervalOpt = None,
    rate: RateOpt = None,
    voice: VoiceOpt = None,
    engine: EngineOpt = "auto",
    from_section: FromOpt = None,
    only: OnlyOpt = None,
    pre_roll: PreRollOpt = PRE_ROLL_S,
    as_json: Annotated[
        bool, typer.Option("--json", metavar=FLAG, help="Print the timeline as one JSON object.")
    ] = False,
    estimate: Annotated[
        bool,
        typer.Option(
            "--estimate", metavar=FLAG, help="Estimate speech lengths from the rate even if clips are cached."
        ),
    ] = False,
    _help: HelpOpt = False,
) -> None:
    """Print the cue sheet: every cue with its time, section and side, and the total length.

    Once the routine has been rendered, the cached clips give the real speech lengths and
    the sheet matches the track; before that, lengths are estimated from the speech rate.
    """
    from voiceguide.routine.loader import load_routine
    from voiceguide.speech.plan import VoiceChoice, plan_timeline
    from voiceguide.timeline.cuesheet import format_cue_sheet

    choice = None if estimate else VoiceChoice(voice=voice, engine=engine)
    options = _options(
        profile, count_interval, rate, from_section=from_section, only=only, pre_roll_s=_pre_roll(pre_roll)
    )
    with _about(routine):
        timeline = plan_timeline(load_routine(routine), options=options, choice=choice)
    if as_json:
        typer.echo(json.dumps(timeline.to_json(), indent=1, ensure_ascii=False))
    else:
        typer.echo(format_cue_sheet(timeline), nl=False)


@app.command(cls=_ProseCommand)
def validate(
    files: Annotated[
        list[str], typer.Argument(metavar="ROUTINE...", help="Routine files (or built-in names) to check.")
    ],
    profile: Annotated[
        str | None,
        typer.Option("--profile", metavar="short|standard|full", help="Check only this profile (default: all three)."),
    ] = None,
    count_interval: IntervalOpt = None,
    rate: RateOpt = None,
    voice: VoiceOpt = None,
    engine: EngineOpt = "auto",
    pre_roll: PreRollOpt = PRE_ROLL_S,
    _help: HelpOpt = False,
) -> None:
    """Check routine files: the format, and that each profile lays out in time with the real voice.

    The check speaks every phrase with the voice that `render` would use (the clips are
    cached for the render), so a routine that validates renders, and one that fails here
    fails there. Every file is reported; the exit status is non-zero if any failed.
    """
    from voiceguide.speech.plan import VoiceChoice, validate_routine

    worst = ExitStatus.OK
    for source in files:
        try:
            profiles = PROFILES if profile is None else (cast("Profile", profile),)
            options = [_options(p, count_interval, rate, pre_roll_s=_pre_roll(pre_roll)) for p in profiles]
            summary = validate_routine(source, options=options, choice=VoiceChoice(voice=voice, engine=engine))
        except VoiceguideError as e:
            typer.echo(f"voiceguide: error: {e}", err=True)
            worst = max(worst, e.exit_status)
            continue
        typer.echo(f"{source}: ok ({summary})")
    if worst:
        raise typer.Exit(worst)


@app.command("list", cls=_ProseCommand)
@_reports_errors
def list_routines(
    _help: HelpOpt = False,
) -> None:
    """List the built-in routines."""
    from voiceguide.routine.loader import builtin_names, load_routine
    from voiceguide.speech.plan import plan_timeline
    from voiceguide.timeline.compiler import CompileOptions

    for name in builtin_names():
        loaded = load_routine(name)
        minutes = plan_timeline(loaded, options=CompileOptions()).total_s / 60
        typer.echo(f"{name:<16} {loaded.title} ({len(loaded.sections)} sections, about {minutes:.0f} minutes)")


@app.command(cls=_ProseCommand)
def schema(
    _help: HelpOpt = False,
) -> None:
    """Print the JSON Schema of routine files, for editors."""
    from voiceguide.routine.model import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


@app.command(cls=_ProseCommand)
@_reports_errors
def new(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the starter routine (.yaml).")],
    force: Annotated[bool, typer.Option("--force", metavar=FLAG, help="Overwrite the file if it exists.")] = False,
    _help: HelpOpt = False,
) -> None:
    """Write a commented starter routine that validates, to edit into your own."""
    from voiceguide.files import write_text_atomic
    from voiceguide.routine.starter import STARTER

    write_text_atomic(file, STARTER.format(filename=file.name), overwrite=force)
    typer.echo(f"wrote {file}")


@app.command(cls=_ProseCommand)
@_reports_errors
def render(
    routine: RoutineArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Where to write; its ending (.mp3, .m4b, .wav) picks the format "
            "(default: audio_out/ROUTINE.mp3; missing folders are made).",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", metavar="mp3|m4b|wav", help="mp3 (default), m4b (audiobook apps) or wav."),
    ] = None,
    profile: ProfileOpt = "standard",
    count_interval: IntervalOpt = None,
    rate: RateOpt = None,
    voice: VoiceOpt = None,
    engine: EngineOpt = "auto",
    from_section: FromOpt = None,
    only: OnlyOpt = None,
    pre_roll: PreRollOpt = PRE_ROLL_S,
    bitrate: Annotated[int, typer.Option("--bitrate", metavar="KBPS", help="Bit rate in kbit/s for mp3 and m4b.")] = 64,
    stereo: Annotated[bool, typer.Option("--stereo", metavar=FLAG, help="Two channels instead of one.")] = False,
    ticks: TicksOpt = False,
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
    _help: HelpOpt = False,
) -> None:
    """Render a routine to an audio file with chapters, tags and transcripts, for a phone."""
    if bitrate not in MP3_BITRATES:
        raise UsageError(f"--bitrate must be one of {', '.join(map(str, MP3_BITRATES))} kbit/s, not {bitrate}")
    options = _options(  # checked before anything heavy is imported
        profile,
        count_interval,
        rate,
        from_section=from_section,
        only=only,
        count_ticks=ticks,
        pre_roll_s=_pre_roll(pre_roll),
    )

    from voiceguide.progress import StageProgress
    from voiceguide.render.names import output_target
    from voiceguide.render.pipeline import render as render_routine
    from voiceguide.routine.loader import load_routine, routine_name
    from voiceguide.speech.plan import VoiceChoice
    from voiceguide.times import minutes_seconds

    target, target_fmt = output_target(output, fmt, routine_name(routine))
    loaded = load_routine(routine)
    with _about(routine), StageProgress() as progress:
        result = render_routine(
            loaded,
            output=target,
            fmt=target_fmt,
            options=options,
            choice=VoiceChoice(voice=voice, engine=engine),
            bitrate_kbps=bitrate,
            channels=2 if stereo else 1,
            overwrite=force,
            transcripts=transcripts,
            source=routine,
            progress=progress,
        )
    typer.echo(f"{result.path}  {minutes_seconds(result.duration_s)}  {result.size_bytes / 1e6:.1f} MB")
    for extra in result.transcripts:
        typer.echo(str(extra))


@app.command(
    cls=_ProseCommand,
    help="Speak a routine live through the speakers, hands-free, paced by the sound device.\n\n"
    f"Keys (in a terminal): {KEYS_IN_WORDS}.",
)
@_reports_errors
def play(
    routine: RoutineArg,
    profile: ProfileOpt = "standard",
    count_interval: IntervalOpt = None,
    rate: RateOpt = None,
    voice: VoiceOpt = None,
    engine_name: EngineOpt = "auto",
    from_section: FromOpt = None,
    only: OnlyOpt = None,
    lead_in: Annotated[
        bool, typer.Option("--lead-in/--no-lead-in", metavar=FLAG, help='Say "Starting in 3, 2, 1" first.')
    ] = True,
    pre_roll: PreRollOpt = PRE_ROLL_S,
    ticks: TicksOpt = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", metavar=FLAG, help="One plain line per cue instead of the live view.")
    ] = False,
    backend: Annotated[
        str,
        typer.Option(
            "--backend",
            metavar="auto|sounddevice|simpleaudio",
            help="How sound reaches the device: one continuous sounddevice stream (auto, when PortAudio "
            "is installed) or simpleaudio buffers joined in quiet moments.",
        ),
    ] = "auto",
    _help: HelpOpt = False,
) -> None:
    from voiceguide.live.output import BACKENDS

    if backend not in BACKENDS:
        raise UsageError(f"--backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    _checked(profile, count_interval, rate, only)
    _pre_roll(pre_roll)
    from voiceguide.live.start import play_command

    with _about(routine):
        outcome = play_command(
            routine,
            voice=voice,
            engine_name=engine_name,
            rate=rate,
            lead_in=lead_in,
            sections_chosen=from_section is not None or only is not None,
            pre_roll_s=pre_roll,
            backend=cast("Any", backend),
            quiet=quiet,
            options=lambda: _options(
                profile,
                count_interval,
                rate,
                from_section=from_section,
                only=only,
                count_ticks=ticks,
                pre_roll_s=pre_roll,
            ),
        )
    if outcome.stopped_at is not None:
        typer.echo(f"stopped at {outcome.stopped_at}", err=True)


@app.command(cls=_ProseCommand)
@_reports_errors
def voices(
    language: Annotated[
        str | None, typer.Option("--language", "-l", metavar="LANGUAGE", help="Only voices for this language (en, de).")
    ] = None,
    engine_name: EngineOpt = AUTO,
    download: Annotated[
        str | None,
        typer.Option(
            "--download",
            metavar="NAME",
            help="Fetch a Piper voice by name (e.g. de_DE-thorsten-medium) into your voices folder "
            "(needs the internet).",
        ),
    ] = None,
    _help: HelpOpt = False,
) -> None:
    """List the speech voices on this computer: engine, language, quality, licence, where from.

    With --engine auto (the default) every engine's voices are listed, Piper's first. A routine
    is spoken by a Piper voice for its language when one is installed, else by espeak-ng.
    """
    from voiceguide.speech import ENGINES, make_engine
    from voiceguide.speech.cache import ClipCache
    from voiceguide.speech.plan import list_voices

    if download is not None:
        from voiceguide.speech.download import download_voice

        path = download_voice(download)
        typer.echo(f"{download}: saved to {path}")
        return
    every = (["piper"] if _piper_installed() else []) + ["pyttsx3"]
    names = every if engine_name == AUTO else [engine_name]
    rows: list[tuple[str, ...]] = []
    for name in names:
        engine = make_engine(name)
        try:
            found = list_voices(engine, ClipCache())
        finally:
            engine.close()
        for v in found:
            if language and not any(lang.casefold().startswith(language.casefold()) for lang in v.languages):
                continue
            rows.append((name, v.id, ", ".join(v.languages), v.quality, v.licence, v.source))
    if not rows:
        where = f" for {language!r}" if language else ""
        raise MissingPart(f"no voices{where} (engines: {', '.join(ENGINES)}); `voiceguide voices` lists them all")
    header = ("ENGINE", "VOICE", "LANGUAGE", "QUALITY", "LICENCE", "FROM")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header) - 1)]
    for row in (header, *rows):
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])


@app.command(cls=_ProseCommand)
@_reports_errors
def share(
    routines: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[ROUTINE...]",
            help="Routines to share (rendered first if their MP3 is missing); none: every MP3 in the folder.",
        ),
    ] = None,
    minutes: Annotated[
        float, typer.Option("--minutes", metavar="MINUTES", help="Stop sharing after this long.")
    ] = 30.0,
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            metavar="ADDRESS",
            help="The address to listen on (default: this computer's address on the local network).",
        ),
    ] = None,
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", help="The port to listen on; 0 picks a free one.")
    ] = SHARE_PORT,
    folder: Annotated[
        Path, typer.Option("--folder", metavar="DIR", help="Where the rendered tracks are.")
    ] = OUTPUT_FOLDER,
    _help: HelpOpt = False,
) -> None:
    """Serve your rendered routines to your phone over the local network, with a QR code.

    Prints the page's address and a podcast feed's address, and a QR code of the page: scan
    it with the phone's camera (the phone must be on the same network). The page plays each
    routine with its chapters and shows the instruction being spoken; a podcast app can
    subscribe to the feed once and get every routine shared later. Every address holds a
    secret token; Ctrl-C stops sharing.
    """
    import sys

    if not 0 < minutes <= MAX_SHARE_MINUTES:
        raise UsageError(f"--minutes must be more than 0 and at most {MAX_SHARE_MINUTES:g}, not {minutes:g}")
    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be 0 to 65535, not {port}")
    if routines is None and not folder.is_dir():
        raise UsageError(f"{folder}: no such folder; render a routine first (voiceguide render back-pain)")
    names = [_rendered_for_sharing(routine, folder) for routine in routines] if routines else None

    from voiceguide.share.library import Library
    from voiceguide.share.server import share_until_stopped

    library = Library(folder, names)
    if not library.tracks():
        raise UsageError(
            f"{folder}: no rendered routines to share; name one (voiceguide share back-pain) or render one first"
        )

    def ready(base: str) -> None:
        import segno

        shared = len(library.tracks())
        typer.echo("On your phone (same network), open:")
        typer.echo(base)
        typer.echo("Or subscribe in a podcast app:")
        typer.echo(f"{base}feed.xml")
        segno.make(base, error="m").terminal(out=sys.stdout, compact=True, border=2)
        typer.echo(
            f"Sharing {shared} routine{'s' if shared != 1 else ''} from {folder} for {minutes:g} minutes; "
            "Ctrl-C stops.",
            err=True,
        )
        sys.stdout.flush()

    def alone() -> None:
        typer.echo("voiceguide: no local network found: only this computer can open the page", err=True)

    share_until_stopped(library, host=host, port=port, minutes=minutes, on_ready=ready, on_no_network=alone)
    typer.echo(f"Stopped sharing after {minutes:g} minutes.", err=True)


def _rendered_for_sharing(routine: str, folder: Path) -> str:
    """The track name for `routine`, rendering its MP3 into `folder` first if it is missing."""
    from voiceguide.progress import StageProgress
    from voiceguide.render.names import track_path
    from voiceguide.render.pipeline import render as render_routine
    from voiceguide.routine.loader import load_routine, routine_name
    from voiceguide.speech.plan import VoiceChoice

    name = routine_name(routine)
    target = track_path(folder, name)
    if not target.exists():
        loaded = load_routine(routine)
        with _about(routine), StageProgress() as progress:
            result = render_routine(
                loaded,
                output=target,
                options=_options("standard", None, None, pre_roll_s=PRE_ROLL_S),
                choice=VoiceChoice(),
                source=routine,
                progress=progress,
            )
        typer.echo(f"{result.path}  rendered", err=True)
    return name


def _piper_installed() -> bool:
    from voiceguide.speech.piper_voices import piper_installed

    return piper_installed()


def run(argv: list[str]) -> int:
    """Run one command line; its exit status. (The entry point in __main__ handles Ctrl-C.)"""
    try:
        app(args=argv, prog_name="voiceguide")
    except SystemExit as e:
        code = e.code
        if code is None:
            return ExitStatus.OK
        return code if isinstance(code, int) else ExitStatus.ERROR
    return ExitStatus.OK

"""The commands: each parses, makes one library call, prints.

The heavy parts (pydantic models, numpy) are imported inside the commands that need them:
`--help` and a bad option answer at once, and `play` starts its sound before they load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from voiceguide.cli.options import (
    FLAG,
    Between,
    HelpOpt,
    OneOf,
    ProfileOpt,
    ProseGroup,
    RenderOutput,
    RoutineArg,
    Selection,
    Timing,
    command,
)
from voiceguide.errors import ExitStatus, Interrupted, UsageError, VoiceguideError
from voiceguide.limits import MAX_SHARE_MINUTES, PROFILES, SHARE_PORT, Profile
from voiceguide.live.keys import KEYS_IN_WORDS
from voiceguide.live.settings import AUDIO_LIBRARIES
from voiceguide.render.names import OUTPUT_FOLDER
from voiceguide.speech.registry import AUTO, ENGINE_CHOICES, VoiceChoice

if TYPE_CHECKING:
    from voiceguide.languages.pack import Register
    from voiceguide.live.settings import AudioLibrary

app = typer.Typer(
    name="voiceguide",
    cls=ProseGroup,
    help="Voice-guided routines (acupressure, stretching, physiotherapy), spoken live or rendered to MP3.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    # Each command declares its own -h/--help (HelpOpt): the built-in one labels itself <bool>.
    context_settings={"help_option_names": []},
)


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


@command(app)
def show(
    routine: RoutineArg,
    selection: Selection,
    timing: Timing,
    voice: VoiceChoice,
    profile: ProfileOpt = "standard",
    as_json: Annotated[
        bool, typer.Option("--json", metavar=FLAG, help="Print the timeline as one JSON object.")
    ] = False,
    estimate: Annotated[
        bool,
        typer.Option(
            "--estimate", metavar=FLAG, help="Estimate speech lengths from the rate even if clips are cached."
        ),
    ] = False,
    spoken: Annotated[
        bool,
        typer.Option(
            "--spoken", metavar=FLAG, help="Show what the voice is given to say: numbers as words, as they are heard."
        ),
    ] = False,
    _help: HelpOpt = False,
) -> None:
    """Print the cue sheet: every cue with its time, section and side, and the total length.

    Once the routine has been rendered, the cached clips give the real speech lengths and
    the sheet matches the track; before that, lengths are estimated from the speech rate.
    """
    from voiceguide.app.routines import plan_routine
    from voiceguide.timeline.cuesheet import format_cue_sheet

    timeline = plan_routine(routine, options=timing.options(profile, selection), choice=None if estimate else voice)
    if as_json:
        typer.echo(json.dumps(timeline.to_json(), indent=1, ensure_ascii=False))
    else:
        typer.echo(format_cue_sheet(timeline, spoken=spoken), nl=False)


@command(app)
def validate(
    files: Annotated[
        list[str], typer.Argument(metavar="ROUTINE...", help="Routine files (or built-in names) to check.")
    ],
    timing: Timing,
    voice: VoiceChoice,
    profile: Annotated[
        Profile | None,
        typer.Option(
            "--profile",
            parser=OneOf(PROFILES),
            metavar="short|standard|full",
            help="Check only this profile (default: all three).",
        ),
    ] = None,
    _help: HelpOpt = False,
) -> None:
    """Check routine files: the format, and that each profile lays out in time with the real voice.

    The check speaks every phrase with the voice that `render` would use (the clips are
    cached for the render), so a routine that validates renders, and one that fails here
    fails there. Every file is reported; the exit status is non-zero if any failed.
    """
    from voiceguide.app.routines import validate_routine

    options = [timing.options(p) for p in (PROFILES if profile is None else (profile,))]
    worst = ExitStatus.OK
    for source in files:
        try:
            summary, notes = validate_routine(source, options=options, choice=voice)
        except VoiceguideError as e:
            typer.echo(f"voiceguide: error: {e}", err=True)
            worst = max(worst, e.exit_status)
            continue
        typer.echo(f"{source}: ok ({summary})")
        for note in notes:
            typer.echo(f"  note: {note}")
    if worst:
        raise typer.Exit(worst)


@command(app, "list")
def list_routines(_help: HelpOpt = False) -> None:
    """List the built-in routines."""
    from voiceguide.app.routines import builtin_summaries

    for name, title, sections, seconds in builtin_summaries():
        typer.echo(f"{name:<16} {title} ({sections} sections, about {seconds / 60:.0f} minutes)")


@command(app)
def schema(_help: HelpOpt = False) -> None:
    """Print the JSON Schema of routine files, for editors."""
    from voiceguide.routine.model import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


REGISTER = OneOf(("formal", "informal"))


@command(app)
def new(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the starter routine (.yaml).")],
    language: Annotated[
        str,
        typer.Option(
            "--language",
            "-l",
            metavar="LANGUAGE",
            help="The starter's language: a code such as de or pt-BR (a code it has no starter in lists those it has).",
        ),
    ] = "en",
    register: Annotated[
        str | None,
        typer.Option(
            "--register",
            metavar=REGISTER.metavar,
            parser=REGISTER,
            help="How the starter and voiceguide's sentences address the listener (default: the language's usual "
            "register); written into the routine.",
        ),
    ] = None,
    copy_of: Annotated[
        str | None,
        typer.Option(
            "--from", metavar="ROUTINE", help="Copy this routine (a built-in's name, or a file) to adapt, instead."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", metavar=FLAG, help="Overwrite the file if it exists.")] = False,
    _help: HelpOpt = False,
) -> None:
    """Write a commented starter routine that validates, to edit into your own; or, with
    --from, a copy of a routine (the built-in back-pain, say) to adapt."""
    from voiceguide.routine.starter import copy_routine, write_starter

    if register is not None and copy_of is not None:
        raise UsageError("--register writes a starter; a copy (--from) keeps the routine's own register")
    if copy_of is not None:
        copy_routine(copy_of, file, overwrite=force)
        typer.echo(f"wrote {file} (a copy of {copy_of})")
        return
    write_starter(file, language=language, register=cast("Register | None", register), overwrite=force)
    typer.echo(f"wrote {file}")


@command(app)
def render(
    routine: RoutineArg,
    output: RenderOutput,
    selection: Selection,
    timing: Timing,
    voice: VoiceChoice,
    profile: ProfileOpt = "standard",
    _help: HelpOpt = False,
) -> None:
    """Render a routine to an audio file with chapters, tags and transcripts, for a phone."""
    from voiceguide.progress import StageProgress
    from voiceguide.render.pipeline import UpToDate, render_source
    from voiceguide.render.provenance import RenderSettings
    from voiceguide.times import minutes_seconds

    settings = RenderSettings(
        timing.options(profile, selection), voice, output.bitrate_kbps, output.channels, output.transcripts
    )
    try:
        with StageProgress() as progress:
            result = render_source(
                routine,
                output=output.path,
                fmt=output.fmt,
                into_folder=output.into_folder,
                settings=settings,
                overwrite=output.overwrite,
                progress=progress,
            )
    except UpToDate as e:
        typer.echo(str(e))
        return
    typer.echo(f"{result.path}  {minutes_seconds(result.duration_s)}  {result.size_bytes / 1e6:.1f} MB")
    for extra in result.transcripts:
        typer.echo(str(extra))


@command(app)
def card(
    routine: RoutineArg,
    timing: Timing,
    voice: VoiceChoice,
    profile: ProfileOpt = "standard",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE.pdf",
            help="Where to write the PDF; the PNG goes beside it (default: audio_out/ROUTINE.card.pdf).",
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url", metavar="URL", help="Print a QR code of this address (the page `publish` or `share` prints)."
        ),
    ] = None,
    shared: Annotated[
        bool,
        typer.Option(
            "--share",
            metavar=FLAG,
            help="Print a QR code of the page `voiceguide share` serves from this computer "
            f"(its saved address, port {SHARE_PORT}).",
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", metavar=FLAG, help="Replace an existing card.")] = False,
    _help: HelpOpt = False,
) -> None:
    """Make a one-page card to print: each point set with its picture, where and how, the dose
    and the length; with --url or --share, a QR code to the phone page. Writes a PDF and a PNG."""
    from voiceguide.app.card import write_card
    from voiceguide.pictures.card import CardLink

    if url is not None and shared:
        raise UsageError("--url and --share both give the QR code's address; use one")
    if url is not None and not url.startswith(("http://", "https://")):
        raise UsageError(f"--url {url}: give the whole address, starting http:// or https://")
    if shared:
        from voiceguide.share.network import lan_address, saved_token, share_address

        url = share_address(lan_address(), SHARE_PORT, saved_token())
    pdf, png = write_card(
        routine,
        output=output,
        folder=OUTPUT_FOLDER,
        options=timing.options(profile),
        choice=voice,
        link=CardLink(url, shared) if url else None,
        overwrite=force,
    )
    typer.echo(str(pdf))
    typer.echo(str(png))


BACKEND = OneOf(AUDIO_LIBRARIES)
LISTEN_ENV = "VOICEGUIDE_LISTEN"
SPOKEN_COMMANDS = '"pause", "continue", "again" (the section), "next", "go back", "stop"'


@command(
    app,
    help="Speak a routine live through the speakers, hands-free, paced by the sound device.\n\n"
    f"Keys (in a terminal): {KEYS_IN_WORDS}. Media keys and headset buttons (Linux: MPRIS) "
    "play, pause, skip and stop it; with --listen, so do spoken commands.",
)
def play(
    routine: RoutineArg,
    selection: Selection,
    timing: Timing,
    voice: VoiceChoice,
    profile: ProfileOpt = "standard",
    lead_in: Annotated[
        bool, typer.Option("--lead-in/--no-lead-in", metavar=FLAG, help='Say "Starting in 3, 2, 1" first.')
    ] = True,
    quiet: Annotated[
        bool, typer.Option("--quiet", metavar=FLAG, help="One plain line per cue instead of the live view.")
    ] = False,
    listen: Annotated[
        bool,
        typer.Option(
            "--listen/--no-listen",
            metavar=FLAG,
            envvar=LISTEN_ENV,
            show_envvar=False,
            help=f"Listen for spoken commands: {SPOKEN_COMMANDS} (English; set {LISTEN_ENV}=1 to listen "
            "by default). voiceguide's own voice is cancelled out, so a command can be said over it.",
        ),
    ] = False,
    backend: Annotated[
        str,
        typer.Option(
            "--backend",
            parser=BACKEND,
            metavar=BACKEND.metavar,
            help="How sound reaches the device: one continuous sounddevice stream (auto, when PortAudio "
            "is installed) or simpleaudio buffers joined in quiet moments.",
        ),
    ] = "auto",
    _help: HelpOpt = False,
) -> None:
    from voiceguide.live.settings import PlaySettings
    from voiceguide.live.start import play_command

    library = cast("AudioLibrary", backend)  # one of AUDIO_LIBRARIES: the option's parser checked it
    settings = PlaySettings(timing.options(profile, selection), voice, lead_in, library, quiet, listen)
    try:
        outcome = play_command(routine, settings)
    except Interrupted as e:  # Ctrl-C says where it stopped, as `q` does, then exits 130
        for where in getattr(e, "__notes__", [])[:1]:
            typer.echo(f"stopped at {where}", err=True)
        raise
    if outcome.stopped_at is not None:
        typer.echo(f"stopped at {outcome.stopped_at}", err=True)


@command(app)
def voices(
    language: Annotated[
        str | None, typer.Option("--language", "-l", metavar="LANGUAGE", help="Only voices for this language (en, de).")
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            parser=OneOf(ENGINE_CHOICES),
            metavar="ENGINE",
            help=f"Only this engine's voices: {', '.join(ENGINE_CHOICES)} (auto: every installed engine's).",
        ),
    ] = AUTO,
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
    if download is not None:
        from voiceguide.speech.download import download_voice

        typer.echo(f"{download}: saved to {download_voice(download)}")
        return
    from voiceguide.speech.voices import installed_voices

    header = ("ENGINE", "VOICE", "LANGUAGE", "QUALITY", "LICENCE", "FROM")
    rows = [
        (v.engine, v.id, ", ".join(v.languages), v.quality, v.licence, v.source)
        for v in installed_voices(language, engine)
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header) - 1)]
    for row in (header, *rows):
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])


MINUTES = Between(0, MAX_SHARE_MINUTES, "minutes", float, above=True)
PORT = Between(0, 65535, "(0 picks a free port)", int)


@command(app)
def share(
    routines: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[ROUTINE...]",
            help="Routines to share (rendered first if missing or out of date); none: every MP3 in the folder,"
            " the out-of-date ones rendered again.",
        ),
    ] = None,
    minutes: Annotated[
        float,
        typer.Option("--minutes", parser=MINUTES, metavar="MINUTES", help="Stop sharing after this long."),
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
        int, typer.Option("--port", parser=PORT, metavar="PORT", help="The port to listen on; 0 picks a free one.")
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

    from voiceguide.progress import StageProgress
    from voiceguide.share.network import reaches_only_this_computer
    from voiceguide.share.prepare import library_to_share
    from voiceguide.share.server import share_until_stopped

    with StageProgress() as progress:
        library = library_to_share(routines, folder, say=lambda line: typer.echo(line, err=True), progress=progress)

    def ready(base: str) -> None:
        import segno

        shared = len(library.tracks())
        if reaches_only_this_computer(base):
            typer.echo(f"On this computer only (--host {host} cannot be reached from a phone), open:")
        else:
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


@command(app)
def publish(
    routines: Annotated[
        list[str],
        typer.Argument(metavar="ROUTINE...", help="Routines to publish (rendered first if missing or out of date)."),
    ],
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="The folder to write (new, empty, or published before).")
    ],
    base_url: Annotated[
        str,
        typer.Option(
            "--base-url",
            metavar="URL",
            help="The address DIR will have on the web host, such as https://example.org/back/.",
        ),
    ],
    unlisted: Annotated[
        bool,
        typer.Option(
            "--unlisted",
            metavar=FLAG,
            help="Put it all one folder down, under a secret name: only whoever has the address finds it.",
        ),
    ] = False,
    _help: HelpOpt = False,
) -> None:
    """Write the phone page, its podcast feed and the tracks to a folder for any web host.

    Copy DIR to a web host or a synced folder (a practice's website, Nextcloud, GitHub Pages)
    so it is at --base-url. Opened once over HTTPS (or on this computer), the page keeps
    itself and the tracks on the phone and plays them with no network; a podcast app can
    subscribe to the feed. `voiceguide card ROUTINE --url ADDRESS` prints its QR code.
    """
    import sys

    import segno

    from voiceguide.progress import StageProgress
    from voiceguide.share.publish import publish as publish_folder

    with StageProgress() as progress:
        published = publish_folder(routines, folder, base_url=base_url, unlisted=unlisted, progress=progress)
    for path in published.rendered:
        typer.echo(f"{path}  rendered", err=True)
    count = len(published.tracks)
    routines_said = f"{count} routine{'s' if count != 1 else ''}"
    typer.echo(f"Published {routines_said} in {published.folder}; once it is on the host, open:")
    typer.echo(published.address)
    typer.echo("Or subscribe in a podcast app:")
    typer.echo(published.feed)
    segno.make(published.address, error="m").terminal(out=sys.stdout, compact=True, border=2)


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

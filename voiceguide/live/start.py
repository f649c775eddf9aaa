"""How `voiceguide play` starts: the first sound as early as can be, then the session.

A warm start speaks its lead-in at once from a small cached file (quickstart.py) while the
heavier modules load; its key holds the routine's bytes. A section chosen with --from or
--only is checked before anything is heard, so it never follows half a lead-in. A cold start
boots its speech worker first (Piper's model takes a moment to load) and sounds the start
tone meanwhile: the entry point does (early.py), else `play` as soon as its options are
parsed, so the voice is ready once everything else has loaded; the loaded routine has the
last word on the voice.

The heavy modules are imported inside, in the order that keeps the first sound early.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from voiceguide.errors import about
from voiceguide.live.early import Start, boot_engine, sound_start, take, take_engine
from voiceguide.live.keys import Request
from voiceguide.live.output import open_output
from voiceguide.live.quickstart import cached_lead_in, start_key

if TYPE_CHECKING:
    from voiceguide.live.player import Outcome, Position
    from voiceguide.live.settings import PlaySettings


def play_command(routine: str, settings: PlaySettings) -> Outcome:
    """Play `routine` (a built-in's name or a file) live, with the keys and a view on the
    terminal (one plain line per cue if `settings.quiet` or not a terminal), the media keys,
    and with `settings.listen` the spoken commands."""
    options, choice, lead_in, library = settings.options, settings.choice, settings.lead_in, settings.library
    quiet, listen = settings.quiet, settings.listen
    sections_chosen = options.from_section is not None or options.section_ids is not None
    voice, engine_name = choice.voice, choice.engine
    quick_key = (
        start_key(routine, voice=voice, rate=options.rate_wpm, engine=engine_name)
        if lead_in and not sections_chosen
        else None
    )
    cached = cached_lead_in(quick_key)
    early = take(Start(quick_key, library, options.pre_roll_s, lead_in=cached is not None) if quick_key else None)
    with contextlib.ExitStack() as stack:
        stack.enter_context(about(routine))  # compile errors name the routine
        # Cold: the engine booted by the entry point, or booted now, first: it loads on the
        # other core while the rest does (warm: the clips are cached, an engine starts only if
        # one is missing).
        engine = take_engine(routine, voice, engine_name)
        if engine is None and cached is None:
            engine = boot_engine(routine, voice, engine_name)
        if engine is not None:
            stack.enter_context(contextlib.closing(engine))

        output = None
        if early is not None:  # the entry point started this same sound already
            output = stack.enter_context(contextlib.closing(early))
        elif quick_key is not None:  # the lead-in, or the start tone while the voice loads
            output = stack.enter_context(contextlib.closing(open_output(library)))
            sound_start(output, options.pre_roll_s, cached)

        from voiceguide.live.track import LiveTrack
        from voiceguide.routine.loader import load_routine
        from voiceguide.speech.cache import ClipCache

        loaded = load_routine(routine)
        if output is None:  # opened before any synthesis: no device is said at once
            output = stack.enter_context(contextlib.closing(open_output(library)))
        # The track asks for its lead-in now, so it is spoken while the view, the keys and the
        # listener load (on a cold start the voice's worker is ready by then: early.py).
        track = LiveTrack(loaded, options=options, choice=choice, cache=ClipCache(), lead_in=lead_in, engine=engine)
        stack.enter_context(contextlib.closing(track))

        from rich.console import Console

        from voiceguide.languages import screen_for
        from voiceguide.live.keys import keys
        from voiceguide.live.session import play_routine
        from voiceguide.live.view import CueLines, LivePanel

        commands: queue.Queue[Request] = queue.Queue()
        console = Console()
        plain = quiet or not console.is_terminal
        heard = stack.enter_context(_listening(listen, commands, loaded.language, output, plain=plain))
        notes = (lambda: None) if heard is None else heard[1]
        before = loaded.phrase_table.lead_in if lead_in and not sections_chosen else None
        words = screen_for(loaded.language)
        view_context = (
            contextlib.nullcontext(CueLines(words=words))
            if plain
            else LivePanel(console, note=notes, before=before, words=words)
        )
        with keys(commands), _media_keys(commands) as media, view_context as view:
            ticks = [tick for tick in (view, media, None if heard is None else heard[0]) if tick is not None]
            return play_routine(
                track,
                settings=settings,
                output=output,
                on_tick=ticks[0] if len(ticks) == 1 else _all(ticks),
                commands=commands,
                quick_key=quick_key,
                lead_in_started=cached is not None,
            )
    raise AssertionError("unreachable")  # pragma: no cover


def _all(ticks: list[Callable[[Position], None]]) -> Callable[[Position], None]:
    def tick(position: Position) -> None:
        for each in ticks:
            each(position)

    return tick


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _listening(
    listen: bool, commands: queue.Queue[Request], language: str, output: object, *, plain: bool
) -> Iterator[tuple[Callable[[Position], None], Callable[[], str]] | None]:
    """Spoken commands while playing, if asked for: the on_tick that tells the listener what
    the voice says, and the view's line about it; else None."""
    if not listen:
        yield None
        return
    from voiceguide.audio.mix import MIX_RATE
    from voiceguide.live.listen import listening

    with listening(commands, language=language, output=output, rate=MIX_RATE, say=_say, print_heard=plain) as heard:
        yield heard


@contextlib.contextmanager
def _media_keys(commands: queue.Queue[Request]) -> Iterator[Callable[[Position], None] | None]:
    """The MPRIS player (Linux, with a session bus), else None."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):  # no bus: dbus-fast is not even loaded
        yield None
        return
    try:
        from voiceguide.live.mpris import media_keys
    except ImportError:  # dbus-fast is installed on Linux only
        yield None
        return
    with media_keys(commands) as media:
        yield media

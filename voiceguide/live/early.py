"""A warm `play`'s first sound before the command line loads; a cold one's voice booting by then.

The command line (typer, its option groups, the settings they build) takes about 0.1 s to
load and parse here, longer than the rest of a warm start. So the entry point hands the
arguments of a plain `voiceguide play ROUTINE [options]` here first: if they are all among
the few read below and each is valid, the output starts at once, with the lead-in for them
if it is cached (quickstart.py). The command line then parses the arguments as ever, and
`play` carries on in that output if what it parsed starts the same lead-in (`take`); else,
or if the command never gets that far (a bad argument), the early output is closed
(`close_unused`). Anything else (a --from, a --help, an option not read here) leaves the
start to `play` itself, as before.

A cold start (no lead-in cached) boots its speech engine here (`boot_engine`): Piper's worker
loads its model, about half a second, while the command line and the routine load on the
other core, rather than after them. `play` takes that engine if it asks for the same one
(`take_engine`). Meanwhile the output starts with a short rising tone (`START_TONE`), so the
listener hears at once that play has begun, and the pre-roll runs while the voice loads: on a
device with the default pre-roll, the first word comes about when a warm start's does.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voiceguide.limits import AUTO_ENGINE, PRE_ROLL_RANGE_S, PRE_ROLL_S, PROFILES, RATE_WPM, SAMPLE_RATE
from voiceguide.live.settings import AUDIO_LIBRARIES

if TYPE_CHECKING:
    from voiceguide.live.feed import SoundOutput
    from voiceguide.speech.base import SpeechEngine

FLAGS = {"--quiet", "--listen", "--no-listen", "--lead-in"}
"""Options without a value that do not change how the lead-in starts."""
VALUES = {"--voice", "--engine", "--rate", "--profile", "--backend", "--pre-roll"}
"""Options with a value read here."""
START_TONE = "start"
"""What a start with no lead-in cached sounds at once, while its voice loads (tones.py)."""


@dataclass(frozen=True)
class Start:
    """What an early start was made for: `play` carries on in its output only if it would start
    the same lead-in the same way."""

    key: str
    library: str
    pre_roll_s: float
    lead_in: bool
    """Begun with the cached lead-in; else with the start tone (`START_TONE`), the lead-in to
    follow once it is made."""


_started: tuple[Start, SoundOutput] | None = None
_booted: tuple[tuple[str, str | None, str], SpeechEngine] | None = None
"""The engine booted for (routine, voice, engine asked for)."""


def start_early(argv: list[str]) -> None:
    """Start the sound of `play ROUTINE` with these arguments, if they are simple and valid: the
    cached lead-in, or the start tone with the voice booting; else do nothing. Nothing here
    fails the command: whatever goes wrong, `play` starts as it would have, and says what is
    wrong in its own words."""
    with contextlib.suppress(Exception):
        _start_early(argv)


def _start_early(argv: list[str]) -> None:
    global _started, _booted
    start = _read(argv)
    if start is None:
        return
    from voiceguide.live.output import open_output
    from voiceguide.live.quickstart import cached_lead_in, start_key

    routine, voice, engine, rate, library, pre_roll_s = start
    key = start_key(routine, voice=voice, rate=rate, engine=engine)
    cached = cached_lead_in(key)
    if cached is None:
        booted = boot_engine(routine, voice, engine)
        if booted is not None:
            _booted = ((routine, voice, engine), booted)
    if key is None:
        return  # no such routine: `play` says so
    output = open_output(library)  # type: ignore[arg-type]  # one of AUDIO_LIBRARIES: checked above
    try:
        sound_start(output, pre_roll_s, cached)
    except Exception:
        output.close()
        raise
    _started = (Start(key, library, pre_roll_s, lead_in=cached is not None), output)


def sound_start(output: SoundOutput, pre_roll_s: float, cached: bytes | None) -> None:
    """Start `output` with the cached lead-in; or, where none is cached, with the start tone
    while the voice loads (the lead-in follows it once made)."""
    from voiceguide.live.feed import LeadIn, begin

    if cached is not None:
        begin(output, at=0, pre_roll_s=pre_roll_s, lead_in=LeadIn(cached))
    else:
        from voiceguide.tones import live_pcm

        begin(output, at=0, pre_roll_s=pre_roll_s, opening=live_pcm(START_TONE, SAMPLE_RATE))


def take(start: Start | None) -> SoundOutput | None:
    """The early output, if it was started for `start` (it is then `play`'s to close); an early
    output started otherwise (or where `play` makes no quick start) is closed."""
    global _started
    if _started is None:
        return None
    made, output = _started
    _started = None
    if made == start:
        return output
    with contextlib.suppress(Exception):
        output.close()
    return None


def boot_engine(routine: str, voice: str | None, engine_name: str) -> SpeechEngine | None:
    """A cold start's speech engine, its worker started without waiting, so it boots while
    everything else loads: for `auto`, Piper with the voice the routine's language likely takes
    (the loaded routine has the last word); another engine asked for, only if its voice list is
    not remembered yet (its worker lists them). None where `auto` finds no Piper voice."""
    from voiceguide.live.quickstart import peek_language
    from voiceguide.paths import voices_file
    from voiceguide.speech.registry import ENGINES, make_engine, piper_voice_for

    if engine_name != AUTO_ENGINE:
        engine = make_engine(engine_name)
        if voices_file(ENGINES[engine.name].voice_list).exists():
            return engine  # its voices are known: its worker starts when a phrase is missing
        preload = None
    else:
        preload = piper_voice_for(voice, peek_language(routine))
        if preload is None:
            return None
        engine = make_engine("piper")
    try:
        engine.start(preload=preload)
    except BaseException:
        engine.close()
        raise
    return engine


def take_engine(routine: str, voice: str | None, engine_name: str) -> SpeechEngine | None:
    """The engine the entry point booted, if for this same routine, voice and engine (it is
    then the caller's to close); one booted otherwise is closed."""
    global _booted
    if _booted is None:
        return None
    made, engine = _booted
    _booted = None
    if made == (routine, voice, engine_name):
        return engine
    with contextlib.suppress(Exception):
        engine.close()
    return None


def close_unused() -> None:
    """Close an early output or engine the command did not take (it failed before it played)."""
    global _started, _booted
    for unused in (_started, _booted):
        if unused is not None:
            with contextlib.suppress(Exception):
                unused[1].close()
    _started = _booted = None


def _read(argv: list[str]) -> tuple[str, str | None, str, int | None, str, float] | None:
    """(routine, voice, engine, rate, audio library, pre-roll) of a plain, valid `play`; None
    for anything else."""
    if not argv or argv[0] != "play":
        return None
    routine: str | None = None
    values: dict[str, str] = {}
    args = iter(argv[1:])
    for arg in args:
        if arg in FLAGS:
            continue
        if arg in VALUES:
            value = next(args, None)
            if value is None or arg in values:
                return None
            values[arg] = value
        elif arg.startswith("-") or routine is not None:
            return None  # --from, --help, --no-lead-in, an option not read here, a second routine
        else:
            routine = arg
    try:
        rate = int(values["--rate"]) if "--rate" in values else None
        pre_roll_s = float(values.get("--pre-roll", PRE_ROLL_S))
    except ValueError:
        return None
    library = values.get("--backend", "auto")
    checks = (
        routine is not None,
        rate is None or RATE_WPM[0] <= rate <= RATE_WPM[1],
        PRE_ROLL_RANGE_S[0] <= pre_roll_s <= PRE_ROLL_RANGE_S[1],
        values.get("--profile", "standard") in PROFILES,
        library in AUDIO_LIBRARIES,
        values.get("--engine", AUTO_ENGINE) in _engines(),
    )
    if not all(checks):
        return None
    assert routine is not None
    return routine, values.get("--voice"), values.get("--engine", AUTO_ENGINE), rate, library, pre_roll_s


def _engines() -> tuple[str, ...]:
    from voiceguide.speech.registry import ENGINE_CHOICES

    return ENGINE_CHOICES

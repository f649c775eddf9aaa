"""A live run: the routine's track, the output and the player, put together."""

from __future__ import annotations

import queue
from collections.abc import Callable

from voiceguide.audio.mix import MIX_RATE
from voiceguide.live.feed import SoundOutput
from voiceguide.live.keys import Request
from voiceguide.live.player import MonotonicClock, Outcome, Player, Position, describe_position
from voiceguide.live.quickstart import remember
from voiceguide.live.settings import PlaySettings
from voiceguide.live.track import LiveTrack

LEAD_IN_WAIT_S = 30.0
"""How long the lead-in may take to synthesise on a cold start."""


def play_routine(
    track: LiveTrack,
    *,
    settings: PlaySettings,
    output: SoundOutput,
    on_tick: Callable[[Position], None],
    commands: queue.Queue[Request],
    quick_key: str | None = None,
    lead_in_started: bool = False,
) -> Outcome:
    """Play the routine's track live, to the end or until the listener quits.

    The options' `pre_roll_s` is played before the lead-in, and again after
    each pause. If `output` is already playing, a quick start began it: with the cached
    lead-in (`lead_in_started`), else with the start tone, the lead-in to follow; `quick_key`
    is where this run's lead-in is remembered for the next quick start.
    """
    options, lead_in = settings.options, settings.lead_in
    if lead_in and track.lead_in is None:
        track.wait_until(lambda s: track.lead_in is not None, LEAD_IN_WAIT_S)
    if quick_key is not None and track.lead_in is not None:
        remember(quick_key, track.lead_in.pcm)
    player = Player(
        track,
        output=output,
        clock=MonotonicClock(),
        commands=commands,
        on_tick=on_tick,
        pre_roll_s=options.pre_roll_s,
    )
    # The plan starts with its own pre-roll of quiet (as a rendered file does); the
    # output plays that same quiet before the lead-in, so the track goes on from after it.
    start = round(options.pre_roll_s * MIX_RATE)
    finished = player.play(start_sample=start, lead_in=track.lead_in if lead_in and not lead_in_started else None)
    if player.stopped_at is None:
        return Outcome(finished)
    return Outcome(finished, describe_position(track.state().timeline, player.stopped_at))

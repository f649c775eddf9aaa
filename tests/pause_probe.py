"""Run by test_sound_server in its own process, through the test sound server: the real
player and output play a track whose every sample says where it is, pause after 3 s of it
has been heard, resume a second later, and quit 2 s after that: each step is taken on the
player's own tick, from what it says is being heard, never from a timer."""

from __future__ import annotations

import json
import queue
import sys
import time

import numpy as np

from voiceguide.audio.mix import MIX_RATE, PCM_CHUNK
from voiceguide.live.keys import Command
from voiceguide.live.output import open_output
from voiceguide.live.player import MonotonicClock, Player, Position
from voiceguide.live.track import TrackState
from voiceguide.routine.loader import parse_routine
from voiceguide.timeline.compiler import compile_routine
from voiceguide.timeline.options import CompileOptions

PERIOD = 20000
"""Sample k holds 1000 + k % PERIOD: never quiet, and its place can be read back."""

ROUTINE = parse_routine(
    "voiceguide: 1\ntitle: Probe\nsections:\n  - {id: a, title: A, steps: [{hold: {count: 30, interval: 1.0}}]}\n",
    origin="probe",
)
TIMELINE = compile_routine(ROUTINE, options=CompileOptions(), speech_length=lambda text: 0.3)
TOTAL = round(TIMELINE.total_s * MIX_RATE)


class Encoded:
    def state(self) -> TrackState:
        return TrackState(TIMELINE, TOTAL, True)

    def chunk(self, index: int) -> np.ndarray:
        start = index * PCM_CHUNK
        return (1000 + np.arange(start, min(start + PCM_CHUNK, TOTAL)) % PERIOD).astype(np.int16)


def main() -> None:
    commands: queue.Queue[Command] = queue.Queue()
    steps: dict[str, float] = {}

    def on_tick(position: Position) -> None:
        """The player's own tick drives the probe: pause once 3 s have been heard, resume once
        it has been paused for a second (long enough to show as a gap), quit 2 s later."""
        now = time.monotonic()
        if "paused" not in steps and position.sample >= 3 * MIX_RATE:
            steps["paused"] = now
            commands.put(Command.PAUSE)
        elif "resumed" not in steps and position.paused and now - steps["paused"] >= 1.0:
            steps["resumed"] = position.sample
            steps["resume_pressed"] = now
            commands.put(Command.PAUSE)
        elif "resumed" in steps and "quit" not in steps and position.sample >= steps["resumed"] + 2 * MIX_RATE:
            steps["quit"] = now
            commands.put(Command.QUIT)

    output = open_output(sys.argv[1] if len(sys.argv) > 1 else "auto")  # type: ignore[arg-type]
    try:
        player = Player(Encoded(), output=output, clock=MonotonicClock(), commands=commands, on_tick=on_tick)
        player.play()
    finally:
        output.close()
    # When pause and resume were asked for (seconds apart): the recording's gap, less this, is
    # how much later the sound came back than it went (the resume's delay, the pause's being nil).
    print(json.dumps({"stopped_at": player.stopped_at, "asked_apart_s": steps["resume_pressed"] - steps["paused"]}))


if __name__ == "__main__":
    main()

"""Media keys: a running `play` is an MPRIS player on a real session bus (a private
dbus-daemon), driven by `playerctl` as a desktop's media keys or a headset's buttons are,
while its sound goes through the private PulseAudio server and is recorded."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from sound_server import SoundServer

from conftest import needs_sound_server, read_line

ROUTINE = """
voiceguide: 1
title: Media keys test
settings: {get_ready: 0}
sections:
  - {id: alpha, title: Alpha point, steps: [{hold: {count: 30}}]}
  - {id: beta, title: Beta point, steps: [{hold: {count: 30}}]}
  - {id: gamma, title: Gamma point, steps: [{hold: {count: 30}}]}
"""

WAIT_S = 60.0
"""The most any step may take on a slow machine; a step that works takes a fraction of it."""

needs_playerctl = pytest.mark.skipif(
    not (shutil.which("playerctl") and shutil.which("dbus-daemon")) and not os.environ.get("CI"),
    reason="needs playerctl and dbus-daemon (make test installs them)",
)


@pytest.fixture
def session_bus(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private session bus; the environment that reaches it."""
    address = f"unix:path={tmp_path / 'bus'}"
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", f"--address={address}", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert daemon.stdout is not None
        printed = read_line(daemon.stdout, WAIT_S)  # printed once it listens
        assert printed.startswith("unix:"), printed
        yield {"DBUS_SESSION_BUS_ADDRESS": printed.strip()}
    finally:
        daemon.terminate()
        daemon.wait(10)


class Playing:
    """`voiceguide play --quiet` with its cue lines collected as they are heard."""

    def __init__(self, routine: Path, env: dict[str, str]) -> None:
        self.env = env
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voiceguide", "play", str(routine), "--no-lead-in", "--quiet"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.failures: list[str] = []
        """playerctl calls that failed, and how long they took: shown when a wait runs out."""
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._lock:
                self.lines.append(line)

    def heard(self) -> list[str]:
        with self._lock:
            return list(self.lines)

    def playerctl(self, *args: str) -> str:
        started = time.monotonic()
        result = subprocess.run(
            ["playerctl", "-p", "voiceguide", *args], env=self.env, capture_output=True, text=True, timeout=WAIT_S
        )
        if result.returncode:
            self.failures.append(
                f"playerctl {' '.join(args)}: {result.stderr.strip()} ({time.monotonic() - started:.1f} s)"
            )
        return result.stdout.strip()

    def position(self) -> float:
        """The position in seconds (NaN if the player did not answer: a wait then goes on)."""
        answer = self.playerctl("position")
        return float(answer) if answer else float("nan")

    def until(self, what: str, check: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT_S
        while not check():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"play ended ({self.process.returncode}) waiting for {what}: {self.stderr()};"
                    f" heard {self.heard()[-6:]}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {WAIT_S} s; heard {self.heard()[-3:]}; {self.failures[-3:]}")
            time.sleep(0.05)

    def stderr(self) -> str:
        assert self.process.stderr is not None
        return self.process.stderr.read() if self.process.poll() is not None else ""

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


@pytest.mark.slow
@needs_sound_server
@needs_playerctl
def test_media_keys_pause_resume_skip_and_stop_a_running_play(
    tmp_path: Path, sound_server: SoundServer, session_bus: dict[str, str]
) -> None:
    routine = tmp_path / "keys.yaml"
    routine.write_text(ROUTINE)
    env = {**os.environ, **sound_server.env(), **session_bus}
    play = Playing(routine, env)
    try:
        play.until("the player on the bus", lambda: play.playerctl("status") == "Playing")
        assert play.playerctl("metadata", "xesam:album") == "Media keys test"
        assert play.playerctl("metadata", "xesam:title") == "1. Alpha point"
        play.until("a count heard", lambda: any("alpha" in line for line in play.heard()))

        with sound_server.recording() as recording:
            play.playerctl("pause")
            play.until("the pause", lambda: play.playerctl("status") == "Paused")
            play.playerctl("pause")  # a second Pause leaves it paused (unlike play-pause)
            recording.wait_for_more(0.5)  # the tail the server still held plays out
            heard_then = len(play.heard())  # (and a cue line already on its way is read)
            start = recording.seconds()
            recording.wait_for_more(2.0)  # counts come every 1.2 s: playing, 2 s would hold one
            paused = recording.samples()[round(start * 44100) :]
        assert play.playerctl("status") == "Paused"
        assert np.max(np.abs(paused)) < 1e-3, "sound while paused"
        assert len(play.heard()) == heard_then, "cues went on while paused"

        play.playerctl("play")
        play.until("the resume", lambda: play.playerctl("status") == "Playing")
        play.until("counts again", lambda: len(play.heard()) > heard_then)
        play.playerctl("play-pause")  # a headset's one button: toggles
        play.until("a toggled pause", lambda: play.playerctl("status") == "Paused")
        play.playerctl("play-pause")
        play.until("a toggled resume", lambda: play.playerctl("status") == "Playing")

        play.playerctl("next")
        play.until("the next section", lambda: play.playerctl("metadata", "xesam:title") == "2. Beta point")
        play.until("Beta heard", lambda: any("beta" in line for line in play.heard()))
        play.playerctl("next")
        play.until("the third section", lambda: play.playerctl("metadata", "xesam:title") == "3. Gamma point")
        play.until("Gamma heard", lambda: any("gamma" in line for line in play.heard()))
        # The position is the track's: Gamma starts after Alpha's and Beta's 30 counts each.
        # Well into it, one "previous" goes back to its start: 8 s back, so there is time to see
        # the position there before it grows past where it was.
        positions: list[float] = []
        play.until("a position in Gamma", lambda: positions.append(play.position()) or positions[-1] > 0)
        gamma = positions[-1]
        assert 72.0 < gamma < 72.0 + WAIT_S
        play.until("eight seconds into Gamma", lambda: positions.append(play.position()) or positions[-1] > gamma + 8)
        before = positions[-1]
        play.playerctl("previous")  # once: back to the start of the section being heard
        play.until("Gamma from its start", lambda: play.position() < before - 5.0)
        assert play.playerctl("metadata", "xesam:title") == "3. Gamma point"
        # (Twice within 2 s goes a section further back: test_a_second_previous_within_two_
        # seconds_goes_one_section_further_back, on a clock of its own. Two playerctl calls are
        # not sure to land within 2 s of each other on a loaded machine.)

        play.playerctl("stop")
        assert play.process.wait(WAIT_S) == 0
        assert "stopped at 3. Gamma point, at " in play.stderr()
    finally:
        play.close()


def test_without_a_session_bus_play_goes_on_silently() -> None:
    from voiceguide.live.keys import Command
    from voiceguide.live.mpris import media_keys

    commands: queue.Queue[Command] = queue.Queue()
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        with media_keys(commands) as media:
            assert media is None
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/bus"
        with media_keys(commands) as media:
            assert media is None  # a bus that is not there: no error, no player
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_a_second_previous_within_two_seconds_goes_one_section_further_back() -> None:
    """The rule the media keys and `p` share, on a clock the test moves."""
    from voiceguide.live.keys import RESTART_TWICE_S, Command, Restarts

    now = [100.0]
    going_back = Restarts(lambda: now[0])
    assert going_back(Command.RESTART) is Command.RESTART  # the start of this section
    now[0] += RESTART_TWICE_S - 0.1
    assert going_back(Command.RESTART) is Command.PREVIOUS  # again at once: the one before
    now[0] += RESTART_TWICE_S - 0.1
    assert going_back(Command.RESTART) is Command.PREVIOUS  # and again: one more back
    now[0] += RESTART_TWICE_S + 0.1
    assert going_back(Command.RESTART) is Command.RESTART  # a while later: this section again
    assert going_back(Command.NEXT) is Command.NEXT

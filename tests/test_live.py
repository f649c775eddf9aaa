"""Live playback: the scheduler under a fake clock, and real playback captured by ALSA."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from voiceguide.compiler import CompileOptions, compile_routine
from voiceguide.live import (
    PCM_CHUNK,
    RESTART_TWICE_S,
    Command,
    Player,
    Position,
    TrackState,
    describe_position,
    keys_from,
)
from voiceguide.loader import parse_routine
from voiceguide.mix import MIX_RATE
from voiceguide.timeline import Timeline

from conftest import DATA, needs_audio_tools

RATE = MIX_RATE


class FakeClock:
    """Time moves only when the player sleeps; actions fire when their time comes."""

    def __init__(self) -> None:
        self.t = 100.0
        self.actions: list[tuple[float, Callable[[], None]]] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)
        for when, action in list(self.actions):
            if when <= self.t:
                self.actions.remove((when, action))
                action()

    def at(self, when: float, action: Callable[[], None]) -> None:
        self.actions.append((100.0 + when, action))


class RecordingSink:
    """Remembers what was played and when (in seconds since the fake clock's start)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.played: list[tuple[float, np.ndarray]] = []
        self.stops = 0

    def play(self, samples: np.ndarray) -> None:
        self.played.append((self.clock.t - 100.0, samples))

    def stop(self) -> None:
        self.stops += 1


class FakeSource:
    """A finished track whose sample k holds k (mod 30000), so positions can be read back."""

    def __init__(self, timeline: Timeline, ready_at: Callable[[], int] | None = None) -> None:
        self.timeline = timeline
        self.total = round(timeline.total_s * RATE)
        self.ready_at = ready_at

    def state(self) -> TrackState:
        ready = self.ready_at() if self.ready_at else self.total
        return TrackState(self.timeline, min(ready, self.total), ready >= self.total)

    def wait_until(self, predicate, timeout):  # type: ignore[no-untyped-def]
        return self.state()

    def chunk(self, index: int) -> np.ndarray:
        start = index * PCM_CHUNK
        return (np.arange(start, min(start + PCM_CHUNK, self.total)) % 30000).astype(np.int16)


ROUTINE = parse_routine(
    """
voiceguide: 1
title: Scheduler test
settings: {get_ready: 0}
sections:
  - {id: a, title: A, steps: [{hold: {count: 10, interval: 1.0}}]}
  - {id: b, title: B, steps: [{hold: {count: 10, interval: 1.0}}]}
  - {id: c, title: C, steps: [{hold: {count: 10, interval: 1.0}}]}
""",
    origin="test",
)
TIMELINE = compile_routine(ROUTINE, options=CompileOptions(), speech_length=lambda text: 0.4)


def run(commands_at: list[tuple[float, Command]], *, start: int = 0) -> tuple[bool, RecordingSink, FakeClock]:
    clock = FakeClock()
    sink = RecordingSink(clock)
    commands: queue.Queue[Command] = queue.Queue()
    for when, command in commands_at:
        clock.at(when, lambda c=command: commands.put(c))
    finished = Player(FakeSource(TIMELINE), sink=sink, clock=clock, commands=commands).play(start_sample=start)
    return finished, sink, clock


def heard(sink: RecordingSink) -> list[tuple[float, int, int]]:
    """(wall time, first sample, length) of each piece played."""
    return [(t, int(samples[0]) if samples.size else -1, len(samples)) for t, samples in sink.played]


def test_plays_every_chunk_at_its_due_time() -> None:
    finished, sink, _ = run([])
    assert finished
    pieces = heard(sink)
    total = round(TIMELINE.total_s * RATE)
    assert sum(length for *_, length in pieces) == total
    for t, first, _ in pieces:
        position = round(t * RATE)
        assert first == position % 30000  # sample k starts at k / rate seconds: cues keep time
        assert t == pytest.approx(position / RATE, abs=1e-6)


def test_pause_excluded_from_timing_and_resume_continues_where_it_stopped() -> None:
    _, sink, _ = run([(3.0, Command.PAUSE), (13.0, Command.PAUSE)])
    pieces = heard(sink)
    (t1, first1, _), (t2, first2, _) = pieces[0], pieces[1]
    assert t1 == 0 and first1 == 0
    assert 10.0 <= t2 - t1 - 3.0 <= 10.05  # silent while paused
    assert 0 <= (first2 - round(3.0 * RATE)) % 30000 <= TICK_SAMPLES  # resumed where it stopped


TICK_SAMPLES = round(0.02 * RATE) + 1


def test_next_skips_to_the_next_section_restart_and_previous_go_back() -> None:
    starts = [round(c.start_s * RATE) for c in TIMELINE.chapters]
    _, sink, _ = run([(1.0, Command.NEXT), (2.0, Command.RESTART), (2.5, Command.PREVIOUS)])
    firsts = [first for _, first, _ in heard(sink)]
    assert firsts[1] == starts[1] % 30000  # next: section b
    assert firsts[2] == starts[1] % 30000  # restart: b again
    assert firsts[3] == starts[0] % 30000  # previous: back to a


@pytest.mark.parametrize(
    ("presses", "commands"),
    [
        ([0.0], [Command.RESTART]),  # p: this section again
        ([0.0, 0.5], [Command.RESTART, Command.PREVIOUS]),  # p p: one section back
        ([0.0, 0.5, 1.0], [Command.RESTART, Command.PREVIOUS, Command.PREVIOUS]),  # p p p: two back
        ([0.0, RESTART_TWICE_S + 0.01], [Command.RESTART, Command.RESTART]),  # slow: each restarts
        ([0.0, 1.9, 3.8], [Command.RESTART, Command.PREVIOUS, Command.PREVIOUS]),  # each within 2 s of the last
    ],
)
def test_p_restarts_and_each_quick_p_goes_one_section_further_back(
    presses: list[float], commands: list[Command]
) -> None:
    times = iter(presses)
    out: queue.Queue[Command] = queue.Queue()
    keys_from(iter("p" * len(presses)), out, now=lambda: next(times))
    assert [out.get_nowait() for _ in presses] == commands and out.empty()


def test_quit_stops_at_once_and_says_where() -> None:
    clock = FakeClock()
    commands: queue.Queue[Command] = queue.Queue()
    clock.at(4.0, lambda: commands.put(Command.QUIT))
    player = Player(FakeSource(TIMELINE), sink=RecordingSink(clock), clock=clock, commands=commands)
    assert not player.play()
    assert clock.t - 100.0 < 4.1
    assert player.stopped_at is not None and abs(player.stopped_at - 4.0 * RATE) <= TICK_SAMPLES
    assert describe_position(TIMELINE, player.stopped_at) == "1. A, at 0:04 (resume with --from a)"


def test_start_sample_starts_there() -> None:
    start = round(TIMELINE.chapters[2].start_s * RATE)
    _, sink, _ = run([], start=start)
    assert heard(sink)[0][1] == start % 30000


def test_lead_in_plays_first_then_the_track_on_time() -> None:
    clock = FakeClock()
    sink = RecordingSink(clock)
    lead = np.full(RATE, 7, dtype=np.int16)
    Player(FakeSource(TIMELINE), sink=sink, clock=clock).play(lead_in=lead)
    assert sink.played[0][1][0] == 7
    assert sink.played[1][0] == pytest.approx(1.0)  # the track starts when the lead-in ends


def test_waits_for_synthesis_then_keeps_time_from_there() -> None:
    clock = FakeClock()
    sink = RecordingSink(clock)
    ready = {"n": 0}
    source = FakeSource(TIMELINE, ready_at=lambda: ready["n"])

    def wait_until(predicate, timeout):  # type: ignore[no-untyped-def]
        clock.t += 0.5  # synthesis takes half a second
        ready["n"] = source.total
        return source.state()

    source.wait_until = wait_until  # type: ignore[method-assign]
    Player(source, sink=sink, clock=clock).play()
    assert sink.played[0][0] == pytest.approx(0.5)
    later = sink.played[1]
    assert later[0] == pytest.approx(0.5 + PCM_CHUNK / RATE)


def test_view_ticks_report_positions() -> None:
    positions: list[Position] = []
    clock = FakeClock()
    Player(FakeSource(TIMELINE), sink=RecordingSink(clock), clock=clock, on_tick=positions.append).play()
    samples = [p.sample for p in positions]
    assert samples == sorted(samples) and samples[-1] > (TIMELINE.total_s - 0.1) * RATE


# -- real playback, captured by an ALSA file device -------------------------------------------

CAPTURE_RC = 'pcm.!default {{ type file; slave.pcm {{ type null }}; file "|cat >> {path}"; format "raw" }}\n'
NO_DEVICE_RC = "pcm.!default { type hw; card 99 }\n"
SHORT = DATA / "cases" / "minimal.yaml"


def alsa_home(tmp_path: Path, rc: str) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(rc)
    return home


def voiceguide(*args: str, home: Path, env_extra: dict[str, str] | None = None, **kwargs):  # type: ignore[no-untyped-def]
    env = {**os.environ, "HOME": str(home), **(env_extra or {})}
    kwargs.setdefault("timeout", 120)
    return subprocess.run(
        [sys.executable, "-m", "voiceguide", *args], env=env, capture_output=True, text=True, **kwargs
    )


@needs_audio_tools
def test_live_playback_equals_the_rendered_track(tmp_path: Path) -> None:
    capture = tmp_path / "capture.raw"
    home = alsa_home(tmp_path, CAPTURE_RC.format(path=capture))
    rendered = tmp_path / "track.wav"
    assert voiceguide("render", str(SHORT), "-f", "wav", "-o", str(rendered), home=home).returncode == 0
    played = voiceguide("play", str(SHORT), "--quiet", "--no-lead-in", home=home)
    assert played.returncode == 0, played.stderr
    assert "count" not in played.stderr and "1" in played.stdout
    with wave.open(str(rendered)) as w:
        track = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    live = np.frombuffer(capture.read_bytes(), dtype="<i2")
    probe = round(0.01 * MIX_RATE)  # the silent buffer that checks the device opens
    assert not live[:probe].any()
    assert len(live) - probe == len(track)
    assert np.array_equal(live[probe:], track)


@needs_audio_tools
def test_quiet_prints_one_line_per_cue_in_time(tmp_path: Path) -> None:
    home = alsa_home(tmp_path, CAPTURE_RC.format(path=tmp_path / "c.raw"))
    start = time.monotonic()
    played = voiceguide("play", str(SHORT), "--quiet", "--no-lead-in", home=home)
    elapsed = time.monotonic() - start
    lines = played.stdout.strip().splitlines()
    assert [line.split()[-1] for line in lines[-5:]] == ["1", "2", "3", "4", "5"]
    assert elapsed >= 14  # paced by the clock, not by the null device returning at once


@needs_audio_tools
def test_no_sound_device_is_one_line_and_quick(tmp_path: Path) -> None:
    home = alsa_home(tmp_path, NO_DEVICE_RC)
    played = voiceguide("play", "back-pain", "--quiet", home=home, timeout=30)  # no hang
    assert played.returncode == 3  # a missing part of the system
    lines = played.stderr.strip().splitlines()
    assert len(lines) == 1 and "no sound device" in lines[0] and "voiceguide render" in lines[0]
    assert "ALSA" not in played.stderr and played.stdout == ""


@needs_audio_tools
def test_ctrl_c_stops_at_once_and_exits_130(tmp_path: Path) -> None:
    home = alsa_home(tmp_path, CAPTURE_RC.format(path=tmp_path / "c.raw"))
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "play", "back-pain", "--quiet", "--no-lead-in"],
        env={**os.environ, "HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert read_line(process.stdout, timeout=120)  # the first cue: it is playing
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=15)  # it stops, rather than playing on for minutes
    assert process.returncode == 130 and "Traceback" not in err


KEYS_ROUTINE = """
voiceguide: 1
title: Keys test
settings: {get_ready: 0}
sections:
  - {id: alpha, title: Alpha point, steps: [{hold: {count: 20}}]}
  - {id: beta, title: Beta point, steps: [{hold: {count: 20}}]}
  - {id: gamma, title: Gamma point, steps: [{hold: {count: 20}}]}
"""


def read_line(stream, timeout: float) -> str:  # type: ignore[no-untyped-def]
    """One line from a child's pipe, or fail after `timeout` seconds (never hang)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"no line within {timeout} s") from None


class Tmux:
    """A real terminal: tmux runs the command; send-keys types, capture-pane reads the screen."""

    def __init__(self, name: str, command: str) -> None:
        self.name = name
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "30", command], check=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)

    @classmethod
    def playing(cls, tmp_path: Path, routine: Path, name: str) -> Tmux:
        """`voiceguide play ROUTINE` in a real terminal (sound to a capture file); afterwards
        the shell prints the exit status and the terminal's settings."""
        home = alsa_home(tmp_path, CAPTURE_RC.format(path=tmp_path / "c.raw"))
        cache = os.environ["VOICEGUIDE_CACHE_DIR"]
        command = (
            f"env -u TTY_COMPATIBLE -u NO_COLOR HOME={home} VOICEGUIDE_CACHE_DIR={cache} COLUMNS=120 "
            f"{sys.executable} -m voiceguide play {routine} --no-lead-in; echo EXIT=$?; stty -a; sleep 60"
        )
        return cls(f"voiceguide-test-{name}-{os.getpid()}", command)

    def assert_terminal_restored(self) -> None:
        settings = self.wait_for("icanon")
        assert " icanon" in settings and " echo " in settings  # line editing and echo are back


@needs_audio_tools
@pytest.mark.skipif(not __import__("shutil").which("tmux"), reason="needs tmux (scripts/bootstrap.sh installs it)")
def test_keys_in_a_real_terminal(tmp_path: Path) -> None:
    routine = tmp_path / "keys.yaml"
    routine.write_text(KEYS_ROUTINE)
    term = Tmux.playing(tmp_path, routine, "keys")
    try:
        term.wait_for("1. Alpha point")
        term.wait_for("playing")
        term.keys("Space")
        term.wait_for("paused")
        term.keys("Space")
        term.wait_for("playing")
        term.keys("n")
        term.wait_for("2. Beta point")
        term.keys("n")
        term.wait_for("3. Gamma point")
        term.keys("p", "p")  # twice at once: one section back, to Beta, and no further
        term.wait_for("2. Beta point")
        term.keys("q")
        screen = term.wait_for("EXIT=0")
        # Where it stopped is where the keys put it: Beta, not Alpha.
        assert "stopped at 2. Beta point, at " in screen and "(resume with --from beta)" in screen
        term.assert_terminal_restored()
    finally:
        term.close()


def test_early_start_reads_plays_arguments_like_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    from voiceguide import quickstart

    asked: list[str] = []
    monkeypatch.setattr(quickstart, "start_key", lambda routine, voice, rate: f"{routine}|{voice}|{rate}")
    monkeypatch.setattr(quickstart, "play_cached", lambda key: asked.append(key))
    quickstart.start_early(["play", "back-pain", "--voice", "English (America)", "--rate=160", "--quiet"])
    quickstart.start_early(["play", "my.yaml", "--profile", "full"])
    quickstart.start_early(["play", "--from", "knees", "my.yaml"])  # checked once loaded: no early start
    quickstart.start_early(["play", "back-pain", "--no-lead-in"])  # no lead-in: nothing to start
    quickstart.start_early(["play", "a.yaml", "b.yaml"])  # not what play takes: leave it to the CLI
    quickstart.start_early(["play", "back-pain", "--rate", "fast"])
    quickstart.start_early(["render", "back-pain"])
    assert asked == ["back-pain|English (America)|160", "my.yaml|None|None"]


@needs_audio_tools
def test_second_play_starts_from_the_cached_lead_in_and_still_equals_the_track(tmp_path: Path) -> None:
    capture = tmp_path / "capture.raw"
    home = alsa_home(tmp_path, CAPTURE_RC.format(path=capture))
    cache = tmp_path / "cache"
    env = {"VOICEGUIDE_CACHE_DIR": str(cache)}
    rendered = tmp_path / "track.wav"
    assert voiceguide("render", str(SHORT), "-f", "wav", "-o", str(rendered), home=home, env_extra=env).returncode == 0
    assert voiceguide("play", str(SHORT), "--quiet", home=home, env_extra=env).returncode == 0  # remembers the lead-in
    (lead_in_file,) = (cache / "starts").glob("*.pcm")
    capture.unlink()
    second = voiceguide("play", str(SHORT), "--quiet", home=home, env_extra=env)
    assert second.returncode == 0, second.stderr
    with wave.open(str(rendered)) as w:
        track = w.readframes(w.getnframes())
    # No device probe this time: the lead-in came straight from its file, then the track.
    assert capture.read_bytes() == lead_in_file.read_bytes() + track


def test_live_panel_shows_section_instruction_hold_and_time() -> None:
    from rich.console import Console

    from voiceguide.liveview import CueLines, LivePanel

    console = Console(record=True, width=100, force_terminal=True)
    counts = [e for e in TIMELINE.events if e.cue == "count" and e.section == "b"]
    at = round((counts[4].start_s + 0.1) * RATE)
    with LivePanel(console) as panel:
        panel(Position(at, TIMELINE, paused=True))
        screen = console.export_text(clear=False)
    assert "2. B" in screen and "count 5 of 10" in screen and "paused" in screen and "left" in screen

    lines = __import__("io").StringIO()
    view = CueLines(lines)
    for seconds in [*np.arange(0.0, counts[1].start_s, 0.5), counts[1].start_s + 0.01]:
        view(Position(round(seconds * RATE), TIMELINE, paused=False))
    printed = lines.getvalue().splitlines()
    spoken = [e for e in TIMELINE.events if e.kind == "speech" and e.start_s <= counts[1].start_s]
    assert len(printed) == len(spoken)
    assert printed[-2].endswith("b  1") and printed[-1].endswith("b  2")
    view(Position(round(counts[0].start_s * RATE), TIMELINE, paused=False))  # back: heard again, shown again
    assert lines.getvalue().splitlines()[len(spoken) :] == [printed[-2]]


@needs_audio_tools
@pytest.mark.skipif(not __import__("shutil").which("tmux"), reason="needs tmux (scripts/bootstrap.sh installs it)")
def test_ctrl_c_in_a_real_terminal_restores_it(tmp_path: Path) -> None:
    term = Tmux.playing(tmp_path, SHORT, "ctrl-c")
    try:
        term.wait_for("playing")
        term.keys("C-c")
        screen = term.wait_for("EXIT=130")
        assert "Traceback" not in screen
        term.assert_terminal_restored()
    finally:
        term.close()

"""Live playback: the scheduler under a fake clock, and real playback captured by ALSA."""

from __future__ import annotations

import dataclasses
import io
import itertools
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sound_server import SoundServer

from voiceguide.audio.mix import MIX_RATE, PCM_CHUNK
from voiceguide.live.buffers import last_join
from voiceguide.live.early import START_TONE
from voiceguide.live.feed import Feed, LeadIn
from voiceguide.live.keys import RESTART_TWICE_S, Command, Spoken, keys_from
from voiceguide.live.player import (
    ACKNOWLEDGE,
    CONFIRM,
    Player,
    Position,
    chapter_at,
    describe_position,
)
from voiceguide.live.track import TrackState
from voiceguide.live.view import WAITING_NOTE, CueLines
from voiceguide.routine.loader import load_routine, parse_routine
from voiceguide.timeline.compiler import compile_routine
from voiceguide.timeline.events import Timeline
from voiceguide.timeline.options import CompileOptions
from voiceguide.tones import LIVE_LEVEL, synthesize

from conftest import DATA, needs_audio_tools, needs_sound_server, read_line

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


class FakeOutput:
    """A device on the fake clock, `latency` seconds between taking samples from the feed and
    the listener hearing them, taking them block by block as time passes (like a callback
    stream). It keeps what the listener heard, and when."""

    BLOCK = 441

    def __init__(self, clock: FakeClock, latency: float = 0.2) -> None:
        self.clock = clock
        self.latency = latency
        self.feed = Feed()
        self.playing = False
        self.heard: list[tuple[float, int, np.ndarray]] = []
        """(time its first sample is heard, its frame number, samples) per block."""
        self._started = 0.0
        self._taken = 0

    def _advance(self) -> None:
        while self.playing and self._started + self._taken / RATE <= self.clock.t:
            data, first = self.feed.take(self.BLOCK)
            samples = np.frombuffer(data, dtype=np.int16)
            self.heard.append((self._started + self.latency + self._taken / RATE - 100.0, first, samples))
            self._taken += self.BLOCK

    def start(self) -> None:
        self.playing, self._started, self._taken = True, self.clock.t, 0

    def stop(self) -> None:
        self._advance()
        now = self.clock.t - 100.0
        # What the device held and had not yet played is dropped.
        self.heard = [(t, first, samples[: round((now - t) * RATE)]) for t, first, samples in self.heard if t < now]
        self.playing = False

    def flush(self, track_at: int) -> None:
        self.feed.clear(track_at)

    def heard_frame(self) -> int | None:
        self._advance()
        now = self.clock.t - 100.0
        for t, first, samples in reversed(self.heard):
            if t <= now:
                return first + min(samples.size, round((now - t) * RATE))
        return None

    def close(self) -> None:
        self.stop()

    def signal(self) -> tuple[np.ndarray, np.ndarray]:
        """Every heard sample and the time it was heard."""
        times = np.concatenate([t + np.arange(s.size) / RATE for t, _, s in self.heard])
        return np.concatenate([s for _, _, s in self.heard]), times


def code(k: np.ndarray | int) -> np.ndarray | int:
    """What FakeSource puts at track sample k: never 0, so it differs from quiet."""
    return k % 30000 + 1


class FakeSource:
    """A finished track whose sample k holds code(k), so positions can be read back."""

    def __init__(self, timeline: Timeline, ready_at: Callable[[], int] | None = None) -> None:
        self.timeline = timeline
        self.total = round(timeline.total_s * RATE)
        self.ready_at = ready_at

    def state(self) -> TrackState:
        ready = self.ready_at() if self.ready_at else self.total
        return TrackState(self.timeline, min(ready, self.total), ready >= self.total)

    def chunk(self, index: int) -> np.ndarray:
        start = index * PCM_CHUNK
        return code(np.arange(start, min(start + PCM_CHUNK, self.total))).astype(np.int16)  # type: ignore[union-attr]


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
TOTAL = round(TIMELINE.total_s * RATE)
PRE_ROLL = 0.5
LATENCY = 0.2


def run(
    commands_at: list[tuple[float, Command]], *, start: int = 0, lead_in: LeadIn | None = None, source=None
) -> tuple[bool, FakeOutput, Player]:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    output = FakeOutput(clock, LATENCY)
    commands: queue.Queue[Command] = queue.Queue()
    for when, command in commands_at:
        clock.at(when, lambda c=command: commands.put(c))
    player = Player(source or FakeSource(TIMELINE), output=output, clock=clock, commands=commands, pre_roll_s=PRE_ROLL)
    finished = player.play(start_sample=start, lead_in=lead_in)
    return finished, output, player


def heard_track(output: FakeOutput) -> tuple[np.ndarray, np.ndarray]:
    """The track samples heard (their codes) and when, quiet left out."""
    samples, times = output.signal()
    sound = samples != 0
    return samples[sound], times[sound]


def test_every_sample_is_heard_once_in_order_after_the_pre_roll() -> None:
    finished, output, _ = run([])
    assert finished
    samples, times = heard_track(output)
    assert np.array_equal(samples, code(np.arange(TOTAL)))
    # Sample k reaches the ear at pre-roll + latency + k / rate: every cue keeps its time.
    np.testing.assert_allclose(times, LATENCY + PRE_ROLL + np.arange(TOTAL) / RATE, atol=1e-6)


def test_pause_is_silent_within_a_tenth_of_a_second_and_resumes_from_the_same_sample() -> None:
    _, output, _ = run([(3.0, Command.PAUSE), (13.0, Command.PAUSE)])
    samples, times = heard_track(output)
    gap = int(np.argmax(np.diff(times) > 0.5))  # the last sample before the pause
    assert 3.0 <= times[gap] <= 3.0 + 0.1  # the sound stops at once, whatever the latency
    # It resumes with the very next sample, at once: the device played quiet all through the
    # pause, so it is awake and there is no pre-roll to wait for (only the latency).
    assert samples[gap + 1] == code(round((times[gap] - LATENCY - PRE_ROLL) * RATE) + 1)
    assert 13.0 + LATENCY <= times[gap + 1] <= 13.0 + LATENCY + 0.05
    assert np.array_equal(np.sort(samples), np.sort(code(np.arange(TOTAL))))  # nothing lost, nothing twice


def test_a_resume_right_after_a_pause_waits_out_the_rest_of_the_pre_roll() -> None:
    """A pause shorter than the pre-roll: the restarted device has not yet played the quiet a
    device just woken needs, so the sound comes back once it has."""
    _, output, _ = run([(3.0, Command.PAUSE), (3.2, Command.PAUSE)])
    samples, times = heard_track(output)
    gap = int(np.argmax(np.diff(times) > 0.1))
    assert 3.0 + PRE_ROLL + LATENCY <= times[gap + 1] <= 3.0 + PRE_ROLL + LATENCY + 0.05
    assert np.array_equal(np.sort(samples), np.sort(code(np.arange(TOTAL))))


def test_halt_and_resume_do_not_toggle() -> None:
    """A media player's Pause and Play, and the spoken "pause" and "continue": said twice,
    or said when already so, they change nothing (unlike space, which toggles)."""
    _, output, _ = run(
        [
            (2.0, Command.RESUME),  # playing already: nothing
            (3.0, Command.HALT),
            (5.0, Command.HALT),  # paused already: stays paused
            (13.0, Command.RESUME),
            (14.0, Command.RESUME),  # playing again: nothing
        ]
    )
    _, times = heard_track(output)
    gaps = np.flatnonzero(np.diff(times) > 0.5)
    assert len(gaps) == 1  # one pause, from 3 s to 13 s
    assert 3.0 <= times[gaps[0]] <= 3.1 and 13.0 <= times[gaps[0] + 1] <= 13.0 + LATENCY + PRE_ROLL + 0.05


def test_a_spoken_skip_or_resume_is_answered_with_a_blip_before_the_track_goes_on() -> None:
    starts = [round(c.start_s * RATE) for c in TIMELINE.chapters]
    for request in (Spoken(Command.NEXT), Command.NEXT):
        _, output, _ = run([(1.0, request)])
        samples, _ = output.signal()
        blip = np.flatnonzero(samples < 0)  # track codes are positive: only the blip goes below 0
        if isinstance(request, Command):
            assert blip.size == 0  # a key gets no blip: the finger felt it
            continue
        after = samples[blip[-1] + 1 :]
        assert after[after != 0][0] == code(starts[1])  # the blip, then section b from its start
    _, output, _ = run([(3.0, Spoken(Command.HALT)), (8.0, Spoken(Command.RESUME))])
    samples, times = output.signal()
    blip = np.flatnonzero(samples < 0)
    assert blip.size and 8.0 < times[blip[0]] < times[blip[-1]] < 8.0 + LATENCY + PRE_ROLL + 0.3
    blip_sound = (synthesize(ACKNOWLEDGE, RATE) * LIVE_LEVEL * 32767).astype(np.int16)
    heard = np.sort(samples[samples > 0])
    assert np.array_equal(heard, np.sort(np.concatenate([code(np.arange(TOTAL)), blip_sound[blip_sound > 0]])))


def jumps(output: FakeOutput) -> list[int]:
    """The codes heard where the track did not go on with the next sample."""
    samples, _ = heard_track(output)
    steps = np.diff(samples.astype(np.int64)) % 30000
    return [int(samples[0]), *(int(c) for c in samples[1:][steps != 1])]


def test_next_skips_to_the_next_section_restart_and_previous_go_back() -> None:
    starts = [round(c.start_s * RATE) for c in TIMELINE.chapters]
    _, output, _ = run([(1.0, Command.NEXT), (2.0, Command.RESTART), (2.5, Command.PREVIOUS)])
    # next: b; restart: b again; previous: a
    assert jumps(output) == [code(0), code(starts[1]), code(starts[1]), code(starts[0])]


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


def test_quit_stops_at_once_and_says_what_was_being_heard() -> None:
    finished, output, player = run([(4.0, Command.QUIT)])
    assert not finished
    _, times = heard_track(output)
    assert times[-1] <= 4.0 + 0.05
    heard_at_quit = round((4.0 - LATENCY - PRE_ROLL) * RATE)  # the ear, not the writer
    assert player.stopped_at is not None and abs(player.stopped_at - heard_at_quit) <= TICK_SAMPLES
    assert describe_position(TIMELINE, player.stopped_at) == "1. A, at 0:03 (resume with --from a)"


TICK_SAMPLES = round(0.02 * RATE) + FakeOutput.BLOCK


def test_stopped_on_a_side_says_how_to_resume_at_that_side() -> None:
    timeline = compile_routine(load_routine("back-pain"), options=CompileOptions(), speech_length=lambda text: 0.4)
    for chapter in timeline.chapters:
        where = describe_position(timeline, round(chapter.start_s * RATE) + RATE)
        if chapter.id == "ankles.right":
            assert where.startswith("4. Beside the ankles (right ankle), at ")
            assert where.endswith("(resume with --from ankles:right)")
        elif chapter.id == "waist":
            assert where.endswith("(resume with --from waist)")
        elif chapter.id in ("intro", "outro"):
            assert "resume" not in where


def test_a_track_standing_where_a_skip_landed_is_in_the_section_skipped_to() -> None:
    """A skip lands on a chapter's first sample, `start_s` rounded; where that rounds down, the
    sample is a few microseconds before `start_s`. The title (the media keys', the panel's, the
    "stopped at" line's) and a further restart must count in samples as the skip did: in
    seconds, a track standing there (quiet until the sound queued from there plays) showed
    the section before, and a restart then went back a whole section."""
    nudged = dataclasses.replace(
        TIMELINE, chapters=tuple(dataclasses.replace(c, start_s=c.start_s + 0.4 / RATE) for c in TIMELINE.chapters)
    )
    assert len(nudged.chapters) >= 3
    for before, chapter in itertools.pairwise(nudged.chapters):
        start = round(chapter.start_s * RATE)
        assert start / RATE < chapter.start_s  # the sample a skip lands on is before start_s
        assert chapter_at(nudged, start) is chapter
        assert chapter_at(nudged, start - 1) is before
        assert describe_position(nudged, start).startswith(f"{chapter.title}, at ")


def test_a_spoken_stop_pauses_and_asks_and_a_second_stop_ends() -> None:
    """A misheard "stop" would end the routine: said once it pauses, with the falling tone;
    "continue" plays on from the same sample; said again while paused, it ends."""
    finished, output, player = run([(3.0, Spoken(Command.QUIT)), (6.0, Spoken(Command.RESUME))])
    assert finished  # played to the end: one "stop" did not end it
    samples, times = output.signal()
    tone = np.flatnonzero(samples < 0)  # track codes are positive: only the tones go below 0
    asked = tone[(times[tone] > 3.0) & (times[tone] < 6.0)]
    assert asked.size, "no tone asked for a second stop"
    confirm = (synthesize(CONFIRM, RATE) * LIVE_LEVEL * 32767).astype(np.int16)
    assert np.array_equal(np.sort(samples[asked]), np.sort(confirm[confirm < 0]))
    heard, _ = heard_track(output)
    assert set(code(np.arange(TOTAL))) <= set(heard)  # nothing of the track lost

    finished, _, player = run([(3.0, Spoken(Command.QUIT)), (5.0, Spoken(Command.QUIT))])
    assert not finished
    heard_at_stop = round((3.0 - LATENCY - PRE_ROLL) * RATE)
    assert player.stopped_at is not None and abs(player.stopped_at - heard_at_stop) <= TICK_SAMPLES

    finished, _, _ = run([(3.0, Command.QUIT)])  # q (or a media key's Stop) ends at once
    assert not finished


def test_start_sample_starts_there() -> None:
    start = round(TIMELINE.chapters[2].start_s * RATE)
    _, output, _ = run([], start=start)
    assert jumps(output) == [code(start)]


def test_lead_in_plays_first_then_the_track_on_time() -> None:
    lead = LeadIn(np.full(RATE, -7, dtype=np.int16).tobytes())
    _, output, _ = run([], lead_in=lead)
    samples, times = output.signal()
    said = samples == -7
    assert said.sum() == RATE and times[said][0] == pytest.approx(LATENCY + PRE_ROLL)
    track = samples > 0
    assert times[track][0] == pytest.approx(LATENCY + PRE_ROLL + 1.0)  # right after the lead-in


def test_waits_for_synthesis_then_keeps_time_from_there() -> None:
    clock_box: dict[str, FakeClock] = {}
    source = FakeSource(TIMELINE, ready_at=lambda: TOTAL if clock_box["clock"].t >= 101.0 else 0)
    clock = clock_box["clock"] = FakeClock()
    output = FakeOutput(clock, LATENCY)
    waiting: list[tuple[float, bool]] = []
    on_tick = lambda p: waiting.append((clock.t - 100.0, p.waiting))  # noqa: E731
    Player(source, output=output, clock=clock, pre_roll_s=PRE_ROLL, on_tick=on_tick).play()
    samples, times = heard_track(output)
    assert np.array_equal(samples, code(np.arange(TOTAL)))  # nothing lost while it waited
    first = times[0]
    assert 1.0 + LATENCY <= first <= 1.0 + LATENCY + 0.05  # quiet until synthesis caught up
    np.testing.assert_allclose(times - first, np.arange(TOTAL) / RATE, atol=1e-6)  # then on time
    # The view was told it waited: from when the pre-roll ran out until the track came, and only then.
    waited = [t for t, w in waiting if w]
    assert waited and PRE_ROLL <= waited[0] <= PRE_ROLL + 0.05 and 0.95 <= waited[-1] <= 1.05


def test_a_plain_run_says_once_when_it_waits_for_speech() -> None:
    out, err = io.StringIO(), io.StringIO()
    view = CueLines(out, err)
    for waiting in (False, True, True, True, False, True, False):
        view(Position(0, TIMELINE, paused=False, waiting=waiting))
    assert err.getvalue() == (WAITING_NOTE + "\n") * 2  # two waits, each said once


def test_view_follows_the_ear_not_the_writer() -> None:
    clock = FakeClock()
    output = FakeOutput(clock, LATENCY)
    seen: list[tuple[float, int, bool]] = []
    player = Player(
        FakeSource(TIMELINE),
        output=output,
        clock=clock,
        pre_roll_s=PRE_ROLL,
        on_tick=lambda p: seen.append((clock.t - 100.0, p.sample, p.waiting)),
    )
    player.play()
    assert len(seen) > 1000  # a tick every 20 ms of a 40 s track
    assert not any(waiting for _, _, waiting in seen)  # the track was all there: it never waited
    for t, sample, _ in seen[::50]:
        expected = min(TOTAL, max(0, round((t - LATENCY - PRE_ROLL) * RATE)))
        assert abs(sample - expected) <= FakeOutput.BLOCK


def test_feed_maps_output_frames_to_track_samples() -> None:
    feed = Feed()
    feed.quiet(0.01, 500)  # 441 frames of quiet while the track stands at 500
    feed.put(np.arange(1, 1001, dtype=np.int16).data, 500)  # then track samples 500 to 1499
    data, first = feed.take(1000)
    assert first == 0 and np.array_equal(np.frombuffer(data, dtype=np.int16)[441:], np.arange(1, 560))
    assert feed.track_sample(100) == 500 and feed.track_sample(441) == 500 and feed.track_sample(941) == 1000
    feed.clear()  # a skip: what is queued goes, then samples from 9000
    feed.put(np.ones(10, dtype=np.int16).data, 9000)
    data, first = feed.take(100)
    samples = np.frombuffer(data, dtype=np.int16)
    assert first == 1000 and samples[:10].all() and not samples[10:].any()  # then quiet: nothing queued
    assert feed.track_sample(1000) == 9000
    assert feed.track_sample(1050) == 9010  # in the quiet, the track stands after its last sample
    assert not feed.done(1100)
    feed.end()
    assert not feed.done(1009) and feed.done(1010)  # done once the last sound is heard
    feed.clear(track_at=20000)  # a skip to where nothing is ready yet: the quiet stands there
    feed.take(10)
    assert feed.track_sample(1105) == 20000


def test_a_skip_to_speech_not_yet_made_shows_where_it_skipped_to() -> None:
    clock_box: dict[str, FakeClock] = {}
    second = round(TIMELINE.chapters[1].start_s * RATE)
    # Section A is ready from the start; the rest only 5 s after the skip to section B.
    source = FakeSource(TIMELINE, ready_at=lambda: TOTAL if clock_box["clock"].t >= 107.0 else second - 1)
    clock = clock_box["clock"] = FakeClock()
    output = FakeOutput(clock, LATENCY)
    commands: queue.Queue[Command] = queue.Queue()
    clock.at(2.0, lambda: commands.put(Command.NEXT))
    clock.at(4.0, lambda: commands.put(Command.QUIT))  # while B is still being made
    seen: list[Position] = []
    player = Player(source, output=output, clock=clock, commands=commands, pre_roll_s=PRE_ROLL, on_tick=seen.append)
    assert player.play() is False
    # Waiting for B, the listener is at B (the view, and where quitting says it stopped), not
    # back in A where the sound was when they skipped.
    assert player.stopped_at == second
    assert seen[-1].sample == second and seen[-1].waiting


@pytest.mark.parametrize(
    ("quiet", "join"),
    [
        ([(1, 100)], 36),  # 35 samples after the sound before it: a device may hold that much
        ([(1, 100), (400, 600)], 435),  # the last place that fits
        ([(1, 50)], None),  # too short: 35 before the join and 25 after do not fit in 49
    ],
)
def test_simpleaudio_buffers_join_only_inside_long_quiet(quiet: list[tuple[int, int]], join: int | None) -> None:
    samples = np.ones(700, dtype=np.int16)  # at 100 samples a second: 35 of quiet before a join, 25 after
    for lo, hi in quiet:
        samples[lo:hi] = 0
    assert last_join(samples, minimum=0, rate=100) == join


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
    # The file device has no clock: it checks samples, never timing (the sound server does).
    capture = tmp_path / "capture.raw"
    home = alsa_home(tmp_path, CAPTURE_RC.format(path=capture))
    rendered = tmp_path / "track.wav"
    assert voiceguide("render", str(SHORT), "-f", "wav", "-o", str(rendered), home=home).returncode == 0
    played = voiceguide("play", str(SHORT), "--quiet", "--no-lead-in", home=home)
    assert played.returncode == 0, played.stderr
    with wave.open(str(rendered)) as w:
        track = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    live = np.frombuffer(capture.read_bytes(), dtype="<i2")
    # Every sound, sample for sample: what is not quiet is the same, in the same order. (This
    # device takes samples as fast as they come, so the player falls behind it and the quiet
    # between sounds stretches: timing is checked through the sound server.)
    assert np.array_equal(live[live != 0], track[track != 0])


@needs_audio_tools
def test_no_sound_device_is_one_line_and_quick(tmp_path: Path) -> None:
    home = alsa_home(tmp_path, NO_DEVICE_RC)
    played = voiceguide("play", "back-pain", "--quiet", home=home, timeout=30)  # no hang
    assert played.returncode == 3  # a missing part of the system
    lines = played.stderr.strip().splitlines()
    assert len(lines) == 1 and "no sound device" in lines[0] and "voiceguide render" in lines[0]
    assert "ALSA" not in played.stderr and played.stdout == ""


@pytest.mark.slow
@needs_audio_tools
@needs_sound_server
def test_ctrl_c_stops_at_once_and_exits_130(sound_server: SoundServer) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "play", "back-pain", "--quiet", "--no-lead-in"],
        env={**os.environ, **sound_server.env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        assert read_line(process.stdout, timeout=120)  # the first cue: it is playing
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=15)  # it stops, rather than playing on for minutes
    finally:
        if process.poll() is None:  # not left playing into the sound server the next tests record
            process.kill()
            process.wait(30)
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


class Tmux:
    """A real terminal: tmux runs the command; send-keys types, capture-pane reads the screen."""

    def __init__(self, name: str, command: str, columns: int = 120) -> None:
        self.name = name
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", name, "-x", str(columns), "-y", "30", command], check=True, timeout=30
        )

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True, timeout=30
        ).stdout

    def wait_for(self, text: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True, timeout=30)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True, timeout=30)

    def resize(self, columns: int) -> None:
        subprocess.run(["tmux", "resize-window", "-t", self.name, "-x", str(columns)], check=True, timeout=30)

    @classmethod
    def playing(cls, server: SoundServer, routine: Path, name: str, columns: int | None = None) -> Tmux:
        """`voiceguide play ROUTINE` in a real terminal, through the test's sound server (which
        keeps time, as a desktop's does); afterwards the shell prints the exit status and the
        terminal's settings, and waits (on a line that never comes) until the test closes it.
        With `columns`, a terminal that wide, which the test may resize (otherwise 120, fixed)."""
        env = {**server.env(), "VOICEGUIDE_CACHE_DIR": os.environ["VOICEGUIDE_CACHE_DIR"]}
        if columns is None:
            env["COLUMNS"] = "120"
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        command = (
            f"env -u TTY_COMPATIBLE -u NO_COLOR -u COLUMNS {assignments} "  # (the suite sets COLUMNS)
            f"{sys.executable} -m voiceguide play {routine} --no-lead-in; echo EXIT=$?; stty -a; read -r _"
        )
        return cls(f"voiceguide-test-{name}-{os.getpid()}", command, columns or 120)

    def assert_terminal_restored(self) -> None:
        settings = self.wait_for("icanon")
        assert " icanon" in settings and " echo " in settings  # line editing and echo are back


@pytest.mark.slow
@needs_audio_tools
@needs_sound_server
@pytest.mark.skipif(not __import__("shutil").which("tmux"), reason="needs tmux (scripts/bootstrap.sh installs it)")
def test_keys_in_a_real_terminal(tmp_path: Path, sound_server: SoundServer) -> None:
    routine = tmp_path / "keys.yaml"
    routine.write_text(KEYS_ROUTINE)
    term = Tmux.playing(sound_server, routine, "keys")
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


@pytest.mark.slow
@needs_audio_tools
@needs_sound_server
@pytest.mark.skipif(not __import__("shutil").which("tmux"), reason="needs tmux (scripts/bootstrap.sh installs it)")
def test_a_german_routine_in_a_real_40_column_terminal_shows_german_and_redraws_cleanly_when_resized(
    sound_server: SoundServer,
) -> None:
    term = Tmux.playing(sound_server, DATA / "lang" / "de.yaml", "resize", columns=40)
    try:
        screen = term.wait_for("(linke Seite)")  # the side, whole, in the first section's title
        screen = term.wait_for("läuft · ")
        assert not ENGLISH_WORDS.search(screen), screen
        for columns in (100, 40, 70):
            term.resize(columns)
            # Drawn afresh at the new width: one panel, its border as wide as the terminal.
            top = f"╭{'─' * (columns - 2)}╮"[:12]
            screen = term.wait_for(top + "─" * 3 if columns > 40 else "╮")
            deadline = time.monotonic() + 60
            while screen.count("Kurze Runde") != 1 and time.monotonic() < deadline:
                time.sleep(0.2)
                screen = term.screen()
            assert screen.count("Kurze Runde") == 1, f"old frames left at {columns} columns:\n{screen}"
            assert all(len(line) <= columns for line in screen.splitlines()), screen
        term.keys("q")
        screen = term.wait_for("EXIT=0")
        term.assert_terminal_restored()
    finally:
        term.close()


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
    # The lead-in straight from its file, then the track, sound for sound. (This device has no
    # clock, so it runs ahead of the loading: the quiet between the two is not checked here.)
    live = np.frombuffer(capture.read_bytes(), dtype="<i2")
    lead_in = np.frombuffer(lead_in_file.read_bytes(), dtype="<i2")
    sound = np.frombuffer(track, dtype="<i2")
    assert np.array_equal(live[live != 0], np.concatenate([lead_in[lead_in != 0], sound[sound != 0]]))


@needs_audio_tools
def test_a_cold_play_sounds_the_start_tone_at_once_then_the_lead_in_and_the_track(tmp_path: Path) -> None:
    """No lead-in cached: the output starts with the start tone while the voice loads, and the
    lead-in follows it, then the track; the next start has its lead-in and no tone."""
    capture = tmp_path / "capture.raw"
    home = alsa_home(tmp_path, CAPTURE_RC.format(path=capture))
    env = {"VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}
    rendered = tmp_path / "track.wav"
    assert voiceguide("render", str(SHORT), "-f", "wav", "-o", str(rendered), home=home, env_extra=env).returncode == 0
    cold = voiceguide("play", str(SHORT), "--quiet", home=home, env_extra=env)
    assert cold.returncode == 0, cold.stderr
    (lead_in_file,) = (tmp_path / "cache" / "starts").glob("*.pcm")
    with wave.open(str(rendered)) as w:
        track = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    lead_in = np.frombuffer(lead_in_file.read_bytes(), dtype="<i2")
    tone = (synthesize(START_TONE, RATE) * LIVE_LEVEL * 32767).astype(np.int16)
    live = np.frombuffer(capture.read_bytes(), dtype="<i2")
    # The first sound out (after whatever quiet the device primes itself with) is the tone.
    start = int(np.flatnonzero(live)[0]) - int(np.flatnonzero(tone)[0])
    assert np.array_equal(live[start : start + tone.size], tone)
    rest = live[start + tone.size :]
    assert np.array_equal(rest[rest != 0], np.concatenate([lead_in[lead_in != 0], track[track != 0]]))
    capture.unlink()
    warm = voiceguide("play", str(SHORT), "--quiet", home=home, env_extra=env)
    assert warm.returncode == 0, warm.stderr
    live = np.frombuffer(capture.read_bytes(), dtype="<i2")
    assert np.array_equal(live[live != 0], np.concatenate([lead_in[lead_in != 0], track[track != 0]]))


def test_live_panel_shows_section_instruction_hold_and_time() -> None:
    from rich.console import Console

    from voiceguide.live.view import CueLines, LivePanel

    console = Console(record=True, width=100, force_terminal=True)
    counts = [e for e in TIMELINE.events if e.cue == "count" and e.section == "b"]
    at = round((counts[4].start_s + 0.1) * RATE)
    with LivePanel(console) as panel:
        panel(Position(at, TIMELINE, paused=True))
        screen = console.export_text(clear=False)
    assert "2. B" in screen and "5 of 10" in screen and "left" in screen
    state = next(line for line in screen.splitlines() if "paused" in line)
    assert state.strip("│ ").startswith("paused · "), screen  # on a line of its own, not after the bar

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
    # --quiet says when it pauses and plays on.
    view(Position(round(counts[0].start_s * RATE), TIMELINE, paused=True))
    view(Position(round(counts[0].start_s * RATE), TIMELINE, paused=False))
    assert [line.split()[-1] for line in lines.getvalue().splitlines()[-2:]] == ["paused", "again"]


def test_in_a_narrow_terminal_the_state_shows_before_anything_else() -> None:
    from rich.console import Console

    from voiceguide.live.view import LivePanel

    console = Console(record=True, width=50, force_terminal=True)
    at = round(30.0 * RATE)
    with LivePanel(console) as panel:
        panel(Position(at, TIMELINE, paused=True))
        screen = console.export_text(clear=False)
    status = next(line for line in screen.splitlines() if "left" in line or "paused" in line)
    assert "paused" in status, screen
    assert all(len(line) <= 50 for line in screen.splitlines())


GERMAN = compile_routine(
    parse_routine((DATA / "lang" / "de.yaml").read_text(), origin="de.yaml"),
    options=CompileOptions(),
    speech_length=lambda text: 0.4,
)
ENGLISH_WORDS = re.compile(r"\b(playing|paused|waiting|left|of|count|press|release|space|next|quit|section)\b")


def test_the_view_of_a_german_routine_is_german_whole_and_uncut_at_40_columns() -> None:
    from rich.console import Console

    from voiceguide.languages import screen_for
    from voiceguide.live.view import LivePanel

    presses = [e for e in GERMAN.events if e.cue == "press"]
    release = next(e for e in GERMAN.events if e.cue == "release")
    counts = [e for e in GERMAN.events if e.cue == "count"]
    holds = [e for e in GERMAN.events if e.cue == "hold"]
    moments = {
        "press": (presses[0].start_s + 0.1, False),
        "release": (release.start_s + 0.1, True),
        "count": (counts[5].start_s + 0.1, False),
        "timed hold": (holds[0].start_s + 2.0, True),
    }
    for what, (seconds, paused) in moments.items():
        console = Console(record=True, width=40, force_terminal=True)
        with LivePanel(console, words=screen_for("de")) as panel:
            panel(Position(round(seconds * RATE), GERMAN, paused=paused))
            screen = console.export_text(clear=False)
        assert not ENGLISH_WORDS.search(screen), (what, screen)
        assert all(len(line) <= 40 for line in screen.splitlines()), screen
        flat = " ".join(line.strip("│ ") for line in screen.splitlines())
        assert ("pausiert · " if paused else "läuft · ") in flat, screen  # the state, whole
        assert "…" not in screen, screen  # nothing cut
        if what == "press":  # the side, whole, and what to do now: the cycle's own words
            assert "(linke Seite)" in flat and presses[0].text in flat and "1 von 2" in flat, screen
        if what == "release":
            assert release.text in flat and presses[0].text not in flat, screen
        if what == "count":
            assert "6 von 21" in flat, screen
        if what == "timed hold":
            assert "noch 28 s" in flat, screen  # 2 s into a hold of 30


@pytest.mark.slow
@needs_audio_tools
@needs_sound_server
@pytest.mark.skipif(not __import__("shutil").which("tmux"), reason="needs tmux (scripts/bootstrap.sh installs it)")
def test_ctrl_c_in_a_real_terminal_restores_it(sound_server: SoundServer) -> None:
    term = Tmux.playing(sound_server, SHORT, "ctrl-c")
    try:
        term.wait_for("playing")
        term.keys("C-c")
        screen = term.wait_for("EXIT=130")
        assert "Traceback" not in screen
        assert "stopped at " in screen  # where to pick up again, as `q` says it
        term.assert_terminal_restored()
    finally:
        term.close()


def test_the_panel_shows_the_lead_in_before_the_first_words() -> None:
    from rich.console import Console

    from voiceguide.live.view import LivePanel

    console = Console(record=True, width=80, force_terminal=True)
    first = next(e for e in TIMELINE.events if e.kind == "speech")
    with LivePanel(console, before="Starting in 3, 2, 1.") as panel:
        panel(Position(0, TIMELINE, paused=False))
        assert "Starting in 3, 2, 1." in console.export_text(clear=True)
        panel(Position(round((first.start_s + 0.05) * RATE), TIMELINE, paused=False))
        screen = console.export_text(clear=True)
    assert "Starting in" not in screen and first.text in screen

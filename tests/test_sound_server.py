"""Live playback through a real sound server: a private PulseAudio server with a null sink,
recorded from its monitor. Each sound of the render must come back in place: within 20 ms of
where a continuous `aplay` of the rendered file puts it, recorded in the same test."""

from __future__ import annotations

import itertools
import json
import os
import queue
import signal
import statistics
import subprocess
import sys
import threading
import wave
from pathlib import Path

import numpy as np
import pytest
from sound_server import RATE, WHOLE, SoundServer, sound_offsets

from voiceguide.live.view import WAITING_NOTE

from conftest import DATA, needs_audio_tools, needs_sound_server

pytestmark = [pytest.mark.slow, needs_audio_tools, needs_sound_server]

ROUTINE = DATA / "live" / "sound-server.yaml"
"""About 30 s: five chunks of the track, and some thousands of the stream's callbacks."""
TOLERANCE_S = 0.020
MATCH = WHOLE


PLAY = (sys.executable, "-m", "voiceguide", "play", str(ROUTINE), "--quiet", "--no-lead-in")
"""Live playback of the routine, one plain line per cue."""


@pytest.fixture
def server(sound_server: SoundServer) -> SoundServer:
    return sound_server


def run(
    server: SoundServer, *args: str, latency_ms: int | None = None, cache: Path | None = None, timeout: float = 120
):  # type: ignore[no-untyped-def]
    env = {**os.environ, **server.env(latency_ms)}
    if cache is not None:
        env["VOICEGUIDE_CACHE_DIR"] = str(cache)
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)


def voiceguide(server: SoundServer, *args: str, **kwargs):  # type: ignore[no-untyped-def]
    return run(server, sys.executable, "-m", "voiceguide", *args, **kwargs)


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768


def rendered(server: SoundServer, folder: Path, cache: Path) -> np.ndarray:
    """The routine rendered to a WAV in `folder`; its samples."""
    wav = folder / "track.wav"
    assert voiceguide(server, "render", str(ROUTINE), "-f", "wav", "-o", str(wav), cache=cache).returncode == 0
    return read_wav(wav)


def recorded(
    server: SoundServer, *command: str, latency_ms: int | None, cache: Path | None = None
) -> tuple[np.ndarray, str, str]:
    """What the sink heard while `command` ran (and its stdout and stderr)."""
    with server.recording() as recording:
        result = run(server, *command, latency_ms=latency_ms, cache=cache)
        assert result.returncode == 0, result.stderr
        recording.wait_for_more(1.0)  # the last sound, through the server's latency
    return recording.samples(), result.stdout, result.stderr


def assert_in_place(live: list[tuple[float, float]], control: list[tuple[float, float]]) -> list[float]:
    """Every sound present in both, each live one within TOLERANCE_S of the control's; the
    differences (seconds)."""
    assert len(live) == len(control) > 20
    missing = [i for i, (_, score) in enumerate(control) if score < MATCH]
    assert not missing, f"the control lost sounds {missing}: {control}"
    lost = [(i, round(score, 3)) for i, (_, score) in enumerate(live) if score < MATCH]
    assert not lost, f"sounds lost or cut in live playback (index, match): {lost}"
    differences = [abs(a - b) for (a, _), (b, _) in zip(live, control, strict=True)]
    worst = max(differences)
    assert worst <= TOLERANCE_S, f"a sound moved by {worst * 1000:.1f} ms: {differences}"
    return differences


@pytest.mark.parametrize("latency_ms", [None, 200], ids=["default-latency", "200ms-latency"])
def test_every_sound_of_the_render_is_heard_in_place(
    server: SoundServer, tmp_path: Path, shared_cache: Path, latency_ms: int | None
) -> None:
    track = rendered(server, tmp_path, shared_cache)
    control, _, _ = recorded(server, "aplay", "-q", str(tmp_path / "track.wav"), latency_ms=latency_ms)
    live, out, _ = recorded(
        server,
        *PLAY,
        latency_ms=latency_ms,
        cache=shared_cache,
    )
    differences = assert_in_place(sound_offsets(live, track), sound_offsets(control, track))
    print(
        f"against aplay: median {statistics.median(differences) * 1000:.2f} ms, worst {max(differences) * 1000:.2f} ms"
    )
    # The plain view printed every spoken cue as it was heard.
    shown = json.loads(voiceguide(server, "show", str(ROUTINE), "--json", cache=shared_cache).stdout)
    spoken = [e for e in shown["events"] if e["kind"] == "speech"]
    assert len(out.strip().splitlines()) == len(spoken)


def test_playing_while_the_rest_is_synthesised_keeps_every_sound_in_place(server: SoundServer, tmp_path: Path) -> None:
    """With a cold cache, speech is made while the start plays. Whatever the machine's speed,
    no sound is lost or cut, and none moves, except that playing may wait for speech not yet
    made: then what follows is later by the wait, and the player said it was waiting. (How
    far synthesis keeps ahead is measured in scripts/bench_play.py, not asserted here.)"""
    cache = tmp_path / "cold-cache"
    live, _, err = recorded(server, *PLAY, latency_ms=None, cache=cache)
    track = rendered(server, tmp_path, cache)  # afterwards, from the clips the live run made
    control, _, _ = recorded(server, "aplay", "-q", str(tmp_path / "track.wav"), latency_ms=None)
    waits = err.count(WAITING_NOTE)
    played = sound_offsets(live, track, wait_s=60 if waits else 0)
    expected = sound_offsets(control, track)
    if not waits:  # synthesis kept ahead: every sound in place, as from a warm cache
        assert_in_place(played, expected)
        return
    lost = [(i, round(score, 3)) for i, (_, score) in enumerate(played) if score < MATCH]
    assert not lost, f"sounds lost or cut in live playback (index, match): {lost}"
    late = [a - b for (a, _), (b, _) in zip(played, expected, strict=True)]
    steps = [b - a for a, b in itertools.pairwise(late)]
    assert min(steps) >= -TOLERANCE_S, f"a sound came early: {steps}"
    moved = [round(step, 3) for step in steps if step > TOLERANCE_S]
    assert len(moved) <= waits, f"sounds moved later {moved} with {waits} waits said"
    print(f"{waits} waits for speech, later by {moved} s")


def test_the_simpleaudio_fallback_cuts_no_sound(server: SoundServer, tmp_path: Path, shared_cache: Path) -> None:
    track = rendered(server, tmp_path, shared_cache)
    live, _, _ = recorded(
        server,
        *PLAY,
        "--backend",
        "simpleaudio",
        latency_ms=200,
        cache=shared_cache,
    )
    offsets = sound_offsets(live, track, search_s=1.5)
    lost = [(i, round(score, 3)) for i, (_, score) in enumerate(offsets) if score < MATCH]
    assert not lost, f"sounds lost or cut at the buffer joins (index, match): {lost}"
    # Each join moves what follows a little later (a new stream starting), and only that.
    moved = [round(o * 1000) for o, _ in offsets]
    print("simpleaudio, ms from place:", moved)
    assert all(0 <= b - a <= 500 for a, b in itertools.pairwise(moved)), moved


@pytest.mark.parametrize("latency_ms", [None, 200], ids=["default-latency", "200ms-latency"])
def test_pause_is_silent_at_once_and_resumes_from_the_same_sample(server: SoundServer, latency_ms: int | None) -> None:
    probe = Path(__file__).parent / "pause_probe.py"
    live, said, _ = recorded(server, sys.executable, str(probe), latency_ms=latency_ms)
    codes = np.rint(live * 32768).astype(np.int64)
    sound = np.flatnonzero(codes)
    gaps = np.flatnonzero(np.diff(sound) > 0.5 * RATE)  # the pause: quiet, then the pre-roll
    assert gaps.size == 1, f"expected one pause, found {gaps.size}"
    before, after = sound[gaps[0]], sound[gaps[0] + 1]
    # Every sample says where in the track it is (1000 + k mod 20000).
    stopped, resumed = codes[before] - 1000, codes[after] - 1000
    moved = (resumed - stopped + 10000) % 20000 - 10000  # samples, forward
    # What was at the ear when the sound stopped is where it resumes, within a tenth of a second:
    # the sound stopped at once, and the player knew what was being heard.
    assert abs(moved) <= 0.1 * RATE, f"resumed {moved / RATE * 1000:.0f} ms from where the sound stopped"
    # On either side of the pause, not a sample is lost or repeated.
    for piece in (codes[sound[0] : before + 1], codes[after : sound[-1] + 1]):
        steps = np.diff(piece) % 20000
        assert np.all(steps == 1), "a sample was lost or repeated"
    print(f"resumed {moved / RATE * 1000:.1f} ms after the last sample heard before the pause")
    asked = json.loads(said.strip().splitlines()[-1])["asked_apart_s"]  # (scripts/bench_play.py reports it)
    print(f"the sound was back {((after - before) / RATE - asked) * 1000:.0f} ms after the resume was asked for")


def playing_until_first_cue(server: SoundServer, routine: str = "back-pain") -> subprocess.Popen[str]:
    """`voiceguide play` through `server`, returned once it has spoken its first cue."""
    process = subprocess.Popen(
        [*PLAY[:4], routine, "--quiet", "--no-lead-in"],
        env={**os.environ, **server.env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()  # type: ignore[union-attr]
    try:
        assert lines.get(timeout=120), "nothing was played"
    except queue.Empty:
        process.kill()
        raise AssertionError("no cue within 120 s") from None
    return process


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["killed", "terminated"])
def test_when_the_sound_server_dies_play_says_so_and_where_to_resume(tmp_path: Path, how: signal.Signals) -> None:
    own = SoundServer(tmp_path / "pulse")  # its own server: this one is killed
    process = None
    try:
        process = playing_until_first_cue(own)
        own.process.send_signal(how)
        _, err = process.communicate(timeout=30)  # it ends by itself, rather than playing on to nobody
    finally:
        if process is not None and process.poll() is None:
            process.kill()  # it did not: leave nothing playing behind the test
        own.close()
    assert process.returncode == 1, err
    *_, line = err.strip().splitlines()  # (PortAudio's own debug lines may come first)
    assert line.startswith("voiceguide: error: the sound device went away"), line
    assert "(resume with --from " in line or "Introduction" in line, line


def test_ctrl_c_stops_at_once_even_with_the_sound_server_frozen(tmp_path: Path) -> None:
    own = SoundServer(tmp_path / "pulse")
    process = None
    try:
        process = playing_until_first_cue(own)
        own.process.send_signal(signal.SIGSTOP)  # frozen: PortAudio's calls to it do not return
        try:
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=30)  # bounded; bench_play.py measures how fast
        finally:
            own.process.send_signal(signal.SIGCONT)
    finally:
        if process is not None and process.poll() is None:
            process.kill()
        own.close()
    assert process.returncode == 130 and "Traceback" not in err, err

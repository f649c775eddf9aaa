"""Live playback through a real sound server: a private PulseAudio server with a null sink,
recorded from its monitor. Each sound of the render must come back in place: within 20 ms of
where a continuous `aplay` of the rendered file puts it, recorded in the same test."""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from sound_server import SoundServer, sound_offsets

from conftest import needs_audio_tools, needs_sound_server

pytestmark = [needs_audio_tools, needs_sound_server]

ROUTINE = """
voiceguide: 1
title: Sound server test
settings: {count_interval: 1.0, get_ready: 0.5}
intro:
  - say: Through the sound server.
sections:
  - id: press
    title: Press
    steps:
      - hold: {count: 6}
      - tap: {times: 4, interval: 0.8}
  - id: squeeze
    title: Squeeze
    steps:
      - cycle: {times: 2, press: 2, release: 1.5, press_word: Squeeze}
      - hold: {seconds: 4, countdown: 2}
"""
"""About 30 s: five chunks of the track, and some thousands of the stream's callbacks."""
TOLERANCE_S = 0.020
MATCH = 0.95
"""A sound counts as present, whole, where it matches the render this well (1.0: the same samples)."""


@pytest.fixture
def server(sound_server: SoundServer) -> SoundServer:
    return sound_server


@pytest.fixture
def routine(tmp_path: Path) -> Path:
    path = tmp_path / "sound-server.yaml"
    path.write_text(ROUTINE)
    return path


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


def recorded(
    server: SoundServer, *command: str, latency_ms: int | None, cache: Path | None = None
) -> tuple[np.ndarray, str]:
    """What the sink heard while `command` ran (and its stdout)."""
    with server.recording() as recording:
        result = run(server, *command, latency_ms=latency_ms, cache=cache)
        assert result.returncode == 0, result.stderr
        recording.wait_for_more(1.0)  # the last sound, through the server's latency
    return recording.samples(), result.stdout


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
    server: SoundServer, routine: Path, tmp_path: Path, shared_cache: Path, latency_ms: int | None
) -> None:
    wav = tmp_path / "track.wav"
    assert voiceguide(server, "render", str(routine), "-f", "wav", "-o", str(wav), cache=shared_cache).returncode == 0
    track = read_wav(wav)
    control, _ = recorded(server, "aplay", "-q", str(wav), latency_ms=latency_ms)
    live, out = recorded(
        server,
        sys.executable,
        "-m",
        "voiceguide",
        "play",
        str(routine),
        "--quiet",
        "--no-lead-in",
        latency_ms=latency_ms,
        cache=shared_cache,
    )
    differences = assert_in_place(sound_offsets(live, track), sound_offsets(control, track))
    print(
        f"against aplay: median {statistics.median(differences) * 1000:.2f} ms, worst {max(differences) * 1000:.2f} ms"
    )
    # The plain view printed every spoken cue as it was heard.
    shown = json.loads(voiceguide(server, "show", str(routine), "--json", cache=shared_cache).stdout)
    spoken = [e for e in shown["events"] if e["kind"] == "speech"]
    assert len(out.strip().splitlines()) == len(spoken)


def test_playing_while_the_rest_is_synthesised_keeps_every_sound_in_place(
    server: SoundServer, routine: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cold-cache"
    live, _ = recorded(
        server,
        sys.executable,
        "-m",
        "voiceguide",
        "play",
        str(routine),
        "--quiet",
        "--no-lead-in",
        latency_ms=None,
        cache=cache,
    )
    wav = tmp_path / "track.wav"  # rendered afterwards, from the clips the live run made
    assert voiceguide(server, "render", str(routine), "-f", "wav", "-o", str(wav), cache=cache).returncode == 0
    track = read_wav(wav)
    control, _ = recorded(server, "aplay", "-q", str(wav), latency_ms=None)
    assert_in_place(sound_offsets(live, track), sound_offsets(control, track))


def test_the_simpleaudio_fallback_cuts_no_sound(
    server: SoundServer, routine: Path, tmp_path: Path, shared_cache: Path
) -> None:
    wav = tmp_path / "track.wav"
    assert voiceguide(server, "render", str(routine), "-f", "wav", "-o", str(wav), cache=shared_cache).returncode == 0
    track = read_wav(wav)
    live, _ = recorded(
        server,
        sys.executable,
        "-m",
        "voiceguide",
        "play",
        str(routine),
        "--quiet",
        "--no-lead-in",
        "--backend",
        "simpleaudio",
        latency_ms=200,
        cache=shared_cache,
    )
    offsets = sound_offsets(live, track)
    lost = [(i, round(score, 3)) for i, (_, score) in enumerate(offsets) if score < MATCH]
    assert not lost, f"sounds lost or cut at the buffer joins (index, match): {lost}"
    # Each join moves what follows a little later (a new stream starting), and only that.
    moved = [round(o * 1000) for o, _ in offsets]
    print("simpleaudio, ms from place:", moved)
    assert all(0 <= b - a <= 100 for a, b in itertools.pairwise(moved)), moved

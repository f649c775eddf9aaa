"""Benchmark `voiceguide play`: how soon it makes its first sound, and where its sounds land.

First sound, cold and warm: playback goes to an ALSA file device (no sound card needed), and
the time from starting the command to the first non-silent bytes in the capture file is the
time to first sound (the pre-roll's quiet passes through that device at once, so this is
voiceguide's own delay; a real device adds the pre-roll you set). As a baseline in the same
run: starting Python and importing voiceguide's command line (`voiceguide --version`), which
no play can beat. "Cold" is an empty cache; "warm" is a cache holding every phrase and the
lead-in, as after the routine has been played once with this voice. A cold start's first
sound is the start tone, sounded while its voice loads; the floor of that voice: a Piper
worker started alone, from its start to the lead-in made by it. And the first word, cold and
warm, through the sound server below, whose clock plays the pre-roll's quiet in real time as a
device does (the file device has no clock: a stream opened early spins through its quiet and
takes a core from the loading, which no device does).

Sounds in place: through a private PulseAudio server (as the tests start one), the test
routine is played live and, as the control, its rendered WAV with `aplay`; each sound's
place in the recordings is compared (median and worst difference, in ms), at the server's
default latency and at 200 ms (Bluetooth-sized), and how soon the sound is back after a resume
is asked for (target 0.3 s). And how long play takes to end when its
sound server is killed (it notices the device is gone) or frozen and Ctrl-C is pressed.

    .venv/bin/python scripts/bench_play.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
from bench_goals import judge

from voiceguide.limits import SAMPLE_RATE
from voiceguide.live.early import START_TONE
from voiceguide.paths import VOICES_ENV
from voiceguide.tones import live_pcm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from sound_server import SoundServer, available, sound_offsets  # noqa: E402

TARGETS_S = {"cold": 0.5, "warm": 0.2}
"""Issue 30's goals for the first sound of `play`."""
RESUME_TARGET_S = 0.3
"""From a resume asked for to the sound back (a key, a media key, "continue")."""
RATE = 44100
"""The test sound server's rate, and the pause probe's."""
ROUTINE = ROOT / "tests" / "data" / "live" / "sound-server.yaml"


START_TONE_PCM = np.frombuffer(live_pcm(START_TONE, SAMPLE_RATE), dtype="<i2")
"""What a start sounds while its voice loads, where no lead-in is cached."""


def first_sound_s(home: Path, cache: Path, *args: str) -> float:
    capture = home / "capture.raw"
    capture.unlink(missing_ok=True)
    env = {**os.environ, "HOME": str(home), "VOICEGUIDE_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "play", "back-pain", "--quiet", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - start < 30:
            if capture.exists():
                with capture.open("rb") as f:
                    if any(f.read()):
                        return time.perf_counter() - start
            time.sleep(0.002)
        raise RuntimeError("no sound within 30 s")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(10)


def remember_lead_in(home: Path, cache: Path) -> None:
    """Play the routine until its lead-in is remembered for the next start (a first sound is
    not enough: a cold start sounds its start tone before the lead-in is made)."""
    env = {**os.environ, "HOME": str(home), "VOICEGUIDE_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "voiceguide", "play", "back-pain", "--quiet"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not any((cache / "starts").glob("*.pcm")):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the lead-in was not remembered")
            time.sleep(0.01)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(10)


def first_word_through_server_s(server: SoundServer, cache: Path) -> float:
    """From starting `play` to its first word reaching the sound server's speaker, as a device
    with a clock plays it (the default pre-roll's quiet takes its time here, as it does on a
    real device): the first sound after the start tone, where it sounded one."""
    env = {**os.environ, **server.env(), "VOICEGUIDE_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "voiceguide", "play", "back-pain", "--quiet"]
    with server.recording() as recording:
        recording.wait_for_more(0.2)  # the recorder runs: its samples keep the server's time
        before = recording.seconds()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while (word := _first_word(recording.samples())) is None:
                if time.monotonic() > deadline:
                    raise RuntimeError("no word within 30 s")
                time.sleep(0.01)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(10)
    return word / RATE - before


def _first_word(recorded: np.ndarray) -> int | None:
    """The recording's first sample of speech: its first sound, or, where that is the start
    tone, the first sound after it. (A sound server may drop the first few milliseconds of a
    stream, so the tone is found by its shape, wherever it begins.)"""
    heard = np.flatnonzero(np.abs(recorded) > 1 / 32768)
    if not heard.size:
        return None
    tone = START_TONE_PCM.astype(np.float32) / 32768
    first = int(heard[0])
    if first + 2 * tone.size > recorded.size:
        return None  # not yet known whether it is the tone
    window = recorded[max(0, first - tone.size // 4) : first + tone.size]
    lag = int(np.argmax(np.correlate(window, tone[: tone.size // 2], "valid")))
    start = max(0, first - tone.size // 4) + lag  # where the tone would begin
    if _likeness(recorded[start : start + tone.size], tone) < 0.9:
        return first  # not the tone: a word
    after = heard[heard >= start + tone.size]
    return int(after[0]) if after.size else None


def _likeness(a: np.ndarray, b: np.ndarray) -> float:
    """Their normalised correlation: 1 for the same waveform at any level."""
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def speech_floor_s() -> float:
    """From starting a Piper worker to the built-in routine's lead-in made by it, with nothing
    else running: Python, Piper, its model and the phrase. A cold `play` cannot make its first
    sound sooner with this voice, whatever it does meanwhile (it starts the same worker at its
    own start, and loads the routine beside it)."""
    from voiceguide.app.voicing import open_voice
    from voiceguide.routine.loader import load_routine
    from voiceguide.speech.cache import ClipCache
    from voiceguide.speech.registry import VoiceChoice
    from voiceguide.timeline.options import CompileOptions

    routine = load_routine("back-pain")
    with tempfile.TemporaryDirectory() as folder:
        cache = ClipCache(Path(folder))
        voice = open_voice(routine, options=CompileOptions(), choice=VoiceChoice(engine="piper"), cache=cache)
        try:
            clips = voice.clips([routine.phrase_table.lead_in], cache)
            start = time.perf_counter()
            voice.engine.start(preload=voice.settings.voice_id)
            next(clips.synthesise())
            return time.perf_counter() - start
        finally:
            voice.close()


def startup_s() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "voiceguide", "--version"], check=True, capture_output=True)
    return time.perf_counter() - start


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768


def after_device_trouble_s(work: Path, trouble: signal.Signals, repeats: int) -> dict[str, float]:
    """How long `play` takes to end once its sound server is killed (SIGKILL: it must notice
    and say so) or frozen (SIGSTOP, then Ctrl-C: it must stop at once): median and worst."""
    times = []
    for n in range(repeats):
        server = SoundServer(work / f"pulse-{trouble.name}-{n}")
        try:
            env = {**os.environ, **server.env(), "VOICEGUIDE_CACHE_DIR": str(work / "cache-0")}
            process = subprocess.Popen(
                [sys.executable, "-m", "voiceguide", "play", str(ROUTINE), "--quiet", "--no-lead-in"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            assert process.stdout is not None
            process.stdout.readline()  # the first cue: it is playing
            server.process.send_signal(trouble)
            start = time.perf_counter()
            if trouble == signal.SIGSTOP:
                process.send_signal(signal.SIGINT)
            process.wait(120)
            times.append(time.perf_counter() - start)
            server.process.send_signal(signal.SIGCONT)
        finally:
            server.close()
    return {"median_s": statistics.median(times), "worst_s": max(times)}


def resume_delay_s(server: SoundServer, latency_ms: int | None, repeats: int) -> dict[str, float]:
    """How long after a resume is asked for the sound comes back (median and worst): the
    player pauses 3 s into a track, resumes a second later (tests/pause_probe.py); the gap in
    the recording, less the time between the two commands, is the resume's delay (the pause's
    being nil: it drops what the device holds)."""
    delays = []
    for _ in range(repeats):
        with server.recording() as recording:
            result = subprocess.run(
                [sys.executable, str(ROOT / "tests" / "pause_probe.py")],
                env={**os.environ, **server.env(latency_ms)},
                check=True,
                capture_output=True,
                text=True,
            )
            recording.wait_for_more(1.0)
        asked = json.loads(result.stdout.strip().splitlines()[-1])["asked_apart_s"]
        sound = np.flatnonzero(np.rint(recording.samples() * 32768))
        gap = np.flatnonzero(np.diff(sound) > 0.5 * RATE)[0]
        delays.append((sound[gap + 1] - sound[gap]) / RATE - asked)
    return {"median_s": statistics.median(delays), "worst_s": max(delays)}


def through_server(server: SoundServer, work: Path, latency_ms: int | None) -> dict[str, float]:
    """Median and worst difference (ms) between live and aplay, sound by sound."""
    env = {**os.environ, **server.env(latency_ms), "VOICEGUIDE_CACHE_DIR": str(work / "cache-0")}
    wav = work / "routine.wav"
    render = [sys.executable, "-m", "voiceguide", "render", str(ROUTINE), "-f", "wav", "--force", "-o", str(wav)]
    subprocess.run(render, env=env, check=True, capture_output=True)
    track = read_wav(wav)
    recordings = []
    for command in (
        ["aplay", "-q", str(wav)],
        [sys.executable, "-m", "voiceguide", "play", str(ROUTINE), "--quiet", "--no-lead-in"],
    ):
        with server.recording() as recording:
            subprocess.run(command, env=env, check=True, capture_output=True)
            recording.wait_for_more(1.0)
        recordings.append(sound_offsets(recording.samples(), track))
    control, live = recordings
    differences = [abs(a - b) * 1000 for (a, _), (b, _) in zip(live, control, strict=True)]
    return {
        "sounds": len(differences),
        "lowest_match": min(score for _, score in live),
        "median_ms": statistics.median(differences),
        "worst_ms": max(differences),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="voiceguide-bench-play-"))
    # The same voices for every play here and the lone worker: those installed with voiceguide
    # (each play's HOME is the bench's own), not ones downloaded into the user's data folder.
    os.environ.setdefault(VOICES_ENV, str(work / "voices"))
    home = work / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(
        f'pcm.!default {{ type file; slave.pcm {{ type null }}; file "{home / "capture.raw"}"; format "raw" }}\n'
    )
    cold, warm, base, floor = [], [], [], []
    for n in range(args.repeats):
        cache = work / f"cache-{n}"
        base.append(startup_s())
        floor.append(speech_floor_s())
        cold.append(first_sound_s(home, cache))  # empty cache: voices listed, phrases made
        fill = ["render", "back-pain", "-f", "wav", "--force", "--no-transcripts", "-o", str(work / "warm.wav")]
        subprocess.run(  # fill the cache, as an earlier render or play of the routine would
            [sys.executable, "-m", "voiceguide", *fill],
            env={**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache)},
            check=True,
            capture_output=True,
        )
        remember_lead_in(home, cache)  # played once before: the cache also holds the lead-in's PCM
        warm.append(first_sound_s(home, cache))
    results: dict[str, object] = {
        "startup_baseline_s": statistics.median(base),
        "first_sound_cold_s": statistics.median(cold),
        "first_sound_warm_s": statistics.median(warm),
        "lead_in_from_a_lone_worker_s": statistics.median(floor),
        "cold / startup": statistics.median(cold) / statistics.median(base),
        "warm / startup": statistics.median(warm) / statistics.median(base),
    }
    if available():
        server = SoundServer(work / "pulse")
        try:
            words: dict[str, list[float]] = {"cold": [], "warm": []}
            for n in range(args.repeats):
                cache = work / f"server-cache-{n}"
                words["cold"].append(first_word_through_server_s(server, cache))
                words["warm"].append(first_word_through_server_s(server, cache))
            for kind, times in words.items():
                results[f"first_word_{kind}_through_server_s"] = statistics.median(times)
            for name, latency in (("default_latency", None), ("latency_200ms", 200)):
                results[f"sounds_vs_aplay_{name}"] = through_server(server, work, latency)
                results[f"resume_after_asked_{name}"] = resume_delay_s(server, latency, args.repeats)
        finally:
            server.close()
        results["play_ends_after_its_server_is_killed"] = after_device_trouble_s(work, signal.SIGKILL, args.repeats)
        results["ctrl_c_with_its_server_frozen"] = after_device_trouble_s(work, signal.SIGSTOP, args.repeats)
    print(json.dumps(results, indent=2, default=lambda v: round(v, 3)))
    for kind, target in TARGETS_S.items():
        judge(f"first sound {kind}", float(results[f"first_sound_{kind}_s"]), target, unit=" s")  # type: ignore[arg-type]
    for name in ("default_latency", "latency_200ms"):
        resume = results.get(f"resume_after_asked_{name}")
        if isinstance(resume, dict):
            judge(f"resume, {name.replace('_', ' ')}: worst", resume["worst_s"], RESUME_TARGET_S, unit=" s")


if __name__ == "__main__":
    main()

"""How well `play --listen` hears its commands, and how rarely it obeys its own voice.

Offline, through the same code that listens live (voiceguide.live.listen.Spotter): the echo
canceller and the keyword spotter, 10 ms at a time.

- Commands: every phrase said by several synthetic voices (espeak-ng's, Piper's) at two
  speeds and two levels, in quiet and over the routine's own voice coming back from a
  simulated room (barge-in), with the voice as the canceller's reference.
- Its own voice: the whole built-in routine as a room echoes it back, cancelled; every
  phrase the spotter reports there is a false command (reported per hour).
- Latency: from the end of a command's sound to the frame it is reported in.
- CPU: seconds of CPU per second of audio, for the canceller and the spotter.

    .venv/bin/python scripts/bench_listen.py            # the thresholds in listen.py
    .venv/bin/python scripts/bench_listen.py --tune     # sweep each phrase's threshold
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import wave
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import soxr

ROOT = Path(__file__).resolve().parent.parent

from voiceguide.live.listen import FRAME, PHRASES, RATE, Phrase, Spotter, keyword_list  # noqa: E402

ESPEAK_VOICES = ("en-us", "en-us+f3", "en-gb", "en-us+m3")
SPEEDS = (140, 180)
LEVELS_DB = (-6.0, -24.0)
"""Peak level of a command at the microphone: near, and across the room."""
ECHO_GAIN = 0.5
"""The room returns the speaker's sound at half its level, 30 ms later, with a short reverb."""
GRID = (1e-5, 1e-10, 1e-15, 1e-20, 1e-25, 1e-30, 1e-35, 1e-40)


def espeak(text: str, voice: str, speed: int, work: Path) -> np.ndarray:
    out = work / "say.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text], check=True)
    return read_wav(out)


def piper(texts: list[str], speed: int) -> dict[str, np.ndarray]:
    from voiceguide.speech.base import VoiceSettings
    from voiceguide.speech.registry import make_engine

    engine = make_engine("piper")
    try:
        voice = engine.voices()[0]
        settings = VoiceSettings(voice.id, speed, 1.0)
        return {
            t: soxr.resample(c.samples.astype(np.float32) / 32768, c.sample_rate, RATE)
            for t, c in engine.synthesize_many(texts, settings)
        }
    finally:
        engine.close()


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
        return soxr.resample(x, w.getframerate(), RATE).astype(np.float32)


def room(far: np.ndarray, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ir = np.zeros(round(0.25 * RATE), dtype=np.float32)
    direct = round(0.03 * RATE)
    ir[direct] = ECHO_GAIN
    tail = np.arange(ir.size - direct - 1)
    ir[direct + 1 :] = rng.standard_normal(tail.size) * np.exp(-tail / (0.05 * RATE)) * 0.05
    size = 1 << (far.size + ir.size).bit_length()  # by FFT: a routine is millions of samples
    echoed = np.fft.irfft(np.fft.rfft(far, size) * np.fft.rfft(ir, size), size)
    return echoed[: far.size].astype(np.float32)


def at_level(x: np.ndarray, db: float) -> np.ndarray:
    return (x / max(1e-9, float(np.max(np.abs(x)))) * 10 ** (db / 20)).astype(np.float32)


def commands(work: Path) -> list[tuple[str, str, np.ndarray]]:
    """(phrase, voice, samples) for every phrase, voice, speed and level."""
    said = []
    for speed in SPEEDS:
        for voice in ESPEAK_VOICES:
            for p in PHRASES:
                said.append((p.words, f"espeak {voice} {speed}", espeak(p.words, voice, speed, work)))
        try:
            for text, x in piper([p.words for p in PHRASES], speed).items():
                said.append((text, f"piper {speed}", x))
        except Exception as e:
            print(f"no Piper voice: {e}", file=sys.stderr)
    return [(w, f"{v} {db:g} dB", at_level(x, db)) for w, v, x in said for db in LEVELS_DB]


def run(
    spotter: Spotter, near: np.ndarray, far: np.ndarray, echoes: list[float] | None = None
) -> list[tuple[str, float]]:
    """(phrase, seconds) for each phrase reported over the recording and not taken for the
    echo of its own voice (whose times go to `echoes`)."""
    found = []
    n16 = (near * 32767).astype(np.int16)
    f16 = (far * 32767).astype(np.int16)
    for i in range(0, near.size - FRAME + 1, FRAME):
        phrase = spotter.frame(n16[i : i + FRAME], f16[i : i + FRAME])
        if phrase is not None and spotter.echoed:
            if echoes is not None:
                echoes.append((i + FRAME) / RATE)
        elif phrase is not None:
            found.append((phrase.words, (i + FRAME) / RATE))
    return found


def trial(args: tuple[tuple[Phrase, ...], dict[str, np.ndarray], list[tuple[str, str, np.ndarray, int]], Path]) -> dict:
    phrases, streams, placed, work = args
    keywords = work / f"kws-{phrases[0].threshold:g}-{time.monotonic_ns()}.txt"
    keywords.write_text(keyword_list(phrases))
    out: dict = {}
    started = time.process_time()
    echoes: list[float] = []
    own = run(Spotter(keywords, phrases), streams["own_near"], streams["own_far"], echoes)
    own_cpu = time.process_time() - started
    out["false_commands"] = own
    out["echoes_ignored"] = len(echoes)
    out["cpu_per_audio_s"] = own_cpu / (streams["own_near"].size / RATE)
    for where in ("quiet", "over_voice"):
        near, far = streams[f"{where}_near"], streams[f"{where}_far"]
        got = run(Spotter(keywords, phrases), near, far)
        hits = []
        for words, voice, x, at in placed:
            end = (at + x.size) / RATE
            match = [t for w, t in got if w == words and at / RATE <= t <= end + 1.0]
            hits.append((words, voice, match[0] - end if match else None))
        out[where] = hits
    return out


def scene(work: Path) -> tuple[dict[str, np.ndarray], list[tuple[str, str, np.ndarray, int]]]:
    track = work / "track.wav"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "voiceguide",
            "render",
            "back-pain",
            "-f",
            "wav",
            "-o",
            str(track),
            "--force",
            "--no-transcripts",
        ],
        check=True,
        capture_output=True,
    )
    own = read_wav(track)
    noise = np.random.default_rng(7).standard_normal(own.size).astype(np.float32) * 3e-4
    streams = {"own_far": own, "own_near": room(own) + noise}
    said = commands(work)
    gap = RATE * 3
    length = sum(x.size + gap for _, _, x in said) + gap
    quiet_near = np.random.default_rng(8).standard_normal(length).astype(np.float32) * 3e-4
    voice_far = np.resize(own[RATE * 30 :], length)  # the routine under every command
    voice_near = room(voice_far) + quiet_near
    placed = []
    at = gap
    for words, voice, x in said:
        quiet_near[at : at + x.size] += x
        voice_near[at : at + x.size] += x
        placed.append((words, voice, x, at))
        at += x.size + gap
    streams |= {
        "quiet_near": quiet_near,
        "quiet_far": np.zeros(length, np.float32),
        "over_voice_near": voice_near,
        "over_voice_far": voice_far,
    }
    return streams, placed


def summary(result: dict, audio_s: float) -> dict:
    def rate(hits: list) -> float:
        return round(sum(1 for *_, lag in hits if lag is not None) / len(hits), 3)

    lags = [lag for *_, lag in result["quiet"] + result["over_voice"] if lag is not None]
    per_phrase = {}
    for p in {w for w, *_ in result["quiet"]}:
        per_phrase[p] = {
            "quiet": rate([h for h in result["quiet"] if h[0] == p]),
            "over_voice": rate([h for h in result["over_voice"] if h[0] == p]),
            "false_per_hour": round(sum(1 for w, _ in result["false_commands"] if w == p) * 3600 / audio_s, 1),
        }
    return {
        "recognised_in_quiet": rate(result["quiet"]),
        "recognised_over_its_voice": rate(result["over_voice"]),
        "false_commands_per_hour_of_its_voice": round(len(result["false_commands"]) * 3600 / audio_s, 1),
        "false_commands": result["false_commands"],
        "its_own_voice_heard_and_ignored_per_hour": round(result["echoes_ignored"] * 3600 / audio_s, 1),
        "latency_after_the_word_s": {
            "median": round(float(np.median(lags)), 3) if lags else None,
            "worst": round(max(lags), 3) if lags else None,
        },
        "cpu_s_per_audio_s": round(result["cpu_per_audio_s"], 4),
        "per_phrase": per_phrase,
    }


def confusions(args: tuple[tuple[Phrase, ...], np.ndarray, list[tuple[str, int, int]], Path]) -> tuple[int, int]:
    """(right, wrong) over a stream of commands in quiet: a phrase reported inside a command's
    span is right if it is that command, wrong otherwise (also wrong: a second report)."""
    phrases, stream, spans, work = args
    keywords = work / f"kws-{time.monotonic_ns()}.txt"
    keywords.write_text(keyword_list(phrases))
    got = run(Spotter(keywords, phrases, cancel_echo=False), stream, np.zeros_like(stream))
    right = wrong = 0
    for words, lo, hi in spans:
        inside = [w for w, t in got if lo / RATE <= t <= hi / RATE + 1.0]
        right += inside[:1] == [words]
        wrong += len(inside) - (inside[:1] == [words])
    return right, wrong


def tune(work: Path, streams: dict[str, np.ndarray]) -> tuple[Phrase, ...]:
    """Each phrase's threshold in turn, the others held, twice over: the most commands heard
    right, a wrong one costing three right ones; then tightened where its own voice fires it."""
    said = commands(work)
    gap = RATE
    stream = np.zeros(sum(x.size + gap for _, _, x in said) + gap, np.float32)
    spans, at = [], gap
    for words, _, x in said:
        stream[at : at + x.size] = x
        spans.append((words, at, at + x.size))
        at += x.size + gap
    stream += np.random.default_rng(9).standard_normal(stream.size).astype(np.float32) * 3e-4
    chosen = list(PHRASES)
    with ProcessPoolExecutor(2) as pool:
        for _ in range(2):
            for i, phrase in enumerate(chosen):
                trials = [(*chosen[:i], replace(phrase, threshold=t), *chosen[i + 1 :]) for t in GRID]
                scores = list(pool.map(confusions, [(t, stream, spans, work) for t in trials]))
                best = max(range(len(GRID)), key=lambda k: scores[k][0] - 3 * scores[k][1])
                chosen[i] = replace(phrase, threshold=GRID[best])
                print(
                    f"{phrase.words}: {GRID[best]:g} (right {scores[best][0]}, wrong {scores[best][1]})",
                    file=sys.stderr,
                )
    return tuple(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tune", action="store_true", help="choose each phrase's threshold")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="voiceguide-bench-listen-") as folder:
        work = Path(folder)
        streams, placed = scene(work)
        audio_s = streams["own_near"].size / RATE
        phrases = tune(work, streams) if args.tune else PHRASES
        if args.tune:
            print(json.dumps({p.words: p.threshold for p in phrases}))
        print(json.dumps(summary(trial((phrases, streams, placed, work)), audio_s), indent=1))


if __name__ == "__main__":
    main()

"""Benchmark how soon `voiceguide play` makes its first sound, cold and warm.

Playback goes to an ALSA file device (no sound card needed): the time from starting the
command to the first non-silent bytes in the capture file is the time to first sound. As a
baseline in the same run: the time to start Python and import voiceguide's command line
(`voiceguide --version`), which no play can beat. Each figure is the median of a few runs.
"Cold" is an empty cache; "warm" is a cache holding every phrase and the lead-in, as after
the routine has been played once with this voice.

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
from pathlib import Path

TARGETS_S = {"cold": 1.0, "warm": 0.3}


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


def chunk_lateness_ms(home: Path, cache: Path, seconds: float) -> list[float]:
    """Play the start of the built-in routine in this process through simpleaudio (to the
    capture device) and return how late, in ms, each buffer was handed to the device
    compared with its due time on the timeline. Samples within a buffer are exact, so this
    is the cue timing error."""
    os.environ["HOME"], os.environ["VOICEGUIDE_CACHE_DIR"] = str(home), str(cache)
    from voiceguide.compiler import CompileOptions
    from voiceguide.live import Command, LiveTrack, MonotonicClock, Player, SimpleaudioSink
    from voiceguide.loader import load_routine
    from voiceguide.plan import VoiceChoice
    from voiceguide.speech.cache import ClipCache

    track = LiveTrack(
        load_routine("back-pain"), options=CompileOptions(), choice=VoiceChoice(), cache=ClipCache(), lead_in=False
    )
    sink = SimpleaudioSink()
    clock = MonotonicClock()
    played: list[tuple[float, int]] = []
    real_play = sink.play

    def play(samples):  # type: ignore[no-untyped-def]
        played.append((clock.now(), len(samples)))
        real_play(samples)

    sink.play = play  # type: ignore[method-assign]
    player = Player(track, sink=sink, clock=clock)
    import threading

    threading.Timer(seconds, lambda: player.commands.put(Command.QUIT)).start()
    player.play()
    track.close()
    # The timeline's time zero is when its first sample went out; each later buffer should
    # follow it by exactly the samples before it.
    late, at = [], 0
    for when, length in played:
        late.append(1000 * (when - (played[0][0] + at / 44100)))
        at += length
    return late


def startup_s() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "voiceguide", "--version"], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--timing-seconds", type=float, default=40.0, help="how long to play for the timing figure")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="voiceguide-bench-play-"))
    home = work / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(
        f'pcm.!default {{ type file; slave.pcm {{ type null }}; file "{home / "capture.raw"}"; format "raw" }}\n'
    )
    cold, warm, base = [], [], []
    for n in range(args.repeats):
        cache = work / f"cache-{n}"
        base.append(startup_s())
        cold.append(first_sound_s(home, cache))  # empty cache: voices listed, phrases made
        subprocess.run(  # fill the cache, as an earlier render or play of the routine would
            [
                sys.executable,
                "-m",
                "voiceguide",
                "render",
                "back-pain",
                "-f",
                "wav",
                "--force",
                "--no-transcripts",
                "-o",
                str(work / "warm.wav"),
            ],
            env={**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache)},
            check=True,
            capture_output=True,
        )
        first_sound_s(home, cache)  # played once before: the cache also holds the lead-in's PCM
        warm.append(first_sound_s(home, cache))
    results = {
        "startup_baseline_s": statistics.median(base),
        "first_sound_cold_s": statistics.median(cold),
        "first_sound_warm_s": statistics.median(warm),
    }
    results["cold / startup"] = results["first_sound_cold_s"] / results["startup_baseline_s"]
    results["warm / startup"] = results["first_sound_warm_s"] / results["startup_baseline_s"]
    late = chunk_lateness_ms(home, work / "cache-0", args.timing_seconds)
    results["buffers_timed"] = len(late)
    results["worst_buffer_lateness_ms"] = max(late)
    results["median_buffer_lateness_ms"] = statistics.median(late)
    print(json.dumps({k: round(v, 3) for k, v in results.items()}, indent=2))
    worst = results["worst_buffer_lateness_ms"]
    print(f"{'PASS' if worst <= 30 else 'MISS'}  every buffer (so every cue) within 30 ms: worst {worst:.1f} ms")
    for kind, target in TARGETS_S.items():
        value = results[f"first_sound_{kind}_s"]
        print(f"{'PASS' if value <= target else 'MISS'}  first sound {kind}: {value:.2f} s (target {target} s)")


if __name__ == "__main__":
    main()

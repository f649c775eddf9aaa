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


def startup_s() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "voiceguide", "--version"], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
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
    print(json.dumps({k: round(v, 3) for k, v in results.items()}, indent=2))
    for kind, target in TARGETS_S.items():
        value = results[f"first_sound_{kind}_s"]
        print(f"{'PASS' if value <= target else 'MISS'}  first sound {kind}: {value:.2f} s (target {target} s)")


if __name__ == "__main__":
    main()

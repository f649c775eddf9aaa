"""Check that a rendered file is a real track: ffprobe decodes it, and it has the length and
the chapters asked for. CI runs it on what `make run` made.

    python scripts/check_track.py audio_out/back-pain.mp3 [--min-seconds 60] [--min-chapters 5]

Prints one line about the track; exits 1 with one line saying what is wrong.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("track")
    parser.add_argument("--min-seconds", type=float, default=60.0)
    parser.add_argument("--min-chapters", type=int, default=5)
    args = parser.parse_args()
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters", "-of", "json", args.track],
        capture_output=True,
        text=True,
    )
    if probe.returncode:
        print(f"check_track: {args.track}: ffprobe cannot read it: {probe.stderr.strip()}", file=sys.stderr)
        return 1
    info = json.loads(probe.stdout)
    audio = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    duration = float(info.get("format", {}).get("duration", 0))
    chapters = info.get("chapters", [])
    problems = []
    if not audio:
        problems.append("no audio stream")
    if duration < args.min_seconds:
        problems.append(f"{duration:.1f} s long, expected at least {args.min_seconds:g}")
    if len(chapters) < args.min_chapters:
        problems.append(f"{len(chapters)} chapters, expected at least {args.min_chapters}")
    if chapters and abs(float(chapters[-1]["end_time"]) - duration) > 1.0:
        problems.append(f"the chapters end at {float(chapters[-1]['end_time']):.1f} s, the track at {duration:.1f} s")
    if problems:
        print(f"check_track: {args.track}: {'; '.join(problems)}", file=sys.stderr)
        return 1
    codec = audio[0].get("codec_name")
    minutes, seconds = divmod(round(duration), 60)
    print(f"{args.track}: {codec}, {minutes}:{seconds:02d}, {len(chapters)} chapters")
    return 0


if __name__ == "__main__":
    sys.exit(main())

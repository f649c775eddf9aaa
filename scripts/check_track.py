"""Check that a rendered file is a real track: ffprobe decodes it, and it has the length and
the chapters asked for; with --chapter-pictures, every chapter of the MP3 carries a picture
(read with mutagen, as a phone's player reads it). CI runs it on what `make run` made.

    python scripts/check_track.py audio_out/back-pain.mp3 [--min-seconds 60] [--min-chapters 5]
                                  [--chapter-pictures]

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
    parser.add_argument("--chapter-pictures", action="store_true", help="every chapter must carry a picture")
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
    pictured = chapters_with_pictures(args.track) if args.chapter_pictures else 0
    if args.chapter_pictures and pictured < len(chapters):
        problems.append(f"{len(chapters) - pictured} of its {len(chapters)} chapters carry no picture")
    if problems:
        print(f"check_track: {args.track}: {'; '.join(problems)}", file=sys.stderr)
        return 1
    codec = audio[0].get("codec_name")
    minutes, seconds = divmod(round(duration), 60)
    with_pictures = ", each with its picture" if args.chapter_pictures else ""
    print(f"{args.track}: {codec}, {minutes}:{seconds:02d}, {len(chapters)} chapters{with_pictures}")
    return 0


def chapters_with_pictures(track: str) -> int:
    """How many of the MP3's chapters (ID3 CHAP frames) hold a picture (an APIC frame)."""
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        return sum(bool(chapter.sub_frames.getall("APIC")) for chapter in ID3(track).getall("CHAP"))
    except ID3NoHeaderError:
        return 0


if __name__ == "__main__":
    sys.exit(main())

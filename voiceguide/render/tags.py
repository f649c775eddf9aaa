"""Tags, chapters and the cover, added to an encoded stream by a stream copy (ffmpeg `-c
copy`): ID3v2.3 with a CTOC and the CHAP frames in time order for an MP3, the same
metadata for an M4B."""

from __future__ import annotations

import errno
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from voiceguide.errors import AudioError
from voiceguide.timeline.events import Chapter


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str = "voiceguide"
    album: str = "voiceguide routines"
    genre: str = "Speech"
    year: str = ""
    comment: str = ""


def ffmetadata(chapters: tuple[Chapter, ...]) -> str:
    """An FFMETADATA1 document with one [CHAPTER] per chapter, in milliseconds."""
    lines = [";FFMETADATA1"]
    for c in chapters:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={round(c.start_s * 1000)}",
            f"END={round(c.end_s * 1000)}",
            f"title={_escape(c.title)}",
        ]
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    for ch in "\\=;#\n":
        value = value.replace(ch, "\\" + ch)
    return value


def tag(
    audio: Path,
    target: Path,
    folder: Path,
    *,
    fmt: str,
    xing: bool,
    chapters: tuple[Chapter, ...],
    tags: Tags,
    cover: bytes | None,
) -> None:
    """Copy the encoded stream into `target` (not a sample changes) with the tags (ID3v2.3 for
    MP3: CTOC and the CHAP frames in time order), the chapters and the cover."""
    meta = folder / "chapters.txt"
    meta.write_text(ffmetadata(chapters), encoding="utf-8")
    command = ["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", str(audio), "-i", str(meta)]
    if cover is not None:
        picture = folder / "cover.jpg"
        picture.write_bytes(cover)
        command += ["-i", str(picture)]
    command += ["-map", "0:a", "-map_chapters", "1", "-map_metadata", "1"]
    if cover is not None:
        command += ["-map", "2:v", "-disposition:v", "attached_pic", "-metadata:s:v", "comment=Cover (front)"]
    values = {"title": tags.title, "artist": tags.artist, "album": tags.album, "genre": tags.genre}
    if tags.year:
        values["date"] = tags.year
    if tags.comment:
        values["comment"] = tags.comment
    for key, value in values.items():
        command += ["-metadata", f"{key}={value}"]
    command += ["-c", "copy"]
    if fmt == "mp3":
        # A stream made of two halves has no Xing header, and must not get one (_halves).
        command += ["-id3v2_version", "3", "-write_xing", "1" if xing else "0", "-f", "mp3"]
    else:
        command += ["-movflags", "+faststart", "-f", "ipod"]
    result = subprocess.run([*command, str(target)], capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        raise_if_disk_full(result.stderr, target)
        last = [line for line in result.stderr.splitlines() if line.strip()][-1:]
        raise AudioError(f"ffmpeg could not write {target.name}: {' '.join(last)}")


def raise_if_disk_full(ffmpeg_said: str, target: Path) -> None:
    """ffmpeg's own words for a full disk, as the OSError it is, naming the file it wrote."""
    if "No space left on device" in ffmpeg_said:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

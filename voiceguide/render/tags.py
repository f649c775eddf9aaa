"""Tags, chapters and the cover, added to an encoded stream by a stream copy (ffmpeg `-c
copy`): ID3v2.3 with a CTOC and the CHAP frames in time order for an MP3, the same
metadata for an M4B. In an MP3 each chapter can carry its own picture (an APIC frame inside
its CHAP frame), which phones' podcast players show as the chapter starts; ffmpeg writes no
such thing, so mutagen adds them."""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.errors import AudioError
from voiceguide.pictures.draw import Image
from voiceguide.timeline.events import Chapter, Timeline

if TYPE_CHECKING:
    from mutagen.id3 import Frame


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str = "voiceguide"
    album: str = "voiceguide routines"
    genre: str = "Speech"
    year: str = ""
    comment: str = ""
    language: str = ""
    """The routine's language (a code such as de or pt-BR): ID3 TLAN."""
    extra: dict[str, str] = field(default_factory=dict)
    """Tags of voiceguide's own (what made the track): TXXX frames in an MP3."""


def holds_json(timeline: Timeline) -> str:
    return json.dumps([[round(start, 2), round(end, 2)] for start, end in timeline.holds()], separators=(",", ":"))


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
    pictures: dict[str, Image] | None = None,
) -> None:
    """Copy the encoded stream into `target` (not a sample changes) with the tags (ID3v2.3 for
    MP3: CTOC and the CHAP frames in time order), the chapters and the cover; in an MP3, each
    chapter whose id `pictures` has gets that picture."""
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
    if tags.language:
        values["language"] = tags.language
    values.update(tags.extra)
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
    if fmt == "mp3" and pictures:
        add_chapter_pictures(target, [pictures.get(c.id) for c in chapters])


def add_chapter_pictures(path: Path, pictures: list[Image | None]) -> None:
    """Put picture i in the MP3's i-th chapter (in time order) as an APIC sub-frame.

    mutagen would save the frames sorted by size, and so the CHAP frames out of time order,
    which players that read the file's order show wrong; so the tag is put together here, each
    frame made by mutagen, in this order: the tags, the CTOC, then the chapters by time."""
    from mutagen.id3 import APIC, ID3, Encoding, PictureType

    tags = ID3(path)
    tags.update_to_v23()
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    if len(chapters) != len(pictures):
        raise AudioError(f"{path.name} has {len(chapters)} chapters, not {len(pictures)}")
    for chapter, picture in zip(chapters, pictures, strict=True):
        if picture is not None:
            apic = APIC(encoding=Encoding.UTF8, mime=picture.mime, type=PictureType.ILLUSTRATION, data=picture.data)
            chapter.sub_frames.add(apic)
    others = [f for f in tags.values() if f.FrameID not in ("CHAP", "CTOC")]
    tag = id3v23_tag([*others, *tags.getall("CTOC"), *chapters])
    with path.open("rb") as f:
        f.seek(tags.size)
        audio = f.read()
    path.write_bytes(tag + audio)


def id3v23_tag(frames: Iterable[Frame]) -> bytes:
    """An ID3v2.3 tag holding `frames` in the order given: each frame as mutagen writes it
    alone, after a header whose size is in 7-bit bytes ("syncsafe")."""
    from mutagen.id3 import ID3

    body = b""
    for frame in frames:
        single = ID3()
        single.add(frame)
        out = io.BytesIO()
        single.save(out, v2_version=3, padding=lambda info: 0)
        body += out.getvalue()[10:]  # the frame, without its one-frame tag's header
    size = len(body)
    syncsafe = bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x03\x00\x00" + syncsafe + body


def raise_if_disk_full(ffmpeg_said: str, target: Path) -> None:
    """ffmpeg's own words for a full disk, as the OSError it is, naming the file it wrote."""
    if "No space left on device" in ffmpeg_said:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

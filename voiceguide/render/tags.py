"""Tags, chapters and the cover, added to an encoded stream: for an MP3, an ID3v2.3 tag made
with mutagen (a CTOC and the CHAP frames in time order, each chapter with its own picture,
which phones' podcast players show as the chapter starts) written in front of the stream; for
an M4B, the same metadata by an ffmpeg stream copy (`-c copy`)."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from voiceguide.errors import AudioError
from voiceguide.pictures.cache import Image
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


@dataclass(frozen=True)
class Labels:
    """Everything written about a track besides its sound: the text tags, the chapters, the
    cover (a JPEG), and in an MP3 each chapter's picture by chapter id."""

    tags: Tags
    chapters: tuple[Chapter, ...] = ()
    cover: bytes | None = None
    pictures: dict[str, Image] = field(default_factory=dict)


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


def write_tagged_mp3(audio: Path, target: Path, labels: Labels) -> None:
    """`target`: an ID3v2.3 tag, then the MP3 stream at `audio` as it is (not a byte of it
    changes). The tag holds the tags, the cover, a CTOC and one CHAP frame per chapter, in time
    order; each chapter with a picture carries it (an APIC frame inside its CHAP frame). Made
    here, frame by frame with mutagen, rather than by an ffmpeg stream copy: ffmpeg writes no
    chapter pictures, and copying the stream through it took a tenth of a warm render."""
    with target.open("wb") as out, audio.open("rb") as stream:
        write_id3v23_tag(out, mp3_frames(labels.chapters, labels.tags, labels.cover, labels.pictures))
        shutil.copyfileobj(stream, out, 1 << 20)


def mp3_frames(
    chapters: tuple[Chapter, ...], tags: Tags, cover: bytes | None, pictures: dict[str, Image]
) -> list[Frame]:
    """The ID3 frames of a track, in the order they are written: the text, the cover, the
    table of contents, the chapters by time (players that read the file's order show that)."""
    from mutagen import id3

    frames: list[Frame] = [
        id3.TIT2(encoding=_encoding(tags.title), text=tags.title),
        id3.TPE1(encoding=_encoding(tags.artist), text=tags.artist),
        id3.TALB(encoding=_encoding(tags.album), text=tags.album),
        id3.TCON(encoding=_encoding(tags.genre), text=tags.genre),
    ]
    if tags.year:
        # ID3v2.3's year (the tag is written as v2.3, and mutagen turns no v2.4 TDRC into it)
        frames.append(id3.TYER(encoding=_encoding(tags.year), text=tags.year))
    if tags.comment:
        frames.append(id3.COMM(encoding=_encoding(tags.comment), lang="XXX", desc="", text=tags.comment))
    if tags.language:
        frames.append(id3.TLAN(encoding=_encoding(tags.language), text=tags.language))
    frames.append(id3.TSSE(encoding=0, text="voiceguide (LAME)"))
    for key, value in tags.extra.items():
        frames.append(id3.TXXX(encoding=_encoding(key + value), desc=key, text=value))
    if cover is not None:
        frames.append(id3.APIC(encoding=0, mime="image/jpeg", type=id3.PictureType.COVER_FRONT, desc="", data=cover))
    ids = [f"ch{i}" for i in range(len(chapters))]
    if chapters:
        ordered = id3.CTOCFlags.TOP_LEVEL | id3.CTOCFlags.ORDERED
        frames.append(id3.CTOC(element_id="toc", flags=ordered, child_element_ids=ids, sub_frames=[]))
    for element_id, chapter in zip(ids, chapters, strict=True):
        inside: list[Frame] = [id3.TIT2(encoding=_encoding(chapter.title), text=chapter.title)]
        picture = pictures.get(chapter.id)
        if picture is not None:
            kind = id3.PictureType.ILLUSTRATION
            inside.append(id3.APIC(encoding=0, mime=picture.mime, type=kind, desc="", data=picture.data))
        frames.append(
            id3.CHAP(
                element_id=element_id,
                start_time=round(chapter.start_s * 1000),
                end_time=round(chapter.end_s * 1000),
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=inside,
            )
        )
    return frames


def _encoding(text: str) -> int:
    """Latin-1 where it can say the text, else UTF-16 (ID3v2.3 has no UTF-8)."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return 1
    return 0


def tag_m4b(audio: Path, target: Path, folder: Path, labels: Labels) -> None:
    """Copy the encoded AAC stream into an M4B at `target` (not a sample changes) with the tags,
    the chapters and the cover (no chapter pictures), by an ffmpeg stream copy."""
    chapters, tags, cover = labels.chapters, labels.tags, labels.cover
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
    command += ["-c", "copy", "-movflags", "+faststart", "-f", "ipod"]
    result = subprocess.run([*command, str(target)], capture_output=True, text=True, errors="replace")
    if result.returncode != 0 or result.stderr.strip():  # a failed close is said, with exit status 0
        raise_if_disk_full(result.stderr, target)
        last = [line for line in result.stderr.splitlines() if line.strip()][-1:]
        raise AudioError(f"ffmpeg could not write {target.name}: {' '.join(last)}")


def write_id3v23_tag(out: BinaryIO, frames: Iterable[Frame]) -> None:
    """Write an ID3v2.3 tag holding `frames` in the order given, at `out`'s place (a file it
    can seek in): each frame as mutagen writes it alone, one at a time (a long routine's chapter
    pictures add up to megabytes), then the header's size, in 7-bit bytes ("syncsafe")."""
    from mutagen.id3 import ID3

    header_at = out.tell()
    out.write(b"ID3\x03\x00\x00\x00\x00\x00\x00")
    size = 0
    for frame in frames:
        single = ID3()
        single.add(frame)
        encoded = io.BytesIO()
        single.save(encoded, v2_version=3, padding=lambda info: 0)
        size += out.write(encoded.getbuffer()[10:])  # the frame, without its one-frame tag's header
    end = out.tell()
    out.seek(header_at + 6)
    out.write(bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0)))
    out.seek(end)


def raise_if_disk_full(ffmpeg_said: str, target: Path) -> None:
    """ffmpeg's own words for a full disk, as the OSError it is, naming the file it wrote."""
    if "No space left on device" in ffmpeg_said:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

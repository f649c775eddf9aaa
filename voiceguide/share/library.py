"""The tracks `share` serves: the MP3s in one folder, what each carries, and their files.

The folder is opened once and every file is opened relative to that handle, by a plain name
(never a path), without following a symbolic link, and then checked as opened: a regular
file with one name (a hard link to a file elsewhere has two). What was checked is what is
served: the same open handle, so a file swapped for a link between a check and a read is
never read. No path from a request ever reaches the file system.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from voiceguide.render.names import HOLDS_KEY, TRANSCRIPT_SUFFIXES

TRACK_SUFFIX = ".mp3"
"""Only MP3s are shared: phones play them everywhere (M4B needs an audiobook app)."""
TRANSCRIPT_SUFFIX = TRACK_SUFFIX + TRANSCRIPT_SUFFIXES[0]
"""x.mp3.vtt: the WebVTT transcript render writes beside each track (render/names.py)."""
CHAPTERS_SUFFIX = ".chapters.json"
COVER_SUFFIX = ".jpg"
FILE_SUFFIXES = (TRANSCRIPT_SUFFIX, TRACK_SUFFIX, CHAPTERS_SUFFIX, COVER_SUFFIX)
"""What a track's addresses end in, the longest first (x.mp3.vtt before x.mp3)."""
PICTURE_TYPES = {"image/png": "png", "image/jpeg": "jpg"}
"""A chapter picture's file name ends as its type says (a plain web host serves it by that)."""
PICTURE_SUFFIX = re.compile(r"\.chapter-([0-9]{1,4})\.(png|jpg)\Z")
"""The address of chapter N's picture ends in `.chapter-N.png` or `.jpg` (`picture_suffix`)."""


def picture_suffix(index: int, picture_type: str) -> str:
    return f".chapter-{index}.{PICTURE_TYPES.get(picture_type, 'png')}"


def track_address(name: str, suffix: str = TRACK_SUFFIX) -> str:
    """The address of a track's file, relative to the page (`tracks/NAME.mp3`): the one place
    the scheme is written. The name is percent-encoded, so `#`, `?`, `%` or a space in it
    reach the server as part of the name."""
    return f"tracks/{quote(name, safe='')}{suffix}"


@dataclass(frozen=True)
class Chapter:
    start_s: float
    end_s: float
    title: str
    picture: bytes | None = None
    """Where to press, as the MP3's chapter carries it (an APIC frame in its CHAP frame)."""
    picture_type: str = ""


@dataclass(frozen=True)
class Track:
    """One shared track. `name` is its file name without `.mp3`: the key in every address."""

    name: str
    title: str
    duration_s: float
    size: int
    modified: float
    chapters: tuple[Chapter, ...]
    has_transcript: bool
    cover: bytes | None
    cover_type: str
    language: str = "en"
    """The routine's language, as the track's tags say (ID3 TLAN)."""
    holds: tuple[tuple[float, float], ...] = ()
    """Each hold's start and end, for the page's countdown (render keeps them in a tag)."""

    @property
    def guid(self) -> str:
        """Stable for the same file: a podcast app sees a re-render as a new episode."""
        return hashlib.sha256(f"{self.name}\0{self.size}\0{self.modified}".encode()).hexdigest()[:32]

    def address(self, suffix: str = TRACK_SUFFIX) -> str:
        """The address of one of its files, relative to the page, with its version: a phone that
        kept the track (the published page's offline copy) sees a render as a new file."""
        return f"{track_address(self.name, suffix)}?v={self.guid[:12]}"

    def picture_address(self, index: int) -> str | None:
        chapter = self.chapters[index]
        return None if chapter.picture is None else self.address(picture_suffix(index, chapter.picture_type))

    def chapters_json(self, *, base: str) -> str:
        """Podcasting 2.0 JSON chapters (application/json+chapters); each chapter's picture is
        its `img`, an absolute address under `base` (the spec asks for one)."""
        chapters: list[dict[str, object]] = []
        for i, c in enumerate(self.chapters):
            chapter: dict[str, object] = {"startTime": round(c.start_s, 3), "title": c.title}
            picture = self.picture_address(i)
            if picture is not None:
                chapter["img"] = base + picture
            chapters.append(chapter)
        return json.dumps({"version": "1.2.0", "title": self.title, "chapters": chapters}, ensure_ascii=False)

    def listing(self) -> dict[str, object]:
        """What the phone page needs of it (tracks.json); its addresses are relative to the page."""
        return {
            "title": self.title,
            "language": self.language,
            "holds": [[round(start, 2), round(end, 2)] for start, end in self.holds],
            "duration": round(self.duration_s, 3),
            "audio": self.address(),
            "file": self.name + TRACK_SUFFIX,
            "transcript": self.address(TRANSCRIPT_SUFFIX) if self.has_transcript else None,
            "cover": self.address(COVER_SUFFIX),
            "size": self.size,
            "chapters": [
                {"start": round(c.start_s, 3), "title": c.title, "picture": self.picture_address(i)}
                for i, c in enumerate(self.chapters)
            ],
        }


@dataclass(frozen=True)
class OpenFile:
    """A file opened for serving: its handle and what it was when opened."""

    fd: int
    size: int
    modified: float
    etag: str


class Library:
    """The tracks in `folder` (only `names`, if given), as they are now: looked at again for
    each list, so a track rendered while the server runs is shared too."""

    def __init__(self, folder: Path, names: list[str] | None = None, left_out: set[str] | None = None) -> None:
        self.folder = folder
        self.names = names
        self.left_out = left_out or set()
        """Tracks not to share (their tags were not voiceguide's)."""
        self._dir_fd: int | None = None

    @property
    def dir_fd(self) -> int:
        if self._dir_fd is None:
            self._dir_fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        return self._dir_fd

    def close(self) -> None:
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None

    def _shared(self, name: str) -> bool:
        return _plain(name) and (self.names is None or name in self.names) and name not in self.left_out

    @contextlib.contextmanager
    def open(self, name: str, suffix: str) -> Iterator[OpenFile | None]:
        """Track `name`'s file with `suffix`, opened for reading and checked, or None if it is
        not one this library may serve. The handle is closed when the block ends."""
        if not self._shared(name):
            yield None
            return
        try:
            fd = os.open(
                name + suffix,
                os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,  # a FIFO must not block the open
                dir_fd=self.dir_fd,
            )
        except OSError:  # missing, a symbolic link (ELOOP), unreadable
            yield None
            return
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
                yield None
                return
            os.set_blocking(fd, True)
            etag = f'"{info.st_ino:x}-{info.st_size:x}-{info.st_mtime_ns:x}"'
            yield OpenFile(fd, info.st_size, info.st_mtime, etag)
        finally:
            os.close(fd)

    def track(self, name: str) -> Track | None:
        """One track by name, reading only its own file (a player asks many times while it
        seeks); None unless it is one of the shared tracks."""
        with self.open(name, TRACK_SUFFIX) as opened:
            if opened is None:
                return None
            with self.open(name, TRANSCRIPT_SUFFIX) as transcript:
                return _read_track(name, opened, has_transcript=transcript is not None)

    def tracks(self) -> list[Track]:
        """The folder's MP3s (only `names`, if given), newest first."""
        try:
            with os.scandir(self.dir_fd) as entries:
                found = sorted(e.name for e in entries if e.name.endswith(TRACK_SUFFIX))
        except OSError:
            return []
        tracks = [self.track(name.removesuffix(TRACK_SUFFIX)) for name in found]
        return sorted((t for t in tracks if t is not None), key=lambda t: t.modified, reverse=True)


def _plain(name: str) -> bool:
    """A name that can only mean a file in the folder itself."""
    return bool(name) and "/" not in name and "\0" not in name and name not in (".", "..")


def _read_track(name: str, opened: OpenFile, *, has_transcript: bool) -> Track | None:
    from mutagen import MutagenError
    from mutagen.mp3 import MP3

    try:
        with os.fdopen(os.dup(opened.fd), "rb") as file:
            audio = MP3(file)
    except (OSError, MutagenError):
        return None
    tags = audio.tags
    title = str(tags["TIT2"]) if tags is not None and "TIT2" in tags else name
    language = str(tags["TLAN"]) if tags is not None and "TLAN" in tags else "en"
    holds_frame = f"TXXX:{HOLDS_KEY}"
    holds = _holds(str(tags[holds_frame])) if tags is not None and holds_frame in tags else ()
    chapters: list[Chapter] = []
    cover, cover_type = None, ""
    if tags is not None:
        for chap in sorted(tags.getall("CHAP"), key=lambda c: c.start_time):
            heading = chap.sub_frames.get("TIT2")
            picture = next(iter(chap.sub_frames.getall("APIC")), None)
            chapters.append(
                Chapter(
                    chap.start_time / 1000,
                    chap.end_time / 1000,
                    str(heading) if heading else "",
                    picture.data if picture else None,
                    (picture.mime or "image/png") if picture else "",
                )
            )
        pictures = tags.getall("APIC")
        if pictures:
            cover, cover_type = pictures[0].data, pictures[0].mime or "image/jpeg"
    return Track(
        name=name,
        title=title,
        duration_s=float(audio.info.length) if audio.info else 0.0,
        size=opened.size,
        modified=opened.modified,
        chapters=tuple(chapters),
        has_transcript=has_transcript,
        cover=cover,
        cover_type=cover_type,
        language=language,
        holds=holds,
    )


MAX_HOLDS = 10_000
"""More holds than this in a track's tag is no tag voiceguide wrote."""


def _holds(text: str) -> tuple[tuple[float, float], ...]:
    """The holds tag (`[[start, end], ...]` in seconds) as voiceguide writes it. Anything else,
    from another tool or crafted (NaN, Infinity, a hold ending before it starts, nesting past
    reason), reads as none: no countdown on the page, nothing else lost, and never a number
    JSON cannot carry to the page."""
    try:
        pairs = json.loads(text, parse_constant=_not_a_number)
        holds = tuple((float(start), float(end)) for start, end in pairs[:MAX_HOLDS])
    except (ValueError, TypeError, KeyError, RecursionError):
        return ()
    if not all(math.isfinite(end) and 0 <= start <= end for start, end in holds):
        return ()
    return holds


def _not_a_number(constant: str) -> float:
    raise ValueError(f"{constant} is no time")

"""The tracks `share` serves: the MP3s in one folder, and what each carries.

Only regular files that really sit in the folder are tracks (a symlink pointing out of it
is not); every file served is one of these tracks or a file made from it, named here. No
path from a request ever reaches the file system.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

TRACK_SUFFIX = ".mp3"
TRANSCRIPT_SUFFIX = ".vtt"


@dataclass(frozen=True)
class Chapter:
    start_s: float
    end_s: float
    title: str


@dataclass(frozen=True)
class Track:
    """One shared track. `name` is its file name without `.mp3`: the key in every address."""

    name: str
    path: Path
    title: str
    duration_s: float
    size: int
    modified: float
    chapters: tuple[Chapter, ...]
    transcript: Path | None
    cover: bytes | None
    cover_type: str

    @property
    def guid(self) -> str:
        """Stable for the same file: a podcast app sees a re-render as a new episode."""
        return hashlib.sha256(f"{self.name}\0{self.size}\0{self.modified}".encode()).hexdigest()[:32]

    def chapters_json(self) -> str:
        """Podcasting 2.0 JSON chapters (application/json+chapters)."""
        return json.dumps(
            {
                "version": "1.2.0",
                "title": self.title,
                "chapters": [{"startTime": round(c.start_s, 3), "title": c.title} for c in self.chapters],
            },
            ensure_ascii=False,
        )


def find_tracks(folder: Path, names: list[str] | None = None) -> list[Track]:
    """The folder's MP3s (only `names`, if given), newest first."""
    try:
        candidates = sorted(folder.glob(f"*{TRACK_SUFFIX}"))
    except OSError:
        return []
    root = folder.resolve()
    tracks = []
    for path in candidates:
        name = path.name.removesuffix(TRACK_SUFFIX)
        if names is not None and name not in names:
            continue
        track = read_track(path, root)
        if track is not None:
            tracks.append(track)
    return sorted(tracks, key=lambda t: t.modified, reverse=True)


def read_track(path: Path, root: Path) -> Track | None:
    """The track at `path`, or None if it is not a regular MP3 file inside `root`."""
    from mutagen import MutagenError
    from mutagen.mp3 import MP3

    try:
        if path.is_symlink() or not path.is_file() or path.resolve().parent != root:
            return None
        stat = path.stat()
        audio = MP3(path)
    except (OSError, MutagenError):
        return None
    tags = audio.tags
    title = str(tags["TIT2"]) if tags is not None and "TIT2" in tags else path.stem
    chapters: list[Chapter] = []
    cover, cover_type = None, ""
    if tags is not None:
        for chap in sorted(tags.getall("CHAP"), key=lambda c: c.start_time):
            heading = chap.sub_frames.get("TIT2")
            chapters.append(Chapter(chap.start_time / 1000, chap.end_time / 1000, str(heading) if heading else ""))
        pictures = tags.getall("APIC")
        if pictures:
            cover, cover_type = pictures[0].data, pictures[0].mime or "image/jpeg"
    transcript = path.with_name(path.name + TRANSCRIPT_SUFFIX)
    return Track(
        name=path.name.removesuffix(TRACK_SUFFIX),
        path=path,
        title=title,
        duration_s=float(audio.info.length) if audio.info else 0.0,
        size=stat.st_size,
        modified=stat.st_mtime,
        chapters=tuple(chapters),
        transcript=transcript if transcript.is_file() and not transcript.is_symlink() else None,
        cover=cover,
        cover_type=cover_type,
    )

"""What made a track, kept in it, so a track can tell whether it is still current.

An MP3 carries three ID3 text frames (TXXX): the routine it was rendered from (a built-in's
name, or the file's absolute path), the settings it was rendered with (enough to render it
again), and a fingerprint of everything that shapes what it holds: the routine's text, its
picture files, those settings and voiceguide's version. `share` re-renders a track whose
fingerprint no longer matches before a phone gets it; `render` without `--force` says
whether an existing track is current.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from voiceguide.errors import VoiceguideError
from voiceguide.speech.registry import VoiceChoice
from voiceguide.timeline.options import CompileOptions

SOURCE_KEY = "voiceguide_source"
SETTINGS_KEY = "voiceguide_settings"
FINGERPRINT_KEY = "voiceguide_fingerprint"


@dataclass(frozen=True)
class Settings:
    """How a track was rendered: what `render` was given besides the routine and the file."""

    options: CompileOptions
    choice: VoiceChoice
    bitrate_kbps: int = 64
    channels: int = 1
    transcripts: bool = True

    def to_json(self) -> str:
        data = {
            "options": asdict(self.options),
            "choice": asdict(self.choice),
            "bitrate_kbps": self.bitrate_kbps,
            "channels": self.channels,
            "transcripts": self.transcripts,
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Settings:
        data = json.loads(text)
        options = dict(data["options"])
        if options.get("section_ids") is not None:
            options["section_ids"] = tuple(options["section_ids"])
        return cls(
            CompileOptions(**options),
            VoiceChoice(**data["choice"]),
            int(data["bitrate_kbps"]),
            int(data["channels"]),
            bool(data["transcripts"]),
        )


@dataclass(frozen=True)
class Provenance:
    source: str
    settings: Settings
    fingerprint: str

    def tags(self) -> dict[str, str]:
        return {SOURCE_KEY: self.source, SETTINGS_KEY: self.settings.to_json(), FINGERPRINT_KEY: self.fingerprint}


def source_name(source: str) -> str:
    """How a routine is named in a track: a built-in by its name, a file by its absolute path
    (so a track shared from another folder still finds it)."""
    from voiceguide.routine.builtin import is_builtin

    return source if is_builtin(source) else str(Path(source).absolute())


def provenance(source: str, settings: Settings) -> Provenance | None:
    """What a render of `source` with `settings` would carry, or None if the routine cannot be
    read as it is now (then nothing can be compared with it)."""
    fingerprint = _fingerprint(source, settings)
    return None if fingerprint is None else Provenance(source_name(source), settings, fingerprint)


def _fingerprint(source: str, settings: Settings) -> str | None:
    from voiceguide import __version__
    from voiceguide.routine.builtin import builtin_bytes, is_builtin
    from voiceguide.routine.loader import load_routine

    try:
        routine = load_routine(source)
        text = builtin_bytes(source) if is_builtin(source) else Path(source).read_bytes()
        pictures = [s.picture.read_bytes() for s in routine.sections if isinstance(s.picture, Path)]
    except (VoiceguideError, OSError):
        return None
    digest = hashlib.sha256()
    for part in (text or b"", *pictures, settings.to_json().encode(), __version__.encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:32]


def recorded(track: Path) -> Provenance | None:
    """What the track says made it, or None (not an MP3 voiceguide rendered, or one rendered
    before tracks said so)."""
    from mutagen import MutagenError
    from mutagen.id3 import ID3

    try:
        tags = ID3(track)
    except (MutagenError, OSError):
        return None
    values = {
        key: str(tags[f"TXXX:{key}"]) for key in (SOURCE_KEY, SETTINGS_KEY, FINGERPRINT_KEY) if f"TXXX:{key}" in tags
    }
    if len(values) < 3:
        return None
    try:
        settings = Settings.from_json(values[SETTINGS_KEY])
    except (ValueError, KeyError, TypeError):
        return None
    return Provenance(values[SOURCE_KEY], settings, values[FINGERPRINT_KEY])


def is_current(track: Path) -> bool | None:
    """Whether the track is what its routine and settings make now: True, False, or None when
    it cannot be told (it does not say what made it, or its routine is gone)."""
    made = recorded(track)
    if made is None:
        return None
    now = provenance(made.source, made.settings)
    return None if now is None else now.fingerprint == made.fingerprint

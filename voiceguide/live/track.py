"""The routine's track for live playback, final as far as its clips go.

`LiveTrack` synthesises the routine's phrases in the order they are heard, in the background,
and recompiles as clips arrive: everything before the first phrase still missing is final
(a cue's time depends only on the phrases before it), so the start can play while the rest
is made. Its samples are the rendered file's, chunk for chunk (the same mixer).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voiceguide.app.voicing import measured_options, open_voice
from voiceguide.audio.mix import LIMITER_REACH, MIX_RATE, TrackMixer, to_int16
from voiceguide.errors import VoiceguideError
from voiceguide.live.feed import LeadIn
from voiceguide.routine.model import Routine
from voiceguide.speech import Clip, SpeechEngine
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.registry import VoiceChoice
from voiceguide.timeline.compiler import compile_routine, phrases, resolved_rate
from voiceguide.timeline.estimate import estimate_speech_length
from voiceguide.timeline.events import Timeline
from voiceguide.timeline.options import CompileOptions


@dataclass(frozen=True)
class TrackState:
    """What the player can rely on at this moment."""

    timeline: Timeline
    ready_samples: int
    """Samples [0, ready) are final (whole chunks up to it, as the player takes them)."""
    complete: bool


class LiveTrack:
    """The routine's track, mixed from cached clips at once and from new ones as they come."""

    def __init__(
        self,
        routine: Routine,
        *,
        options: CompileOptions,
        choice: VoiceChoice,
        cache: ClipCache,
        lead_in: bool = True,
        engine: SpeechEngine | None = None,
    ) -> None:
        self.routine = routine
        self.options = options
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._error: VoiceguideError | None = None
        self._voice = open_voice(routine, options=options, choice=choice, cache=cache, engine=engine)
        self.voice, self.settings = self._voice.info, self._voice.settings
        self._lead_in_text = routine.phrase_table.lead_in
        ordered = _in_order_heard(routine, options)
        self._clips = self._voice.clips(([self._lead_in_text] if lead_in else []) + ordered, cache)
        self._known: dict[str, Clip] = self._clips.cached()
        self.lead_in: LeadIn | None = None
        self._mixer: TrackMixer | None = None
        self._changed = threading.Condition(self._lock)
        self._worker: threading.Thread | None = None
        if self._clips.missing:  # asked for first: a cold start waits on its first phrase
            self._worker = threading.Thread(target=self._synthesise, name="voiceguide-synthesis", daemon=True)
            self._worker.start()
        else:
            self._voice.close()
        try:
            with self._lock:
                self._state = self._refresh()
        except BaseException:  # (a clip too long for its slot): the synthesis stops with it
            self.close()
            raise

    # The background thread: the missing phrases, in the order they are heard.
    def _synthesise(self) -> None:
        try:
            for text, clip in self._clips.synthesise(stop=self._closing.is_set):
                with self._lock:
                    self._known[text] = clip
                    self._state = self._refresh()
                    self._changed.notify_all()
        except Exception as e:  # handed to the player, which raises it in the main thread
            if self._closing.is_set():
                return  # stopping (Ctrl-C, quit): the workers went away on purpose
            with self._lock:
                self._error = e if isinstance(e, VoiceguideError) else VoiceguideError(f"speech failed: {e}")
                self._changed.notify_all()
        finally:
            self._voice.close()

    def _refresh(self) -> TrackState:
        """Recompile with the clips known so far (missing ones count as zero length, so they
        cannot cause a false overrun) and find how far the track is final."""
        known = self._known
        timeline = compile_routine(
            self.routine,
            options=measured_options(self.options, self.voice, self.settings),
            speech_length=lambda text: known[text].duration_s if text in known else 0.0,
        )
        missing = [e.start_s for e in timeline.events if e.kind == "speech" and e.text not in known]
        complete = not missing
        placeable = dataclasses.replace(
            timeline, events=tuple(e for e in timeline.events if e.kind != "speech" or e.text in known)
        )
        if self._mixer is None:
            self._mixer = TrackMixer(placeable, known, levelled=self._clips.levelled())
        else:
            self._mixer.add_clips(known)
            self._mixer.set_timeline(placeable)
        if self.lead_in is None and self._lead_in_text in known:
            self.lead_in = LeadIn(to_int16(self._mixer.speech(self._lead_in_text)).tobytes())
        total = round(timeline.total_s * MIX_RATE)
        # A sample's limiting looks LIMITER_REACH ahead: final that far before the first phrase missing.
        ready = total if complete else max(0, round(min(missing) * MIX_RATE) - LIMITER_REACH)
        return TrackState(timeline, ready, complete)

    def state(self) -> TrackState:
        with self._lock:
            if self._error is not None:
                raise self._error
            return self._state

    def wait_until(self, predicate: Callable[[TrackState], bool], timeout: float) -> TrackState:
        """Block until the state satisfies `predicate` (or the timeout passes)."""
        with self._lock:
            self._changed.wait_for(lambda: self._error is not None or predicate(self._state), timeout)
            if self._error is not None:
                raise self._error
            return self._state

    def chunk(self, index: int) -> np.ndarray:
        """Chunk `index` of the track (the caller checks it is final first)."""
        with self._lock:
            assert self._mixer is not None
            return self._mixer.pcm_chunk(index)

    def close(self) -> None:
        self._closing.set()
        if self._worker is not None and self._worker.is_alive():
            self._worker.join(5)  # it sees the flag after the phrase in hand
        self._voice.close()


def _in_order_heard(routine: Routine, options: CompileOptions) -> list[str]:
    """The routine's phrases, first heard first (laid out with estimated lengths)."""
    estimate = estimate_speech_length(resolved_rate(routine, options))
    wanted = phrases(routine, options=options)
    try:
        timeline = compile_routine(routine, options=options, speech_length=estimate)
    except VoiceguideError:  # an estimate may overrun where the real voice fits
        return sorted(wanted)
    seen = dict.fromkeys(e.text for e in timeline.events if e.kind == "speech")
    return [*seen, *sorted(wanted - seen.keys())]

"""From a routine to the timeline both back ends play: options, speech lengths, compile."""

from __future__ import annotations

from voiceguide.compiler import CompileOptions, SpeechLength, compile_routine, resolved_rate
from voiceguide.estimate import estimate_speech_length
from voiceguide.model import Routine
from voiceguide.timeline import Timeline


def plan_timeline(routine: Routine, *, options: CompileOptions, speech_length: SpeechLength | None = None) -> Timeline:
    """Compile with the given speech lengths, or with lengths estimated from the rate."""
    if speech_length is None:
        speech_length = estimate_speech_length(resolved_rate(routine, options))
    return compile_routine(routine, options=options, speech_length=speech_length)

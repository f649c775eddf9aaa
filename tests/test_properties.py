"""Invariants over generated routines: any valid routine compiles to a sound timeline."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voiceguide.errors import CompileError
from voiceguide.routine.model import Routine
from voiceguide.timeline.compiler import compile_routine
from voiceguide.timeline.events import COUNTED_CUES
from voiceguide.timeline.options import CompileOptions

words = st.sampled_from(["Press.", "Breathe out slowly.", "Relax your shoulders.", "Good."])
small = st.integers(min_value=1, max_value=12)
span = st.floats(min_value=0.5, max_value=20, allow_nan=False).map(lambda x: round(x, 2))


def ranged(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return values | st.tuples(values, values).map(lambda p: sorted(p))


simple_steps = st.one_of(
    words.map(lambda w: {"say": w}),
    st.fixed_dictionaries({"hold": st.fixed_dictionaries({"count": ranged(small)})}),
    st.fixed_dictionaries(
        {
            "hold": st.fixed_dictionaries(
                {
                    "seconds": ranged(st.integers(6, 40)),
                    "halfway": st.booleans(),
                    "countdown": st.integers(0, 3),
                }
            )
        }
    ),
    st.fixed_dictionaries(
        {"tap": st.fixed_dictionaries({"times": ranged(small), "interval": st.sampled_from([0.8, 1.0])})}
    ),
    st.fixed_dictionaries(
        {
            "cycle": st.fixed_dictionaries(
                {"times": ranged(small), "press": st.sampled_from([2, 3]), "release": ranged(span)}
            )
        }
    ),
    st.fixed_dictionaries({"pause": ranged(span)}),
    st.sampled_from([{"chime": "soft"}, {"chime": "bell"}]),
)
steps = st.lists(
    simple_steps
    | st.fixed_dictionaries(
        {"repeat": st.fixed_dictionaries({"times": small, "steps": st.lists(simple_steps, min_size=1, max_size=3)})}
    ),
    min_size=1,
    max_size=5,
)


@st.composite
def routines(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 4))
    sections = [
        {
            "id": f"s{i}",
            "title": f"Section {i}",
            "sides": draw(st.sampled_from(["none", "both", "left-right"])),
            "steps": draw(steps),
            "locate": draw(st.none() | words),
        }
        for i in range(n)
    ]
    return {
        "voiceguide": 1,
        "title": "Generated",
        "settings": {
            "count_interval": draw(st.sampled_from([1.0, 1.2, 2.0])),
            "get_ready": draw(st.sampled_from([0, 3])),
        },
        "intro": draw(st.lists(words.map(lambda w: {"say": w}), max_size=2)),
        "sections": sections,
        "outro": draw(st.lists(words.map(lambda w: {"say": w}), max_size=2)),
    }


def speech_length(text: str) -> float:
    """A fake voice: 0.08 s a character, capped so counts fit their slots."""
    return min(0.75, 0.08 * len(text)) if text.isdigit() or "of" in text else 0.08 * len(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(routines(), st.sampled_from(["short", "standard", "full"]))
def test_any_valid_routine_compiles_to_a_sound_timeline(data: dict[str, Any], profile: str) -> None:
    routine = Routine.model_validate(data)
    try:
        timeline = compile_routine(routine, options=CompileOptions(profile=profile), speech_length=speech_length)  # type: ignore[arg-type]
    except CompileError as e:  # a cue that cannot fit, or collides, is refused, never laid out wrong
        assert any(reason in str(e) for reason in ("takes", "needs", "overlap", "both fall", "does not fit")), e
        return
    events = timeline.events
    assert all(a.start_s <= b.start_s for a, b in itertools.pairwise(events))
    speech = [e for e in events if e.kind == "speech"]
    assert all(a.end_s <= b.start_s + 1e-9 for a, b in itertools.pairwise(speech))
    assert timeline.total_s == max(e.end_s for e in events)
    chapters = timeline.chapters
    assert chapters[0].start_s == 0 and chapters[-1].end_s == timeline.total_s
    assert all(abs(a.end_s - b.start_s) < 1e-9 for a, b in itertools.pairwise(chapters))
    for cue in COUNTED_CUES:
        numbers = [e.n for e in events if e.cue == cue]
        runs: list[list[int | None]] = []
        for n in numbers:
            if n == 1:
                runs.append([])
            runs[-1].append(n)
        assert all(run == list(range(1, len(run) + 1)) for run in runs)
    # Every section the routine has is in the timeline, with its sides.
    for section in routine.sections:
        sides = {e.side for e in events if e.section == section.id and e.cue == "say" and e.side}
        if section.sides == "left-right":
            assert sides == {"left side", "right side"}

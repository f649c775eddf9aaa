"""The compiled timeline: a flat list of timed events and chapters, and its invariants."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Literal

EventKind = Literal["speech", "tone", "silence"]
EPSILON_S = 1e-6


class Cue(StrEnum):
    """What an event is for: the compiler names it, the cue sheet, the live view and the checks
    read it (as a string, it is the name the cue sheet and `show --json` print)."""

    SAY = "say"
    COUNT = "count"
    TAP = "tap"
    PRESS = "press"
    RELEASE = "release"
    HOLD = "hold"
    """A timed hold starts (its words say how long)."""
    HALFWAY = "halfway"
    REMAINING = "remaining"
    COUNTDOWN = "countdown"
    CHIME = "chime"
    KNOCK = "knock"
    """The knock under each tap's count."""
    TICK = "tick"
    """The tick under each count, with `--count-ticks`."""
    END = "end"
    """The tone that ends a hold, a tap run or a cycle."""
    PAUSE = "pause"
    GET_READY = "get-ready"
    PRE_ROLL = "pre-roll"
    TAIL = "tail"
    """The closing quiet."""


COUNTED_CUES = (Cue.COUNT, Cue.TAP, Cue.PRESS, Cue.RELEASE)
INSTRUCTIONS = (Cue.SAY, Cue.HOLD, Cue.PRESS, Cue.RELEASE)
"""The cues whose words tell the listener what to do (counts and taps are only numbers)."""


@dataclass(frozen=True)
class Event:
    """One thing heard (or a deliberate silence) at a fixed time."""

    start_s: float
    end_s: float
    kind: EventKind
    text: str
    """Spoken words for speech, the tone's name for tones, a label for silence."""
    section: str
    """Section id, or "intro"/"outro"."""
    side: str | None
    """The side's spoken name ("left knee"), "both", or None."""
    cue: Cue
    n: int | None = None
    """The number counted, for counted cues."""
    of: int | None = None
    """How many the counted run has."""
    spoken: str | None = None
    """For speech: the words the voice is given, numbers said as words in the routine's
    language ("einundzwanzig Sekunden" where `text`, the transcript's, has "21 Sekunden")."""

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Span:
    """A stretch of work as the compiler laid it out, from its first cue to the tone that ends
    it: a counted hold (`Cue.COUNT`), a timed hold (`Cue.HOLD`), a tap run (`Cue.TAP`) or a
    cycle of presses and releases (`Cue.PRESS`)."""

    cue: Cue
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Chapter:
    id: str
    title: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Layout:
    """What shaped a timeline: the profile, the time between counts (and whether counted steps
    were stretched to fit the voice), the speech rate, and where speech lengths came from."""

    profile: str
    count_interval_s: float
    fit: bool
    rate_wpm: int
    speech_lengths: str


@dataclass(frozen=True)
class Timeline:
    title: str
    events: tuple[Event, ...]
    chapters: tuple[Chapter, ...]
    total_s: float
    layout: Layout
    spans: tuple[Span, ...] = ()
    """Each hold, tap run and cycle, in order, as the compiler made it."""

    def speech(self) -> list[Event]:
        return [e for e in self.events if e.kind == "speech"]

    def phrases(self) -> set[str]:
        return {e.text for e in self.events if e.kind == "speech"}

    def holds(self) -> list[tuple[float, float]]:
        """(start, end) of each hold, counted or timed: from its first count, or the sentence that
        starts it, to the sound that ends it. What a listener wants a countdown of."""
        return [(s.start_s, s.end_s) for s in self.spans if s.cue in (Cue.COUNT, Cue.HOLD)]

    def to_json(self) -> dict[str, Any]:
        def rounded(d: dict[str, Any]) -> dict[str, Any]:
            return {k: round(v, 3) if isinstance(v, float) else v for k, v in d.items()}

        return {
            "title": self.title,
            "total_s": round(self.total_s, 3),
            "settings": asdict(self.layout),
            "chapters": [rounded(asdict(c)) for c in self.chapters],
            "events": [rounded(asdict(e)) for e in self.events],
        }


class TimelineInvalid(AssertionError):
    """The compiler produced a timeline that breaks an invariant: a bug, not bad input."""


def check_timeline(timeline: Timeline) -> None:
    """Check the invariants every compiled timeline must hold; raise TimelineInvalid if not."""
    events = timeline.events
    problems: list[str] = []
    last_start = 0.0
    last_speech: Event | None = None
    for e in events:
        if e.start_s < last_start - EPSILON_S:
            problems.append(f"event starts go backwards at {e.start_s:.3f} s ({e.text!r})")
        if e.end_s < e.start_s or e.start_s < 0:
            problems.append(f"event {e.text!r} has a negative length or start")
        last_start = e.start_s
        if e.kind == "speech":
            if last_speech and e.start_s < last_speech.end_s - EPSILON_S:
                problems.append(f"speech {e.text!r} overlaps {last_speech.text!r} at {e.start_s:.3f} s")
            last_speech = e
    end = max((e.end_s for e in events), default=0.0)
    if abs(end - timeline.total_s) > EPSILON_S:
        problems.append(f"total {timeline.total_s:.3f} s is not the last event's end {end:.3f} s")

    runs: dict[str, list[list[Event]]] = defaultdict(list)
    for e in events:
        if e.cue in COUNTED_CUES:
            if e.n == 1 or not runs[e.cue]:
                runs[e.cue].append([])
            runs[e.cue][-1].append(e)
    for cue, cue_runs in runs.items():
        for run in cue_runs:
            numbers = [e.n for e in run]
            expected = list(range(1, (run[0].of or 0) + 1))
            if numbers != expected:
                problems.append(f"{cue} run at {run[0].start_s:.3f} s counts {numbers[:3]}... not 1..{run[0].of}")

    chapters = timeline.chapters
    if not chapters:
        problems.append("no chapters")
    else:
        if abs(chapters[0].start_s) > EPSILON_S:
            problems.append("the first chapter does not start at 0")
        for a, b in itertools.pairwise(chapters):
            if abs(a.end_s - b.start_s) > EPSILON_S or b.start_s < a.start_s:
                problems.append(f"chapters {a.id!r} and {b.id!r} do not meet")
        if abs(chapters[-1].end_s - timeline.total_s) > EPSILON_S:
            problems.append("the last chapter does not end at the total")
    if problems:
        raise TimelineInvalid("; ".join(problems))

"""The script compiler: routine + options + speech lengths in, a checked timeline out. Pure."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from voiceguide.errors import CompileError
from voiceguide.limits import CHAPTER_GRID, CHAPTER_QUIET_S, RATE_WPM, SAMPLE_RATE
from voiceguide.routine.language import TABLES, Phrases
from voiceguide.routine.model import (
    ChimeStep,
    CycleStep,
    HoldStep,
    PauseStep,
    RepeatStep,
    Routine,
    SayStep,
    Section,
    Step,
    TapStep,
    step_kind,
)
from voiceguide.timeline.events import Chapter, Cue, Event, EventKind, Layout, Span, Timeline, check_timeline
from voiceguide.timeline.options import SIDES, CompileOptions
from voiceguide.times import clock
from voiceguide.tones import TONE_SECONDS

SpeechLength = Callable[[str], float]
"""Seconds a phrase takes when spoken: estimated, or measured from real clips."""

MAX_EVENTS = 50_000
MAX_TOTAL_S = 6 * 3600.0
FIT_TOLERANCE_S = 1e-6
FIT_GAP_S = 0.1
"""The quiet a counted cue keeps before the next, when slots are worked out to fit the voice."""
TAIL_S = 1.5
"""Quiet at the end of every track; it also absorbs the MP3 encoder's delay (render/encode.py)."""


def resolved_rate(routine: Routine, options: CompileOptions) -> int:
    return options.rate_wpm or routine.settings.rate_wpm


def compile_routine(routine: Routine, *, options: CompileOptions, speech_length: SpeechLength) -> Timeline:
    """Lay the routine out in time. Raises CompileError if a cue cannot fit its slot."""
    timeline = _Compiler(routine, options, speech_length).run()
    check_timeline(timeline)
    return timeline


def phrases(routine: Routine, *, options: CompileOptions) -> set[str]:
    """Every sentence the routine will speak under these options (timing ignored)."""
    return _Compiler(routine, options, lambda _text: 0.0).run().phrases()


@dataclass(frozen=True)
class _Slot:
    """When a cue is spoken: from `at` until `end` (None: for as long as it takes), and what to
    change if it does not fit there."""

    at: float
    end: float | None = None
    fix: str = ""


class _Compiler:
    def __init__(self, routine: Routine, options: CompileOptions, speech_length: SpeechLength) -> None:
        self.routine = routine
        self.options = options
        self.speech_length = speech_length
        settings = routine.settings
        self.count_interval = options.count_interval_s or settings.count_interval
        self.get_ready = settings.get_ready if options.get_ready_s is None else options.get_ready_s
        self.fit = options.fit or settings.fit
        self.events: list[Event] = []
        self.chapters: list[tuple[str, str, float]] = []
        self.spans: list[Span] = []
        self.t = 0.0
        self.speech_end = 0.0
        self.sound_end = 0.0
        """Where the last sound laid out so far ends (speech or tone)."""
        self.section = "intro"
        self.side: str | None = None
        self.words = routine.phrase_table

    # -- the routine's structure --------------------------------------------------------

    def run(self) -> Timeline:
        sections = self._selected_sections()
        intro = bool(self.routine.intro) and self.options.from_section is None
        if self.options.pre_roll_s > 0:  # the quiet belongs to the part it comes before
            if not intro:
                self.section = sections[0].id if sections else "outro"
            self._silence(self.options.pre_roll_s, "quiet", Cue.PRE_ROLL)
        if intro:
            self._chapter("intro", self.words.intro)
            self._steps(self.routine.intro, "the intro")
        numbers = {s.id: number for number, s in enumerate(self.routine.sections, 1)}
        for section in sections:  # numbered as in the whole routine, chosen or not
            self._section(section, numbers[section.id])
        if self.routine.outro:
            self.section, self.side = "outro", None
            self._settle()
            self._chapter("outro", self.words.closing)
            self._steps(self.routine.outro, "the outro")
        self._settle()
        self._silence(TAIL_S, "end", Cue.TAIL)  # a moment of quiet, not an abrupt stop
        return self._timeline()

    def _selected_sections(self) -> list[Section]:
        known = [s.id for s in self.routine.sections]
        wanted = self.options.section_ids
        start = self.options.from_section
        for option, ids in (("--only", wanted or ()), ("--from", (start,) if start else ())):
            unknown = [w for w in ids if w not in known]
            if unknown:
                raise CompileError(
                    f"{option}: no section {unknown[0]!r} in this routine (sections: {', '.join(known)})"
                )
        sections = [s for s in self.routine.sections if wanted is None or s.id in wanted]
        if start is not None:
            chosen = [s.id for s in sections]
            if start not in chosen:
                raise CompileError(f"--from: section {start!r} is not among --only {', '.join(chosen)}")
            sections = sections[chosen.index(start) :]
            if self.options.from_side is not None and sections[0].sides != "left-right":
                raise CompileError(
                    f"--from {start}:{self.options.from_side}: section {start!r} has no left and right sides"
                    f" (use --from {start})"
                )
        return sections

    def _section(self, section: Section, number: int) -> None:
        self.section, self.side = section.id, ("both" if section.sides == "both" else None)
        where = f"section {section.id!r}"
        self._settle()
        sides = self._sides(section)
        first = self._first_side(section)
        chapter_id = f"{section.id}.{SIDES[first]}" if section.sides == "left-right" else section.id
        self._chapter(chapter_id, self._chapter_title(number, section, sides[first]))
        self._tone("soft", Cue.CHIME)
        self._say(f"{section.title}.", where)
        if section.locate:
            self._say(section.locate, where)
        if section.how:
            self._say(section.how, where)
        for caution in section.cautions:
            self._say(caution, where)
        if section.sides == "both":
            self._say(self.words.work_both, where)
        for index, side in enumerate(sides[first:], first):
            if side is not None:
                self.side = side
                if index > first:
                    self._settle()
                    self._chapter(f"{section.id}.{SIDES[index]}", self._chapter_title(number, section, side))
                if section.side_sentences:
                    self._say(section.side_sentences[index], where)
                else:
                    self._say(self.words.switch(side) if index > first else self.words.start(side), where)
            if self.get_ready > 0:
                self._silence(self.get_ready, "get ready", Cue.GET_READY)
            self._steps(section.steps, where)

    def _sides(self, section: Section) -> list[str | None]:
        """What a section's sides are called, in order; [None] for a section without sides."""
        return list(section.side_names or self.words.sides) if section.sides == "left-right" else [None]

    def _first_side(self, section: Section) -> int:
        """The side a left-right section starts at: the right one for `--from ID:right`."""
        side = self.options.from_side
        return SIDES.index(side) if side is not None and section.id == self.options.from_section else 0

    def _chapter_title(self, number: int, section: Section, side: str | None) -> str:
        """ "3. Behind the knees (left knee)": the side as a label, without its article."""
        return f"{number}. {section.title}" + (f" ({self.words.label(side)})" if side else "")

    def _steps(self, steps: Sequence[Step], where: str, number: str = "") -> None:
        """Lay out steps; `number` is the enclosing repeat's step number, for messages."""
        for index, step in enumerate(steps, 1):
            self._step(step, where, f"{number}{index}")

    def _step(self, step: Step, section_where: str, number: str) -> None:
        profile = self.options.profile
        where = f"{section_where}, step {number} ({step_kind(step)})"
        match step:
            case SayStep(say=text):
                self._say(text, where)
            case PauseStep(pause=dose):
                self._settle()
                self._silence(dose.resolve(profile), "pause", Cue.PAUSE)
            case ChimeStep(chime=name):
                self._settle()
                self._tone(name, Cue.CHIME)
            case HoldStep(hold=hold) if hold.count is not None:
                interval = hold.interval or self.count_interval
                times = int(hold.count.resolve(profile))
                self._counted(times, interval, Cue.COUNT, where, own_interval=hold.interval is not None)
            case HoldStep(hold=hold) if hold.duration is not None:
                dose, unit = hold.duration
                self._timed_hold(
                    TimedHold(
                        dose.resolve(profile), unit, hold.halfway, tuple(hold.remaining), hold.countdown, self.words
                    ),
                    where,
                )
            case TapStep(tap=tap):
                self._counted(int(tap.times.resolve(profile)), tap.interval, Cue.TAP, where)
            case CycleStep(cycle=c):
                self._cycle(
                    int(c.times.resolve(profile)),
                    c.press.resolve(profile),
                    c.release.resolve(profile),
                    c.press_word or self.words.press,
                    c.release_word or self.words.release,
                    where,
                )
            case RepeatStep(repeat=r):
                for _ in range(int(r.times.resolve(profile))):
                    self._steps(r.steps, section_where, f"{number}.")

    # -- timed work ---------------------------------------------------------------------

    def _counted(self, times: int, interval: float, cue: Cue, where: str, *, own_interval: bool = False) -> None:
        """Counts on an exact grid: count k at start + (k-1) x interval. `own_interval`: the
        step gives its interval itself (--count-interval does not change it)."""
        needed = self._slot_for([str(k) for k in range(1, times + 1)], interval)
        if needed is not None:
            if not self.fit:
                where_to_change = (
                    f"set `interval: {needed:g}` on this step"
                    if own_interval or cue == Cue.TAP
                    else f"use --count-interval {needed:g}"
                )
                raise self._too_short(where, cue, needed, interval, where_to_change)
            interval = needed
        start = self._settle()
        for k in range(1, times + 1):
            at = start + (k - 1) * interval
            if cue == Cue.TAP:
                self._emit(at, at + TONE_SECONDS["knock"], "tone", "knock", Cue.KNOCK)
            elif self.options.count_ticks:
                self._emit(at, at + TONE_SECONDS["tick"], "tone", "tick", Cue.TICK)
            self._speak(str(k), _Slot(at, at + interval, "a longer interval"), cue, where, n=k, of=times)
        self.t = start + times * interval
        self.spans.append(Span(cue, start, self.t))
        self._tone("end", Cue.END)

    def _timed_hold(self, hold: TimedHold, where: str) -> None:
        start = self._settle()
        seconds = hold.seconds
        cues = hold.cues(where)
        for i, (offset, text, cue, n) in enumerate(cues):
            slot_end = start + (cues[i + 1][0] if i + 1 < len(cues) else seconds)
            self._speak(text, _Slot(start + offset, slot_end, "fewer cues or a longer hold"), cue, where, n=n)
        self.t = start + seconds
        self.spans.append(Span(Cue.HOLD, start, self.t))
        self._tone("end", Cue.END)

    def _cycle(
        self,
        times: int,
        press: float,
        release: float,
        press_word: str,
        release_word: str,
        where: str,
    ) -> None:
        for words, slot, key in (
            (
                [self.words.press_count.format(word=press_word, k=k, n=times) for k in range(1, times + 1)],
                press,
                Cue.PRESS,
            ),
            ([release_word], release, Cue.RELEASE),
        ):
            needed = self._slot_for(words, slot)
            if needed is not None:
                if not self.fit:
                    raise self._too_short(where, key, needed, slot, f"set `{key}: {needed:g}` on this step")
                press, release = (needed, release) if key == Cue.PRESS else (press, needed)
        start = self._settle()
        period = press + release
        for k in range(1, times + 1):
            at = start + (k - 1) * period
            # The count rides on the press, where the slot is usually longer than the release.
            counted = self.words.press_count.format(word=press_word, k=k, n=times)
            self._speak(counted, _Slot(at, at + press, "a longer press"), Cue.PRESS, where, n=k, of=times)
            self._speak(
                release_word, _Slot(at + press, at + period, "a longer release"), Cue.RELEASE, where, n=k, of=times
            )
        self.t = start + times * period
        self.spans.append(Span(Cue.PRESS, start, self.t))
        self._tone("end", Cue.END)

    def _slot_for(self, texts: Sequence[str], slot: float) -> float | None:
        """None if the longest of `texts` fits in `slot`; else the slot it needs, to a tenth of a
        second up, with a breath of quiet after it."""
        longest = max(self.speech_length(text) for text in texts)
        if longest <= slot + FIT_TOLERANCE_S:
            return None
        return math.ceil((longest + FIT_GAP_S) * 10 - 1e-9) / 10

    def _too_short(self, where: str, cue: Cue, needed: float, slot: float, change: str) -> CompileError:
        """A counted step whose slots are too short for the voice, with the commands that fix it."""
        rate = resolved_rate(self.routine, self.options)
        faster = 5 * math.ceil(rate * needed / slot / 5)  # speech takes about 1/rate as long
        fixes = ["add --fit (or `fit: true` in settings) to stretch every counted step to the voice", change]
        if RATE_WPM[0] <= faster <= RATE_WPM[1]:  # (a slot of no length asks for no rate)
            fixes.append(f"use --rate {faster}")
        return CompileError(
            f"{where}: at {rate} words a minute a {cue} needs {needed:g} s but gets {slot:g} s; " + "; or ".join(fixes)
        )

    # -- emitting -----------------------------------------------------------------------

    def _settle(self) -> float:
        """Move the cursor past the last speech plus its breathing gap; return it."""
        self.t = max(self.t, self.speech_end + self.options.speech_gap_s if self.speech_end else 0.0)
        return self.t

    def _say(self, text: str, where: str) -> None:
        at = self._settle()
        self._speak(text, _Slot(at), Cue.SAY, where)
        self.t = self.speech_end

    def _speak(
        self, text: str, slot: _Slot, cue: Cue, where: str, *, n: int | None = None, of: int | None = None
    ) -> None:
        length = self.speech_length(text)
        at, fix = slot.at, slot.fix
        if at < self.speech_end - FIT_TOLERANCE_S:
            raise CompileError(
                f"{where}: {text!r} at {clock(at)} would overlap the speech before it; {fix or 'add a pause'}"
            )
        if slot.end is not None and at + length > slot.end + FIT_TOLERANCE_S:
            raise CompileError(
                f"{where}: {text!r} takes {length:.2f} s but its slot is {slot.end - at:.2f} s; "
                f"use a faster --rate or {fix}"
            )
        self._emit(at, at + length, "speech", text, cue, n=n, of=of)
        self.speech_end = at + length

    def _tone(self, name: str, cue: Cue) -> None:
        self._emit(self.t, self.t + TONE_SECONDS[name], "tone", name, cue)
        self.t += TONE_SECONDS[name]

    def _silence(self, seconds: float, label: str, cue: Cue) -> None:
        self._emit(self.t, self.t + seconds, "silence", label, cue)
        self.t += seconds

    def _emit(
        self,
        start: float,
        end: float,
        kind: EventKind,
        text: str,
        cue: Cue,
        *,
        n: int | None = None,
        of: int | None = None,
    ) -> None:
        if len(self.events) >= MAX_EVENTS or end > MAX_TOTAL_S:
            raise CompileError(
                f"section {self.section!r}: the routine grows past {MAX_EVENTS:,} cues or "
                f"{MAX_TOTAL_S / 3600:g} hours; lower the counts or repeats"
            )
        if kind != "silence":
            self.sound_end = max(self.sound_end, end)
        spoken = self.words.spoken(text) if kind == "speech" else None
        self.events.append(Event(start, end, kind, text, self.section, self.side, cue, n, of, spoken))

    def _chapter(self, chapter_id: str, title: str) -> None:
        if self.chapters:  # after some quiet, on the grid (CHAPTER_GRID): cut there, a part encodes alone
            grid = CHAPTER_GRID / SAMPLE_RATE
            self.t = math.ceil(max(self.t, self.sound_end + CHAPTER_QUIET_S) / grid - 1e-6) * grid
        self.chapters.append((chapter_id, title, self.t))

    def _timeline(self) -> Timeline:
        events = tuple(sorted(self.events, key=lambda e: (e.start_s, e.kind != "tone")))
        total = max((e.end_s for e in events), default=0.0)
        starts = [start for _, _, start in self.chapters]
        ends = [*starts[1:], total]
        chapters = tuple(
            Chapter(cid, title, 0.0 if i == 0 else start, end)
            for i, ((cid, title, start), end) in enumerate(zip(self.chapters, ends, strict=True))
        )
        layout = Layout(
            profile=self.options.profile,
            count_interval_s=self.count_interval,
            fit=self.fit,
            rate_wpm=resolved_rate(self.routine, self.options),
            speech_lengths=self.options.speech_source,
        )
        return Timeline(self._title(), events, chapters, total, layout, tuple(self.spans))

    def _title(self) -> str:
        """The routine's title; for a selection, with what it holds, so a phone lists it apart
        from the whole routine: "Acupressure for back pain (Behind the knees, Beside the ankles)"."""
        chosen = self._selected_sections()
        first_side = self._first_side(chosen[0])
        if len(chosen) == len(self.routine.sections) and not first_side:
            return self.routine.title
        if self.options.section_ids is None and self.options.from_section is not None:
            first = chosen[0]
            number = [s.id for s in self.routine.sections].index(first.id) + 1
            side = self._sides(first)[first_side] if first_side else None
            return f"{self.routine.title} (from {self._chapter_title(number, first, side)})"
        return f"{self.routine.title} ({', '.join(s.title for s in chosen)})"


@dataclass(frozen=True)
class TimedHold:
    """A timed hold, resolved: its length and the cues that mark it."""

    length: float
    unit: str
    """"seconds" or "minutes": the unit the author gave the length in, and the one it is said in."""
    halfway: bool
    remaining: tuple[float, ...]
    """Seconds left at which to say so."""
    countdown: int
    words: Phrases = TABLES["en"]

    @property
    def seconds(self) -> float:
        return self.length * 60 if self.unit == "minutes" else self.length

    @property
    def _english_length(self) -> str:
        """The hold's length for messages to the author, which are in English."""
        return TABLES["en"].amount(self.length, self.unit)

    def cues(self, where: str) -> list[tuple[float, str, Cue, int | None]]:
        """(offset, text, cue, n) in time order. A cue that cannot happen, or two that would be
        said at the same moment, is an error: nothing is dropped silently."""
        seconds = self.seconds
        words = self.words
        length = words.amount(self.length, self.unit)
        # A timed hold has no counts to start it, so it says when it starts and how long it is.
        cues: list[tuple[float, str, Cue, int | None]] = [(0.0, words.hold_for.format(amount=length), Cue.HOLD, None)]
        if self.halfway:
            cues.append((seconds / 2, words.halfway, Cue.HALFWAY, None))
        for left in self.remaining:
            if left >= seconds:
                raise CompileError(
                    f"{where}: `remaining: {left:g}` cannot happen in a hold of {self._english_length}; "
                    f"it must be less than {seconds:g} seconds"
                )
            # From a minute up, in minutes and halves ("2 and a half minutes left"), as people say it.
            in_minutes = left >= 60 and left % 30 == 0
            said = words.left(left / 60, "minutes") if in_minutes else words.left(left, "seconds")
            cues.append((seconds - left, said, Cue.REMAINING, None))
        if self.countdown >= seconds:
            raise CompileError(
                f"{where}: `countdown: {self.countdown}` does not fit in a hold of {self._english_length}; "
                f"count down from less than {seconds:g}"
            )
        for k in range(self.countdown, 0, -1):
            cues.append((seconds - k, str(k), Cue.COUNTDOWN, k))
        cues.sort(key=lambda c: c[0])
        for (at, first, _, _), (later, second, _, _) in itertools.pairwise(cues):
            if later - at < FIT_TOLERANCE_S:
                raise CompileError(
                    f"{where}: {first!r} and {second!r} both fall {_seconds(at)} into the hold; "
                    "drop one of them or change the hold's length"
                )
        return cues


def _seconds(value: float) -> str:
    """ "1 second", "20 seconds": for messages to the author, which are in English."""
    return TABLES["en"].amount(value, "seconds")

"""The compiler: exact grids, slots, profiles, sides, chapters, and the built-in routine's doses."""

from __future__ import annotations

import itertools
import re

import pytest

from voiceguide.errors import CompileError
from voiceguide.limits import CHAPTER_GRID, CHAPTER_QUIET_S, PRE_ROLL_S, SAMPLE_RATE
from voiceguide.routine.loader import load_routine, parse_routine
from voiceguide.routine.model import Routine
from voiceguide.timeline.compiler import compile_routine, phrases
from voiceguide.timeline.estimate import estimate_speech_length, number_words, syllables
from voiceguide.timeline.events import Cue, Event, Timeline, TimelineInvalid, check_timeline
from voiceguide.timeline.options import CompileOptions

from conftest import DATA


def fixed_length(seconds: float = 0.5):  # type: ignore[no-untyped-def]
    """An in-memory speech length: every phrase takes the same time, so times are exact."""
    return lambda text: seconds


def routine(steps: str, *, sides: str = "none", extra: str = "") -> Routine:
    return parse_routine(
        f"""
voiceguide: 1
title: T
settings: {{get_ready: 0}}
sections:
  - id: s
    title: S
    sides: {sides}
    {extra}
    steps: {steps}
""",
        origin="test.yaml",
    )


def compile_(r: Routine, length: float = 0.5, **options: object) -> Timeline:
    return compile_routine(r, options=CompileOptions(**options), speech_length=fixed_length(length))  # type: ignore[arg-type]


def cues(timeline: Timeline, cue: str) -> list[Event]:
    return [e for e in timeline.events if e.cue == cue]


def test_counts_sit_on_an_exact_grid() -> None:
    timeline = compile_(routine("[{hold: {count: 100, interval: 1.2}}]"))
    counts = cues(timeline, "count")
    assert [e.n for e in counts] == list(range(1, 101))
    start = counts[0].start_s
    for k, e in enumerate(counts, 1):
        assert e.start_s == pytest.approx(start + (k - 1) * 1.2, abs=1e-9)
        assert e.text == str(k)
    end_tone = next(e for e in timeline.events if e.cue == "end")
    assert end_tone.start_s == pytest.approx(start + 100 * 1.2)


def test_a_count_longer_than_its_slot_is_an_error_naming_the_step() -> None:
    with pytest.raises(
        CompileError,
        match=r"section 's', step 2 \(hold\): at 170 words a minute a count needs 1\.6 s but gets 1\.2 s",
    ):
        compile_(routine("[{say: Go}, {hold: {count: 3}}]"), length=1.5)


def test_speech_never_overlaps_within_a_timed_hold() -> None:
    r = routine("[{hold: {seconds: 5, halfway: true, countdown: 2}}]")
    with pytest.raises(CompileError, match=r"'Halfway\.' takes 1\.80 s but its slot is 0\.50 s"):
        compile_(r, length=1.8)


@pytest.mark.parametrize(
    ("hold", "message"),
    [
        (
            "{seconds: 20, halfway: true, remaining: [10]}",
            r"'Halfway\.' and '10 seconds left\.' both fall 10 seconds into the hold",
        ),
        ("{seconds: 10, countdown: 3, remaining: [3]}", r"'3 seconds left\.' and '3' both fall 7 seconds"),
        ("{seconds: 30, remaining: [50]}", r"`remaining: 50` cannot happen in a hold of 30 seconds"),
        ("{seconds: 30, remaining: [30]}", r"`remaining: 30` cannot happen"),
        ("{seconds: 5, countdown: 10}", r"`countdown: 10` does not fit in a hold of 5 seconds"),
        ("{minutes: [0.5, 2], remaining: [60]}", r"`remaining: 60` cannot happen in a hold of half a minute"),
    ],
)
def test_a_cue_that_collides_or_cannot_happen_is_an_error_naming_it(hold: str, message: str) -> None:
    with pytest.raises(CompileError, match=message):
        compile_(routine(f"[{{hold: {hold}}}]"), length=0.2, profile="short")


@pytest.mark.parametrize(
    ("hold", "said", "seconds"),
    [
        ("{seconds: 1}", ["Hold for 1 second."], 1),
        ("{seconds: 60, remaining: [1, 30]}", ["Hold for 60 seconds.", "30 seconds left.", "1 second left."], 60),
        ("{minutes: 1}", ["Hold for 1 minute."], 60),
        (
            "{minutes: [1, 2], remaining: [60, 10]}",
            ["Hold for 1 and a half minutes.", "1 minute left.", "10 seconds left."],
            90,
        ),
        ("{minutes: 2.25}", ["Hold for 135 seconds."], 135),  # a quarter: said in seconds
        ("{minutes: 0.5}", ["Hold for half a minute."], 30),
    ],
)
def test_holds_are_said_in_the_authors_unit_with_right_plurals(hold: str, said: list[str], seconds: float) -> None:
    timeline = compile_(routine(f"[{{hold: {hold}}}]"), length=0.2)
    assert [e.text for e in timeline.speech() if e.cue in ("hold", "remaining")] == said
    (end,) = cues(timeline, "end")
    assert end.start_s - cues(timeline, "hold")[0].start_s == pytest.approx(seconds)


def test_profiles_resolve_ranges_low_middle_high() -> None:
    r = routine("[{tap: {times: [10, 15]}}]")
    taps = {p: len(cues(compile_(r, profile=p), "tap")) for p in ("short", "standard", "full")}
    assert taps == {"short": 10, "standard": 13, "full": 15}


def test_left_right_runs_steps_per_side_with_a_spoken_switch_and_chapters() -> None:
    r = routine("[{hold: {count: 3}}]", sides="left-right", extra="side_names: [left knee, right knee]")
    timeline = compile_(r)
    says = [e.text for e in cues(timeline, "say")]
    assert "Start with the left knee." in says and "Now switch to the right knee." in says
    assert [e.side for e in cues(timeline, "count")] == ["left knee"] * 3 + ["right knee"] * 3
    assert [c.id for c in timeline.chapters] == ["s.left", "s.right"]


def test_every_chapter_after_the_first_starts_on_the_grid_and_moves_by_whole_steps_after_an_edit() -> None:
    """Chapters start on multiples of `CHAPTER_GRID` samples, after `CHAPTER_QUIET_S` of quiet at
    least (a chapter right after a tone waits that long): a longer first sentence moves every
    later chapter, and everything in it, by whole steps of the grid, so such a chapter mixes and
    encodes the same (render/encode.py)."""
    built_in = load_routine("back-pain")

    def placed(welcome_s: float) -> tuple[list[int], list[list[int]]]:
        """Each chapter's first sample, and its sounds' samples counted from it."""
        lengths = lambda text: 0.06 * len(text) + (welcome_s if text.startswith("Welcome.") else 0.0)  # noqa: E731
        timeline = compile_routine(built_in, options=CompileOptions(), speech_length=lengths)
        starts = [round(c.start_s * SAMPLE_RATE) for c in timeline.chapters]
        inside = [
            [round(e.start_s * SAMPLE_RATE) - start for e in timeline.events if c.start_s <= e.start_s < c.end_s]
            for c, start in zip(timeline.chapters, starts, strict=True)
        ]
        return starts, inside

    starts, inside = placed(0.0)
    moved, shifted = placed(0.3)
    assert len(starts) == 10 and all(start % CHAPTER_GRID == 0 for start in starts[1:] + moved[1:])
    assert 0 < moved[1] - starts[1] < 0.3 * SAMPLE_RATE + CHAPTER_GRID  # moved on, at most a step more
    assert shifted[1:] == inside[1:]  # each later chapter, sound for sound, as it was
    for source in ("back-pain", str(DATA / "cases" / "physio-neck.yaml")):  # the latter's sections end on a tone
        timeline = compile_routine(load_routine(source), options=CompileOptions(), speech_length=fixed_length(1.0))
        for chapter in timeline.chapters[1:]:
            before = [e.end_s for e in timeline.events if e.kind != "silence" and e.start_s < chapter.start_s]
            assert chapter.start_s - max(before) >= CHAPTER_QUIET_S - 1e-9, (source, chapter.id)


def test_both_sides_says_so() -> None:
    timeline = compile_(routine("[{hold: {count: 2}}]", sides="both"))
    assert "Work both points at the same time." in [e.text for e in timeline.events]


def test_cycle_counts_presses_and_releases() -> None:
    timeline = compile_(routine("[{cycle: {times: 3, press: 2, release: 1, press_word: Pinch}}]"))
    presses, releases = cues(timeline, "press"), cues(timeline, "release")
    assert [e.text for e in presses] == ["Pinch, 1 of 3", "Pinch, 2 of 3", "Pinch, 3 of 3"]
    assert [r.start_s - p.start_s for p, r in zip(presses, releases, strict=True)] == pytest.approx([2, 2, 2])
    assert presses[1].start_s - presses[0].start_s == pytest.approx(3)


def test_taps_carry_a_knock_at_each_count() -> None:
    timeline = compile_(routine("[{tap: {times: 4, interval: 0.8}}]"))
    knocks = [e.start_s for e in timeline.events if e.cue == "knock"]
    assert knocks == [e.start_s for e in cues(timeline, "tap")]


def test_ticks_are_optional() -> None:
    r = routine("[{hold: {count: 3}}]")
    assert not [e for e in compile_(r).events if e.cue == "tick"]
    assert len([e for e in compile_(r, count_ticks=True).events if e.cue == "tick"]) == 3


def test_only_selected_sections_and_unknown_ones_rejected() -> None:
    r = load_routine("back-pain")
    timeline = compile_(r, section_ids=("knees",))
    assert {e.section for e in timeline.events} == {"intro", "knees", "outro"}
    with pytest.raises(CompileError, match=r"--only: no section 'elbows'"):
        compile_(r, section_ids=("elbows",))


def test_from_starts_at_a_section_without_the_intro() -> None:
    r = load_routine("back-pain")
    timeline = compile_(r, from_section="ankles")
    assert [c.id for c in timeline.chapters] == ["ankles.left", "ankles.right", "hands.left", "hands.right", "outro"]
    both = compile_(r, from_section="ankles", section_ids=("knees", "ankles"))
    assert {e.section for e in both.events} == {"ankles", "outro"}
    with pytest.raises(CompileError, match=r"--from: no section 'elbows'"):
        compile_(r, from_section="elbows")
    with pytest.raises(CompileError, match=r"--from: section 'hands' is not among --only knees"):
        compile_(r, from_section="hands", section_ids=("knees",))


def test_every_timeline_starts_with_the_pre_roll_of_the_part_it_comes_before() -> None:
    """The one default (limits.PRE_ROLL_S) for the command line, the player and the library:
    quiet before the first sound, then the routine as it is without it: its first chapter just
    as it is, the later ones all moved by the same few hundredths of a second more (chapters
    start on the grid, `CHAPTER_GRID`)."""
    r = load_routine("back-pain")
    for chosen in ({}, {"from_section": "ankles"}):
        plain, rolled = compile_(r, pre_roll_s=0.0, **chosen), compile_(r, **chosen)
        first, *rest = rolled.events
        assert (first.cue, first.start_s, first.end_s) == (Cue.PRE_ROLL, 0.0, PRE_ROLL_S)
        assert first.section == plain.events[0].section == ("ankles" if chosen else "intro")
        assert [e.text for e in rest] == [e.text for e in plain.events]
        second = plain.chapters[1].start_s
        moved = {round(a.start_s - b.start_s, 6) for a, b in zip(rest, plain.events, strict=True) if b.start_s < second}
        later = {
            round(a.start_s - b.start_s, 6) for a, b in zip(rest, plain.events, strict=True) if b.start_s >= second
        }
        assert moved == {PRE_ROLL_S} and len(later) == 1
        assert abs(later.pop() - PRE_ROLL_S) < CHAPTER_GRID / SAMPLE_RATE
        assert rolled.total_s - plain.total_s == pytest.approx(rolled.chapters[1].start_s - second)


def test_from_a_side_starts_a_two_sided_section_at_that_side() -> None:
    """A run stopped on the right ankle picks up there (`--from ankles:right`), not at the left."""
    r = load_routine("back-pain")
    timeline = compile_(r, from_section="ankles", from_side="right")
    assert [c.id for c in timeline.chapters] == ["ankles.right", "hands.left", "hands.right", "outro"]
    assert timeline.title == "Acupressure for back pain (from 4. Beside the ankles (right ankle))"
    said = [e.text for e in timeline.events if e.kind == "speech"]
    assert said[0] == "Beside the ankles."  # where the points are is said again first
    assert not any("left ankle" in text for text in said)
    assert "Start with the right ankle." in said
    assert compile_(r, from_section="ankles", from_side="left") == compile_(r, from_section="ankles")
    with pytest.raises(CompileError, match=r"--from waist:right: section 'waist' has no left and right sides"):
        compile_(r, from_section="waist", from_side="right")


def test_same_input_same_timeline() -> None:
    r = load_routine("back-pain")
    a = compile_routine(r, options=CompileOptions(), speech_length=estimate_speech_length(170))
    b = compile_routine(r, options=CompileOptions(), speech_length=estimate_speech_length(170))
    assert a == b


def test_phrases_are_what_the_timeline_speaks() -> None:
    r = load_routine("back-pain")
    timeline = compile_routine(r, options=CompileOptions(), speech_length=estimate_speech_length(170))
    assert phrases(r, options=CompileOptions()) == timeline.phrases()


def test_checker_catches_broken_timelines() -> None:
    good = compile_(routine("[{hold: {count: 3}}]"))
    check_timeline(good)
    events = list(good.events)
    counts = [i for i, e in enumerate(events) if e.cue == "count"]
    del events[counts[1]]  # a missing count
    with pytest.raises(TimelineInvalid, match=r"count run"):
        check_timeline(Timeline(good.title, tuple(events), good.chapters, good.total_s, good.layout))
    overlapping = (*good.events, Event(0.1, 0.4, "speech", "x", "s", None, "say"))
    with pytest.raises(TimelineInvalid):
        check_timeline(Timeline(good.title, tuple(overlapping), good.chapters, good.total_s, good.layout))


class TestBackPain:
    """The built-in routine holds the article's doses, in its order (docs/back-pain-routine.md)."""

    @pytest.fixture(scope="class")
    @classmethod
    def timeline(cls) -> Timeline:
        return compile_routine(
            load_routine("back-pain"),
            options=CompileOptions(),
            speech_length=estimate_speech_length(170),
        )

    def test_five_point_sets_between_intro_and_closing(self, timeline: Timeline) -> None:
        ids = [c.id for c in timeline.chapters]
        assert ids[0] == "intro" and ids[-1] == "outro"
        sections = list(dict.fromkeys(c.id.split(".")[0] for c in timeline.chapters[1:-1]))
        assert sections == ["waist", "kidneys", "knees", "ankles", "hands"]

    def test_slow_count_to_100_at_1_2_s(self, timeline: Timeline) -> None:
        counts = [e for e in timeline.events if e.section == "waist" and e.cue == "count"]
        assert [e.n for e in counts] == list(range(1, 101))
        assert counts[1].start_s - counts[0].start_s == pytest.approx(1.2)

    @pytest.mark.parametrize(("profile", "taps"), [("short", 10), ("standard", 13), ("full", 15)])
    def test_hip_taps_10_to_15(self, profile: str, taps: int) -> None:
        t = compile_routine(
            load_routine("back-pain"),
            options=CompileOptions(profile=profile),
            speech_length=estimate_speech_length(170),  # type: ignore[arg-type]
        )
        assert len([e for e in t.events if e.section == "kidneys" and e.cue == "tap"]) == taps

    def test_ten_pinches_per_ankle(self, timeline: Timeline) -> None:
        for side in ("left ankle", "right ankle"):
            presses = [e for e in timeline.events if e.side == side and e.cue == "press"]
            assert [e.n for e in presses] == list(range(1, 11))

    def test_knees_and_hands_per_side(self, timeline: Timeline) -> None:
        sides = {(e.section, e.side) for e in timeline.events if e.section in ("knees", "hands") and e.cue == "end"}
        assert sides == {
            ("knees", "left knee"),
            ("knees", "right knee"),
            ("hands", "left hand"),
            ("hands", "right hand"),
        }

    def test_standard_profile_lasts_10_to_16_minutes(self, timeline: Timeline) -> None:
        assert 10 * 60 <= timeline.total_s <= 16 * 60

    def test_safety_framing_at_start_and_end(self, timeline: Timeline) -> None:
        intro = " ".join(e.text for e in timeline.events if e.section == "intro")
        outro = " ".join(e.text for e in timeline.events if e.section == "outro")
        assert "does not cure" in intro and "doctor" in intro and "hurts" in intro and "helper" in intro
        assert "doctor" in outro


def test_number_words_and_syllables() -> None:
    assert number_words(77) == "seventy-seven"
    assert number_words(100) == "one hundred"
    assert number_words(1234) == "one thousand two hundred and thirty-four"
    assert syllables("77") == 5
    assert syllables("Release.") == 2


def test_every_amount_the_readme_calls_a_range_may_be_one() -> None:
    r = routine(
        "[{hold: {count: [2, 4]}}, {hold: {seconds: [3, 5]}}, {hold: {minutes: [0.1, 0.2]}},"
        " {tap: {times: [2, 3]}}, {cycle: {times: [1, 2], press: [1, 2], release: [1, 3]}},"
        " {repeat: {times: [1, 2], steps: [{pause: [1, 2]}]}}]"
    )
    short, full = compile_(r, length=0.2, profile="short"), compile_(r, length=0.2, profile="full")
    assert [len(cues(t, "count")) for t in (short, full)] == [2, 4]
    assert [len(cues(t, "tap")) for t in (short, full)] == [2, 3]
    assert [len(cues(t, "press")) for t in (short, full)] == [1, 2]
    assert [len(cues(t, "pause")) for t in (short, full)] == [1, 2]
    assert [e.text for e in cues(short, "hold")] == ["Hold for 3 seconds.", "Hold for 6 seconds."]  # 0.1 minutes
    assert [e.text for e in cues(full, "hold")] == ["Hold for 5 seconds.", "Hold for 12 seconds."]
    press, release = cues(full, "press")[0], cues(full, "release")[0]
    assert release.start_s - press.start_s == pytest.approx(2) and sum(e.duration_s for e in cues(full, "pause")) == 4


def test_a_voice_too_slow_for_its_slots_gets_commands_that_work_and_fit_stretches_them() -> None:
    counted = routine("[{hold: {count: 5}}, {tap: {times: 3}}, {cycle: {times: 2, press: 1, release: 1}}]")
    # Every phrase takes 1.33 s: counts need 1.5 s (with a breath after), not the routine's 1.2.
    with pytest.raises(CompileError) as told:
        compile_(counted, length=1.33)
    assert str(told.value) == (
        "section 's', step 1 (hold): at 170 words a minute a count needs 1.5 s but gets 1.2 s; add --fit (or "
        "`fit: true` in settings) to stretch every counted step to the voice; or use --count-interval 1.5; or use "
        "--rate 215"
    )
    # The advice works: with the count interval asked for, the counts fit (the taps, whose
    # interval is their own, say so next: the step's own setting).
    with pytest.raises(CompileError, match=r"step 2 \(tap\): .* needs 1.5 s but gets 1 s; .*set `interval: 1.5` on"):
        compile_(counted, length=1.33, count_interval_s=1.5)
    fitted = compile_(counted, length=1.33, fit=True)
    for cue, step in (("count", 1.5), ("tap", 1.5)):
        starts = [e.start_s for e in cues(fitted, cue)]
        assert all(abs(b - a - step) < 1e-9 for a, b in itertools.pairwise(starts)), (cue, starts)
    presses = cues(fitted, "press")
    assert abs(presses[1].start_s - presses[0].start_s - 3.0) < 1e-9  # press and release each 1.5 s
    assert fitted.layout.fit is True
    # The routine can ask for it itself (a physiotherapist's slow routine, on every command).
    asked = counted.model_copy(update={"settings": counted.settings.model_copy(update={"fit": True})})
    assert compile_(asked, length=1.33).events == fitted.events
    # A voice that fits is not stretched: --fit changes nothing then.
    assert compile_(counted, length=0.5, fit=True).events == compile_(counted, length=0.5).events


def test_a_selection_keeps_the_routines_numbers_and_is_named_as_one() -> None:
    from voiceguide.routine.loader import load_routine

    whole = load_routine("back-pain")
    chosen = compile_(whole, section_ids=("knees", "hands"))
    assert [c.title for c in chosen.chapters][1:3] == [
        "3. Behind the knees (left knee)",
        "3. Behind the knees (right knee)",
    ]
    assert chosen.chapters[3].title.startswith("5. The backs of the hands")
    assert chosen.title == "Acupressure for back pain (Behind the knees, The backs of the hands)"
    assert compile_(whole, from_section="ankles").title == "Acupressure for back pain (from 4. Beside the ankles)"
    assert compile_(whole).title == "Acupressure for back pain"


def test_the_built_in_intro_does_not_count_the_sets_a_selection_may_leave_out() -> None:
    from voiceguide.routine.loader import load_routine

    chosen = compile_(load_routine("back-pain"), section_ids=("ankles", "hands"))
    intro = " ".join(e.text for e in chosen.events if e.section == "intro" and e.kind == "speech")
    assert not re.search(r"\b(five|5|four|three|two)\b", intro), intro


@pytest.mark.parametrize("name", ["neck-and-shoulders", "ranges-and-repeats", "physio-neck"])
def test_each_hold_tap_run_and_cycle_is_a_span_from_its_first_cue_to_its_end_tone(name: str) -> None:
    """The compiler lays the spans out: the view, the page's countdown and the checks read
    them instead of rebuilding them from the cues."""
    timeline = compile_(load_routine(f"tests/data/cases/{name}.yaml"))
    ends = [e.start_s for e in timeline.events if e.cue == Cue.END]
    assert [s.end_s for s in timeline.spans] == ends  # one span for each end tone, in order
    for span in timeline.spans:
        starts = [e for e in timeline.events if e.start_s == span.start_s and e.kind == "speech"]
        assert [e.cue for e in starts] == [span.cue], span  # its first cue starts it
        if span.cue != Cue.HOLD:
            assert starts[0].n == 1
    assert timeline.spans and {s.cue for s in timeline.spans} <= {Cue.COUNT, Cue.HOLD, Cue.TAP, Cue.PRESS}
    assert timeline.holds() == [(s.start_s, s.end_s) for s in timeline.spans if s.cue in (Cue.COUNT, Cue.HOLD)]

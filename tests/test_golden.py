"""Golden cue sheets: each routine in data/cases (and the built-in) against its expected sheet.

The sheets are compiled with a fixed speech length (`fixed_length`), not the estimator, so
they move only when the compiler does: recalibrating the estimator (or a voice) leaves them
be. Run `pytest --regen-golden` after a deliberate change, then read the diff.
"""

from __future__ import annotations

import json

import pytest

from voiceguide.routine.loader import load_routine
from voiceguide.timeline.compiler import compile_routine
from voiceguide.timeline.cuesheet import format_cue_sheet
from voiceguide.timeline.options import CompileOptions

from conftest import DATA

CASES = sorted((DATA / "cases").glob("*.yaml"))
GOLDEN = DATA / "golden"


def fixed_length(text: str) -> float:
    """A speech length that never changes: 0.3 s, and 55 ms a character (about 160 words a
    minute). Counts and taps are placed by the compiler, not by this."""
    return round(0.3 + 0.055 * len(text), 3)


def sheet(source: str, profile: str) -> str:
    routine = load_routine(source)
    # Without the pre-roll (0.75 s of quiet that every track starts with), so the times are the
    # routine's own; test_compiler checks the pre-roll.
    options = CompileOptions(profile=profile, pre_roll_s=0.0)  # type: ignore[arg-type]
    return format_cue_sheet(compile_routine(routine, options=options, speech_length=fixed_length))


@pytest.mark.parametrize(
    ("source", "name"),
    [*((str(p), p.stem) for p in CASES), ("back-pain", "back-pain")],
)
@pytest.mark.parametrize("profile", ["short", "standard", "full"])
def test_cue_sheet_matches_golden(source: str, name: str, profile: str, regen_golden: bool) -> None:
    golden = GOLDEN / f"{name}.{profile}.txt"
    actual = sheet(source, profile)
    if regen_golden:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(actual)
    assert golden.exists(), f"no golden file {golden.name}: run pytest --regen-golden"
    assert actual == golden.read_text()


def test_every_case_has_golden_files() -> None:
    expected = {f"{p.stem}.{prof}.txt" for p in CASES for prof in ("short", "standard", "full")}
    assert expected <= {p.name for p in GOLDEN.iterdir()}


def test_json_timeline_shape() -> None:
    routine = load_routine(str(DATA / "cases" / "neck-and-shoulders.yaml"))
    timeline = compile_routine(routine, options=CompileOptions(), speech_length=fixed_length)
    data = json.loads(json.dumps(timeline.to_json()))
    assert set(data) >= {"total_s", "chapters", "events"}
    assert set(data["chapters"][0]) == {"id", "title", "start_s", "end_s"}
    assert set(data["events"][0]) >= {
        "start_s",
        "end_s",
        "kind",
        "text",
        "section",
        "side",
        "cue",
        "n",
    }
    counts = [e for e in data["events"] if e["cue"] == "count"]
    assert [e["n"] for e in counts] == list(range(1, 21))
    assert data["total_s"] == pytest.approx(max(e["end_s"] for e in data["events"]), abs=1e-3)

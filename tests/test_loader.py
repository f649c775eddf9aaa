"""Bad input: every broken routine file gets a positioned line per problem, exit 2, and fast."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from voiceguide.cli import app
from voiceguide.errors import RoutineError
from voiceguide.routine.loader import MAX_FILE_BYTES, builtin_names, load_routine, parse_routine

from conftest import DATA

BAD = sorted((DATA / "bad").glob("*.yaml"))


def expected_error(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must say what error it expects"
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_file_gives_one_positioned_line_and_exit_2(path: Path) -> None:
    result = CliRunner().invoke(app, ["show", "--estimate", str(path)])
    assert result.exit_code == 2, result.output
    first, *others = result.stderr.strip().splitlines()
    assert first.startswith(f"voiceguide: error: {path}")
    assert expected_error(path) in first
    more = re.search(r"\(and (\d+) more problems?:\)$", first)
    assert len(others) == (int(more.group(1)) if more else 0), result.stderr  # each further problem listed
    for line in others:
        assert re.match(rf"  {re.escape(str(path))}:\d+:\d+: [^:]+: ", line), line  # place: what is wrong
    assert "Traceback" not in result.output


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_binary_file(tmp_path: Path) -> None:
    with pytest.raises(RoutineError, match=r"binary file"):
        load_routine(write(tmp_path, "x.yaml", b"voiceguide: 1\n\x00\x01\x02"))


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(RoutineError, match=r"x\.yaml:2: not UTF-8 text \(byte 0xe9\)"):
        load_routine(write(tmp_path, "x.yaml", b"voiceguide: 1\ntitle: caf\xe9\n"))


def test_oversized_file(tmp_path: Path) -> None:
    with pytest.raises(RoutineError, match=r"file is over"):
        load_routine(write(tmp_path, "x.yaml", b"#" * (MAX_FILE_BYTES + 10)))


def test_deep_nesting_is_refused_not_crashed() -> None:
    with pytest.raises(RoutineError):
        parse_routine("a: " + "[" * 20000 + "]" * 20000, origin="deep.yaml")


def test_missing_file_and_unknown_builtin() -> None:
    with pytest.raises(RoutineError, match=r"^nope\.yaml: no such file$"):
        load_routine("nope.yaml")
    with pytest.raises(RoutineError, match=r"did you mean 'back-pain'\?"):
        load_routine("back-pian")


def test_folder_is_not_a_routine(tmp_path: Path) -> None:
    with pytest.raises(RoutineError, match=r"is a folder"):
        load_routine(str(tmp_path))


def test_builtin_routines_load() -> None:
    assert "back-pain" in builtin_names()
    routine = load_routine("back-pain")
    assert [s.id for s in routine.sections] == ["waist", "kidneys", "knees", "ankles", "hands"]


SECTIONS = "sections:\n  - {id: a, title: A, steps: [{hold: {count: 5}}]}\n"
HOSTILE = [
    # (the routine after its first line, where the error points, what it says)
    ("title: x\nsections: [{id: a, title: A, steps: [{hold: {count: " + "9" * 5000 + "}}]}]\n", "3:", "15 digits"),
    ('title: "x\\0y"\n' + SECTIONS, "2:8", "a NUL (U+0000)"),
    ('title: "x\\fy"\n' + SECTIONS, "2:8", "a form feed"),
    ("title: Neck and shoulders\x0c\n" + SECTIONS, "2:26", "a form feed (often pasted from a PDF) (U+000C)"),
    ("title: x\x1b[31m\n" + SECTIONS, "2:9", "a control character (U+001B)"),
    ("title: x\u0085y\n" + SECTIONS, "2:9", "a control character (U+0085)"),
    ("title: x\nsource: {title: " + "a" * 200_000 + "}\n" + SECTIONS, "3:17", "at most 300 characters"),
    ("title: x\ndescription: " + "a" * 6000 + "\n" + SECTIONS, "3:14", "at most 5000 characters"),
    ("title: x\n" + "".join(f"k{i}: 1\n" for i in range(60_000)) + SECTIONS, "1:1", "60003 keys in one mapping"),
]


@pytest.mark.parametrize(("body", "where", "message"), HOSTILE, ids=[m[:24] for _, _, m in HOSTILE])
def test_hostile_files_get_one_plain_line_not_a_traceback(tmp_path: Path, body: str, where: str, message: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text("voiceguide: 1\n" + body, encoding="utf-8")
    out = tmp_path / "out.mp3"
    for args in (["validate", str(path)], ["render", str(path), "-o", str(out)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], lines[:3]
        assert lines[0].startswith(f"voiceguide: error: {path}:{where}")
        assert "Traceback" not in result.output
    assert not out.exists()


def test_many_problems_stop_after_a_screenful(tmp_path: Path) -> None:
    keys = "".join(f"k{i}: 1\n" for i in range(500))
    path = tmp_path / "many.yaml"
    path.write_text("voiceguide: 1\ntitle: x\n" + keys + SECTIONS)
    result = CliRunner().invoke(app, ["validate", str(path)])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and "(and 499 more problems:)" in lines[0]
    assert len(lines) == 21 and lines[-1] == "  ... and 480 more not shown"


def test_a_blank_line_inside_a_say_keeps_all_of_it(tmp_path: Path) -> None:
    routine = parse_routine(
        "voiceguide: 1\ntitle: x\nintro:\n  - say: |\n      First part.\n\n      Second part.\n" + SECTIONS,
        origin="test",
    )
    assert routine.intro[0].say == "First part. Second part."  # type: ignore[union-attr]


def test_windows_line_endings_are_fine() -> None:
    routine = parse_routine("voiceguide: 1\r\ntitle: Crlf\r\n" + SECTIONS.replace("\n", "\r\n"), origin="test")
    assert routine.title == "Crlf"

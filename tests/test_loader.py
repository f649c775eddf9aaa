"""Bad input: every broken routine file gets a positioned line per problem, exit 2, and fast."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from voiceguide.cli import app
from voiceguide.errors import RoutineError
from voiceguide.loader import MAX_FILE_BYTES, builtin_names, load_routine, parse_routine

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
        assert re.match(rf"  {re.escape(str(path))}:\d+:\d+: \S+: ", line), line
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

"""The command line: show, validate, list, schema, new; and the README documents every command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from voiceguide.cli import app

from conftest import DATA

ROOT = Path(__file__).parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, ANSI.sub("", result.stdout), ANSI.sub("", result.stderr)


def test_show_prints_cue_sheet_with_sections_and_total() -> None:
    code, out, err = run("show", "back-pain", "--estimate")
    assert code == 0, err
    assert "Beside the spine at the waist" in out and "Total 1" in out
    assert re.search(r"count\s+100", out)


def test_show_json_is_one_object_and_options_apply() -> None:
    code, out, _ = run("show", "back-pain", "--estimate", "--json", "--profile", "full", "--count-interval", "1.5")
    assert code == 0
    data = json.loads(out)
    counts = [e for e in data["events"] if e["cue"] == "count"]
    assert counts[1]["start_s"] - counts[0]["start_s"] == pytest.approx(1.5)
    assert len([e for e in data["events"] if e["cue"] == "tap"]) == 15
    assert data["settings"]["profile"] == "full"


def test_faster_rate_shortens_speech() -> None:
    slow = json.loads(run("show", "back-pain", "--estimate", "--json", "--rate", "150")[1])
    fast = json.loads(run("show", "back-pain", "--estimate", "--json", "--rate", "220")[1])
    assert fast["total_s"] < slow["total_s"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["show", "back-pain", "--profile", "long"],
            "--profile must be one of short, standard, full",
        ),
        (["show", "back-pain", "--count-interval", "0"], "--count-interval must be between"),
        (["show", "back-pain", "--rate", "5000"], "--rate must be between"),
        (["render", "back-pain", "--format", "ogg"], "--format must be one of"),
        (["render", "back-pain", "--bitrate", "65"], "--bitrate must be one of"),
    ],
)
def test_bad_options_are_one_line_exit_2(args: list[str], message: str) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err


def test_validate_checks_every_profile(tmp_path: Path) -> None:
    code, out, _ = run("validate", "back-pain", str(DATA / "cases" / "minimal.yaml"))
    assert code == 0 and "back-pain: ok (5 sections)" in out
    too_fast = tmp_path / "fast.yaml"
    too_fast.write_text(
        "voiceguide: 1\ntitle: x\nsections:\n  - {id: a, title: A, steps: [{tap: {times: [2, 25], interval: 0.6}}]}\n"
    )
    code, _, err = run("validate", str(too_fast))
    assert code == 2 and "(full profile)" in err and "takes" in err


def test_list_shows_builtins() -> None:
    code, out, _ = run("list")
    assert code == 0 and out.startswith("back-pain") and "5 sections" in out


def test_schema_is_json_schema_that_names_the_steps() -> None:
    code, out, _ = run("schema")
    schema = json.loads(out)
    assert code == 0 and schema["title"] == "voiceguide routine"
    assert {"say", "hold", "tap", "cycle", "repeat", "pause", "chime"} <= set(
        json.dumps(schema["$defs"]).replace('"', " ").split()
    )


def test_new_writes_a_starter_that_validates_and_does_not_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    assert run("new", str(target))[0] == 0
    assert "voiceguide validate mine.yaml" in target.read_text()
    assert run("validate", str(target))[0] == 0
    target.write_text("mine")
    code, _, err = run("new", str(target))
    assert code == 2 and "already exists" in err and target.read_text() == "mine"
    assert run("new", str(target), "--force")[0] == 0 and target.read_text() != "mine"


def test_new_into_missing_folder(tmp_path: Path) -> None:
    code, _, err = run("new", str(tmp_path / "nope" / "x.yaml"))
    assert code == 2 and "no such folder" in err


def commands() -> list[str]:
    from typer.main import get_command

    return sorted(get_command(app).commands)  # type: ignore[attr-defined]


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    assert commands(), "no commands found"
    for name in commands():
        code, out, _ = run(name, "--help")
        assert code == 0 and len(out) > 80, name
        assert f"voiceguide {name}" in readme, f"README does not show `voiceguide {name}`"


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("voiceguide ")

"""The command line: show, validate, list, schema, new; and the README documents every command."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
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
            "--profile': must be one of short, standard, full",
        ),
        (["show", "back-pain", "--count-interval", "0"], "--count-interval': must be between"),
        (["show", "back-pain", "--rate", "5000"], "--rate': must be between"),
        (["render", "back-pain", "--format", "ogg"], "'--format' / '-f': must be one of mp3, m4b, wav, not 'ogg'"),
        (["render", "back-pain", "-o", "x.ogg"], "x.ogg: voiceguide writes .mp3, .m4b, .wav files, not .ogg"),
        (["render", "back-pain", "-o", "x.m4b", "-f", "mp3"], "x.m4b: the name says m4b but --format says mp3"),
        (["show", "back-pain", "--only", ","], "--only needs at least one section id"),
        (["show", "back-pain", "--from", "elbows"], "--from: no section 'elbows'"),
        (["show", "back-pain", "--from", "ankles:up"], "--from ankles:up: the side after ':' is left or right"),
        (["render", "back-pain", "--only", "elbows"], "--only: no section 'elbows'"),
        (["render", "back-pain", "--bitrate", "65"], "--bitrate': must be one of"),
    ],
)
def test_bad_options_are_one_line_exit_2(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a render's default output (audio_out/) must not exist already
    code, _, err = run(*args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err


FAST_TAPS = (
    "voiceguide: 1\ntitle: x\nsections:\n  - {id: a, title: A, steps: [{tap: {times: [2, 25], interval: 0.6}}]}\n"
)


@pytest.mark.slow  # every profile of the built-in routine, spoken
def test_validate_checks_every_profile_and_reports_every_file(tmp_path: Path) -> None:
    too_fast = tmp_path / "fast.yaml"
    too_fast.write_text(FAST_TAPS)
    broken = tmp_path / "broken.yaml"
    broken.write_text("voiceguide: 1\ntitle: x\n")
    minimal = str(DATA / "cases" / "minimal.yaml")
    code, out, err = run("validate", "back-pain", str(too_fast), str(broken), minimal)
    assert code == 2  # bad input among them
    assert out.splitlines()[0].startswith("back-pain: ok (5 sections; short ")
    assert out.splitlines()[1].startswith(f"{minimal}: ok (1 section; ")  # checked after the failures
    assert f"{too_fast} (full profile):" in err and "needs" in err  # short (2 taps) fits, full (25) does not
    assert f"{broken}:" in err and "missing required key 'sections'" in err
    code, out, err = run("validate", str(too_fast), "--profile", "short")
    assert code == 0 and "short " in out and "full" not in out, err


def test_validate_and_render_agree_because_both_use_the_real_voice(tmp_path: Path) -> None:
    routine = tmp_path / "r.yaml"
    routine.write_text(FAST_TAPS)
    code, out, err = run("validate", str(routine), "--profile", "short")
    assert code == 0, err
    # validate made and cached the voice's clips: the cue sheet now reads the real lengths,
    # and its total is the length validate reported.
    _, sheet, _ = run("show", str(routine), "--profile", "short")
    assert "speech lengths measured" in sheet
    assert out.split("short ")[1].rstrip(")\n") == sheet.strip().splitlines()[-1].removeprefix("Total ")
    _, _, validate_err = run("validate", str(routine), "--profile", "full")
    _, _, render_err = run("render", str(routine), "--profile", "full", "-o", str(tmp_path / "x.wav"))
    failure = validate_err.strip().splitlines()[-1]
    assert failure.startswith("voiceguide: error: ") and "needs" in failure and "--fit" in failure
    assert failure == render_err.strip().splitlines()[-1]  # the same failure, word for word
    assert not (tmp_path / "x.wav").exists()


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


def test_new_makes_missing_folders_but_not_through_a_file(tmp_path: Path) -> None:
    code, _, err = run("new", str(tmp_path / "new" / "dir" / "x.yaml"))
    assert code == 0 and (tmp_path / "new" / "dir" / "x.yaml").is_file(), err
    (tmp_path / "afile").write_text("x")
    code, _, err = run("new", str(tmp_path / "afile" / "x.yaml"))
    assert code == 2 and "afile: is a file" in err


def test_help_pages_read_as_prose() -> None:
    for name in ["", *commands()]:
        code, out, _ = run(*([name] if name else []), "--help")
        assert code == 0
        assert not re.search(r"<\w+(\[\w+\])?>", out), f"a type label in `voiceguide {name} --help`:\n{out}"
        assert "{" not in out.split("Usage:")[1].splitlines()[0], out


def test_exit_statuses_are_documented() -> None:
    from voiceguide.errors import ExitStatus

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Exit status")[1].split("\n## ")[0]
    for status in ExitStatus:
        assert re.search(rf"^\| {status.value} \|", section, re.MULTILINE), f"exit status {status.value} undocumented"


def test_the_built_in_routines_length_is_one_number() -> None:
    code, out, _ = run("list")
    minutes = re.search(r"back-pain .* about (\d+) minutes", out)
    assert code == 0 and minutes
    readme = (ROOT / "README.md").read_text()
    stated = set(re.findall(r"[Aa]bout\s+(\d+)\s+minutes", readme))
    assert stated == {minutes.group(1)}, stated


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


def _voiceguide(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voiceguide", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_voiceguide_debug_puts_the_traceback_behind_the_one_line_error(tmp_path: Path) -> None:
    plain = _voiceguide("show", str(tmp_path / "missing.yaml"), env={"VOICEGUIDE_DEBUG": "0"})
    debug = _voiceguide("show", str(tmp_path / "missing.yaml"), env={"VOICEGUIDE_DEBUG": "1"})
    assert plain.returncode == debug.returncode == 2
    assert len(plain.stderr.splitlines()) == 1 and plain.stderr.startswith("voiceguide: error: ")
    assert "Traceback (most recent call last)" in debug.stderr and "RoutineError" in debug.stderr
    assert debug.stderr.splitlines()[-1] == plain.stderr.strip()  # the same line, last


def test_voiceguide_debug_shows_what_a_speech_worker_printed(tmp_path: Path) -> None:
    """A worker's own traceback, which without it goes nowhere (its phrase is retried once in a
    fresh worker, so both runs succeed)."""
    routine = tmp_path / "r.yaml"
    routine.write_text("voiceguide: 1\ntitle: x\nsections:\n  - {id: a, title: A, steps: [{say: Press gently.}]}\n")
    runs = {}
    for debug in ("0", "1"):
        fault = f"raise:{tmp_path / f'marker-{debug}'}:Press gently."
        env = {
            "VOICEGUIDE_DEBUG": debug,
            "VOICEGUIDE_WORKER_FAULT": fault,
            "VOICEGUIDE_CACHE_DIR": str(tmp_path / debug),
        }
        runs[debug] = _voiceguide(
            "render", str(routine), "--engine", "espeak", "-o", str(tmp_path / f"{debug}.wav"), env=env
        )
        assert runs[debug].returncode == 0, runs[debug].stderr
        assert (tmp_path / f"marker-{debug}").exists()  # the fault happened
    assert "a fault injected" not in runs["0"].stderr
    assert "Traceback (most recent call last)" in runs["1"].stderr
    assert "RuntimeError: a fault injected on 'Press gently.'" in runs["1"].stderr

"""scripts/bootstrap.sh, run for real on a small stand-in project: it sets up from nothing,
changes nothing the second time, rebuilds a .venv left half-made, and says in one line which
step failed and why."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

pytestmark = pytest.mark.slow  # a real venv, and pip

STAND_IN = """\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "voiceguide-stand-in"
version = "0"
dependencies = [{dependencies}]

[project.scripts]
voiceguide = "stand_in:main"
"""


def project(tmp_path: Path, dependencies: str = "") -> Path:
    """A project with voiceguide's bootstrap script and a package of one module."""
    root = tmp_path / "project"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", root / "scripts")
    (root / "pyproject.toml").write_text(STAND_IN.format(dependencies=dependencies))
    (root / "stand_in.py").write_text("def main():\n    print('stand-in')\n")
    return root


def bootstrap(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "VENV")}
    return subprocess.run(
        ["bash", str(root / "scripts" / "bootstrap.sh"), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )


def test_sets_up_from_nothing_then_changes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = bootstrap(root)
    assert first.returncode == 0, first.stderr
    assert "creating .venv" in first.stderr and "installing voiceguide[piper]" in first.stderr
    assert (
        subprocess.run([root / ".venv" / "bin" / "voiceguide"], capture_output=True, text=True, timeout=120).stdout
        == "stand-in\n"
    )
    again = bootstrap(root)
    assert again.returncode == 0 and again.stderr == ""  # nothing to do, nothing said
    tests = bootstrap(root, "--test")  # the test extras are more: installed once more
    assert tests.returncode == 0 and "installing voiceguide[piper,test]" in tests.stderr
    assert bootstrap(root).stderr == ""  # ...and they include what `make run` needs


def test_a_half_made_venv_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / ".venv" / "bin").mkdir(parents=True)  # as an interrupted `python -m venv` leaves it
    result = bootstrap(root)
    assert result.returncode == 0, result.stderr
    assert "rebuilding .venv (an earlier run left it unfinished)" in result.stderr
    assert (root / ".venv" / "bin" / "voiceguide").exists()


def test_a_failing_step_says_which_and_why_in_one_line(tmp_path: Path) -> None:
    root = project(tmp_path, dependencies='"voiceguide-no-such-package-anywhere==0.0.1"')
    result = bootstrap(root)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("bootstrap: pip could not install voiceguide[piper]: ")
    assert "voiceguide-no-such-package-anywhere" in last and "run this again" in last
    assert not (root / ".venv" / ".voiceguide-installed").exists()  # not marked as installed
    fixed = project(tmp_path / "fixed")
    shutil.copytree(root / ".venv", fixed / ".venv", symlinks=True)
    assert bootstrap(fixed).returncode == 0  # fixed, the same command finishes the job


def test_an_unknown_option_is_refused(tmp_path: Path) -> None:
    result = bootstrap(project(tmp_path), "--tests")
    assert result.returncode == 2 and "unknown option --tests" in result.stderr

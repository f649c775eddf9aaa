"""Every command line in the README's sh blocks is run: the `voiceguide` examples here, one
after the other in a fresh folder; the set-up and development commands by CI (`.ci/run`) or by
a named test, which this file checks exists."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import needs_audio_tools

ROOT = Path(__file__).parent.parent
SHARE_PROBE = Path(__file__).parent / "share_probe.py"

RUN_ELSEWHERE = {
    "make run": ".ci/run",
    "make test": ".ci/run",
    "make check": ".ci/run",
    "make lint": ".ci/run",
    "make bench": "tests/test_dev_commands.py::test_make_bench_runs_every_benchmark",
    "scripts/soak.sh 10": "tests/test_dev_commands.py::test_soak_names_each_rounds_failures",
    ".venv/bin/python scripts/docs_pictures.py": "tests/test_dev_commands.py::test_the_readme_pictures_are_drawn",
    ".venv/bin/pytest --regen-golden": "tests/test_dev_commands.py::test_regen_golden_rewrites_nothing_on_a_clean_tree",
    ".venv/bin/python scripts/screenshot_share.py": "tests/test_dev_commands.py::test_the_share_screenshot_is_taken",
    ".venv/bin/python scripts/screenshot_publish.py": "tests/test_dev_commands.py::"
    "test_the_published_page_screenshot_is_taken",
    "python3 -m http.server -d site 8000": "tests/test_publish.py::"
    "test_the_published_page_keeps_itself_and_plays_and_seeks_with_the_server_gone",
}
"""README commands that are not `voiceguide` examples, and what runs them."""

NULL_DEVICE_RC = 'pcm.!default { type file; slave.pcm { type null }; file "/dev/null"; format "raw" }\n'
"""An ALSA device with no clock: `play` examples run through it in seconds, not minutes."""


def readme_commands() -> list[str]:
    """Every command line of the README's sh blocks, in order, comments dropped."""
    readme = (ROOT / "README.md").read_text()
    lines: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", readme, re.S):
        for line in block.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command:
                lines.append(command)
    return lines


def example_commands() -> list[str]:
    return [c for c in readme_commands() if c.startswith("voiceguide ")]


def ci_commands() -> list[str]:
    return [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]


def test_the_readme_has_examples_of_each_kind() -> None:
    commands = example_commands()
    for kind in ("render", "play", "share", "publish", "show", "validate", "voices"):
        assert any(c.startswith(f"voiceguide {kind}") for c in commands), kind
    assert any(c.startswith("voiceguide new my.yaml") for c in commands)


def test_every_readme_command_is_run_by_a_test_or_by_ci() -> None:
    ci = ci_commands()
    for command in readme_commands():
        if command.startswith("voiceguide "):
            continue  # test_readme_examples_run_one_after_the_other
        where = RUN_ELSEWHERE.get(command)
        assert where is not None, f"the README's {command!r} is run by no test and not by .ci/run"
        if where == ".ci/run":
            assert command in ci, f"the README's {command!r} is not in .ci/run"
        else:
            path, name = where.split("::")
            assert f"def {name}(" in (ROOT / path).read_text(), f"{where} (for {command!r}) does not exist"
    # And in the README's order: what a new user runs first, CI runs first.
    order = [c for c in readme_commands() if c in ci]
    assert [c for c in ci if c in order] == list(dict.fromkeys(order))


def share_in_private_network(command: str, cwd: Path, env: dict[str, str]) -> dict[str, object]:
    """Run a `share` example in a network namespace of its own, where only loopback exists, so
    it serves on 127.0.0.1 and the probe's requests stay on this machine."""
    wrapped = ["unshare", "--net", "bash", "-c", 'ip link set lo up && exec "$@"', "-"]
    result = subprocess.run(
        [*wrapped, sys.executable, str(SHARE_PROBE), command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{command}: the probe failed\n{result.stderr}"
    return json.loads(result.stdout)


def can_make_a_network_namespace() -> bool:
    if not shutil.which("unshare") or not shutil.which("ip"):
        return False
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.slow
@needs_audio_tools
def test_readme_examples_run_one_after_the_other(tmp_path: Path) -> None:
    if not can_make_a_network_namespace() and not os.environ.get("CI"):
        pytest.skip("the share examples need `unshare --net` (root) and ip (iproute2)")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(NULL_DEVICE_RC)
    work = tmp_path / "work"
    work.mkdir()
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "HOME": str(home), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    ran: list[str] = []
    for command in example_commands():
        if command.startswith("voiceguide share"):
            report = share_in_private_network(command, work, env)
            assert report.get("page_status") == 200 and report.get("page_is_html"), (command, report)
            assert report.get("feed_status") == 200 and int(report.get("feed_episodes", 0)) >= 1, (command, report)  # type: ignore[call-overload]
            assert report["returncode"] == 130 and "Traceback" not in str(report["stderr"]), (command, report)
        else:
            result = subprocess.run(
                ["bash", "-c", command],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                stdin=subprocess.DEVNULL,
            )
            assert result.returncode == 0, f"{command}\n{result.stderr}"
            assert "Traceback" not in result.stderr, f"{command}\n{result.stderr}"
        ran.append(command)
    assert ran == example_commands() and len(ran) >= 25
    assert (work / "audio_out" / "back-pain.mp3").is_file() and (home / "Music" / "neck.mp3").is_file()
    assert (work / "back-pain.m4b").is_file() and (work / "routine.schema.json").stat().st_size > 1000

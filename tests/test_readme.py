"""The README's own example commands, run one after the other in a fresh folder, all succeed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import needs_audio_tools

ROOT = Path(__file__).parent.parent


def example_commands() -> list[str]:
    """Every `voiceguide ...` line of the README's sh blocks, in order, comments dropped."""
    readme = (ROOT / "README.md").read_text()
    lines: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", readme, re.S):
        for line in block.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command.startswith("voiceguide "):
                lines.append(command)
    return lines


def test_the_readme_has_examples_of_each_kind() -> None:
    commands = example_commands()
    assert any(c.startswith("voiceguide render") for c in commands)
    assert any(c.startswith("voiceguide new my.yaml") for c in commands)


@needs_audio_tools
def test_readme_examples_run_one_after_the_other(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "HOME": str(home), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    ran = 0
    for command in example_commands():
        if command.startswith(("voiceguide play", "voiceguide share")):
            continue  # they last minutes by design; tests/test_live.py and test_share.py run them
        result = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{command}\n{result.stderr}"
        ran += 1
    assert ran >= 15
    assert (work / "audio_out" / "back-pain.mp3").is_file() and (home / "Music" / "neck.mp3").is_file()
    assert (work / "back-pain.m4b").is_file() and (work / "routine.schema.json").stat().st_size > 1000

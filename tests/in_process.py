"""The command line run inside the test process, as httpie's tests run theirs: the same
commands, options and error handling as `python -m voiceguide`, with the environment, the
working folder and the streams given to it, and no new interpreter to start.

What only a process has stays in subprocess tests: Ctrl-C and its exit status 130, the
entry point's own handling, a sound device's state.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from voiceguide.cli import app


@dataclass(frozen=True)
class Ran:
    """What a command did: its exit status and everything it printed."""

    returncode: int
    stdout: str
    stderr: str


def voiceguide(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Ran:
    """Run `voiceguide ARGS` here, with `env` added to the environment and `cwd` as the
    working folder; a bug's traceback is raised, not turned into an exit status."""
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)

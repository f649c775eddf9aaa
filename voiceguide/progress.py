"""Progress on stderr: a rich bar in a terminal, one plain line per stage elsewhere."""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

STAGE_LABELS = {"speech": "synthesising speech", "mixing": "mixing", "encoding": "encoding"}


class StageProgress:
    """A `Progress` callable for render and play: (stage, done, total). rich is loaded only
    where it may draw (30 ms of a warm render's start, which is mostly imports): on a terminal,
    or where the environment says to treat the output as one (TTY_COMPATIBLE=1, FORCE_COLOR)."""

    def __init__(self) -> None:
        forced = os.environ.get("TTY_COMPATIBLE") == "1" or bool(os.environ.get("FORCE_COLOR"))
        self._bar: Progress | None = _terminal_bar() if sys.stderr.isatty() or forced else None
        self._tasks: dict[str, TaskID] = {}
        self._said: set[str] = set()

    def __enter__(self) -> StageProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        label = STAGE_LABELS.get(stage, stage)
        if self._bar is None:
            if stage not in self._said:
                self._said.add(stage)
                print(f"voiceguide: {label}...", file=sys.stderr, flush=True)
            return
        if stage not in self._tasks:
            self._tasks[stage] = self._bar.add_task(label, total=total)
        self._bar.update(self._tasks[stage], completed=done, total=total)


def _terminal_bar() -> Progress | None:
    """A bar on stderr, or None where rich finds it is no terminal to draw on (TTY_COMPATIBLE=0,
    say)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return None
    return Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )

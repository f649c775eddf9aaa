"""Progress on stderr: a rich bar in a terminal, one plain line per stage elsewhere."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

STAGE_LABELS = {"speech": "synthesising speech", "mixing": "mixing", "encoding": "encoding"}


class StageProgress:
    """A `Progress` callable for render and play: (stage, done, total)."""

    def __init__(self) -> None:
        self._console = Console(stderr=True)
        self._live = self._console.is_terminal
        self._bar = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self._console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> StageProgress:
        if self._live:
            self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live:
            self._bar.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        label = STAGE_LABELS.get(stage, stage)
        if stage not in self._tasks:
            self._tasks[stage] = self._bar.add_task(label, total=total)
            if not self._live:
                print(f"voiceguide: {label}...", file=sys.stderr, flush=True)
        self._bar.update(self._tasks[stage], completed=done, total=total)

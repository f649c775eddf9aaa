"""What `voiceguide play` shows: a live panel in a terminal, or one plain line per cue; and keys."""

from __future__ import annotations

import bisect
import sys
from collections.abc import Callable
from typing import TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.padding import Padding
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.text import Text

from voiceguide.audio.mix import MIX_RATE
from voiceguide.languages import ENGLISH, screen_for
from voiceguide.languages.pack import Screen
from voiceguide.live.player import Position, chapter_at
from voiceguide.timeline.events import INSTRUCTIONS, Cue, Event, Timeline
from voiceguide.times import clock

SEEK_S = 1.0
"""A jump in position larger than this between ticks is a skip, not playback."""

ENGLISH_SCREEN = screen_for(ENGLISH)
"""The words on screen where nobody says which language."""


WAITING_NOTE = "voiceguide: waiting for the voice to catch up (speech is still being made)"
"""Said once each time the track stands still for speech not yet made: what follows is late
by that wait, and only by it."""


class CueLines:
    """One plain line per cue as it is reached (for --quiet, pipes and logs) on `out`, a line
    when it pauses and when it plays on, and a note on `err` each time playing waits for speech."""

    def __init__(self, out: TextIO = sys.stdout, err: TextIO = sys.stderr, words: Screen = ENGLISH_SCREEN) -> None:
        self.out = out
        self.words = words
        self.err = err
        self._printed_until = -1.0
        self._last = 0.0
        self._waiting = False
        self._paused = False

    def __call__(self, position: Position) -> None:
        if position.paused != self._paused:
            self._paused = position.paused
            said = self.words.paused if position.paused else self.words.playing_again
            self.out.write(f"{clock(position.sample / MIX_RATE):>7}  {said}\n")
            self.out.flush()
        if position.waiting and not self._waiting:
            self.err.write(WAITING_NOTE + "\n")
            self.err.flush()
        self._waiting = position.waiting
        t = position.sample / MIX_RATE
        if t < self._last or t - self._last > SEEK_S:  # a skip or restart: say nothing skipped
            self._printed_until = t - 1e-6
        self._last = t
        for e in position.timeline.events:
            if self._printed_until < e.start_s <= t and e.kind == "speech":
                side = f" [{e.side}]" if e.side else ""
                self.out.write(f"{clock(e.start_s):>7}  {e.section}{side}  {e.text}\n")
                self.out.flush()
        self._printed_until = max(self._printed_until, t)


class LivePanel:
    """A rich panel: section and side, the instruction, a bar for the hold, time left."""

    def __init__(
        self,
        console: Console,
        note: Callable[[], str | None] = lambda: None,
        before: str | None = None,
        words: Screen = ENGLISH_SCREEN,
    ) -> None:
        self.console = console
        self.words = words
        """In the routine's language."""
        self.note = note
        """A line under the status, if any: what the listener heard."""
        self.before = before
        """What is said before the routine's first words (the lead-in, "Starting in 3, 2, 1.")."""
        self.live = Live(console=console, auto_refresh=False, transient=True)
        self._starts: list[int] = []
        self._timeline: Timeline | None = None
        self._size = console.size

    def __enter__(self) -> LivePanel:
        self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.stop()

    def __call__(self, position: Position) -> None:
        timeline = position.timeline
        if timeline is not self._timeline:
            self._timeline, self._starts = timeline, [round(e.start_s * MIX_RATE) for e in timeline.events]
        t = position.sample / MIX_RATE
        here = bisect.bisect_right(self._starts, position.sample)  # in samples, as a skip lands
        past = timeline.events[:here]
        # What to do now: the last instruction said, a cycle's "press" and "release" included.
        said = next((e for e in reversed(past) if e.kind == "speech" and e.cue in INSTRUCTIONS), None)
        counted = next((e for e in reversed(past) if e.n is not None and e.of), None)
        chapter = chapter_at(timeline, position.sample)
        # Nothing is cut, however narrow the terminal: a line too long wraps (the side, last in
        # the title, is what a cut would lose).
        lines: list[object] = [Text(chapter.title, style="bold")]
        if said is not None:
            lines.append(Text(said.text))
        elif self.before and not any(e.kind == "speech" for e in past):
            lines.append(Text(self.before))
        progress = _hold_progress(timeline, position.sample, counted, self.words)
        if progress is not None:
            done, total, label = progress
            # (Padded, the bar ends its line: bare, the state was drawn on the bar's line.)
            lines += [Text(label), Padding(ProgressBar(total=total, completed=done, width=40), 0)]
        words = self.words
        status = words.paused if position.paused else words.waiting if position.waiting else words.playing
        left = max(0.0, timeline.total_s - t)
        state = Text(status, style="bold reverse" if position.paused else "bold")  # the state first
        state.append(f" · {clock(t)} · {words.left.format(time=clock(left))}", style="dim")
        lines.append(state)
        note = self.note()
        if note:
            lines.append(Text(note, style="dim"))
        lines.append(Text(words.keys, style="dim"))
        if self.console.size != self._size:  # resized: what was drawn for the old size is cleared
            self._size = self.console.size
            self.console.clear()
        self.live.update(Panel(Group(*lines), title=timeline.title), refresh=True)  # type: ignore[arg-type]


def _hold_progress(
    timeline: Timeline, sample: int, counted: Event | None, words: Screen
) -> tuple[float, float, str] | None:
    """(done, total, label) for the hold, taps or presses under way at `sample`, if any: from
    the spans the compiler laid out (in samples, as a skip lands)."""
    span = next((s for s in timeline.spans if round(s.start_s * MIX_RATE) <= sample < round(s.end_s * MIX_RATE)), None)
    if span is None:
        return None
    if span.cue == Cue.HOLD:
        t = sample / MIX_RATE
        left = f"{max(0.0, span.end_s - t):.0f}"
        return t - span.start_s, span.end_s - span.start_s, words.seconds_left.format(n=left)
    if counted is not None and counted.of and counted.start_s >= span.start_s:
        return counted.n or 0, counted.of, words.of.format(n=counted.n, of=counted.of)
    return None

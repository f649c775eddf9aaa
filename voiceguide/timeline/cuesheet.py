"""The human-readable cue sheet: what will be said, when, where; section lengths and total."""

from __future__ import annotations

from voiceguide.timeline.events import COUNTED_CUES, Cue, Event, Timeline
from voiceguide.times import clock, minutes_seconds


def format_cue_sheet(timeline: Timeline, *, spoken: bool = False) -> str:
    """The cue sheet as text. Runs of counts show their first and last cue and the step between.
    With `spoken`, each speech cue shows the words the voice is given (numbers as words)."""
    s = timeline.layout
    lines = [
        timeline.title,
        f"profile {s.profile}, counts every {s.count_interval_s:g} s"
        f"{' (stretched to fit the voice where it needs more)' if s.fit else ''}, "
        f"{s.rate_wpm} wpm, speech lengths {s.speech_lengths}",
        "",
    ]
    events = [e for e in timeline.events if e.cue not in (Cue.KNOCK, Cue.TICK)]
    widths = (
        max([len("section"), *(len(e.section) for e in events)]),
        max([len("side"), *(len(e.side or "") for e in events)]),
        max([len("cue"), *(len(e.cue) for e in events)]),
    )
    lines.append(_row("time", "section", "side", "cue", "text", widths))
    i = 0
    while i < len(events):
        run = _counted_run(events, i)
        if len(run) > 2:
            lines.append(_line(run[0], widths, spoken))
            step = run[1].start_s - run[0].start_s
            lines.append(_row("", "", "", "", f"... {run[1].n} to {run[-2].n}, every {step:g} s", widths))
            lines.append(_line(run[-1], widths, spoken))
            i += len(run)
        else:
            lines.append(_line(events[i], widths, spoken))
            i += 1
    lines += ["", "Chapters"]
    for c in timeline.chapters:
        lines.append(f"{clock(c.start_s):>7}  {c.title:<48} {minutes_seconds(c.end_s - c.start_s):>6}")
    lines += ["", f"Total {minutes_seconds(timeline.total_s)}"]
    return "\n".join(lines) + "\n"


def _counted_run(events: list[Event], i: int) -> list[Event]:
    """The run of counted cues of one kind starting at i (pairs of press/release count once)."""
    first = events[i]
    if first.cue not in COUNTED_CUES or first.n != 1 or first.cue in (Cue.PRESS, Cue.RELEASE):
        return [first]
    run = [first]
    for e in events[i + 1 :]:
        if e.cue != first.cue or e.n != run[-1].n + 1:  # type: ignore[operator]
            break
        run.append(e)
    return run


def _row(time: str, section: str, side: str, cue: str, text: str, widths: tuple[int, int, int]) -> str:
    return f"{time:>7}  {section:<{widths[0]}}  {side:<{widths[1]}}  {cue:<{widths[2]}}  {text}".rstrip()


def _line(e: Event, widths: tuple[int, int, int], spoken: bool = False) -> str:
    text = f"[{e.text}]" if e.kind != "speech" else (e.spoken or e.text) if spoken else e.text
    if e.kind == "silence":
        text = f"[{e.text}, {e.duration_s:g} s]"
    return _row(clock(e.start_s), e.section, e.side or "", e.cue, text, widths)

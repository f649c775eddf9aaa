"""The human-readable cue sheet: what will be said, when, where; section lengths and total."""

from __future__ import annotations

from voiceguide.timeline import COUNTED_CUES, Event, Timeline


def clock(seconds: float) -> str:
    """m:ss.s, the cue sheet's time format."""
    minutes, secs = divmod(round(seconds, 1), 60)
    return f"{int(minutes)}:{secs:04.1f}"


def format_cue_sheet(timeline: Timeline) -> str:
    """The cue sheet as text. Runs of counts show their first and last cue and the step between."""
    s = timeline.settings
    lines = [
        timeline.title,
        f"profile {s['profile']}, counts every {s['count_interval_s']:g} s, "
        f"{s['rate_wpm']} wpm, speech lengths {s['speech_lengths']}",
        "",
        f"{'time':>7}  {'section':<12} {'side':<12} {'cue':<10} text",
    ]
    events = [e for e in timeline.events if e.cue != "knock"]
    i = 0
    while i < len(events):
        run = _counted_run(events, i)
        if len(run) > 2:
            lines.append(_line(run[0]))
            step = run[1].start_s - run[0].start_s
            lines.append(f"{'':>7}  {'':<12} {'':<12} {'':<10} ... {run[1].n} to {run[-2].n}, every {step:g} s")
            lines.append(_line(run[-1]))
            i += len(run)
        else:
            lines.append(_line(events[i]))
            i += 1
    lines += ["", "Chapters"]
    for c in timeline.chapters:
        lines.append(f"{clock(c.start_s):>7}  {c.title:<48} {_length(c.end_s - c.start_s):>6}")
    lines += ["", f"Total {_length(timeline.total_s)}"]
    return "\n".join(lines) + "\n"


def _counted_run(events: list[Event], i: int) -> list[Event]:
    """The run of counted cues of one kind starting at i (pairs of press/release count once)."""
    first = events[i]
    if first.cue not in COUNTED_CUES or first.n != 1 or first.cue in ("press", "release"):
        return [first]
    run = [first]
    for e in events[i + 1 :]:
        if e.cue != first.cue or e.n != run[-1].n + 1:  # type: ignore[operator]
            break
        run.append(e)
    return run


def _line(e: Event) -> str:
    text = f"[{e.text}]" if e.kind != "speech" else e.text
    if e.kind == "silence":
        text = f"[{e.text}, {e.duration_s:g} s]"
    return f"{clock(e.start_s):>7}  {e.section:<12} {e.side or '':<12} {e.cue:<10} {text}"


def _length(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"

"""How times are written for people: the one formatter of minutes and seconds."""

from __future__ import annotations


def minutes_seconds(seconds: float) -> str:
    """`m:ss`, rounded to the second: "13:47"; from an hour, `h:mm:ss` ("5:42:45")."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def clock(seconds: float) -> str:
    """`m:ss.s`, to a tenth of a second: "2:05.3" (cue sheets, the live view)."""
    minutes, secs = divmod(round(seconds, 1), 60)
    return f"{int(minutes)}:{secs:04.1f}"

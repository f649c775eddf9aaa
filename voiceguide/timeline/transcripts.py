"""The transcripts of a timeline: WebVTT (the share page and podcast apps follow it) and LRC
(phones' players show it as lyrics), one cue per spoken phrase, timed to the track."""

from __future__ import annotations

from voiceguide.timeline.events import Timeline


def _vtt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def _lrc_time(seconds: float) -> str:
    cs = round(seconds * 100)
    minutes, cs = divmod(cs, 6000)
    return f"{minutes:02d}:{cs // 100:02d}.{cs % 100:02d}"


def webvtt(timeline: Timeline) -> str:
    """A WebVTT transcript: one cue per spoken phrase, timed to the track."""
    lines = ["WEBVTT", f"NOTE {timeline.title}", ""]
    for i, e in enumerate(timeline.speech(), 1):
        lines += [
            str(i),
            f"{_vtt_time(e.start_s)} --> {_vtt_time(e.end_s)}",
            e.text.replace("-->", "->"),
            "",
        ]
    return "\n".join(lines)


def lrc(timeline: Timeline) -> str:
    """An LRC transcript (players on phones show it as lyrics)."""
    minutes, secs = divmod(round(timeline.total_s), 60)
    lines = [f"[ti:{timeline.title}]", "[by:voiceguide]", f"[length:{minutes:02d}:{secs:02d}]"]
    lines += [f"[{_lrc_time(e.start_s)}]{' '.join(e.text.split())}" for e in timeline.speech()]
    return "\n".join(lines) + "\n"

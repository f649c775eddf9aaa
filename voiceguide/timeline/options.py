"""How to lay a routine out in time: the options every command and both back ends share.

Kept free of heavy imports, so the command line builds them while it parses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from voiceguide.limits import PRE_ROLL_S, Profile

Side = Literal["left", "right"]
SIDES: tuple[Side, Side] = ("left", "right")
"""A left-right section's sides, in the order they are played (and its chapters' id suffixes)."""


@dataclass(frozen=True)
class CompileOptions:
    """How to lay a routine out in time; None means "the routine's own setting"."""

    profile: Profile = "standard"
    """Resolves ranges: short takes the low end, standard the middle, full the high end."""
    count_interval_s: float | None = None
    rate_wpm: int | None = None
    get_ready_s: float | None = None
    speech_gap_s: float = 0.5
    """Quiet after each spoken sentence before the next thing starts."""
    section_ids: tuple[str, ...] | None = None
    """Only these sections (in routine order), or all of them; the intro and closing stay."""
    from_section: str | None = None
    """Start at this section (no intro) and go on to the end."""
    from_side: Side | None = None
    """Start the first section at this side (of a `sides: left-right` section): a run stopped
    on the right side picks up there, not at the left one again."""
    count_ticks: bool = False
    """A quiet tick under each spoken count."""
    fit: bool = False
    """Stretch each counted step (counts, taps, a cycle's press and release) so its longest cue
    fits the voice, for a slower --rate; without it, one that does not fit is an error."""
    pre_roll_s: float = PRE_ROLL_S
    """Quiet at the very start, before the first sound, so Bluetooth headphones wake before the
    voice (a rendered file's pre-roll; `play` plays it again after each pause)."""
    speech_source: str = "estimated from the speech rate"
    """Recorded in the timeline's settings so a reader knows which lengths were used."""

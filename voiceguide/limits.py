"""The numbers every part of voiceguide agrees on: profiles, option ranges, the track's sample rate.

Kept free of imports, so the command line and the quick start can read it at no cost.
"""

from __future__ import annotations

from typing import Literal

Profile = Literal["short", "standard", "full"]
PROFILES: tuple[Profile, ...] = ("short", "standard", "full")
"""How ranges resolve: the low end, the middle, the high end."""

RATE_WPM = (80, 400)
"""Speech rates a voice can take, words per minute (lowest, highest)."""
DEFAULT_RATE_WPM = 170
COUNT_INTERVAL_S = (0.3, 60.0)
"""Seconds between spoken counts (lowest, highest)."""
DEFAULT_COUNT_INTERVAL_S = 1.2

SAMPLE_RATE = 44100
"""Every track is mixed, played and encoded at this rate: 44.1 kHz MPEG-1 MP3s play at their
true length on every phone (22.05 kHz ones have shown at twice their length on some)."""
CHAPTER_GRID = 2304
"""Every chapter after the first starts on a multiple of this many samples (52 ms): two MP3
frames, and nine of the mix's limiter blocks. A chapter whose own sounds did not change then
mixes and encodes to the same bytes wherever an edit before it moves it, so a render encodes
only the chapters an edit touched (render/encode.py)."""
CHAPTER_QUIET_S = 0.2
"""And has at least this much quiet before it, where the track can be cut into parts."""
MP3_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
"""The bit rates, kbit/s, that an MPEG-1 Layer III stream can have."""
BITRATE_KBPS = 64
"""A rendered track's bit rate unless told otherwise: speech at 64 kbit/s mono is clear, and
the built-in routine's quarter of an hour is 7 MB on the phone."""

SHARE_PORT = 8642
"""`share` listens here unless told otherwise: a fixed port keeps a podcast app's feed address
the same from one day to the next."""
MAX_SHARE_MINUTES = 24 * 60.0

AUTO_ENGINE = "auto"
"""The engine choice that means: the best voice installed for the routine's language."""

PRE_ROLL_S = 0.75
"""Quiet before the first sound: live, when the sound starts (a pause keeps the device playing
quiet, so a resume needs only what is left of it); in a rendered file, at its start. A
Bluetooth link asleep when idle wakes on the first samples and drops them; a sound server also
drops the first half second of a new stream at high latency (measured through PulseAudio at
200 ms: 0.52 s lost)."""
PRE_ROLL_RANGE_S = (0.0, 5.0)

MAX_PICTURE_BYTES = 8_000_000
"""A routine's own picture file may be this big: a phone photo fits, and ten chapters of them
keep the MP3's tag a size players read."""
PICTURE_PIXELS = 800
"""The longer side of a picture as it goes into a chapter and onto the phone page: sharp on a
phone, and ten of them add well under a megabyte to the MP3."""

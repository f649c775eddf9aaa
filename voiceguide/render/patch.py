"""A stretch of an encoded MP3 part made again, lowered, and put in place of the frames that
held it, so a part that overshoots its ceiling in one place is not encoded again whole.

A part is one bare MPEG-1 Layer III stream (no tag, no Xing header) that LAME made from whole
1152-sample frames. Frame `j` of it decodes to the samples `decoded_from + j * 1152` on.
Frames are not independent of one another, in three ways:

- a frame's main data may begin up to 511 bytes back, in the frames before it (the bit
  reservoir);
- each granule's inverse transform overlaps the next granule by half a granule;
- the synthesis filterbank carries the last 512 samples' worth of state.

A frame whose granules carry no bits (`part2_3_length` 0: every spectral value zero) reads
nothing from the reservoir and hands nothing on to the frame after it; it decodes to what
the frame before it handed on, so the second of two such frames decodes to silence and
leaves the decoder as a fresh one is. So frames `[p, k)` of a stream can be swapped for a
stream of their own, `k - p` frames made from the same stretch of samples, where frames
`p - 2 .. p` of the old stream and the last two frames of the new one are silent, frames
`k - 2`, `k - 1` are silent, and no frame from `k` on reaches back before `k` for its main
data. Every sample outside the stretch then decodes as it did (to the bit with ffmpeg's
float decoder, within one step with its fixed-point one, which carries its rounding from
sample to sample), and the stretch as the new stream does on its own: `tests/test_patch.py`.
LAME turns `n` samples (whole frames) into `n / 1152 + 1` frames, its delay of 1105 samples
in front: frame `p` of the part decodes from the part's sample `start - 1105 + p * 1152`, so
the new stream is made from the `(k - p - 1) * 1152` samples from `start + p * 1152` on, its
own delay filling the 1105 before them (quiet, as frame `p` was).

Where the frames around a stretch are not silent (a part without quiet in it), or the new
stream does not come out as planned, there is no patch: the part is encoded again whole, as
an M4B or an MP3 too short to be cut into parts always is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

FRAME_SAMPLES = 1152
"""Samples a Layer III frame decodes to (MPEG-1)."""
_BIT_RATES_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_SAMPLE_RATES = (44100, 48000, 32000)
_GRANULE_BITS = 59
"""Side information for one granule of one channel; `part2_3_length` is its first 12 bits."""
SPREAD_FRAMES = 1
"""A sample's sound is spread over the frame that holds it and this many either side (the
transform's window): a stretch made again reaches that much past the samples that must change."""


@dataclass(frozen=True)
class Frames:
    """The frames of a bare MPEG-1 Layer III stream: where each begins, and what it needs of
    the frames before it."""

    starts: np.ndarray
    """Each frame's first byte, and the stream's length after the last."""
    silent: np.ndarray
    """The frame carries no bits of sound (no granule has any): it decodes to what the frame
    before it leaves over, and leaves nothing over itself."""
    data_from: np.ndarray
    """Where each frame's main data begins, counted in the main-data bytes of the whole stream."""
    data_before: np.ndarray
    """How many main-data bytes the frames before each one hold."""

    @property
    def count(self) -> int:
        return int(self.silent.size)

    def all_silent(self, first: int, stop: int) -> bool:
        """Whether frames `first .. stop - 1` (those of them that exist) are silent."""
        return bool(self.silent[max(0, first) : max(0, stop)].all())

    def may_end_before(self, frame: int) -> bool:
        """Whether frames from `frame` on may be replaced: the stream decodes to silence there
        and leaves the decoder as it found it."""
        return self.all_silent(frame - 2, frame + 1)

    def may_resume_at(self, frame: int) -> bool:
        """Whether frames from `frame` on decode alike after any stream that ends in two silent
        frames: the two before it are silent, and none from it on reads main data from before it."""
        if frame >= self.count:
            return True
        if not self.all_silent(frame - 2, frame):
            return False
        sounding = ~self.silent[frame:]
        return bool((self.data_from[frame:][sounding] >= self.data_before[frame]).all())


def read_frames(stream: bytes) -> Frames | None:
    """The stream's frames; None unless it is wholly MPEG-1 Layer III frames, as LAME writes a
    bare stream."""
    starts, silent, data_from, data_before = [], [], [], []
    at, main_bytes = 0, 0
    while at < len(stream):
        if at + 4 > len(stream):
            return None
        header = int.from_bytes(stream[at : at + 4], "big")
        sync, version, layer = header >> 21, (header >> 19) & 3, (header >> 17) & 3
        rate_index, bit_rate_index = (header >> 10) & 3, (header >> 12) & 15
        if sync != 0x7FF or version != 3 or layer != 1 or rate_index == 3 or bit_rate_index in (0, 15):
            return None  # not MPEG-1 Layer III, or a free-format or bad bit rate
        protected = not (header >> 16) & 1
        size = 144_000 * _BIT_RATES_KBPS[bit_rate_index] // _SAMPLE_RATES[rate_index] + ((header >> 9) & 1)
        channels = 1 if (header >> 6) & 3 == 3 else 2
        side_bytes = 17 if channels == 1 else 32
        side_at = at + 4 + (2 if protected else 0)
        if at + size > len(stream) or side_at + side_bytes > at + size:
            return None
        side = int.from_bytes(stream[side_at : side_at + side_bytes], "big")
        side_bits = 8 * side_bytes
        granules_at = 18 if channels == 1 else 20  # main_data_begin, private bits, scfsi
        lengths = [(side >> (side_bits - granules_at - n * _GRANULE_BITS - 12)) & 0xFFF for n in range(2 * channels)]
        starts.append(at)
        silent.append(not any(lengths))
        data_from.append(main_bytes - (side >> (side_bits - 9)))
        data_before.append(main_bytes)
        main_bytes += at + size - side_at - side_bytes
        at += size
    starts.append(at)
    return Frames(
        np.array(starts, dtype=np.int64),
        np.array(silent, dtype=bool),
        np.array(data_from, dtype=np.int64),
        np.array(data_before, dtype=np.int64),
    )


def stretches(frames: Frames, sample_spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]] | None:
    """The frames `[p, k)` to make again so that every sample in `sample_spans` (counted from the
    stream's first decoded sample) is made again, each stretch between places the stream may
    be cut (`Frames.may_end_before`, `Frames.may_resume_at`), stretches that meet joined; None
    where some span has no such place around it."""
    found: list[tuple[int, int]] = []
    for first_sample, stop_sample in sorted(sample_spans):
        first = max(0, first_sample // FRAME_SAMPLES - SPREAD_FRAMES)
        last = min(frames.count - 1, (stop_sample - 1) // FRAME_SAMPLES + SPREAD_FRAMES)
        begin = next((p for p in range(first, -1, -1) if frames.may_end_before(p)), None)
        end = next((k for k in range(last + 1, frames.count + 1) if frames.may_resume_at(k)), None)
        if begin is None or end is None:
            return None
        if found and begin <= found[-1][1] + 2:  # too close to cut between: one stretch
            found[-1] = (found[-1][0], max(found[-1][1], end))
        else:
            found.append((begin, end))
    return found


def fits(frames: Frames, stretch: tuple[int, int], made: Frames) -> bool:
    """Whether `made`, a stream made for frames `stretch` of `frames`, can take their place: as
    many frames, the last two silent."""
    begin, end = stretch
    return made.count == end - begin and made.all_silent(made.count - 2, made.count)


def spliced(stream: bytes, frames: Frames, made: Iterable[tuple[tuple[int, int], bytes]]) -> bytes:
    """`stream` with each stretch of its frames replaced by the stream made for it."""
    pieces, at = [], 0
    for (begin, end), replacement in sorted(made, key=lambda item: item[0]):
        pieces += [stream[at : frames.starts[begin]], replacement]
        at = int(frames.starts[end])
    pieces.append(stream[at:])
    return b"".join(pieces)

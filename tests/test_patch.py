"""A stretch of an MP3 part made again and spliced in (render/patch.py): where it may be cut,
and that the spliced stream decodes as the two streams it is made of, to the sample."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from voiceguide.audio.mix import MIX_RATE
from voiceguide.render.encode import (
    BARE_STREAM,
    MP3_ENCODER_DELAY,
    PEAK_BLOCK,
    Encoding,
    Part,
    PcmBuffer,
    _encode_part,
    _Encoders,
    _Lowering,
)
from voiceguide.render.patch import FRAME_SAMPLES, Frames, fits, read_frames, spliced, stretches

from conftest import needs_audio_tools


def frames_of(silent: str, data_from: list[int] | None = None) -> Frames:
    """Frames by hand: "." silent, "#" sounding; each holds 100 bytes of main data, and reads its
    own from where `data_from` says (default: its own first byte)."""
    count = len(silent)
    before = np.arange(count, dtype=np.int64) * 100
    return Frames(
        starts=np.arange(count + 1, dtype=np.int64) * 120,
        silent=np.array([c == "." for c in silent]),
        data_from=np.array(data_from if data_from is not None else before, dtype=np.int64),
        data_before=before,
    )


def f(frame: int, samples: int = FRAME_SAMPLES) -> tuple[int, int]:
    """A span of samples from the start of a frame."""
    return frame * FRAME_SAMPLES, frame * FRAME_SAMPLES + samples


def test_a_stretch_is_cut_where_the_frames_around_it_are_silent() -> None:
    frames = frames_of("...##..#####...##...")
    # Samples in frame 9, a frame's spread either side (8..10): cut before frame 2 (0..2
    # silent) and resumed at 14 (12, 13 silent).
    assert stretches(frames, [f(9)]) == [(2, 14)]
    # The stream's first and last frames are places to cut too.
    assert stretches(frames, [f(1, 1), f(18, 5)]) == [(0, 3), (14, 20)]
    # Stretches that meet are one.
    assert stretches(frames, [f(3), f(8)]) == [(2, 14)]


def test_no_stretch_where_there_is_no_quiet_before_it() -> None:
    assert stretches(frames_of("##########...."), [f(3)]) is None
    assert stretches(frames_of("....##########"), [f(9)]) == [(3, 14)]  # on to the stream's end


def test_a_frame_that_reads_main_data_from_before_the_cut_keeps_the_cut_away() -> None:
    layout = "..##.......#...#...."
    assert stretches(frames_of(layout), [f(11)]) == [(10, 14)]
    # Frame 15 reads its main data from frame 12's bytes: resuming at 14 or 15 would hand it
    # the new stream's bytes instead, so the stretch runs on to the next place (18).
    data_from = [n * 100 for n in range(len(layout))]
    data_from[15] = 1250
    frames = frames_of(layout, data_from)
    assert not frames.may_resume_at(14) and not frames.may_resume_at(15) and frames.may_resume_at(18)
    assert stretches(frames, [f(11)]) == [(10, 18)]
    assert stretches(frames, [f(3)]) == [(1, 6)]  # before it, nothing changes


def test_something_that_is_not_a_bare_layer_iii_stream_is_not_read() -> None:
    assert read_frames(b"ID3\x04\x00" + bytes(100)) is None
    assert read_frames(bytes(300)) is None


def chirps(seed: int) -> np.ndarray:
    """Sounds a quarter second to a second and a half long, quiet between them."""
    rng = np.random.default_rng(seed)
    pieces = [np.zeros(MIX_RATE)]
    for _ in range(8):
        t = np.arange(int(MIX_RATE * rng.uniform(0.5, 1.5))) / MIX_RATE
        sound = np.sin(2 * np.pi * rng.uniform(200, 900) * t) * 0.5 + rng.normal(0, 0.05, t.size)
        pieces += [sound * np.hanning(t.size), np.zeros(int(MIX_RATE * rng.uniform(0.2, 0.6)))]
    pieces.append(np.zeros(MIX_RATE))
    return np.concatenate(pieces)


def decoded(path: Path, decoder: str) -> np.ndarray:
    """Every sample the stream decodes to (a bare stream: the encoder's delay too), mono."""
    command = ["ffmpeg", "-v", "error", "-c:a", decoder, "-i", str(path), "-ac", "1", "-f", "s16le", "-"]
    return np.frombuffer(subprocess.run(command, capture_output=True, check=True).stdout, "<i2").astype(np.int32)


@needs_audio_tools
@pytest.mark.parametrize(("bitrate", "channels"), [(64, 1), (32, 1), (64, 2)])
def test_a_spliced_stream_decodes_as_the_part_outside_the_stretches_and_as_the_new_stream_inside(
    tmp_path: Path, bitrate: int, channels: int
) -> None:
    track = chirps(3)
    samples = PcmBuffer((track * 32767).astype("<i2").tobytes(), MIX_RATE)
    start = MP3_ENCODER_DELAY
    part = Part(start, start + (track.size - start - 2000) // FRAME_SAMPLES * FRAME_SAMPLES, tmp_path / "part.mp3")
    part = Part(part.start, part.stop, part.target, BARE_STREAM, start - MP3_ENCODER_DELAY)
    encoding, encoders = Encoding(bitrate_kbps=bitrate, channels=channels), _Encoders(None)
    _encode_part(samples, [], encoding, part, encoders)
    stream = part.target.read_bytes()
    frames = read_frames(stream)
    assert frames is not None and frames.count == (part.stop - part.start) // FRAME_SAMPLES + 1
    # Three blocks to lower by half: two side by side in one sound, one in another.
    blocks = [40, 41, 120]
    plan = stretches(frames, [(b * PEAK_BLOCK, (b + 1) * PEAK_BLOCK) for b in blocks])
    assert plan is not None and len(plan) == 2
    need = np.ones((part.stop - part.decoded_from) // PEAK_BLOCK + 1, dtype=np.float32)
    need[blocks] = 0.5
    lowering = _Lowering(need, part.decoded_from)
    made = []
    for number, (begin, end) in enumerate(plan):
        first = part.start + begin * FRAME_SAMPLES
        stretch = Part(first, part.start + (end - 1) * FRAME_SAMPLES, tmp_path / f"{number}.mp3", BARE_STREAM)
        _encode_part(samples, [lowering], encoding, stretch, encoders)
        replacement = stretch.target.read_bytes()
        made_frames = read_frames(replacement)
        assert made_frames is not None and fits(frames, (begin, end), made_frames)
        made.append(((begin, end), replacement))
    (tmp_path / "spliced.mp3").write_bytes(spliced(stream, frames, made))

    for decoder, within in (("mp3float", 0), ("mp3", 1)):  # the fixed-point decoder rounds with a carry
        whole, patched = decoded(part.target, decoder), decoded(tmp_path / "spliced.mp3", decoder)
        assert whole.size == patched.size
        outside = np.ones(patched.size, dtype=bool)
        for number, (begin, end) in enumerate(plan):
            lo, hi = begin * FRAME_SAMPLES, end * FRAME_SAMPLES
            outside[lo:hi] = False
            alone = decoded(tmp_path / f"{number}.mp3", decoder)
            assert alone.size == hi - lo
            assert np.abs(patched[lo:hi] - alone).max() <= within
        assert np.abs(patched[outside] - whole[outside]).max() <= within
        # The blocks lowered are quieter.
        lo, hi = 40 * PEAK_BLOCK, 42 * PEAK_BLOCK
        assert np.abs(patched[lo:hi]).max() < 0.6 * np.abs(whole[lo:hi]).max()

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
    _patched,
)
from voiceguide.render.patch import FRAME_SAMPLES, Frames, read_frames, stretches

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


def encoded_part(samples: PcmBuffer, target: Path, encoding: Encoding) -> Part:
    """Most of the track as one bare stream, as `write_encoded` makes a part."""
    start = MP3_ENCODER_DELAY
    stop = start + (samples.total_samples - start - 2000) // FRAME_SAMPLES * FRAME_SAMPLES
    part = Part(start, stop, target, BARE_STREAM, start - MP3_ENCODER_DELAY)
    _encode_part(samples, [], encoding, part, _Encoders())
    return part


def patch(samples: PcmBuffer, part: Part, encoding: Encoding, blocks: list[int], gain: float) -> list[Path]:
    """`_patched` with `blocks` taken to have overshot and lowered by `gain`, each stretch made
    once; the streams made for the stretches, kept aside (`_patched` removes them)."""
    need = np.ones((part.stop - part.decoded_from) // PEAK_BLOCK + 1, dtype=np.float32)
    need[blocks] = gain
    over = need < 1 if gain < 1 else np.isin(np.arange(need.size), blocks)
    made: list[Path] = []

    def once(stretch: Part, lowerings: list[_Lowering]) -> bool:
        _encode_part(samples, lowerings, encoding, stretch, _Encoders())
        made.append(stretch.target.with_name(f"made-{len(made)}.mp3"))
        made[-1].write_bytes(stretch.target.read_bytes())
        return True

    assert _patched(samples, encoding, part, _Lowering(need, part.decoded_from), over, once)
    return made


@needs_audio_tools
@pytest.mark.parametrize(("bitrate", "channels"), [(64, 1), (32, 1), (64, 2)])
def test_a_patched_part_decodes_as_before_outside_the_stretches_and_as_the_new_streams_inside(
    tmp_path: Path, bitrate: int, channels: int
) -> None:
    samples = PcmBuffer((chirps(3) * 32767).astype("<i2").tobytes(), MIX_RATE)
    encoding = Encoding(bitrate_kbps=bitrate, channels=channels)
    part = encoded_part(samples, tmp_path / "part.mp3", encoding)
    whole_stream = part.target.read_bytes()
    frames = read_frames(whole_stream)
    assert frames is not None and frames.count == (part.stop - part.start) // FRAME_SAMPLES + 1
    # Three blocks lowered by half: two side by side in one sound, one in another.
    blocks = [40, 41, 120]
    plan = stretches(frames, [(b * PEAK_BLOCK, (b + 1) * PEAK_BLOCK) for b in blocks])
    assert plan is not None and len(plan) == 2
    (tmp_path / "whole.mp3").write_bytes(whole_stream)
    made = patch(samples, part, encoding, blocks, 0.5)
    assert len(made) == 2 and part.target.read_bytes() != whole_stream

    for decoder, within in (("mp3float", 0), ("mp3", 1)):  # the fixed-point decoder rounds with a carry
        whole, patched = decoded(tmp_path / "whole.mp3", decoder), decoded(part.target, decoder)
        assert whole.size == patched.size
        outside = np.ones(patched.size, dtype=bool)
        for (begin, end), stream in zip(plan, made, strict=True):
            lo, hi = begin * FRAME_SAMPLES, end * FRAME_SAMPLES
            outside[lo:hi] = False
            alone = decoded(stream, decoder)
            assert alone.size == hi - lo
            assert np.abs(patched[lo:hi] - alone).max() <= within
        assert np.abs(patched[outside] - whole[outside]).max() <= within
        # The blocks lowered are quieter.
        lo, hi = 40 * PEAK_BLOCK, 42 * PEAK_BLOCK
        assert np.abs(patched[lo:hi]).max() < 0.6 * np.abs(whole[lo:hi]).max()


@needs_audio_tools
def test_a_stretch_made_again_unlowered_sits_where_it_was(tmp_path: Path) -> None:
    """Made again as it was, a stretch differs from the part it replaces by the codec's noise
    alone: not a sample early or late."""
    samples = PcmBuffer((chirps(4) * 32767).astype("<i2").tobytes(), MIX_RATE)
    part = encoded_part(samples, tmp_path / "part.mp3", Encoding())
    (tmp_path / "whole.mp3").write_bytes(part.target.read_bytes())
    patch(samples, part, Encoding(), [60], 1.0)
    whole, patched = decoded(tmp_path / "whole.mp3", "mp3float"), decoded(part.target, "mp3float")
    changed = np.flatnonzero(whole != patched)
    assert changed.size  # made again
    lo, hi = changed[0], changed[-1] + 1
    rms = float(np.sqrt(np.mean(whole[lo:hi].astype(float) ** 2)))

    def residual(lag: int) -> float:
        shifted = np.roll(patched, lag)[lo:hi]
        return float(np.sqrt(np.mean((shifted - whole[lo:hi]).astype(float) ** 2))) / rms

    assert residual(0) < 0.1
    assert min(residual(lag) for lag in (-FRAME_SAMPLES, -1, 1, FRAME_SAMPLES)) > 2 * residual(0)


@needs_audio_tools
def test_a_part_with_no_quiet_around_its_overshoot_is_left_to_be_encoded_again_whole(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    noise = rng.uniform(-0.3, 0.3, MIX_RATE * 6)  # from the first sample to the last
    samples = PcmBuffer((noise * 32767).astype("<i2").tobytes(), MIX_RATE)
    part = encoded_part(samples, tmp_path / "part.mp3", Encoding())
    before = part.target.read_bytes()
    need = np.ones((part.stop - part.decoded_from) // PEAK_BLOCK + 1, dtype=np.float32)
    need[30] = 0.5

    def never(stretch: Part, lowerings: list[_Lowering]) -> bool:
        raise AssertionError("no stretch can be cut out of unbroken noise")

    assert not _patched(samples, Encoding(), part, _Lowering(need, part.decoded_from), need < 1, never)
    assert part.target.read_bytes() == before


@needs_audio_tools
def test_a_stretch_that_still_overshoots_after_every_try_leaves_the_part_to_be_encoded_again_whole(
    tmp_path: Path,
) -> None:
    """A stretch that alone cannot be brought under the ceiling is not an error yet: the part,
    as it was and with no stretch's stream left beside it, is encoded again whole."""
    samples = PcmBuffer((chirps(3) * 32767).astype("<i2").tobytes(), MIX_RATE)
    part = encoded_part(samples, tmp_path / "part.mp3", Encoding())
    before = part.target.read_bytes()
    need = np.ones((part.stop - part.decoded_from) // PEAK_BLOCK + 1, dtype=np.float32)
    need[40] = 0.5
    tried: list[Path] = []

    def still_over(stretch: Part, lowerings: list[_Lowering]) -> bool:
        _encode_part(samples, lowerings, Encoding(), stretch, _Encoders())
        tried.append(stretch.target)
        return False

    assert not _patched(samples, Encoding(), part, _Lowering(need, part.decoded_from), need < 1, still_over)
    assert tried, "a stretch was tried"
    assert part.target.read_bytes() == before
    assert not any(path.exists() for path in tried)

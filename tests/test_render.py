"""Rendering with the real parts: espeak-ng voices through pyttsx3, ffmpeg, MP3s read back."""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import wave
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from in_process import voiceguide
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from typer.testing import CliRunner

from voiceguide.app.voicing import prepare_speech
from voiceguide.audio.mix import MIX_RATE, SPEECH_LUFS, integrated_loudness, k_weight, resample
from voiceguide.cli import app
from voiceguide.errors import AudioError, MissingPart, UsageError, VoiceguideError
from voiceguide.faults import HOLD_ENV, SIGNAL_ENV
from voiceguide.faults import WORKER_FAULT_ENV as FAULT_ENV
from voiceguide.files import atomic_path
from voiceguide.render.encode import PEAK_BLOCK, Encoding, PcmBuffer, decoded_true_peaks, write_encoded
from voiceguide.render.pipeline import RenderResult, render
from voiceguide.render.provenance import RenderSettings
from voiceguide.render.tags import Labels, Tags
from voiceguide.routine.loader import parse_routine
from voiceguide.routine.model import Routine
from voiceguide.speech import Clip, VoiceInfo, choose_voice
from voiceguide.speech.cache import ClipCache
from voiceguide.timeline.options import CompileOptions

from audio_tools import decode, ebur128_loudness, onset_lag_s, probe
from conftest import needs_audio_tools

pytestmark = needs_audio_tools

SHORT = """
voiceguide: 1
title: Short test routine
settings: {count_interval: 1.0, get_ready: 1}
intro:
  - say: A short routine for the tests.
sections:
  - id: hands
    title: Hands
    sides: left-right
    picture: {view: front, points: [[21, 58]], mirror: true}
    steps:
      - hold: {count: 6}
      - tap: {times: 4, interval: 1.0}
  - id: feet
    title: Feet
    sides: both
    picture: {view: outer-ankle, points: [[41, 65]]}
    steps:
      - cycle: {times: 2, press: 2, release: 1.5, press_word: Squeeze}
      - hold: {seconds: 6, countdown: 2}
outro:
  - say: Done.
"""


@pytest.fixture(scope="module")
def short_routine_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("routines") / "short.yaml"
    path.write_text(SHORT)
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, shared_cache: Path) -> RenderResult:
    os.environ["VOICEGUIDE_CACHE_DIR"] = str(shared_cache)
    out = tmp_path_factory.mktemp("out") / "short.mp3"
    return render(parse_routine(SHORT, origin="short.yaml"), output=out, cache=ClipCache(shared_cache))


def test_mp3_format_rate_bitrate_and_duration(rendered: RenderResult) -> None:
    info = probe(rendered.path)
    stream = info["streams"][0]
    assert stream["codec_name"] == "mp3"
    assert int(stream["sample_rate"]) == 44100
    assert int(stream["bit_rate"]) == 64000
    assert stream["channels"] == 1
    assert abs(float(info["format"]["duration"]) - rendered.timeline.total_s) < 0.05  # what players show
    assert abs(MP3(rendered.path).info.length - rendered.timeline.total_s) < 0.05
    assert len(decode(rendered.path)) / MIX_RATE == pytest.approx(rendered.timeline.total_s, abs=0.05)


def test_id3v23_tags(rendered: RenderResult) -> None:
    tags = ID3(rendered.path)
    assert tags.version[:2] == (2, 3)
    assert str(tags["TIT2"]) == "Short test routine"
    assert str(tags["TPE1"]) == "voiceguide"
    assert str(tags["TCON"]) == "Speech"
    assert "TALB" in tags
    as_written = ID3(rendered.path, translate=False)  # as a v2.3-only player reads it
    assert str(as_written["TYER"]) == str(datetime.date.today().year) and "TDRC" not in as_written
    comments = [str(f) for key, f in tags.items() if key.startswith(("COMM", "TXXX"))]
    assert any("doctor" in c for c in comments)


def test_chapters_in_order_tiling_the_track(rendered: RenderResult) -> None:
    chapters = probe(rendered.path)["chapters"]
    titles = [c["tags"]["title"] for c in chapters]
    assert titles == [
        "Introduction",
        "1. Hands (left side)",
        "1. Hands (right side)",
        "2. Feet",
        "Closing",
    ]
    starts = [float(c["start_time"]) for c in chapters]
    ends = [float(c["end_time"]) for c in chapters]
    assert starts[0] == 0 and starts == sorted(starts)
    assert all(abs(e - s) < 0.002 for e, s in zip(ends, starts[1:], strict=False))
    assert abs(ends[-1] - rendered.timeline.total_s) < 0.002
    # The CHAP frames lie in the file in time order, and a CTOC lists them (players need it).
    tags = ID3(rendered.path)
    chap_ids = [f.element_id for f in tags.getall("CHAP")]
    (toc,) = tags.getall("CTOC")
    assert list(toc.child_element_ids) == chap_ids
    raw = rendered.path.read_bytes()[: tags.size]  # the whole tag: pictures make it long
    offsets = [raw.index(b"CHAP", raw.index(b"CTOC")) for _ in (0,)]
    offsets = [raw.index(element.encode() + b"\x00", offsets[0]) for element in chap_ids]
    assert offsets == sorted(offsets), "CHAP frames are not in time order in the file"


def chapter_pictures_in(path: Path) -> list[tuple[str, str, bytes]]:
    """(title, MIME type, picture) of each chapter of an MP3, in time order, as a player reads
    them: the APIC frame inside each CHAP frame."""
    chapters = sorted(ID3(path).getall("CHAP"), key=lambda c: c.start_time)
    found = []
    for chapter in chapters:
        (picture,) = chapter.sub_frames.getall("APIC")
        found.append((str(chapter.sub_frames["TIT2"]), picture.mime, picture.data))
    return found


def red_centre_x(picture: bytes) -> float:
    """Where across the picture (0 to 1) its marked points' red lies, on average."""
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(picture)).convert("RGB")).astype(int)
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)
    assert red.sum() > 50, "no marked point in the picture"
    return float(np.nonzero(red)[1].mean() / pixels.shape[1])


def test_each_chapter_carries_its_sections_picture(rendered: RenderResult) -> None:
    from PIL import Image

    (intro, left, right, feet, closing) = chapter_pictures_in(rendered.path)
    # The intro and the closing show the cover; each point set its own drawing.
    assert intro[1] == closing[1] == "image/jpeg" and intro[2] == closing[2]
    assert [kind for _, kind, _ in (left, right, feet)] == ["image/png"] * 3
    assert len({left[2], right[2], feet[2], intro[2]}) == 4
    for _, _, picture in (left, right, feet):
        assert Image.open(io.BytesIO(picture)).size == (800, 800)
    # The front view faces the listener: their left hand is on the picture's right. While the
    # left hand is worked, its point stands out in red; while the right is, the other one.
    assert left[0] == "1. Hands (left side)" and red_centre_x(left[2]) > 0.6
    assert right[0] == "1. Hands (right side)" and red_centre_x(right[2]) < 0.4


def test_every_counted_cue_starts_within_20_ms(rendered: RenderResult, shared_cache: Path) -> None:
    track = decode(rendered.path)
    speech = prepare_speech(
        parse_routine(SHORT, origin="short.yaml"),
        options=CompileOptions(),
        cache=ClipCache(shared_cache),
    )
    counted = [e for e in rendered.timeline.events if e.n is not None and e.kind == "speech"]
    assert len(counted) >= 2 * (6 + 4) + 2 * 2
    for event in counted:
        template = resample(speech.clips[event.text].samples.astype(np.float32) / 32768, 22050, MIX_RATE)
        lag = onset_lag_s(track, template, event.start_s, MIX_RATE)
        assert abs(lag) <= 0.020, f"{event.text!r} at {event.start_s:.3f} s is off by {lag * 1000:.1f} ms"


def test_the_limiter_gives_each_sample_the_same_gain_wherever_the_chunks_are_cut(
    rendered: RenderResult, shared_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where sounds overlap past the ceiling (a knock on a count), the limiter's gain depends on
    the sounds around each sample only, not on where a chunk starts: so a chapter an edit moved
    by whole limiter blocks mixes to the same samples."""
    from voiceguide.audio import mix

    speech = prepare_speech(
        parse_routine(SHORT, origin="short.yaml"), options=CompileOptions(), cache=ClipCache(shared_cache)
    )
    mixer = mix.TrackMixer(rendered.timeline, speech.clips, levelled=speech.levelled)
    ceiling = 10 ** (mix.LIMITER_CEILING_DBFS / 20)
    assert float(np.abs(mixer.mix(0, mixer.total_samples)).max()) > ceiling  # there is limiting to do

    def chunked(size: int) -> np.ndarray:
        monkeypatch.setattr(mix, "PCM_CHUNK", size)
        return np.concatenate(list(mixer.pcm_chunks()))

    assert np.array_equal(chunked(1 << 18), chunked(10 * mix.LIMITER_BLOCK))


def test_phrases_levelled_as_the_voice_makes_them_mix_to_the_same_samples_and_are_kept(
    rendered: RenderResult, shared_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voiceguide.audio import mix

    speech = prepare_speech(
        parse_routine(SHORT, origin="short.yaml"), options=CompileOptions(), cache=ClipCache(shared_cache)
    )
    itself = mix.TrackMixer(rendered.timeline, speech.clips)  # levels every sound itself
    itself.prepare()  # before the levelling below is counted
    kept: dict[tuple[str, str], np.ndarray] = {}

    class Store:
        def get(self, text: str, tag: str) -> np.ndarray | None:
            return kept.get((text, tag))

        def put(self, text: str, tag: str, samples: np.ndarray, sample_rate: int) -> None:
            kept[text, tag] = samples

    levelled = Counter[int]()
    level = mix.levelled_pcm

    def counted(*args: Any) -> np.ndarray:
        levelled[args[-1]] += 1  # by the rate levelled for
        return level(*args)

    monkeypatch.setattr(mix, "levelled_pcm", counted)
    with mix.LevelAhead() as ahead:
        for text, clip in speech.clips.items():
            ahead.add(text, clip)
        mixer = mix.TrackMixer(rendered.timeline, speech.clips, levelled=ahead.over(Store()))
        mixer.prepare()
        other = mix.TrackMixer(rendered.timeline, speech.clips, sample_rate=48000, levelled=ahead.over(Store()))
        other.prepare()
    tones = {event.text for event in rendered.timeline.events if event.kind == "tone"}
    assert levelled[MIX_RATE] == len(speech.clips) + len(tones)  # each once, ahead or by the mixer
    assert levelled[48000] == len(speech.clips) + len(tones)  # not what was levelled for 44.1 kHz
    assert np.array_equal(mixer.mix(0, mixer.total_samples), itself.mix(0, itself.total_samples))
    assert {text for text, tag in kept if tag == mix.levelled_tag(MIX_RATE)} == set(speech.clips)  # for next time


def test_a_first_render_levels_each_phrase_as_it_is_made_and_the_next_render_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voiceguide.audio import mix

    given: list[str] = []
    add = mix.LevelAhead.add

    def noted(self: mix.LevelAhead, text: str, clip: Clip) -> None:
        given.append(text)
        add(self, text, clip)

    monkeypatch.setattr(mix.LevelAhead, "add", noted)
    levelled = 0
    level = mix.levelled_pcm

    def counted(*args: Any) -> np.ndarray:
        nonlocal levelled
        levelled += 1
        return level(*args)

    monkeypatch.setattr(mix, "levelled_pcm", counted)
    routine, cache = parse_routine(SHORT, origin="short.yaml"), ClipCache(tmp_path / "cache")
    first = render(routine, output=tmp_path / "first.mp3", cache=cache)
    phrases = {event.text for event in first.timeline.events if event.kind == "speech"}
    tones = {event.text for event in first.timeline.events if event.kind == "tone"}
    assert first.clips_made == len(phrases) and sorted(given) == sorted(phrases)
    assert levelled == len(phrases) + len(tones)  # each phrase once, as it was made
    levelled = 0
    again = render(routine, output=tmp_path / "again.mp3", cache=cache)
    assert again.clips_made == 0
    assert levelled == len(tones)  # every phrase as the first render levelled and kept it
    assert np.array_equal(decode(first.path), decode(again.path))


def test_an_mp3_encoded_in_parts_decodes_sample_for_sample_in_place(tmp_path: Path, shared_cache: Path) -> None:
    from sound_server import find, sound_offsets, sound_starts

    from voiceguide.render.encode import PcmBuffer, part_count, stream_cuts

    routine = parse_routine(SHORT, origin="short.yaml")
    options = CompileOptions(pre_roll_s=0.75)  # the pre-roll the command line gives: the encoder's delay
    settings = RenderSettings(options)
    wav = render(routine, output=tmp_path / "x.wav", fmt="wav", settings=settings, cache=ClipCache(shared_cache)).path
    mp3 = render(routine, output=tmp_path / "x.mp3", settings=settings, cache=ClipCache(shared_cache)).path
    with wave.open(str(wav), "rb") as w:
        pcm = bytearray(w.readframes(w.getnframes()))
    track = PcmBuffer(pcm, MIX_RATE)
    assert part_count(track.total_samples / MIX_RATE) == 2
    cuts = stream_cuts(track)
    assert cuts is not None and len(cuts.parts) == 2  # this track is encoded as two streams, joined
    assert b"Xing" not in mp3.read_bytes()[:8192] and b"Info" not in mp3.read_bytes()[:8192]
    reference = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
    decoded = decode(mp3)
    assert len(reference) - 1152 < len(decoded) <= len(reference)
    starts = sound_starts(reference)
    cut = cuts.parts[0][1]
    assert any(start > cut for start in starts) and any(start < cut for start in starts)
    # Lossy, so matched by correlation (a quarter second of each sound): in place to the sample.
    first, _ = find(decoded, reference[starts[0] : starts[0] + 11025], starts[0] - 2000, starts[0] + 2000)
    assert first == starts[0]
    placed = sound_offsets(decoded, reference, search_s=0.05)
    assert [round(offset * MIX_RATE) for offset, _ in placed] == [0] * len(starts)
    assert min(score for _, score in placed) > 0.95


def test_cuts_share_the_encoders_work_and_each_sits_in_quiet(tmp_path: Path, shared_cache: Path) -> None:
    from voiceguide.render.encode import CUT_QUIET_FRAMES, MP3_ENCODER_DELAY, MP3_FRAME, PcmBuffer, stream_cuts

    wav = render_short(tmp_path / "x.wav", shared_cache, fmt="wav", options=CompileOptions(pre_roll_s=0.75)).path
    with wave.open(str(wav), "rb") as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    track = PcmBuffer(samples.tobytes(), MIX_RATE)
    cuts = stream_cuts(track, 4)
    assert cuts is not None and len(cuts.parts) == 4
    assert cuts.parts[0][0] == MP3_ENCODER_DELAY and not samples[:MP3_ENCODER_DELAY].any()
    for (start, stop), (after, _) in zip(cuts.parts, cuts.parts[1:], strict=False):
        assert (stop - start) % MP3_FRAME == 0 and after == stop + MP3_FRAME  # one frame left out
        around = samples[stop - CUT_QUIET_FRAMES * MP3_FRAME : after + CUT_QUIET_FRAMES * MP3_FRAME]
        assert not around.any()  # digital silence either side of each cut
    assert not samples[cuts.parts[-1][1] :].any()
    # Equal work: a frame with sound weighs 3.5 quiet ones. Each part within a fifth of its share.
    frames = samples[: samples.size // MP3_FRAME * MP3_FRAME].reshape(-1, MP3_FRAME).any(axis=1)
    weight = np.where(frames, 3.5, 1.0)
    shares = [weight[start // MP3_FRAME : stop // MP3_FRAME].sum() for start, stop in cuts.parts]
    assert max(shares) < 1.2 * min(shares), shares


def test_speech_is_levelled_phrase_by_phrase(rendered: RenderResult) -> None:
    track = decode(rendered.path)
    # Every phrase plays at the same loudness: steady speech, whatever espeak made.
    levels = []
    for e in rendered.timeline.speech():
        if e.duration_s > 0.8:
            piece = track[round(e.start_s * MIX_RATE) : round(e.end_s * MIX_RATE)]
            levels.append(-0.691 + 10 * np.log10(np.mean(k_weight(piece, MIX_RATE) ** 2)))
    assert len(levels) >= 3 and max(levels) - min(levels) < 1.5
    # Near their target: limiting every sound to its ceiling takes a little off short phrases.
    assert SPEECH_LUFS - 2.0 <= float(np.median(levels)) <= SPEECH_LUFS
    # (The track as a whole is quieter than its phrases by the quiet between them: this short
    # routine is mostly counts; the built-in one measures -16, checked below.)


def test_transcripts_match_the_speech(rendered: RenderResult) -> None:
    vtt, lrc = (p.read_text() for p in rendered.transcripts)
    speech = rendered.timeline.speech()
    assert vtt.startswith("WEBVTT\n")
    cues = re.findall(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(.+)", vtt)
    assert [c[8] for c in cues] == [e.text for e in speech]
    for c, e in zip(cues, speech, strict=True):
        start = int(c[0]) * 3600 + int(c[1]) * 60 + int(c[2]) + int(c[3]) / 1000
        assert start == pytest.approx(e.start_s, abs=0.001)
    lines = re.findall(r"^\[(\d\d):(\d\d)\.(\d\d)\](.+)$", lrc, re.M)
    assert [text for *_, text in lines] == [e.text for e in speech]
    assert all(
        int(m) * 60 + int(s) + int(cs) / 100 == pytest.approx(e.start_s, abs=0.006)
        for (m, s, cs, _), e in zip(lines, speech, strict=True)
    )


def test_cache_second_render_synthesises_nothing_and_corrupt_entry_is_redone(
    tmp_path: Path,
) -> None:
    cache = ClipCache(tmp_path / "cache")
    routine = parse_routine(SHORT, origin="short.yaml")
    first = render(routine, output=tmp_path / "a.wav", fmt="wav", cache=cache)
    assert first.clips_made > 10
    second = render(routine, output=tmp_path / "b.wav", fmt="wav", cache=cache)
    assert second.clips_made == 0
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    clip_files = [p for p in cache.folder.rglob("*.wav") if "." not in p.stem]
    assert len(list(cache.folder.rglob("*.levelled-*.wav"))) == len(clip_files)  # kept levelled too
    victim = sorted(clip_files)[0]
    victim.write_bytes(victim.read_bytes()[:100])  # a damaged entry: header says more than is there
    assert victim.exists()
    assert cache.get_path_clip(victim) is None  # detected as damaged (and removed)
    third = render(routine, output=tmp_path / "c.wav", fmt="wav", cache=cache)
    assert third.clips_made == 1
    assert cache.get_path_clip(victim) is not None  # made again, whole
    # espeak's output for a phrase depends a little on what it spoke before, so the redone
    # clip need not be bit-identical; the track is still complete and the same shape.
    assert [e.text for e in third.timeline.events] == [e.text for e in first.timeline.events]
    # An entry is its clip and its levelled copy together: the copy of the damaged clip was
    # made again from the new clip, so every copy is as long as its clip at the mix rate.
    for clip_file in clip_files:
        clip = cache.get_path_clip(clip_file)
        (levelled_file,) = clip_file.parent.glob(f"{clip_file.stem}.levelled-*.wav")
        levelled = cache.get_path_clip(levelled_file)
        assert clip is not None and levelled is not None
        expected = len(clip.samples) * levelled.sample_rate / clip.sample_rate
        assert abs(len(levelled.samples) - expected) <= 2, clip_file.name


def render_short(output: Path, cache: Path, fmt: str = "mp3", **settings: Any) -> RenderResult:
    """The short test routine rendered to `output` in `fmt` with the given render settings."""
    routine = parse_routine(SHORT, origin="short.yaml")
    return render(routine, output=output, settings=RenderSettings(**settings), fmt=fmt, cache=ClipCache(cache))


def test_wav_peaks_stay_under_minus_1_dbfs(tmp_path: Path, shared_cache: Path) -> None:
    result = render_short(tmp_path / "x.wav", shared_cache, fmt="wav")
    samples = decode(result.path)
    assert 20 * np.log10(np.max(np.abs(samples))) <= -1.0


def test_the_cover_is_embedded_in_the_mp3_and_the_m4b(
    rendered: RenderResult, tmp_path: Path, shared_cache: Path
) -> None:
    from PIL import Image

    (picture,) = ID3(rendered.path).getall("APIC")
    assert picture.type == 3 and picture.mime == "image/jpeg"  # the front cover
    image = Image.open(io.BytesIO(picture.data))
    assert image.size == (1400, 1400) and image.format == "JPEG"
    m4b = render(
        parse_routine(SHORT, origin="short.yaml"), output=tmp_path / "x.m4b", fmt="m4b", cache=ClipCache(shared_cache)
    )
    streams = probe(m4b.path)["streams"]
    (cover,) = [s for s in streams if s["codec_type"] == "video"]
    assert streams[0]["codec_type"] == "audio" and cover["disposition"]["attached_pic"] == 1


def test_m4b_has_aac_and_chapters(tmp_path: Path, shared_cache: Path) -> None:
    result = render_short(tmp_path / "x.m4b", shared_cache, fmt="m4b")
    info = probe(result.path)
    assert info["streams"][0]["codec_name"] == "aac"
    assert len(info["chapters"]) == 5
    assert abs(float(info["format"]["duration"]) - result.timeline.total_s) < 0.1


@pytest.mark.slow  # the whole built-in routine, spoken and encoded
def test_built_in_routine_renders_with_ten_chapters(tmp_path: Path, shared_cache: Path) -> None:
    code = CliRunner().invoke(app, ["render", "back-pain", "-o", str(tmp_path / "bp.mp3")])
    assert code.exit_code == 0, code.output
    assert str(tmp_path / "bp.mp3") in code.stdout
    info = probe(tmp_path / "bp.mp3")
    assert len(info["chapters"]) == 10
    assert 10 * 60 <= float(info["format"]["duration"]) <= 16 * 60
    # -16 LUFS by ffmpeg's own meter, and voiceguide's meter agrees with it.
    measured = ebur128_loudness(tmp_path / "bp.mp3")
    assert measured == pytest.approx(-16, abs=0.5)
    assert integrated_loudness(decode(tmp_path / "bp.mp3"), MIX_RATE) == pytest.approx(measured, abs=0.3)
    # Once the clips exist, `show` prints the very timeline the track holds.
    shown = CliRunner().invoke(app, ["show", "back-pain"]).stdout
    assert "speech lengths measured" in shown
    total = json.loads(CliRunner().invoke(app, ["show", "back-pain", "--json"]).stdout)["total_s"]
    assert abs(total - float(info["format"]["duration"])) < 0.05


@pytest.mark.slow  # the whole built-in routine, encoded four times
def test_a_render_after_an_edit_encodes_only_the_part_it_touched_and_a_warm_one_none(
    tmp_path: Path, shared_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A physiotherapist changes the first sentence and renders again: only the part holding it
    is encoded; the file is byte for byte what a render with nothing kept makes; and a render of
    an unchanged routine encodes nothing."""
    from voiceguide.render import pipeline
    from voiceguide.routine.builtin import builtin_bytes
    from voiceguide.routine.loader import load_routine

    encoded = _noting_parts(monkeypatch)
    monkeypatch.setattr(pipeline, "PARTS_FOLDER", str(tmp_path / "parts"))  # a store of this test's own
    cache = ClipCache(shared_cache)
    stored = builtin_bytes("back-pain")
    assert stored is not None
    built_in = load_routine("back-pain")
    edited = parse_routine(stored.decode().replace("Welcome.", "Welcome back.", 1), origin="edited.yaml")

    def rendered(routine: Routine, name: str) -> list[int]:
        encoded.clear()
        render(routine, output=tmp_path / name, cache=cache)
        return sorted({start for start, _ in encoded})

    parts = rendered(built_in, "first.mp3")
    assert len(parts) >= 8  # cut at its chapters: ten, a short one shares its part
    assert rendered(built_in, "warm.mp3") == []
    assert (tmp_path / "warm.mp3").read_bytes() == (tmp_path / "first.mp3").read_bytes()
    assert rendered(edited, "edited.mp3") == [parts[0]]
    monkeypatch.setattr(pipeline, "PARTS_FOLDER", str(tmp_path / "nothing-kept"))
    assert len(rendered(edited, "fresh.mp3")) == len(parts)  # every part encoded
    assert (tmp_path / "edited.mp3").read_bytes() == (tmp_path / "fresh.mp3").read_bytes()


# -- bad conditions -------------------------------------------------------------------------


def test_existing_output_is_kept_without_force(tmp_path: Path, short_routine_file: Path) -> None:
    target = tmp_path / "short.mp3"
    target.write_text("precious")
    result = voiceguide("render", str(short_routine_file), "-o", str(target))
    assert result.returncode == 2 and "already exists" in result.stderr
    assert target.read_text() == "precious"


def test_default_output_folder_is_made_wherever_it_runs(tmp_path: Path, short_routine_file: Path) -> None:
    result = voiceguide("render", str(short_routine_file), "-f", "wav", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    made = sorted(p.name for p in (tmp_path / "audio_out").iterdir())
    assert made == ["short.wav", "short.wav.lrc", "short.wav.vtt"]


@pytest.mark.parametrize(
    ("name", "args", "format_name"),
    [
        ("new/dir/x.m4b", [], "mov,mp4,m4a,3gp,3g2,mj2"),
        ("x.wav", [], "wav"),
        ("x.MP3", ["--format", "mp3"], "mp3"),
        ("noending", ["--format", "wav"], "wav"),
    ],
)
def test_the_output_name_picks_the_format_and_missing_folders_are_made(
    tmp_path: Path, short_routine_file: Path, name: str, args: list[str], format_name: str
) -> None:
    result = voiceguide("render", str(short_routine_file), "-o", str(tmp_path / name), "--no-transcripts", *args)
    assert result.returncode == 0, result.stderr
    assert probe(tmp_path / name)["format"]["format_name"] == format_name


def test_an_ending_that_contradicts_format_writes_nothing(tmp_path: Path, short_routine_file: Path) -> None:
    result = voiceguide("render", str(short_routine_file), "-o", str(tmp_path / "x.m4b"), "--format", "mp3")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"voiceguide: error: {tmp_path / 'x.m4b'}: the name says m4b but --format says mp3; make them agree"
    )
    assert list(tmp_path.iterdir()) == []


def test_each_track_keeps_its_own_transcripts_and_none_go_stale(tmp_path: Path, short_routine_file: Path) -> None:
    mp3, m4b = tmp_path / "x.mp3", tmp_path / "x.m4b"
    assert voiceguide("render", str(short_routine_file), "-o", str(mp3)).returncode == 0
    assert voiceguide("render", str(short_routine_file), "-o", str(m4b), "--count-interval", "1.1").returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "x.m4b",
        "x.m4b.lrc",
        "x.m4b.vtt",
        "x.mp3",
        "x.mp3.lrc",
        "x.mp3.vtt",
    ]
    assert (tmp_path / "x.mp3.vtt").read_text() != (tmp_path / "x.m4b.vtt").read_text()  # each its own render
    again = voiceguide("render", str(short_routine_file), "-o", str(mp3), "--no-transcripts")
    assert again.returncode == 2 and "x.mp3: already exists" in again.stderr  # nothing replaced unasked
    again = voiceguide("render", str(short_routine_file), "-o", str(mp3), "--no-transcripts", "--force")
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.m4b", "x.m4b.lrc", "x.m4b.vtt", "x.mp3"]


def test_force_replaces_only_regular_files(tmp_path: Path, short_routine_file: Path) -> None:
    fifo = tmp_path / "pipe.mp3"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.mp3"
    folder.mkdir()
    link = tmp_path / "link.mp3"
    link.symlink_to(short_routine_file)
    routine_copy = tmp_path / "routine.wav"
    routine_copy.write_text(short_routine_file.read_text())
    cases = [
        ("/dev/null", [], "/dev/null: is not a regular file"),
        (str(fifo), [], "pipe.mp3: is not a regular file"),
        (str(link), [], "link.mp3: is the routine being rendered"),
        (str(routine_copy), [str(routine_copy)], "routine.wav: is the routine being rendered"),
    ]
    for output, routine, message in cases:
        result = voiceguide("render", *(routine or [str(short_routine_file)]), "-o", output, "--force")
        assert result.returncode == 2, (output, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], lines
    assert Path("/dev/null").is_char_device() and fifo.is_fifo() and folder.is_dir() and link.is_symlink()
    # A folder is not replaced: the track goes inside it, as `cp` puts a file into a folder.
    assert voiceguide("render", str(short_routine_file), "-o", str(folder), "--force").returncode == 0
    assert folder.is_dir() and (folder / "short.mp3").stat().st_size > 10_000
    assert routine_copy.read_text() == short_routine_file.read_text() == SHORT


@pytest.mark.parametrize(
    ("args", "env", "message", "status"),
    [
        (["-o", "/proc/voiceguide-test.mp3"], {}, "/proc: cannot write here", 2),
        (
            ["-o", "x.mp3"],
            {"VOICEGUIDE_CACHE_DIR": "/proc/voiceguide-test"},
            "the clip cache cannot be written here",
            1,
        ),
    ],
)
def test_an_unwritable_place_is_one_line_not_a_traceback(
    tmp_path: Path, short_routine_file: Path, args: list[str], env: dict[str, str], message: str, status: int
) -> None:
    result = voiceguide("render", str(short_routine_file), *args, env=env, cwd=tmp_path)
    assert result.returncode == status
    lines = result.stderr.strip().splitlines()
    assert message in lines[-1] and "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("fmt", ["mp3", "m4b"])
def test_decoded_tracks_peak_at_or_below_minus_1_dbfs_true_peak(tmp_path: Path, shared_cache: Path, fmt: str) -> None:
    result = render_short(tmp_path / f"x.{fmt}", shared_cache, fmt=fmt)
    assert true_peak_dbfs(result.path) <= -1.0


def test_an_overshooting_encode_is_redone_quieter_where_it_overshoots(tmp_path: Path) -> None:
    # Two seconds of quiet tone, then noise peaking at -1.2 dBFS: a 32 kbit/s MP3 of the noise
    # overshoots 0 dBFS. Only the noise may come back quieter.
    rng = np.random.default_rng(1)
    tone = np.sin(2 * np.pi * 440 * np.arange(MIX_RATE * 2) / MIX_RATE) * 0.1
    noise = rng.uniform(-1, 1, MIX_RATE * 3) * 10 ** (-1.2 / 20)
    pcm = bytearray((np.concatenate([tone, noise]) * 32767).astype("<i2").tobytes())
    target = tmp_path / "noise.mp3"
    write_encoded(PcmBuffer(pcm, MIX_RATE), target, encoding=Encoding(bitrate_kbps=32), labels=Labels(Tags("noise")))
    assert true_peak_dbfs(target) <= -1.0
    ours = 20 * np.log10(float(decoded_true_peaks(target, MIX_RATE).max()))
    assert ours == pytest.approx(true_peak_dbfs(target), abs=0.15)  # our meter agrees with ffmpeg's
    # The tone, well before the noise, is as loud as the tone encoded on its own.
    alone = tmp_path / "tone.mp3"
    tone_pcm = bytearray((tone * 32767).astype("<i2").tobytes())
    write_encoded(PcmBuffer(tone_pcm, MIX_RATE), alone, encoding=Encoding(bitrate_kbps=32), labels=Labels(Tags("tone")))
    level_db = [20 * np.log10(np.std(decode(path)[MIX_RATE // 2 : MIX_RATE])) for path in (target, alone)]
    assert level_db[0] == pytest.approx(level_db[1], abs=0.05)


def test_an_encode_that_keeps_overshooting_is_an_error_after_its_stretches_and_then_the_whole_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where even the whole part, lowered try after try, still reads over the ceiling (a meter
    that always says so), the encode stops with one clear error and writes nothing: after each
    stretch's tries, then the whole part's."""
    from voiceguide.errors import AudioError
    from voiceguide.render import encode

    tone = np.sin(2 * np.pi * 440 * np.arange(MIX_RATE * 3) / MIX_RATE) * 0.1
    gap = np.zeros(MIX_RATE)
    pcm = (np.concatenate([gap, tone, gap, tone, gap, tone, gap]) * 32767).astype("<i2").tobytes()
    stretches: list[tuple[int, int]] = []
    encoded = _noting_parts(monkeypatch, stretches)
    monkeypatch.setattr(encode, "part_count", lambda duration_s: 2)
    real_peaks = encode.decoded_true_peaks

    def always_over(path: Path, sample_rate: int, **options: int) -> np.ndarray:
        peaks = real_peaks(path, sample_rate, **options)
        peaks[np.argmax(peaks)] = 1.5  # every stream "overshoots" at its loudest
        return peaks

    monkeypatch.setattr(encode, "decoded_true_peaks", always_over)
    target = tmp_path / "never.mp3"
    with pytest.raises(AudioError, match="kept overshooting"):
        write_encoded(PcmBuffer(pcm, MIX_RATE), target, encoding=Encoding(), labels=Labels(Tags("never")))
    assert not target.exists()
    assert stretches, "stretches were tried first"
    wholes = Counter(encoded)
    assert max(wholes.values()) == 1 + encode.ENCODE_TRIES  # then one part, whole, every try


def test_only_the_stretch_that_overshoots_is_encoded_again_and_a_warm_encode_copies_what_was_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voiceguide.render import encode

    # Four parts, each a few seconds of quiet tone and a second of quiet between: the third
    # part's tone is loud noise instead, which a 32 kbit/s MP3 overshoots.
    rng = np.random.default_rng(5)
    tone = np.sin(2 * np.pi * 440 * np.arange(MIX_RATE * 3) / MIX_RATE) * 0.1
    noise = rng.uniform(-1, 1, MIX_RATE * 3) * 10 ** (-1.2 / 20)
    gap = np.zeros(MIX_RATE)
    track = np.concatenate([gap, tone, gap, tone, gap, noise, gap, tone, gap])
    pcm = (track * 32767).astype("<i2").tobytes()
    stretches: list[tuple[int, int]] = []
    encoded = _noting_parts(monkeypatch, stretches)
    monkeypatch.setattr(encode, "part_count", lambda duration_s: 4)
    memory = tmp_path / "memory"
    cold, warm = tmp_path / "cold.mp3", tmp_path / "warm.mp3"
    runs = []
    for target in (cold, warm):
        encoded.clear()
        stretches.clear()
        write_encoded(
            PcmBuffer(pcm, MIX_RATE),
            target,
            encoding=Encoding(bitrate_kbps=32),
            labels=Labels(Tags("parts")),
            memory=memory,
        )
        runs.append((Counter(encoded), list(stretches)))
    (cold_parts, cold_stretches), (warm_parts, warm_stretches) = runs
    noisy = [part for part in cold_parts if part[0] < 10.5 * MIX_RATE < part[1]]  # the noise: 9 s to 12 s
    assert len(cold_parts) == 4 and len(noisy) == 1 and set(cold_parts.values()) == {1}  # each part once
    # Cold: the noise again, in the noisy part's quiet, alone (as often as it took), not its tone.
    start, stop = noisy[0]
    assert cold_stretches and all(start <= a < 9 * MIX_RATE and 12 * MIX_RATE < b <= stop for a, b in cold_stretches)
    assert all(b - a < (stop - start) * 0.8 for a, b in cold_stretches)
    assert warm_parts == Counter() and warm_stretches == []  # warm: every part as kept, none encoded
    assert true_peak_dbfs(cold) <= -1.0
    assert cold.read_bytes() == warm.read_bytes()  # what was checked cold is what warm writes


def test_a_chapter_an_edit_moved_is_copied_not_encoded_and_the_track_is_what_a_fresh_encode_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chapters on the compiler's grid (`CHAPTER_GRID`): lengthening the first one moves the
    others by whole frames, and each part after it holds the same samples as before: only the
    first part is encoded again, and the file is byte for byte what an empty store makes."""
    from voiceguide.limits import CHAPTER_GRID
    from voiceguide.render import encode

    monkeypatch.setattr(encode, "PART_SHORTEST_S", 1.0)
    encoded = _noting_parts(monkeypatch)

    def track(first_s: float) -> tuple[PcmBuffer, list[int]]:
        """Three chapters of a rising tone, each after half a second of quiet, the first
        `first_s` long (the same tones each time)."""
        rng = np.random.default_rng(9)
        pieces, starts, at = [np.zeros(MIX_RATE)], [0], MIX_RATE
        for seconds in (first_s, 2.0, 2.0):
            if len(starts) < 3 and at > MIX_RATE:
                chapter = -(-(at + MIX_RATE // 2) // CHAPTER_GRID) * CHAPTER_GRID
                pieces.append(np.zeros(chapter - at))
                starts.append(at := chapter)
            t = np.arange(round(seconds * MIX_RATE)) / MIX_RATE  # a sweep: it lines up in one place only
            tone = np.sin(2 * np.pi * (rng.uniform(300, 600) + 200 * t) * t) * 0.2
            pieces.append(tone)
            at += tone.size
        pieces.append(np.zeros(MIX_RATE))
        pcm = (np.concatenate(pieces) * 32767).astype("<i2").tobytes()
        return PcmBuffer(pcm, MIX_RATE), starts

    def write(samples: PcmBuffer, starts: list[int], target: Path, memory: Path) -> list[int]:
        encoded.clear()
        labels = Labels(Tags("chapters"))
        write_encoded(samples, target, encoding=Encoding(), labels=labels, memory=memory, chapter_starts=starts)
        return sorted(start for start, _ in encoded)

    first, edited = track(2.0), track(2.6)
    assert first[1][1] != edited[1][1] and len(first[1]) == 3
    store = tmp_path / "parts"
    assert len(write(*first, tmp_path / "first.mp3", store)) == 3  # three parts, each encoded
    assert write(*edited, tmp_path / "edited.mp3", store) == [encode.MP3_ENCODER_DELAY]  # the first alone
    assert write(*edited, tmp_path / "again.mp3", store) == []  # all kept
    assert len(write(*edited, tmp_path / "fresh.mp3", tmp_path / "empty")) == 3
    assert (tmp_path / "edited.mp3").read_bytes() == (tmp_path / "fresh.mp3").read_bytes()
    assert (tmp_path / "again.mp3").read_bytes() == (tmp_path / "fresh.mp3").read_bytes()
    # The parts joined decode as one track: each tone where the samples have it, to the sample.
    from sound_server import sound_offsets

    reference = np.concatenate([edited[0].pcm_chunk(i) for i in range(2)]).astype(np.float32) / 32768
    assert reference.size == edited[0].total_samples
    placed = sound_offsets(decode(tmp_path / "edited.mp3"), reference, search_s=0.05)
    assert len(placed) == 3 and [round(offset * MIX_RATE) for offset, _ in placed] == [0, 0, 0]

    # A store is kept to its size, the least recently used parts going first.
    parts = sorted((tmp_path / "parts").iterdir(), key=lambda path: path.stat().st_mtime_ns)
    assert len(parts) == 4  # the first track's three, and the edited first part
    monkeypatch.setattr(encode.PartStore, "BYTES", sum(path.stat().st_size for path in parts[1:]))
    encode.PartStore(tmp_path / "parts", Encoding(), MIX_RATE, -1.0).prune()
    assert sorted((tmp_path / "parts").iterdir()) == sorted(parts[1:])


def _noting_parts(
    monkeypatch: pytest.MonkeyPatch, stretches: list[tuple[int, int]] | None = None
) -> list[tuple[int, int]]:
    """The (start, stop) of every part encoded from now on (not those copied from the store),
    in order, once for each time it is encoded; a stretch of a part made again on its own
    (render/patch.py) goes in `stretches`, if given, instead."""
    from voiceguide.render import encode

    encoded: list[tuple[int, int]] = []
    encode_part = encode._encode_part

    def noting(samples, lowerings, encoding, part, *rest):  # type: ignore[no-untyped-def]
        is_stretch = part.target.stem.count("-") == 2  # part-001-0.mp3
        if not is_stretch:
            encoded.append((part.start, part.stop))
        elif stretches is not None:
            stretches.append((part.start, part.stop))
        encode_part(samples, lowerings, encoding, part, *rest)

    monkeypatch.setattr(encode, "_encode_part", noting)
    return encoded


def _noting_encoders(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    """Every encoder started from now on, in order."""
    from voiceguide.render import encode

    started: list[subprocess.Popen[bytes]] = []
    start = encode._start_encoder

    def noting(command: list[str]) -> subprocess.Popen[bytes]:
        started.append(start(command))
        return started[-1]

    monkeypatch.setattr(encode, "_start_encoder", noting)
    return started


def test_true_peaks_are_read_block_by_block_across_reads(tmp_path: Path) -> None:
    # Blocks of noise at levels from quiet to loud; the file is read in several pieces.
    rng = np.random.default_rng(3)
    n = 200_003
    levels = np.repeat(rng.uniform(0.05, 0.95, n // 5000 + 1), 5000)[:n]
    samples = (rng.uniform(-1, 1, n) * levels * 32767).astype("<i2")
    path = tmp_path / "blocks.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(MIX_RATE)
        out.writeframes(samples.tobytes())
    got = decoded_true_peaks(path, MIX_RATE, floor_dbfs=-100)  # every point oversampled
    # The same 4x interpolation, done at once on the whole track: each point between two
    # samples counts in the block of the sample before it.
    padded = np.concatenate([np.zeros(32), samples.astype(np.float32), np.zeros(32)])
    before = np.arange(-1, n)
    windows = padded[before[:, None] + 32 + np.arange(-15, 17)[None, :]]
    taps = np.stack([np.sinc(np.arange(-15, 17) - f) * np.kaiser(32, 8.0) for f in (0.25, 0.5, 0.75)], axis=1)
    points = np.abs(windows @ taps).max(axis=1)
    each = np.abs(samples.astype(np.float64))
    np.maximum.at(each, np.maximum(before, 0), points)
    expected = np.maximum.reduceat(each, np.arange(0, n, PEAK_BLOCK)) / 32768
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("bitrate_kbps", [32, 64, 128])
def test_lame_and_mpg123_make_what_ffmpeg_makes_and_ffmpeg_stands_in_for_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bitrate_kbps: int
) -> None:
    """Where LAME and mpg123 are installed they encode and read back an MP3's parts (they start
    far faster than ffmpeg): LAME writes what ffmpeg writes, byte for byte, and mpg123 reads
    the same true peaks back as ffmpeg (to a step of 16 bits: where a peak sits that close to
    the ceiling, the two may lower a stretch differently, so the track is compared with the
    reader kept the same)."""
    import shutil

    from voiceguide.render.encode import stream_cuts

    rng = np.random.default_rng(bitrate_kbps)
    gap = np.zeros(MIX_RATE // 2)
    sounds = [rng.normal(0, 0.3, MIX_RATE * 2) * np.hanning(MIX_RATE * 2) for _ in range(4)]
    pcm = np.concatenate([gap, *(np.concatenate([s, gap]) for s in sounds)])
    track = PcmBuffer((np.clip(pcm, -0.9, 0.9) * 32767).astype("<i2").tobytes(), MIX_RATE)
    assert stream_cuts(track) is not None  # in parts: the parts are what LAME encodes
    encoding, labels = Encoding(bitrate_kbps=bitrate_kbps), Labels(Tags("both ways"))
    started = _noting_encoders(monkeypatch)
    write_encoded(track, tmp_path / "lame.mp3", encoding=encoding, labels=labels)
    assert {Path(e.args[0]).name for e in started} == {"lame"} and len(started) >= 2  # type: ignore[index]

    which = shutil.which
    without: set[str] = set()
    monkeypatch.setattr(shutil, "which", lambda name: None if name in without else which(name))
    without.add("lame")
    started.clear()
    write_encoded(track, tmp_path / "ffmpeg.mp3", encoding=encoding, labels=labels)
    assert {Path(e.args[0]).name for e in started} == {"ffmpeg"} and len(started) >= 2  # type: ignore[index]
    assert (tmp_path / "lame.mp3").read_bytes() == (tmp_path / "ffmpeg.mp3").read_bytes()

    from voiceguide.render import encode

    assert Path(encode._decoder_command(tmp_path / "lame.mp3", MIX_RATE)[0]).name == "mpg123"
    read_by_mpg123 = decoded_true_peaks(tmp_path / "lame.mp3", MIX_RATE)
    without.add("mpg123")
    read_by_ffmpeg = decoded_true_peaks(tmp_path / "lame.mp3", MIX_RATE)
    assert read_by_mpg123.shape == read_by_ffmpeg.shape
    np.testing.assert_allclose(read_by_mpg123, read_by_ffmpeg, atol=2 / 32768)
    assert float(read_by_mpg123.max()) > 0.5  # loud: the peaks compared are the ones the check is about


def test_a_track_too_short_to_cut_is_one_stream_with_its_header_from_ffmpeg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four seconds are too short to cut: one stream, which ffmpeg writes with its Xing header
    (the encoder's delay, for gapless players), so it plays for the track's length."""
    from voiceguide.render.encode import MP3_ENCODER_DELAY, stream_cuts

    tone = np.sin(2 * np.pi * 440 * np.arange(MIX_RATE) / MIX_RATE) * 0.1
    gap = np.zeros(MIX_RATE // 2)
    pcm = np.concatenate([gap, tone, gap, tone, gap, tone, gap])
    track = PcmBuffer((pcm * 32767).astype("<i2").tobytes(), MIX_RATE)
    assert stream_cuts(track) is None
    started = _noting_encoders(monkeypatch)
    write_encoded(track, tmp_path / "short.mp3", encoding=Encoding(bitrate_kbps=32), labels=Labels(Tags("short")))
    assert [Path(e.args[0]).name for e in started] == ["ffmpeg"]  # type: ignore[index]
    assert (
        b"Xing" in (tmp_path / "short.mp3").read_bytes()[:8192]
        or b"Info" in (tmp_path / "short.mp3").read_bytes()[:8192]
    )
    assert abs(len(decode(tmp_path / "short.mp3")) - (pcm.size - MP3_ENCODER_DELAY)) < 1152


@pytest.mark.parametrize("reader", ["mpg123", "ffmpeg"])
def test_a_part_that_does_not_read_back_whole_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    """A stream cut short at a frame decodes to fewer samples, and both readers exit 0 (mpg123
    passes over what it cannot decode, and says nothing): a part read back short is an error."""
    import shutil

    from voiceguide.render.encode import MP3_ENCODER_DELAY
    from voiceguide.render.patch import read_frames

    samples = 1152 * 100  # whole frames, as a part is
    tone = np.sin(2 * np.pi * 440 * np.arange(samples) / MIX_RATE) * 0.5
    part = tmp_path / "part-000.mp3"
    command = ["ffmpeg", "-v", "error", "-f", "s16le", "-ar", str(MIX_RATE), "-ac", "1", "-i", "pipe:0"]
    command += ["-c:a", "libmp3lame", "-b:a", "64k", "-id3v2_version", "0", "-f", "mp3", "-write_xing", "0"]
    subprocess.run([*command, str(part)], input=(tone * 32767).astype("<i2").tobytes(), check=True, timeout=60)
    whole = part.read_bytes()
    frames = read_frames(whole)
    assert frames is not None
    which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "mpg123" and reader == "ffmpeg" else which(name))
    length = samples + MP3_ENCODER_DELAY  # from the part's first decoded sample: its delay, then its own
    assert decoded_true_peaks(part, MIX_RATE, length=length).max() > 0.4  # whole, it reads back
    part.write_bytes(whole[: int(frames.starts[len(frames.starts) // 2])])
    with pytest.raises(AudioError, match=rf"^{reader} could not read back part-000\.mp3: \d+ samples of {length}$"):
        decoded_true_peaks(part, MIX_RATE, length=length)


def test_lame_saying_why_it_failed_is_heard_through_its_warnings_and_a_part_it_left_short_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Debian's LAME warns of its input library on every run, so its failure is its exit status
    and its own last words; a write it did not notice failing (a full disk, as the file is
    closed) exits 0 with the part short, which is measured; and with the folder full, either is
    the full disk it is."""
    import shutil

    from voiceguide.render import encode

    tone = np.sin(2 * np.pi * 440 * np.arange(MIX_RATE * 3) / MIX_RATE) * 0.1
    gap = np.zeros(MIX_RATE)
    track = PcmBuffer((np.concatenate([gap, tone, gap, tone, gap]) * 32767).astype("<i2").tobytes(), MIX_RATE)
    encoding, labels = Encoding(), Labels(Tags("failing"))
    command = encode._encoder_command
    assert (
        Path(command(encode.Part(0, 0, tmp_path / "x.mp3", encode.BARE_STREAM), encoding, MIX_RATE)[0]).name == "lame"
    )

    monkeypatch.setattr(
        encode, "_encoder_command", lambda *args: [*command(*args)[:-2], "--nonsense", *command(*args)[-2:]]
    )
    with pytest.raises(
        AudioError, match=r"^lame could not encode part-00\d\.mp3: \S*lame: unrecognized option --nonsense$"
    ):
        write_encoded(track, tmp_path / "bad.mp3", encoding=encoding, labels=labels)

    def short(*args: Any) -> list[str]:  # LAME as it is on a disk that fills as it closes the file
        real = command(*args)
        return ["sh", "-c", f'"$@" && truncate -s -300 {real[-1]}', "lame", *real]

    monkeypatch.setattr(encode, "_encoder_command", short)
    with pytest.raises(AudioError, match=r"^sh could not encode part-00\d\.mp3: it stopped short$"):
        write_encoded(track, tmp_path / "short.mp3", encoding=encoding, labels=labels)
    full = shutil.disk_usage(tmp_path)._replace(free=4096)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: full)
    with pytest.raises(OSError, match="No space left on device") as raised:
        write_encoded(track, tmp_path / "full.mp3", encoding=encoding, labels=labels)
    assert raised.value.filename.endswith(".mp3")
    assert not list(tmp_path.glob("*.mp3"))  # nothing written


def true_peak_dbfs(path: Path) -> float:
    """ffmpeg's own EBU R128 true-peak meter on the decoded file."""
    out = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stderr
    return float(re.findall(r"Peak:\s+(-?[\d.]+|-inf) dBFS", out)[-1])


def test_ffmpeg_missing(tmp_path: Path, short_routine_file: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    result = voiceguide("render", str(short_routine_file), "-o", str(tmp_path / "x.mp3"), env={"PATH": str(bare)})
    assert result.returncode == 3  # a missing part of the system
    assert result.stderr.strip() == (
        "voiceguide: error: ffmpeg is not installed (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg)"
    )
    assert not list(tmp_path.glob("x.*"))


def test_unknown_voice_lists_close_matches(tmp_path: Path, short_routine_file: Path) -> None:
    result = voiceguide(
        "render",
        str(short_routine_file),
        "--voice",
        "English (Amercia)",
        "-o",
        str(tmp_path / "x.mp3"),
    )
    assert result.returncode == 2
    assert "no voice 'English (Amercia)'; close matches: English (America)" in result.stderr


def test_no_voices_at_all() -> None:
    with pytest.raises(MissingPart, match="no voices are installed"):
        choose_voice([], None, "en")
    with pytest.raises(UsageError, match="no voice 'x'"):
        choose_voice([VoiceInfo("gmw/en", "English", ("en-gb",))], "x", "en")
    assert (
        choose_voice(
            [
                VoiceInfo("a/en-029", "Caribbean", ("en-029",)),
                VoiceInfo("gmw/en", "British", ("en-gb",)),
            ],
            None,
            "en",
        ).id
        == "gmw/en"
    )


def test_full_disk_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "x.mp3"
    with (
        pytest.raises(VoiceguideError, match="disk is full"),
        atomic_path(target, overwrite=False) as tmp,
    ):
        tmp.write_bytes(b"partial")
        raise OSError(28, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def wait_for_file(path: Path, process: subprocess.Popen[str], timeout: float = 120) -> None:
    """Until `path` exists (bounded; fails at once if the process ends first)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_ctrl_c_mid_render_exits_130_and_leaves_nothing(tmp_path: Path, short_routine_file: Path) -> None:
    cache = tmp_path / "cache"
    marker = tmp_path / "worker-holds"
    # A speech worker stops on this phrase and stays there: the render is held mid-synthesis
    # for as long as the test needs, however fast or slow the machine. (Workers are given
    # phrases as they are said: numbers in words.)
    fault = f"hang:{marker}:Squeeze, two of two"
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "render", str(short_routine_file), "-o", str(tmp_path / "x.mp3")],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache), FAULT_ENV: fault},
    )
    wait_for_file(marker, process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    marker.unlink()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]
    assert not list(cache.rglob("*.part"))
    for clip in cache.rglob("*.wav"):  # every entry left behind is whole
        assert ClipCache.get_path_clip(clip) is not None, clip
    again = render_short(tmp_path / "y.wav", cache, fmt="wav")  # the cache still serves a whole render
    assert len(decode(again.path)) == round(again.timeline.total_s * MIX_RATE)


def test_ctrl_c_after_the_file_is_written_still_exits_130(tmp_path: Path, short_routine_file: Path) -> None:
    # Its stdout is a pipe we filled to the brim: the render writes its file, then blocks
    # printing the result line. That holds it in its last moments until the signal lands.
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    with contextlib.suppress(BlockingIOError):
        while True:
            os.write(write_end, b"x" * 4096)
    os.set_blocking(write_end, True)
    target = tmp_path / "x.wav"
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "render", str(short_routine_file), "-o", str(target)],
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(write_end)
    try:
        wait_for_file(tmp_path / "x.wav.lrc", process)  # the last file written
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        os.close(read_end)
    assert process.returncode == 130, err
    assert "Traceback" not in err and err.strip().endswith("voiceguide: interrupted")
    assert len(decode(target)) > MIX_RATE  # the file it had written is whole


def test_bitrate_and_stereo_options(tmp_path: Path, shared_cache: Path) -> None:
    result = render_short(tmp_path / "x.mp3", shared_cache, bitrate_kbps=96, channels=2)
    stream = probe(result.path)["streams"][0]
    assert int(stream["bit_rate"]) == 96000 and stream["channels"] == 2


def test_render_with_the_direct_espeak_engine(tmp_path: Path, short_routine_file: Path) -> None:
    result = voiceguide(
        "render", str(short_routine_file), "--engine", "espeak", "-f", "wav", "-o", str(tmp_path / "x.wav")
    )
    assert result.returncode == 0, result.stderr
    assert probe(tmp_path / "x.wav")["streams"][0]["sample_rate"] == "44100"


def held_render(
    tmp_path: Path, routine: Path, output: Path, *extra: str, at: str = "encoding"
) -> tuple[subprocess.Popen[str], Path]:
    """A render held at a point (voiceguide/faults.py; by default just before it encodes), in
    its own process group (as a terminal starts it), with its temporary files
    under tmp_path/tmp."""
    temporary = tmp_path / "tmp"
    temporary.mkdir(exist_ok=True)
    signal_file = tmp_path / "held"
    signal_file.unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "render", str(routine), "-o", str(output), *extra],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "TMPDIR": str(temporary), HOLD_ENV: at, SIGNAL_ENV: str(signal_file)},
    )
    wait_for_file(signal_file, process)
    return process, temporary


def scratch_left(temporary: Path) -> list[str]:
    """Files under `temporary`, but ONNX Runtime's `.ses` (Piper's engine keeps its session id
    there, from one run to the next: not a temporary file)."""
    return sorted(str(p.relative_to(temporary)) for p in temporary.rglob("*") if p.is_file() and p.name != ".ses")


def test_ctrl_c_while_encoding_leaves_no_temporary_file(tmp_path: Path, short_routine_file: Path) -> None:
    out = tmp_path / "out"
    process, temporary = held_render(tmp_path, short_routine_file, out / "x.mp3")
    assert scratch_left(temporary)  # mid-render: its temporary files are there
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as a terminal sends it: the whole group
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "Traceback" not in err, err
    assert scratch_left(temporary) == [] and list(out.iterdir()) == []


def test_a_render_killed_outright_is_cleaned_up_by_the_next(tmp_path: Path, short_routine_file: Path) -> None:
    out = tmp_path / "out"
    process, temporary = held_render(tmp_path, short_routine_file, out / "x.mp3")
    os.killpg(process.pid, signal.SIGKILL)  # no chance to clean up
    process.communicate(timeout=60)
    assert scratch_left(temporary) and [p.name for p in out.iterdir()]  # left behind: scratch, a .part
    again = subprocess.run(
        [sys.executable, "-m", "voiceguide", "render", str(short_routine_file), "-o", str(out / "x.mp3")],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(temporary)},
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert scratch_left(temporary) == []  # the dead render's files went with the next one's
    assert sorted(p.name for p in out.iterdir()) == ["x.mp3", "x.mp3.lrc", "x.mp3.vtt"]


@pytest.mark.parametrize("squatter", ["another user's, open to all", "a plain file", "ours, open to all"])
def test_a_scratch_root_that_is_not_safely_ours_is_not_used(tmp_path: Path, squatter: str) -> None:
    """In a shared TMPDIR, a `voiceguide-<uid>` made first by another user (mode 0777) was used
    silently, and a plain file of that name made every render fail."""
    from voiceguide.scratch import Scratch, alive, scratch_root

    root = tmp_path / f"voiceguide-{os.getuid()}"
    if squatter == "a plain file":
        root.write_text("in the way")
    else:
        root.mkdir()
        root.chmod(0o777)
        if squatter.startswith("another"):
            if os.getuid() != 0:
                pytest.skip("making a folder another user's needs root (CI runs as root)")
            os.chown(root, 65534, 65534)
    scratch = Scratch(root)
    try:
        path = scratch.path
        assert path.is_dir() and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert alive(root, path.name)  # another process looking in the shared root: alive, keep its files
        if squatter == "ours, open to all":
            assert path.parent == root  # ours: used, and closed to others
        else:
            assert path.parent != root and path.parent.parent == tmp_path and path.parent.stat().st_uid == os.getuid()
    finally:
        scratch.close()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("voiceguide-private-")]  # nothing left behind
    assert scratch_root().name == f"voiceguide-{os.getuid()}"


def test_a_small_dev_shm_is_passed_over_for_the_temporary_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """A container's /dev/shm is often 64 MB: a long render's parts would not fit, so the
    scratch folder goes to the system's temporary folder instead (unless TMPDIR says)."""
    import tempfile

    from voiceguide import scratch

    if not (Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK)):
        pytest.skip("no writable /dev/shm here")
    monkeypatch.delenv("TMPDIR", raising=False)
    statvfs = os.statvfs

    def room(megabytes: int):  # type: ignore[no-untyped-def]
        def fake(path: object) -> object:
            found = statvfs(path)  # type: ignore[arg-type]
            if str(path) != "/dev/shm":
                return found
            return type("Found", (), {"f_bavail": megabytes * 256, "f_frsize": 4096})()

        return fake

    monkeypatch.setattr(os, "statvfs", room(64))
    assert scratch.scratch_root().parent == Path(tempfile.gettempdir())
    monkeypatch.setattr(os, "statvfs", room(2048))
    assert scratch.scratch_root().parent == Path("/dev/shm")
    monkeypatch.setenv("TMPDIR", "/var/tmp")
    assert scratch.scratch_root().parent == Path("/var/tmp")


def test_two_renders_to_one_name_cannot_both_win(tmp_path: Path, short_routine_file: Path) -> None:
    out = tmp_path / "x.mp3"
    first, _ = held_render(tmp_path, short_routine_file, out)  # has found the name free, now encoding
    second = voiceguide("render", str(short_routine_file), "-o", str(out))  # takes the name meanwhile
    assert second.returncode == 0, second.stderr
    made = {p.name: p.read_bytes() for p in tmp_path.glob("x.mp3*")}
    (tmp_path / "held").unlink()  # let the first go on
    _, err = first.communicate(timeout=120)
    assert first.returncode == 2, err
    assert err.strip().splitlines()[-1].startswith(f"voiceguide: error: {out}: already exists (made meanwhile")
    assert {p.name: p.read_bytes() for p in tmp_path.glob("x.mp3*")} == made  # the second's, whole
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str, str], Path]]:
    """Folders on disks of their own, of a given size (tmpfs; needs root, as CI has)."""
    mounted: list[Path] = []

    def make(name: str, size: str) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
        )
        if result.returncode != 0:
            if os.environ.get("CI"):
                raise AssertionError(f"cannot mount a small disk: {result.stderr!r}")
            pytest.skip("a small disk needs mount (root)")
        mounted.append(folder)
        return folder

    try:
        yield make
    finally:
        for folder in mounted:
            subprocess.run(["umount", str(folder)], check=False)


def test_a_full_output_disk_is_one_line_and_leaves_nothing(small_disk, short_routine_file: Path) -> None:  # type: ignore[no-untyped-def]
    out = small_disk("out", "64k")
    for name in ("x.mp3", "x.wav"):
        result = voiceguide("render", str(short_routine_file), "-o", str(out / name))
        assert result.returncode == 1, result.stderr
        assert (
            result.stderr.strip().splitlines()[-1]
            == f"voiceguide: error: {out / name}: the disk is full; nothing was written"
        )
        assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
        assert list(out.iterdir()) == []  # no half a file, no transcript without its track


def test_a_full_temporary_folder_is_named_not_the_output(small_disk, tmp_path: Path, short_routine_file: Path) -> None:  # type: ignore[no-untyped-def]
    temporary = small_disk("tmp", "8k")  # the encoded stream goes there first: a second of it fills this
    out = tmp_path / "x.mp3"
    result = subprocess.run(
        [sys.executable, "-m", "voiceguide", "render", str(short_routine_file), "-o", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(temporary)},
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"voiceguide: error: {temporary}: the disk is full (voiceguide's temporary files"), last
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert not out.exists() and scratch_left(temporary) == []


def test_ctrl_c_while_the_files_are_put_in_place_waits_for_all_of_them(
    tmp_path: Path, short_routine_file: Path
) -> None:
    out = tmp_path / "out" / "x.mp3"
    first = voiceguide("render", str(short_routine_file), "-o", str(out))
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.parent.iterdir()}
    process, temporary = held_render(tmp_path, short_routine_file, out, "--force", "--pre-roll", "2", at="placing")
    os.killpg(process.pid, signal.SIGINT)  # while the new track and transcripts are about to go in
    (tmp_path / "held").unlink()  # let it go on: the renames, then the Ctrl-C
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in err, err
    after = {p.name: p.read_bytes() for p in out.parent.iterdir()}
    assert sorted(after) == ["x.mp3", "x.mp3.lrc", "x.mp3.vtt"]
    # All three are the new render's (everything 2 s later), none is the old one's.
    assert all(after[name] != before[name] for name in after)
    assert scratch_left(temporary) == []


@pytest.mark.parametrize("rate", [16000, 22050, 24000])
def test_resampling_adds_nothing_above_the_voices_own_band(rate: int) -> None:
    # A 7 kHz tone, as a 16 kHz voice could hold: brought to the mix rate, nothing may appear
    # above the voice's own band (linear interpolation put images there 4 dB under the tone).
    t = np.arange(rate) / rate
    tone = (0.5 * np.sin(2 * np.pi * 7000 * t)).astype(np.float32)
    out = resample(tone, rate, MIX_RATE)
    assert len(out) == round(len(tone) * MIX_RATE / rate)
    spectrum = np.abs(np.fft.rfft(out * np.hanning(len(out))))
    frequencies = np.fft.rfftfreq(len(out), 1 / MIX_RATE)
    images = spectrum[frequencies > rate / 2 + 500].max() / spectrum.max()
    assert 20 * np.log10(images) < -80


def test_voiceguides_loudness_meter_agrees_with_ffmpegs(rendered: RenderResult, tmp_path: Path) -> None:
    """The meter the mixer levels with, checked against ffmpeg's EBU R 128 meter: on the
    rendered track, and on tones at frequencies where K-weighting weighs them differently."""
    assert integrated_loudness(decode(rendered.path), MIX_RATE) == pytest.approx(
        ebur128_loudness(rendered.path), abs=0.3
    )
    for frequency in (100, 1000, 4000):
        t = np.arange(5 * MIX_RATE) / MIX_RATE
        tone = (0.25 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
        wav = tmp_path / f"{frequency}.wav"
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(MIX_RATE)
            w.writeframes((tone * 32767).astype("<i2").tobytes())
        assert integrated_loudness(tone, MIX_RATE) == pytest.approx(ebur128_loudness(wav), abs=0.3), frequency

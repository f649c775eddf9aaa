"""The pyttsx3 engine with real espeak-ng voices: voices, clips, and contained failures."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from voiceguide.errors import SpeechError
from voiceguide.faults import WORKER_FAULT_ENV as FAULT_ENV
from voiceguide.speech import Clip, VoiceSettings
from voiceguide.speech import workers as engine_module
from voiceguide.speech.cache import ClipCache, trim_silence
from voiceguide.speech.pyttsx3_engine import EspeakEngine, Pyttsx3Engine

from conftest import needs_audio_tools

pytestmark = needs_audio_tools
BRITISH = VoiceSettings("gmw/en", 170)


@pytest.fixture
def engine():  # type: ignore[no-untyped-def]
    e = Pyttsx3Engine()
    yield e
    e.close()


def test_voices_include_english_by_language(engine: Pyttsx3Engine) -> None:
    voices = engine.voices()
    assert len(voices) > 10
    assert any(v.id == "gmw/en" and "en-gb" in v.languages for v in voices)


def test_each_phrase_gets_its_own_audio(engine: Pyttsx3Engine) -> None:
    texts = ["one", "seventy-seven", "Welcome. This is a longer sentence with several words in it."]
    clips = dict(engine.synthesize_many(texts, BRITISH))
    assert set(clips) == set(texts)
    lengths = [clips[t].duration_s for t in texts]
    assert lengths[0] < lengths[1] < lengths[2]  # not a stale or missing file (upstream #219)
    assert all(c.sample_rate == 22050 and np.abs(c.samples).max() > 3000 for c in clips.values())


def test_rate_changes_length(engine: Pyttsx3Engine) -> None:
    text = "Press both points and hold them steady."
    slow = engine.synthesize(text, VoiceSettings("gmw/en", 120)).duration_s
    fast = engine.synthesize(text, VoiceSettings("gmw/en", 240)).duration_s
    assert fast < slow * 0.7


def test_silence_is_trimmed_to_a_margin() -> None:
    samples = np.concatenate([np.zeros(5000), np.full(1000, 8000), np.zeros(9000)]).astype(np.int16)
    trimmed = trim_silence(Clip(samples, 22050))
    assert 1000 < len(trimmed.samples) < 1000 + 0.04 * 22050


@pytest.mark.parametrize("kind", ["crash", "hang"])
def test_a_crashed_or_hung_worker_is_replaced_and_the_phrase_retried(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Pyttsx3Engine
) -> None:
    monkeypatch.setattr(engine_module, "PHRASE_TIMEOUT_S", 3.0)
    monkeypatch.setenv(FAULT_ENV, f"{kind}:{tmp_path / 'marker'}:two")
    clips = dict(engine.synthesize_many(["one", "two", "three"], BRITISH))
    assert sorted(clips) == ["one", "three", "two"]
    assert (tmp_path / "marker").exists()  # the fault really happened


def test_a_worker_failing_twice_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Pyttsx3Engine
) -> None:
    monkeypatch.setattr(engine_module, "_Worker", _AlwaysCrashing)
    with pytest.raises(SpeechError, match=r"crashed"):
        dict(engine.synthesize_many(["one"], BRITISH))


class _AlwaysCrashing(engine_module._Worker):
    def send(self, text: str) -> None:
        super().send(text)
        self.process.kill()


def test_cache_put_get_and_damage(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    clip = Clip(np.arange(-500, 500, dtype=np.int16), 22050)
    assert cache.get("e", BRITISH, "hi") is None
    cache.put("e", BRITISH, "hi", clip)
    got = cache.get("e", BRITISH, "hi")
    assert got is not None and np.array_equal(got.samples, clip.samples)
    assert cache.get("e", VoiceSettings("gmw/en", 171), "hi") is None  # the rate is in the key
    path = cache.path("e", BRITISH, "hi")
    path.write_bytes(b"RIFF")
    assert cache.get("e", BRITISH, "hi") is None and not path.exists()


def test_every_voice_setting_is_part_of_the_cache_key(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    base = VoiceSettings(voice_id="gmw/en", rate_wpm=170, volume=1.0)
    changed = {"voice_id": "gmw/en-us", "rate_wpm": 171, "volume": 0.5}
    assert set(changed) == {f.name for f in dataclasses.fields(VoiceSettings)}  # a new field needs a case here
    paths = {
        cache.path("pyttsx3", dataclasses.replace(base, **{name: value}), "Hi.") for name, value in changed.items()
    }
    assert len(paths | {cache.path("pyttsx3", base, "Hi.")}) == len(changed) + 1
    assert cache.path("espeak", base, "Hi.") != cache.path("pyttsx3", base, "Hi.")


def test_direct_espeak_engine_sounds_like_pyttsx3(engine: Pyttsx3Engine) -> None:
    texts = ["Halfway.", "Pinch, 3 of 10", "Press both points and hold them steady."]
    direct = EspeakEngine()
    try:
        fast = {t: trim_silence(c) for t, c in direct.synthesize_many(texts, BRITISH)}
    finally:
        direct.close()
    slow = {t: trim_silence(c) for t, c in engine.synthesize_many(texts, BRITISH)}
    for text in texts:
        assert fast[text].sample_rate == slow[text].sample_rate == 22050
        assert fast[text].duration_s == pytest.approx(slow[text].duration_s, abs=0.1)


def test_unknown_engine_is_a_usage_error() -> None:
    from voiceguide.errors import UsageError
    from voiceguide.speech import make_engine

    with pytest.raises(UsageError, match=r"no speech engine 'festival' \(engines: auto, piper, pyttsx3, espeak\)"):
        make_engine("festival")


@needs_audio_tools
def test_own_espeak_binding_speaks_and_refuses_an_unknown_voice() -> None:
    from voiceguide.speech.espeak_ng import Synthesizer

    synthesizer = Synthesizer("gmw/en", 170, 1.0)
    samples = np.frombuffer(synthesizer.say("Press both points."), dtype="<i2")
    assert synthesizer.sample_rate == 22050 and 0.5 < samples.size / 22050 < 3 and np.abs(samples).max() > 1000
    with pytest.raises(RuntimeError, match="refused the voice 'no-such-voice'"):
        Synthesizer("no-such-voice", 170, 1.0)


def test_a_glitched_clip_is_made_again_and_never_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Pyttsx3Engine
) -> None:
    """Three seconds of loud noise for "forty-five" (as Piper once made): made again in a
    fresh worker, and the clip kept is speech of about the right length."""
    monkeypatch.setenv(FAULT_ENV, f"noise:{tmp_path / 'marker'}:forty-five")
    clips = dict(engine.synthesize_many(["forty-five", "one"], BRITISH))
    assert (tmp_path / "marker").exists()  # the noise really came
    said = clips["forty-five"]
    assert 0.3 < len(said.samples) / said.sample_rate < 1.5
    assert (
        engine_module.clip_problem("forty-five", (said.samples.tobytes(), said.sample_rate), BRITISH, first=True)
        is None
    )


def test_a_phrase_that_keeps_glitching_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Pyttsx3Engine
) -> None:
    monkeypatch.setenv(FAULT_ENV, f"noise-always:{tmp_path / 'marker'}:forty-five")
    with pytest.raises(SpeechError) as told:
        dict(engine.synthesize_many(["forty-five"], BRITISH))
    assert str(told.value) == (
        "pyttsx3 keeps making a bad clip for 'forty-five' (3.0 s, where about 0.8 s of speech was expected), 3 times; "
        "try another --voice or --rate"
    )


@pytest.mark.parametrize(
    ("kind", "problem"),
    [("silence", None), ("noise", "noise, not speech"), ("loud", "louder than speech")],
)
def test_what_counts_as_a_bad_clip(kind: str, problem: str | None) -> None:
    rng = np.random.default_rng(1)
    t = np.arange(11025) / 22050
    speechlike = 0.2 * np.sin(2 * np.pi * 180 * t) * (1 + 0.5 * np.sin(2 * np.pi * 4 * t))
    sound = {
        "silence": speechlike,
        "noise": rng.normal(0, 0.05, 11025),
        "loud": np.sign(np.sin(2 * np.pi * 150 * t)) * 0.9,
    }[kind]
    frames = (sound * 32767).astype("<i2").tobytes()
    found = engine_module.clip_problem("Hold.", (frames, 22050), BRITISH, first=True)
    assert (found is None) if problem is None else (problem in (found or "")), found


LOST_RATE = """
import sys
import pyttsx3.drivers._espeak as espeak

real, lost = espeak.SetParameter, []


def loses_the_first_rate(parameter, value, relative):
    # What a cancel does to a rate queued for espeak's thread and not yet taken (seen in CI):
    # the setting never arrives, and espeak speaks at its start-up 200 words a minute.
    if parameter == espeak.RATE and value != 200 and not lost:
        lost.append(value)
        return 0
    return real(parameter, value, relative)


espeak.SetParameter = loses_the_first_rate
from voiceguide.speech import VoiceSettings
from voiceguide.speech.pyttsx3_engine import Backend

speak = Backend("pyttsx3", 1).speaker(VoiceSettings("gmw/en", 120))
pcm, rate = speak("Press both points and hold them steady.")
print(len(pcm) / 2 / rate, len(lost))
"""


@needs_audio_tools
def test_a_rate_espeak_lost_is_set_again_before_the_clip_is_kept() -> None:
    """pyttsx3 queues a rate for espeak's own thread, and the cancel at the end of runAndWait can
    throw it away (the CI failure: a 120 wpm clip came out at 200). The phrase is checked
    against the rate espeak used and said again at the right one."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", LOST_RATE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    seconds, lost = result.stdout.splitlines()[-1].split()
    assert lost == "1"  # the rate really was lost once
    assert 3.4 < float(seconds) < 4.4  # 120 wpm (3.9 s), not 200 (2.24 s)

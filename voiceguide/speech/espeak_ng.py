"""A small ctypes binding to libespeak-ng, for synthesis in synchronous mode.

Only what `--engine espeak` needs: list the voices, initialise for synchronous output, pick a
voice, set the rate and volume, and synthesise one phrase into memory. The names and values are those of
espeak-ng's public header (`speak_lib.h`), which has been stable since espeak 1.48.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools

AUDIO_OUTPUT_SYNCHRONOUS = 2
RATE = 1
VOLUME = 2
POS_CHARACTER = 1
CHARS_UTF8 = 1
ENDPAUSE = 0x1000
EE_OK = 0

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


def _library() -> ctypes.CDLL:
    try:  # by its soname first: find_library would run ldconfig, which takes a while
        return ctypes.CDLL("libespeak-ng.so.1")
    except OSError:
        name = ctypes.util.find_library("espeak-ng")
        if not name:
            raise OSError("libespeak-ng is not installed") from None
        return ctypes.CDLL(name)


class _Voice(ctypes.Structure):
    """espeak_VOICE. `languages` is a priority byte, then the language, per language."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


def list_voices() -> list[tuple[str, str, tuple[str, ...]]]:
    """(identifier, name, languages) of every installed voice, as pyttsx3's espeak driver
    reports them: the identifier in lower case, the first language."""
    lib, _ = _initialised()
    lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
    found: list[tuple[str, str, tuple[str, ...]]] = []
    voices = lib.espeak_ListVoices(None)
    for i in itertools.count():
        if not voices[i]:
            break
        voice = voices[i].contents
        languages = (voice.languages or b"")[1:].decode("utf-8", "ignore")
        found.append(
            (
                (voice.identifier or b"").decode("utf-8", "replace").lower(),
                (voice.name or b"").decode("utf-8", "replace"),
                (languages,) if languages else (),
            )
        )
    return found


def in_effect(parameter: int) -> int:
    """The value espeak-ng is using for `parameter` (RATE, VOLUME) now, in this process, whoever
    set it: espeak_GetParameter with current=1 (pyttsx3's driver binds only the first argument)."""
    lib = _library()
    lib.espeak_GetParameter.argtypes = [ctypes.c_int, ctypes.c_int]
    return int(lib.espeak_GetParameter(parameter, 1))


def set_now(parameter: int, value: int) -> None:
    """Set `parameter` for espeak-ng in this process and wait until its own thread has taken it
    (espeak_SetParameter, then espeak_Synchronize): outside pyttsx3's loop nothing cancels it
    before it is taken, as runAndWait's closing cancel can."""
    lib = _library()
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter(parameter, value, 0)
    lib.espeak_Synchronize()


def _initialised() -> tuple[ctypes.CDLL, int]:
    """The library, set up for synchronous output; its sample rate."""
    lib = _library()
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    sample_rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 500, None, 0)
    if sample_rate <= 0:
        raise RuntimeError("could not initialise espeak-ng")
    return lib, sample_rate


class Synthesizer:
    """libespeak-ng set to one voice, rate and volume; `say` returns a phrase's samples."""

    def __init__(self, voice: str, rate_wpm: int, volume: float) -> None:
        lib, self.sample_rate = _initialised()
        self._lib = lib
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,  # text
            ctypes.c_size_t,  # its size in bytes, with the terminator
            ctypes.c_uint,  # position
            ctypes.c_int,  # position type
            ctypes.c_uint,  # end position (0: none)
            ctypes.c_uint,  # flags
            ctypes.c_void_p,  # unique identifier
            ctypes.c_void_p,  # user data
        ]
        self._chunks: list[bytes] = []
        self._callback = _SynthCallback(self._collect)  # kept: the library holds a pointer to it
        lib.espeak_SetSynthCallback(self._callback)
        for status, what in (
            (lib.espeak_SetVoiceByName(voice.encode()), f"voice {voice!r}"),
            (lib.espeak_SetParameter(RATE, rate_wpm, 0), f"rate {rate_wpm}"),
            (lib.espeak_SetParameter(VOLUME, round(volume * 100), 0), f"volume {volume}"),
        ):
            if status != EE_OK:
                raise RuntimeError(f"espeak-ng refused the {what}")

    def _collect(self, wav: ctypes.Array[ctypes.c_short], count: int, events: int | None) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # go on

    def say(self, text: str) -> bytes:
        """The phrase as 16-bit mono samples at `sample_rate`."""
        self._chunks.clear()
        data = text.encode("utf-8") + b"\0"
        status = self._lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, CHARS_UTF8 | ENDPAUSE, None, None)
        if status != EE_OK:
            raise RuntimeError(f"espeak-ng could not speak {text!r} (status {status})")
        return b"".join(self._chunks)

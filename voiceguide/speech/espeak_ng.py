"""A small ctypes binding to libespeak-ng, for synthesis in synchronous mode.

Only what `--engine espeak` needs: initialise for synchronous output, pick a voice, set the
rate and volume, and synthesise one phrase into memory. The names and values are those of
espeak-ng's public header (`speak_lib.h`), which has been stable since espeak 1.48.
"""

from __future__ import annotations

import ctypes
import ctypes.util

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


class Synthesizer:
    """libespeak-ng set to one voice, rate and volume; `say` returns a phrase's samples."""

    def __init__(self, voice: str, rate_wpm: int, volume: float) -> None:
        lib = self._lib = _library()
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
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
        self.sample_rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 500, None, 0)
        if self.sample_rate <= 0:
            raise RuntimeError("could not initialise espeak-ng")
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

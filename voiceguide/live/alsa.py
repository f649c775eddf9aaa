"""Keeping alsa-lib quiet: with no device it prints a wall of lines to stderr before failing."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util

_HANDLER: object = None
"""The no-op error handler; it must outlive every ALSA call, so it lives here for good."""


def silence_alsa() -> None:
    """Route alsa-lib's own error printing to nowhere (our errors say what went wrong)."""
    global _HANDLER
    if _HANDLER is not None:
        return
    try:  # by its soname first: find_library would run ldconfig, which takes a while
        library = ctypes.cdll.LoadLibrary("libasound.so.2")
    except OSError:
        name = ctypes.util.find_library("asound")
        if not name:
            return
        library = ctypes.cdll.LoadLibrary(name)
    handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p)
    _HANDLER = handler_type(lambda *args: None)
    with contextlib.suppress(AttributeError):
        library.snd_lib_error_set_handler(_HANDLER)

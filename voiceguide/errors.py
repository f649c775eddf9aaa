"""The exceptions voiceguide raises and the exit statuses the command line maps them to."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from enum import IntEnum

DEBUG_ENV = "VOICEGUIDE_DEBUG"


def debugging() -> bool:
    """`VOICEGUIDE_DEBUG=1`: for a bug report, the traceback behind each one-line error, and
    what the speech workers print (their own tracebacks among it) on stderr."""
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def traceback_if_debugging() -> None:
    """In an `except` block: the exception's traceback on stderr, if `debugging()`."""
    if debugging():
        import traceback

        traceback.print_exc()


class ExitStatus(IntEnum):
    """Process exit codes, as httpie does it: one place that names them."""

    OK = 0
    ERROR = 1
    """Something failed while working: the disk, a folder, ffmpeg or a speech engine."""
    BAD_INPUT = 2
    """The routine file, a name or an option is wrong: the user can fix it by changing the command."""
    MISSING = 3
    """A part of the system is not there: ffmpeg, a voice, a sound device."""
    INTERRUPTED = 130
    """Ctrl-C."""


class VoiceguideError(Exception):
    """Base class: its message is a complete one-line sentence for the user."""

    exit_status = ExitStatus.ERROR


class RoutineError(VoiceguideError):
    """A routine file (or built-in name) cannot be read or is not valid."""

    exit_status = ExitStatus.BAD_INPUT


class CompileError(VoiceguideError):
    """A valid routine cannot be laid out in time (a cue does not fit its slot)."""

    exit_status = ExitStatus.BAD_INPUT


@contextlib.contextmanager
def about(source: str) -> Iterator[None]:
    """Name the routine `source` in the compile errors raised inside (the loader already names
    it in its own)."""
    try:
        yield
    except CompileError as e:
        raise CompileError(f"{source}: {e}") from None


class UsageError(VoiceguideError):
    """An option or argument given on the command line is not usable."""

    exit_status = ExitStatus.BAD_INPUT


class SpeechError(VoiceguideError):
    """The speech engine failed or hung."""


class AudioError(VoiceguideError):
    """Mixing, encoding or playing the audio failed."""


class MissingPart(VoiceguideError):
    """Something voiceguide needs is not installed or not there: ffmpeg, voices, a sound device."""

    exit_status = ExitStatus.MISSING


class Interrupted(BaseException):
    """Ctrl-C, raised by voiceguide's own SIGINT handler.

    A BaseException, so no `except Exception` swallows it; not a KeyboardInterrupt, so the
    command-line library does not turn it into its own "Aborted!" with exit status 1.
    """


def printable(text: str) -> str:
    """Text that came from outside (a track's tags, a request's path) made safe to print on a
    terminal: a character that is not printable is shown as its escape (an ESC could otherwise
    retitle the window, move the cursor or hide what follows)."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in text)

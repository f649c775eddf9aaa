"""The commands the player takes, and the keys for them in one table: what each does, the
help that lists them, and the reader that turns a terminal's key presses into commands.
Media keys (mpris.py) send the same commands.

Light (no numpy): the command line's help lists the keys from here.
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import select
import sys
import termios
import threading
import time
import tty
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum


class Command(Enum):
    PAUSE = "pause"
    """Pause, or resume if paused."""
    HALT = "halt"
    """Pause; nothing if paused already (a media player's Pause)."""
    RESUME = "resume"
    """Resume; nothing if playing (a media player's Play)."""
    NEXT = "next"
    RESTART = "restart"
    """Back to the start of the section being heard."""
    PREVIOUS = "previous"
    """Back to the start of the section before the one being heard."""
    QUIT = "quit"


@dataclass(frozen=True)
class Spoken:
    """A command said aloud (`play --listen`): the player answers it with a short sound, since
    nothing else tells someone lying with their eyes closed that it was heard."""

    command: Command


Request = Command | Spoken
"""What the player's queue carries: a command from a key or a media button, or a spoken one."""

RESTART_TWICE_S = 2.0
"""`p` pressed again within this time of the last `p` goes one section further back."""

KEYS: dict[str, tuple[Command, str, str]] = {
    " ": (Command.PAUSE, "space", "pauses and resumes"),
    "n": (Command.NEXT, "n", "skips to the next section"),
    "p": (Command.RESTART, "p", "restarts the section (again within 2 seconds: the one before)"),
    "q": (Command.QUIT, "q", "quits and says where to resume"),
}
"""Key -> (the command, how the key is named, what it does)."""

KEYS_IN_WORDS = "; ".join(f"{name} {what}" for _, name, what in KEYS.values())
"""A sentence for the help page."""


class Restarts:
    """The rule for going back: a restart goes to the start of the section; each further one
    within RESTART_TWICE_S of the one before goes one more section back. Applied where each
    press's time is known (the key reader, the media keys), not when the player gets to it."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self.now = now
        self.last = -math.inf

    def __call__(self, command: Command) -> Command:
        if command is not Command.RESTART:
            return command
        pressed = self.now()
        quick, self.last = pressed - self.last < RESTART_TWICE_S, pressed
        return Command.PREVIOUS if quick else Command.RESTART


def keys_from(stream: Iterator[str], commands: queue.Queue[Request], now: Callable[[], float] = time.monotonic) -> None:
    """Turn key presses into commands until a quit (`p` goes back by the `Restarts` rule)."""
    mapping = {key: command for key, (command, _, _) in KEYS.items()}
    going_back = Restarts(now)
    for key in stream:
        command = mapping.get(key.lower())
        if command is not None:
            command = going_back(command)
            commands.put(command)
            if command is Command.QUIT:
                return


@contextlib.contextmanager
def keys(commands: queue.Queue[Request]) -> Iterator[bool]:
    """Read single keys from a terminal into `commands`; yields False (and reads nothing)
    when stdin is not a terminal. The terminal is restored however this ends."""
    stream = sys.stdin
    if not stream.isatty():
        yield False
        return
    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    stop = threading.Event()

    def chars() -> Iterator[str]:
        while not stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                data = os.read(fd, 1)
                if not data:
                    return
                yield data.decode(errors="ignore")

    tty.setcbreak(fd)  # keys arrive at once; Ctrl-C still raises KeyboardInterrupt
    reader = threading.Thread(target=keys_from, args=(chars(), commands), name="voiceguide-keys", daemon=True)
    reader.start()
    try:
        yield True
    finally:
        stop.set()
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)

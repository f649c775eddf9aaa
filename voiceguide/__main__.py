"""The `voiceguide` command's entry point: Ctrl-C is in hand from the first moment, then the CLI loads.

Ctrl-C raises `Interrupted` while a command runs, so every `finally` (temporary files, the
terminal's settings, worker processes) does its work, and the command exits with status 130.
Once the command has finished, a Ctrl-C during the interpreter's own shutdown ends the
process at once, with the same status: there is nothing left to clean up.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType, TracebackType

from voiceguide.errors import ExitStatus, Interrupted

# numpy's OpenBLAS keeps a thread a core, which spins for a while after every call it spreads
# over them. voiceguide's arrays are small and its work is spread already (an encoder a core,
# Piper's workers, the listener beside the voice), so those threads only took a core from that
# work: 0.1-0.2 s of CPU a warm render, most of it at numpy's import. Before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

_running = False


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    if _running:
        raise Interrupted
    _exit_interrupted()


def _exit_interrupted() -> None:
    # No flush of stdout: it may be a full pipe, and an interrupted command's output is moot.
    os.write(2, b"voiceguide: interrupted\n")
    from voiceguide.scratch import SCRATCH

    SCRATCH.close()  # os._exit skips atexit, which would remove the temporary files
    os._exit(ExitStatus.INTERRUPTED)


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, Interrupted):
        _exit_interrupted()
    sys.__excepthook__(kind, value, tb)


def main() -> None:
    """Run the command line with the arguments in sys.argv; exits with the command's status."""
    global _running
    _running = True
    signal.signal(signal.SIGINT, _on_sigint)
    sys.excepthook = _excepthook  # an Interrupted that escapes everything still means 130
    status: int | str | None = ExitStatus.OK
    early = sys.argv[1:2] == ["play"]
    try:
        if early:  # a warm start's lead-in, before the command line loads (live/early.py)
            from voiceguide.live.early import start_early

            start_early(sys.argv[1:])
        from voiceguide.cli import run

        status = run(sys.argv[1:])
    except Interrupted:
        _running = False
        _exit_interrupted()
    finally:
        if early:
            from voiceguide.live.early import close_unused

            close_unused()
    _running = False
    sys.exit(status)


if __name__ == "__main__":
    main()

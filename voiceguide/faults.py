"""Named places where a test can hold a run, so it can interrupt or kill it at a known moment.

Off unless the environment names a point: `VOICEGUIDE_HOLD_AT=encoding` makes the run, on
reaching `hold("encoding")`, write its process id to the file named by
`VOICEGUIDE_HOLD_SIGNAL` and wait there until that file is removed (the test lets it go),
or for good if no file is named; meanwhile the test can send Ctrl-C or kill it. Like etcd's
failpoints: deterministic, where "sleep, then signal" would depend on the machine's speed.
The points are:

- `encoding`: a render has mixed its track and written its temporary files, and is about to
  encode it (an MP3's first encoders are started already, waiting for the samples).
- `placing`: every file of a write is ready beside its final name, and they are about to be
  put in place (Ctrl-C waits until they are).

And one that fails rather than holds: `VOICEGUIDE_WORKER_FAULT="hang:MARKER:TEXT"` (or
`crash:...`) makes a speech worker hang, or die, once, on the phrase TEXT (as it is spoken:
numbers in words), creating the file MARKER as it does, so the test knows the moment.
`noise:...` makes it answer once with three seconds of loud noise, as Piper once did for
"45"; `noise-always:...` every time; `raise:...` makes speaking it raise an error, once.
"""

from __future__ import annotations

import os
import time

HOLD_ENV = "VOICEGUIDE_HOLD_AT"
SIGNAL_ENV = "VOICEGUIDE_HOLD_SIGNAL"
WORKER_FAULT_ENV = "VOICEGUIDE_WORKER_FAULT"


def hold(point: str) -> None:
    """Wait here for good if the environment names `point` (see the module's docstring)."""
    if os.environ.get(HOLD_ENV) != point:
        return
    signal_file = os.environ.get(SIGNAL_ENV)
    if signal_file:
        with open(signal_file, "w") as f:
            f.write(str(os.getpid()))
    while signal_file is None or os.path.exists(signal_file):
        time.sleep(0.02)


def worker_fault(text: str) -> bytes | None:
    """In a speech worker about to speak `text`: hang or die here, once, if the environment says
    so; or return the noise to answer with instead of speech (16-bit, 22050 Hz)."""
    fault = os.environ.get(WORKER_FAULT_ENV)
    if not fault:
        return None
    kind, marker, target = fault.split(":", 2)
    if text != target or (kind != "noise-always" and os.path.exists(marker)):
        return None
    open(marker, "w").close()
    if kind in ("noise", "noise-always"):
        import numpy as np

        return (np.random.default_rng(45).normal(0, 12000, 3 * 22050).clip(-32768, 32767).astype("<i2")).tobytes()
    if kind == "raise":
        raise RuntimeError(f"a fault injected on {text!r}")
    if kind == "hang":
        time.sleep(3600)
    os._exit(3)

"""Replay what `play --listen` heard, kept with VOICEGUIDE_LISTEN_RECORD, through the listener
as it is now (voiceguide.live.hearing.Ears): when someone was heard starting to speak, and
each verdict, with the words, the reason and the measures behind it.

    VOICEGUIDE_LISTEN_RECORD=heard.npz .venv/bin/voiceguide play back-pain --listen
    .venv/bin/python scripts/replay_listen.py heard.npz
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `voiceguide` runs, so verdicts are play's (tests/conftest.py)

from voiceguide.live.hearing import Speaking
from voiceguide.live.listen import recorded_frames, replay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recording", type=Path)
    args = parser.parse_args()
    first = next(recorded_frames(args.recording), None)
    if first is None:
        print("nothing was heard")
        return
    start = first[3]
    for captured, answer in replay(args.recording):
        at = f"{captured - start:8.2f} s"
        if isinstance(answer, Speaking):
            print(f"{at}  someone starts to speak")
        else:
            command = answer.command.value if answer.command is not None else "-"
            print(f'{at}  "{answer.words}" -> {command} ({answer.why}; {answer.measured})')


if __name__ == "__main__":
    main()

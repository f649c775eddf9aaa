"""What `share` serves, made ready: the routines named rendered first if their MP3 is missing
or out of date, or every track of the folder with the stale ones rendered again; what is left
out (tags voiceguide did not write, a render that failed) and what is served unchecked said in
one line each. The command line only says the lines and serves the result."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from voiceguide.app.voicing import Progress
from voiceguide.errors import UsageError, VoiceguideError, printable
from voiceguide.render.names import track_path
from voiceguide.render.pipeline import check_folder, render_again, render_missing
from voiceguide.render.provenance import UntrustedTrack, made_from, recorded
from voiceguide.routine.loader import routine_name
from voiceguide.share.library import Library

Say = Callable[[str], None]
"""Where each line about a track goes (the command line's stderr)."""


def library_to_share(routines: list[str] | None, folder: Path, *, say: Say, progress: Progress) -> Library:
    """The tracks to serve from `folder`: those of `routines` (rendered first where missing or
    out of date), or with none named, every MP3 there (stale ones rendered again). A
    UsageError if there is nothing to share."""
    if routines is None and not folder.is_dir():
        raise UsageError(f"{folder}: no such folder; render a routine first (voiceguide render back-pain)")
    left_out = _render_stale(folder, say, progress) if routines is None else set()
    named = [name for name in (_rendered(routine, folder, say, progress) for routine in routines or ()) if name]
    library = Library(folder, named if routines else None, left_out)
    if not library.tracks():
        raise UsageError(
            f"{folder}: no rendered routines to share; name one (voiceguide share back-pain) or render one first"
        )
    for m4b in sorted(folder.glob("*.m4b")) if routines is None else []:
        say(
            f"voiceguide: {m4b.name} is not shared: the page and podcast apps play MP3s "
            "(copy the M4B to an audiobook app yourself, or render the routine as an MP3)"
        )
    return library


def _rendered(routine: str, folder: Path, say: Say, progress: Progress) -> str | None:
    """The track name for `routine` in `folder`, rendering its MP3 first if it is missing; None
    (said in one line) if the MP3 there has tags voiceguide did not write."""
    track = track_path(folder, routine_name(routine))
    existed = track.exists()
    try:
        result = render_missing(routine, folder, progress)
    except UntrustedTrack as e:
        say(f"voiceguide: not shared: {e}")
        return None
    made = None if result is not None else recorded(track)
    if result is not None:
        said = "rendered again: the routine (or voiceguide) changed since it was rendered" if existed else "rendered"
        say(f"{result.path}  {said}")
    elif made is None:
        say(
            f"voiceguide: {track} does not say what made it (an earlier voiceguide rendered it), so it is shared "
            f"as it is; `voiceguide render {routine} --force` makes sure it is current"
        )
    elif not made_from(made, routine, track):
        say(
            f"voiceguide: {track} was made from {printable(made.source[:200])}, not from {routine}: shared as it is;"
            f" `voiceguide render {routine} --force` makes it from {routine}"
        )
    return routine_name(routine)


def _render_stale(folder: Path, say: Say, progress: Progress) -> set[str]:
    """Render again every track in `folder` whose routine has changed since, so no phone is
    handed an old version. The names of the tracks left out, each said in one line: tags that
    voiceguide did not write, a routine outside the folders it may read, a render that failed."""
    check = check_folder(folder, [folder, Path.cwd()])
    left_out = {e.track.stem for e in check.untrusted}
    for e in check.untrusted:
        say(f"voiceguide: not shared: {e}")
    for track, made, problem in check.unchecked:
        say(
            f"voiceguide: {track} is shared as it is, not checked: it was made from {printable(made.source[:200])}, "
            f"{problem}"
        )
    for track, made, source in check.stale:
        try:
            render_again(track, made, source, progress)
        except VoiceguideError as e:
            left_out.add(track.stem)
            say(f"voiceguide: not shared: {track}: rendering it again failed: {e}")
            continue
        say(f"{track}  rendered again: {source} changed since it was rendered")
    return left_out

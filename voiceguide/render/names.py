"""Where rendered files go and what they are called: the one contract `render` writes by and
`share` reads by. Light (nothing heavy imported): the command line checks names early."""

from __future__ import annotations

from pathlib import Path

from voiceguide.errors import UsageError

FORMATS = ("mp3", "m4b", "wav")
OUTPUT_FOLDER = Path("audio_out")
"""Where a render goes when no `-o` is given, and what `share` shares by default."""
HOLDS_KEY = "voiceguide_holds"
"""An MP3's TXXX frame with its holds' [start, end] in seconds: share's page counts each down."""
TRANSCRIPT_SUFFIXES = (".vtt", ".lrc")
"""Added to the track's whole name: x.mp3.vtt, so an MP3 and an M4B each keep their own."""


def track_path(folder: Path, name: str, fmt: str = "mp3") -> Path:
    """The routine `name`'s track in `folder` (audio_out/back-pain.mp3)."""
    return folder / f"{name}.{fmt}"


def transcript_paths(track: Path) -> tuple[Path, ...]:
    """The transcripts that belong to `track`: named after its whole file name (x.mp3.vtt), so
    an MP3 and an M4B of the same routine each keep their own."""
    return tuple(track.with_name(track.name + suffix) for suffix in TRANSCRIPT_SUFFIXES)


def output_target(output: Path | None, fmt: str | None, name: str, *, folder: bool = False) -> tuple[Path, str]:
    """The file to write and its format: `fmt` if given, else the output name's ending, else mp3.
    An output that is a folder (it exists, or `folder`: it was written ending in "/") gets the
    file inside it, named after the routine. A name whose ending contradicts `fmt`, or that no format has, is
    an error."""
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if output is None:
        chosen = fmt or "mp3"
        return track_path(OUTPUT_FOLDER, name, chosen), chosen
    if folder or output.is_dir() or output.name in ("", ".", ".."):
        chosen = fmt or "mp3"  # a folder: the file goes inside it, named after the routine (as cp does)
        return track_path(output, name, chosen), chosen
    ending = output.suffix.lower().removeprefix(".")
    if not ending:  # written as named: the user chose the name
        return output, fmt or "mp3"
    if ending not in FORMATS:
        raise UsageError(f"{output}: voiceguide writes {', '.join('.' + f for f in FORMATS)} files, not .{ending}")
    if fmt is not None and fmt != ending:
        raise UsageError(f"{output}: the name says {ending} but --format says {fmt}; make them agree")
    return output, ending

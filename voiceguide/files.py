"""Writing output files whole or not at all (temporary file, then rename), and only where allowed."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from voiceguide.errors import UsageError, VoiceguideError


@contextlib.contextmanager
def atomic_path(target: Path, *, overwrite: bool, keep: Path | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target`, else vanishes.

    Missing folders on the way to `target` are made."""
    check_writable(target, overwrite=overwrite, keep=keep)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        os.fchmod(fd, _new_file_mode())  # mkstemp makes 0600; output files are the user's usual kind
        os.close(fd)
    except OSError as e:
        raise VoiceguideError(_os_message(target, e)) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as e:
        raise VoiceguideError(_os_message(target, e)) from None
    finally:
        tmp.unlink(missing_ok=True)


def _new_file_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def check_writable(target: Path, *, overwrite: bool, keep: Path | None = None) -> None:
    """Fail early, before any work, if `target` cannot or must not be written.

    Only a regular file is ever replaced (with `overwrite`): never a folder, a device, a pipe,
    or `keep` (the routine being rendered)."""
    if target.exists():
        mode = target.stat().st_mode
        if stat.S_ISDIR(mode):
            raise UsageError(f"{target}: is a folder; give a file name")
        if not stat.S_ISREG(mode):
            raise UsageError(
                f"{target}: is not a regular file (a device, pipe or socket); voiceguide never replaces one"
            )
        if keep is not None and keep.exists() and target.samefile(keep):
            raise UsageError(f"{target}: is the routine being rendered; choose another output name")
        if not overwrite:
            raise UsageError(f"{target}: already exists (use --force to overwrite it)")
    folder = _nearest_existing(target.parent)
    if not folder.is_dir():
        raise UsageError(f"{folder}: is a file, so {target.parent} cannot be made as a folder")
    _probe_folder(folder)


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _probe_folder(folder: Path) -> None:
    """Try to create a file there: permissions say too little (root passes every check, a
    read-only file system or /proc does not)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".voiceguide-probe-", dir=folder)
    except OSError as e:
        raise UsageError(f"{folder}: cannot write here ({e.strerror or e})") from None
    os.close(fd)
    os.unlink(name)


def remove_stale(path: Path) -> None:
    """Remove a regular file left by an earlier render (the caller has checked it may)."""
    with contextlib.suppress(FileNotFoundError):
        if path.is_file():
            path.unlink()


def write_text_atomic(target: Path, text: str, *, overwrite: bool) -> None:
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _os_message(target: Path, error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return f"{target}: the disk is full; nothing was written"
    return f"{target}: cannot write: {error.strerror}"

"""Writing output files whole or not at all: temporary file, then rename."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from voiceguide.errors import UsageError, VoiceguideError


@contextlib.contextmanager
def atomic_path(target: Path, *, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target`, else vanishes."""
    check_writable(target, overwrite=overwrite)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.fchmod(fd, _new_file_mode())  # mkstemp makes 0600; output files are the user's usual kind
    os.close(fd)
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


def check_writable(target: Path, *, overwrite: bool) -> None:
    """Fail early, before any work, if `target` cannot or must not be written."""
    folder = target.parent
    if target.exists() and not overwrite:
        raise UsageError(f"{target}: already exists (use --force to overwrite it)")
    if target.is_dir():
        raise UsageError(f"{target}: is a folder")
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"{folder}: cannot write here (permission denied)")


def write_text_atomic(target: Path, text: str, *, overwrite: bool) -> None:
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _os_message(target: Path, error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return f"{target}: the disk is full; nothing was written"
    return f"{target}: cannot write: {error.strerror}"

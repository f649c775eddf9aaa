"""Writing output files whole or not at all, together, and only where allowed.

Each file is written to a temporary file beside it, named after its owner (this process's
scratch folder, see scratch.py); only when all of them are written are they put in place, in
one step that Ctrl-C waits for. Without `overwrite`, putting a file in place fails if one of
that name has appeared meanwhile (another render to the same name): the check holds at the
moment of replacing, not only at the start. Temporary files left by a process that was
killed outright are removed by the next write to the same folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from voiceguide.errors import UsageError, VoiceguideError
from voiceguide.faults import hold
from voiceguide.scratch import SCRATCH, alive, scratch_root

_PART = re.compile(r"^\..+\.(?P<owner>\d+-[0-9a-f]{8})\.[^.]+\.part$")
"""A temporary file of ours: .NAME.OWNER.RANDOM.part"""


@contextlib.contextmanager
def atomic_paths(
    targets: list[Path],
    *,
    overwrite: bool,
    keep: Path | None = None,
    mode: int | None = None,
    hold_at: str | None = None,
) -> Iterator[list[Path]]:
    """Yield a temporary path beside each target; if the block succeeds they all replace their
    targets at once, else they all vanish and no target is touched.

    Missing folders on the way to the targets are made. The files get `mode` (default: what
    the user's umask gives new files). `hold_at` names a hold point (faults.py) just before
    they are put in place."""
    for target in targets:
        check_writable(target, overwrite=overwrite, keep=keep)
    temporary: list[Path] = []
    try:
        try:
            for target in targets:
                target.parent.mkdir(parents=True, exist_ok=True)
                remove_stale_parts(target.parent)
                fd, name = tempfile.mkstemp(prefix=f".{target.name}.{SCRATCH.id}.", suffix=".part", dir=target.parent)
                os.fchmod(fd, _new_file_mode() if mode is None else mode)  # mkstemp makes 0600
                os.close(fd)
                temporary.append(Path(name))
        except OSError as e:
            raise VoiceguideError(os_message(target, e)) from None
        try:
            yield temporary
        except OSError as e:  # writing them: the error names the file, and so the folder at fault
            raise VoiceguideError(os_message(targets[0], e)) from None
        with uninterrupted():
            if hold_at:
                hold(hold_at)
            _put_in_place(list(zip(temporary, targets, strict=True)), overwrite=overwrite)
    finally:
        for path in temporary:
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(target: Path, *, overwrite: bool, keep: Path | None = None, mode: int | None = None) -> Iterator[Path]:
    """`atomic_paths` for one file."""
    with atomic_paths([target], overwrite=overwrite, keep=keep, mode=mode) as (temporary,):
        yield temporary


def _put_in_place(pairs: list[tuple[Path, Path]], *, overwrite: bool) -> None:
    placed: list[Path] = []
    target = pairs[0][1]
    try:
        for temporary, target in pairs:
            if overwrite:
                os.replace(temporary, target)
            else:
                _place_new(temporary, target)
            placed.append(target)
    except OSError as e:
        if not overwrite:
            for path in placed:  # ours, just made: the set goes in whole or not at all
                path.unlink(missing_ok=True)
        if isinstance(e, FileExistsError):
            raise UsageError(
                f"{target}: already exists (made meanwhile, by another run?); nothing was written"
            ) from None
        raise VoiceguideError(os_message(target, e)) from None


def _place_new(temporary: Path, target: Path) -> None:
    """Move `temporary` to `target`, failing with FileExistsError if `target` exists by now."""
    try:
        os.link(temporary, target)  # atomic, and fails if the name is taken
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        # A file system without hard links: claim the name, then move onto the claim.
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        os.replace(temporary, target)
    else:
        os.unlink(temporary)


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Ctrl-C waits until the block is done (a few renames), then takes effect as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pending:
            signal.raise_signal(signal.SIGINT)


def remove_stale_parts(folder: Path) -> None:
    """Remove temporary files in `folder` whose owner process is gone (killed mid-write)."""
    root = scratch_root()
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            match = _PART.match(entry.name)
            if match and match["owner"] != SCRATCH.id and not alive(root, match["owner"]):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _new_file_mode() -> int:
    """The mode a new file gets under the process's umask. Reading the umask means setting it
    for a moment: two threads writing files at once (the picture and levelling caches) take
    turns, or one could read the other's 022 and leave it set."""
    with _UMASK_LOCK:
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


_UMASK_LOCK = threading.Lock()


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


def write_text_atomic(target: Path, text: str, *, overwrite: bool, mode: int | None = None) -> None:
    with atomic_path(target, overwrite=overwrite, mode=mode) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes_atomic(target: Path, data: bytes, *, overwrite: bool) -> None:
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)


def os_message(target: Path, error: OSError) -> str:
    """One line for an OSError met while writing `target`, naming the folder at fault: a
    full disk may be the temporary folder's, not the output's."""
    where = Path(error.filename) if error.filename else target
    scratch = SCRATCH.root
    if scratch == where or scratch in where.parents:
        return (
            f"{scratch.parent}: {_trouble(error)} (voiceguide's temporary files go there; set TMPDIR to "
            f"a folder with room); nothing was written to {target}"
        )
    if error.errno == errno.ENOSPC:
        return f"{target}: the disk is full; nothing was written"
    return f"{where}: cannot write: {error.strerror}"


def _trouble(error: OSError) -> str:
    return "the disk is full" if error.errno == errno.ENOSPC else f"cannot write: {error.strerror}"

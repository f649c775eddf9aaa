"""voiceguide's own place for temporary files, so none outlives the process that made them.

Each process that writes temporary files gets one folder, under a root of voiceguide's own
(in memory, /dev/shm, where the system has it; else the system's temporary folder), and holds
a lock on it for as long as it lives. The folder goes when the process ends normally or by
Ctrl-C; one left by a process that was killed outright (its lock gone with it) is removed by
the next voiceguide process to start.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import os
import secrets
import shutil
import stat
import tempfile
import threading
import time
from pathlib import Path

LOCK = ".lock"


YOUNG_S = 60.0
"""A half-made folder (".new-...", not yet locked and named) this new is left alone."""


SHM_ROOM_BYTES = 512 * 1024 * 1024
"""The room /dev/shm must have to be used: a five-hour track's encoded parts take about 150 MB
there, and a container's /dev/shm is often only 64 MB."""


def scratch_root() -> Path:
    """Where every voiceguide process's scratch folder lives (one root per user): TMPDIR if
    set, else in memory (/dev/shm) where the system has it with room to spare, else the
    system's temporary folder."""
    chosen = os.environ.get("TMPDIR")
    shm = Path("/dev/shm")
    if chosen:
        base = Path(chosen)
    elif shm.is_dir() and os.access(shm, os.W_OK) and _room(shm) >= SHM_ROOM_BYTES:
        base = shm
    else:
        base = Path(tempfile.gettempdir())
    return base / f"voiceguide-{os.getuid()}"


def _room(folder: Path) -> int:
    try:
        found = os.statvfs(folder)
    except OSError:
        return 0
    return found.f_bavail * found.f_frsize


class Scratch:
    """This process's scratch folder: made on first use, locked while the process lives."""

    def __init__(self, root: Path | None = None) -> None:
        self._root = root
        self._path: Path | None = None
        self._lock_fd: int | None = None
        self._owner = 0
        """The process that made the folder (a forked child must not remove it)."""
        self._root_in_use: Path | None = None
        """The root the folder is in: the shared one, or a private one if that was not safe."""
        self._making = threading.RLock()  # (a Ctrl-C handler in the same thread may ask too)

    @property
    def id(self) -> str:
        """The folder's name: what a `.part` file beside an output names as its owner."""
        return self.path.name

    @property
    def root(self) -> Path:
        """Where this process's folder is (or would be made): for naming the place at fault."""
        return self._root_in_use or self._root or scratch_root()

    @property
    def path(self) -> Path:
        with self._making:  # threads writing at once (the caches') make one folder
            if self._path is None:
                self._path = self._make()
        return self._path

    def _make(self) -> Path:
        root = self._root_in_use = _own_root(self._root or scratch_root())
        remove_stale(root)
        name = f"{os.getpid()}-{secrets.token_hex(4)}"
        # Made and locked under a name the sweep passes over, then named: a folder under its
        # real name is locked from the first moment, so no other process takes it for stale.
        making = root / f".new-{name}"
        making.mkdir(mode=0o700)
        fd = os.open(making / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        path = root / name
        os.rename(making, path)
        self._lock_fd = fd
        self._owner = os.getpid()
        atexit.register(self.close)
        return path

    def close(self) -> None:
        """Remove the folder and all in it."""
        if self._path is None or os.getpid() != self._owner:
            return
        path, self._path = self._path, None
        shutil.rmtree(path, ignore_errors=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        root, self._root_in_use = self._root_in_use, None
        if root is not None and root.name.startswith(PRIVATE):
            with contextlib.suppress(OSError):
                root.rmdir()  # a root of this process's own (the shared one was not safe)


PRIVATE = "voiceguide-private-"


def _own_root(root: Path) -> Path:
    """`root`, made if need be, if it is a folder of this user's that no one else can write
    to; else (another user made it first in a shared temporary folder, a file or a link has
    its name) a root of this process's own beside it."""
    with contextlib.suppress(OSError):
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        info = os.lstat(root)
    except OSError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid():
        if info.st_mode & 0o077:
            os.chmod(root, 0o700)  # made by us, but open to others (an old umask): closed
        return root
    return Path(tempfile.mkdtemp(prefix=PRIVATE, dir=root.parent))


def alive(root: Path, owner: str) -> bool:
    """Is the process that made scratch folder `owner` under `root` still running?"""
    lock = root / owner / LOCK
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:  # not under this root: a process whose root was private (or one long gone)
        return _process_running(owner)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        return e.errno in (errno.EWOULDBLOCK, errno.EAGAIN)
    finally:
        os.close(fd)  # closing drops a lock this call took: the folder stays free
    return False


def _process_running(owner: str) -> bool:
    """Is the process that named scratch folder `owner` ("PID-xxxxxxxx") running? (Taken as
    yes if it cannot be told: a file of a live process's is never removed.)"""
    pid = owner.split("-", 1)[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:  # running, as another user
        return True
    return True


def remove_stale(root: Path) -> None:
    """Remove the scratch folders of processes that are gone."""
    now = time.time()
    with contextlib.suppress(OSError), os.scandir(root) as entries:
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False):
                continue
            if entry.name.startswith(".new-"):
                stale = now - entry.stat(follow_symlinks=False).st_mtime > YOUNG_S
            else:
                stale = not alive(root, entry.name)
            if stale:
                shutil.rmtree(entry.path, ignore_errors=True)


SCRATCH = Scratch()
"""The process's scratch folder."""

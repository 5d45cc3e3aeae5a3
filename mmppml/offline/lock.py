"""One run at a time per output directory: an exclusive lock held while a run writes.

The lock is ``fcntl.flock`` on ``OUT/.mmppml-lock``, which also records the owner's pid. The
kernel releases it when the owner and its workers are gone, so a lock left by a killed run is
never stale; a second run is refused while the first (or any of its workers) is alive. The lock
file is never opened through a link, and must be a plain file with one link (it is truncated).
"""
import fcntl
import os
from pathlib import Path

from .files import open_run_file
from .spec import LockedError, OutputError

LOCK_NAME = '.mmppml-lock'


class OutputLock:
    """Context manager holding the lock on ``output`` (an existing directory).

    Args:
        output (Path): the output directory.
        name (str): the lock file's name (each shard of a run also holds one of its own).
        shared (bool): take it shared: shards share the output's lock, which keeps out a whole run
            or a merge (they take it exclusively) but not each other.

    Raises:
        LockedError: another process holds it (exclusively, or at all for an exclusive lock).
        OutputError: the lock file cannot be created or written (e.g. a read-only directory, a full disk).
        EncryptionError: the lock file is a link, a hard link or not a regular file (exit code 2).
    """

    def __init__(self, output: Path, name: str = LOCK_NAME, shared: bool = False):
        self.path = Path(output) / name
        self.shared = shared
        self._fd = None

    def __enter__(self) -> 'OutputLock':
        try:
            fd = open_run_file(self.path, os.O_RDWR | os.O_CREAT)
        except OSError as e:
            raise OutputError(f'cannot create the lock file {self.path}: {e.strerror or type(e).__name__}') from None
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors='replace').strip() or 'shards of a run'
            os.close(fd)
            raise LockedError(f'{self.path.parent} is being written by another run (pid {owner}, or its workers); '
                              'wait for it to end, or stop it, then rerun') from None
        if not self.shared:
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f'{os.getpid()}\n'.encode(), 0)
            except OSError as e:  # a full disk: the lock is released with the file
                os.close(fd)
                raise OutputError(f'cannot write the lock file {self.path}: {e.strerror or type(e).__name__}') from None
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            if not self.shared:
                os.ftruncate(self._fd, 0)  # no pid left behind for the next refusal to name
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

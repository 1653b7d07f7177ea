"""Writing files so that nothing half-written is ever left behind."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_abandoned(target: Path) -> list[Path]:
    """Remove temporary files of ``target`` left by a writer that was killed (kill -9, out of
    memory, power): their names carry the writer's process id, and that process is gone. A
    temporary folder so named (Spark's sorted hits) goes with all it holds."""
    removed: list[Path] = []
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        pid = leftover.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
            removed.append(leftover)
    return removed


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` only on success.

    On any exception the temporary file is removed and ``target`` is left as it was; one left
    by a killed process (``.<name>.<pid>.<random>.tmp``) is removed by the next write of the
    same target. The file
    is created readable by its owner only (0600): outputs carry personal data.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "out.txt") as tmp:
    ...     _ = tmp.write_text("done")
    >>> (d / "out.txt").read_text()
    'done'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(target)
    fd, name = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.replace(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


PRIVATE_UMASK = 0o077
"""Files Palermo creates are readable by their owner only (0600), folders 0700."""


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and missing parents) if needed and make it 0700; return it.

    >>> import tempfile, pathlib, stat
    >>> d = private_dir(pathlib.Path(tempfile.mkdtemp()) / "uploads")
    >>> oct(stat.S_IMODE(d.stat().st_mode))
    '0o700'
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    return folder


def make_private(*paths: str | os.PathLike[str]) -> None:
    """Make the files among ``paths`` that exist 0600 (a file created before the umask was
    set, or by another program such as SQLite's WAL)."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            Path(path).chmod(0o600)

"""Atomic writes and safe output folders: a crash never leaves a half-written file or deletes user data."""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from rib.errors import RIBError

log = logging.getLogger(__name__)

TEMPORARY_NAME = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp(\.[^.]+)?")
"""The names :func:`atomic_path` gives its temporary files (``.<stem>.<mkstemp's 8 characters>.tmp<suffix>``)."""


def cannot_write(path: Path, error: OSError) -> RIBError:
    """The error for an output that cannot be written (read-only folder, disk full, a file where a folder goes)."""
    return RIBError(f"{path}: cannot write ({error.strerror or error})")


def _temporary_beside(path: Path) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    except OSError as error:
        raise cannot_write(path, error) from None
    os.close(fd)
    tmp = Path(tmp)
    tmp.chmod(0o666 & ~_umask())  # mkstemp makes owner-only files; give ours the usual permissions
    return tmp


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only if the block succeeds.

    An OSError that names no file (a full disk while writing) is reported against ``path``.
    """
    path = Path(path)
    tmp = _temporary_beside(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as error:
        if error.filename is not None and Path(error.filename) != tmp:
            raise
        raise cannot_write(path, error) from None
    finally:
        tmp.unlink(missing_ok=True)


def remove_orphaned_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporary files that killed atomic writes left in ``folder`` (only this module's own names).

    Call it only where no other process is writing into ``folder`` (e.g. when a run prepares its checkpoints).
    """
    return _remove_temporaries(Path(folder), TEMPORARY_NAME)


def _remove_temporaries(folder: Path, names: re.Pattern) -> list[Path]:
    """Delete the files of ``folder`` whose whole name matches ``names``."""
    orphans = sorted(p for p in folder.iterdir() if p.is_file() and names.fullmatch(p.name)) if folder.is_dir() else []
    for orphan in orphans:
        orphan.unlink(missing_ok=True)
    if orphans:
        log.info("%s: removed %d temporary file(s) left by an interrupted write", folder, len(orphans))
    return orphans


def remove_temporaries_of(path: str | os.PathLike) -> list[Path]:
    """Delete the temporary files that killed atomic writes of ``path`` left beside it (``.<stem>.*.tmp<suffix>``).

    Call it only while no other process writes ``path`` (under :func:`output_lock`).
    """
    path = Path(path)
    own = re.compile(re.escape(f".{path.stem}.") + r"[a-z0-9_]{8}\.tmp" + re.escape(path.suffix))
    return _remove_temporaries(path.parent, own)


def _holds(lock: Path, fd: int) -> bool:
    try:
        return os.stat(lock).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def output_lock(path: str | os.PathLike) -> Iterator[None]:
    """Hold ``.<name>.lock`` beside the output ``path`` for the block: a second run writing the same output is
    refused instead of mixing its files in. The kernel frees the lock of a killed run, so a rerun gets it; the
    temporary files a killed write of ``path`` left are then removed (:func:`remove_temporaries_of`)."""
    path = Path(path)
    lock = path.with_name(f".{path.name}.lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise RIBError(f"{path}: another run (pid {holder}) is writing it; wait for it to finish or choose "
                               "another output") from None
            if _holds(lock, fd):
                break
            os.close(fd)  # the lock file was removed and made anew meanwhile: lock the new one
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
    except OSError as error:
        raise cannot_write(path, error) from None
    try:
        remove_temporaries_of(path)
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


@contextlib.contextmanager
def output_locks(paths: Iterable[str | os.PathLike]) -> Iterator[None]:
    """:func:`output_lock` of every path, for the block."""
    with contextlib.ExitStack() as stack:
        for path in paths:
            stack.enter_context(output_lock(path))
        yield


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def prepare_output_dir(path: str | os.PathLike, overwrite: bool = False, pattern: str = "*") -> Path:
    """Create ``path`` for new outputs without ever deleting a user's folder.

    An existing folder that holds files matching ``pattern`` is refused unless ``overwrite`` is set; then only
    those files (our own outputs) are removed, never the folder or anything else in it.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise RIBError(f"{path}: exists and is not a folder; give a folder for the outputs")
    existing = sorted(p for p in path.glob(pattern) if p.is_file()) if path.is_dir() else []
    if existing and not overwrite:
        raise RIBError(f"{path}: already holds {len(existing)} file(s) named like this command's outputs "
                       f"({pattern}); pass --overwrite to replace them, or choose another output folder")
    for old in existing:
        old.unlink()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise cannot_write(path, error) from None
    return path

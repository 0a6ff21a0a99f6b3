"""Atomic writes and safe output folders: a crash never leaves a half-written file or deletes user data."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from rib.errors import RIBError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    tmp.chmod(0o666 & ~_umask())  # mkstemp makes owner-only files; give ours the usual permissions
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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
    existing = sorted(p for p in path.glob(pattern) if p.is_file()) if path.is_dir() else []
    if existing and not overwrite:
        raise RIBError(f"{path}: already holds {len(existing)} output file(s); pass --overwrite to replace them")
    for old in existing:
        old.unlink()
    path.mkdir(parents=True, exist_ok=True)
    return path

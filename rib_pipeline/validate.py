"""Checks of the command line that run before any stage writes anything."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable

from rib.errors import RIBError
from rib.safety import refuse_overlap

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov")
"""Output names the mp4 container fits."""


def nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_writable(path: Path) -> None:
    """Raise :class:`RIBError` unless a file can be created at ``path`` (its folders are made later if missing).

    Probed by creating and removing a temporary file named as :func:`rib.atomic.atomic_path` will name it, in the
    closest existing folder, which also catches read-only file systems, permissions that :func:`os.access` misjudges
    for root, and names too long for the file system (before any stage runs).
    """
    folder = nearest_existing(path.parent)
    if not folder.is_dir():
        raise RIBError(f"{path}: cannot write ({folder} is a file, not a folder)")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=folder)
    except OSError as error:
        raise RIBError(f"{path}: cannot write ({error.strerror or error})") from None
    os.close(fd)
    Path(probe).unlink(missing_ok=True)


def check_output_file(path: Path, inputs: Iterable[Path | None], overwrite: bool) -> None:
    """The output video: an mp4 name, apart from every input, not a folder, existing only with ``overwrite``."""
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        raise RIBError(f"{path}: the output must be an mp4 file ({', '.join(VIDEO_SUFFIXES)})")
    refuse_overlap(inputs, path)
    if path.is_dir():
        raise RIBError(f"{path}: is a folder; give the output video's file name")
    if path.exists() and not overwrite:
        raise RIBError(f"{path}: already exists; pass --overwrite to replace it")
    check_writable(path)


def check_output_dir(path: Path, inputs: Iterable[Path | None], what: str) -> None:
    """An output folder (``what`` names its option): apart from every input, and new or empty."""
    refuse_overlap(inputs, path)
    if path.exists() and not path.is_dir():
        raise RIBError(f"{path}: exists and is not a folder ({what})")
    if path.is_dir() and any(path.iterdir()):
        raise RIBError(f"{path}: is not empty; give a new or empty folder for {what}")
    check_writable(path / "probe")


def check_input_path(path: Path, what: str) -> None:
    """An input that must exist."""
    if not path.exists():
        raise RIBError(f"{path}: not found ({what})")

"""Reading the text files users hand us (JSON, YAML, CSV): one clear error naming the file, never a traceback."""
from __future__ import annotations

import os
from pathlib import Path

from rib.errors import RIBError


def read_text(path: str | os.PathLike) -> str:
    """The UTF-8 text of ``path``; a missing, unreadable or non-UTF-8 file raises :class:`RIBError` naming it."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise RIBError(f"{path}: cannot read ({error.strerror or error})") from None
    except UnicodeDecodeError as error:
        raise RIBError(f"{path}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start}; "
                       "a binary file, or another encoding such as UTF-16?)") from None

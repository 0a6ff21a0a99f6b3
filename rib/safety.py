"""Guards that keep a command from writing into, over or around its own inputs."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from rib.errors import RIBError


def overlaps(first: str | os.PathLike, second: str | os.PathLike) -> bool:
    """Whether two locations are the same, or one lies inside the other (symlinks and ``..`` resolved)."""
    a, b = Path(first).resolve(), Path(second).resolve()
    return a == b or a in b.parents or b in a.parents


def refuse_overlap(inputs: Iterable[str | os.PathLike | None], output: str | os.PathLike) -> None:
    """Raise :class:`RIBError` when ``output`` equals, contains or lies inside one of ``inputs`` (``None`` skipped).

    Call it before anything is written: an output there could replace or delete the inputs it is made from.
    """
    for source in inputs:
        if source is not None and overlaps(source, output):
            raise RIBError(f"{output}: the output must not be, contain or lie inside the input {source}; "
                           "choose a separate output location")

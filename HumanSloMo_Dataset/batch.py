"""Run one job per clip (or video): a bad item is reported and skipped, the others still get done."""
from __future__ import annotations

import logging
from typing import Callable, Iterable, TypeVar

from tqdm import tqdm

from rib.errors import RIBError

Item = TypeVar("Item")
log = logging.getLogger(__name__)


def run_each(items: Iterable[Item], job: Callable[[Item], object], name: Callable[[Item], str] = str,
             desc: str = "clips") -> list[str]:
    """Call ``job`` on every item; return ``"<name>: <problem>"`` for each item whose job raised RIBError."""
    failures = []
    items = list(items)
    for item in tqdm(items, desc=desc, unit=desc.split()[-1].rstrip("s") or "item"):
        try:
            job(item)
        except RIBError as error:
            log.error("%s: %s", name(item), error)
            failures.append(f"{name(item)}: {error}")
    return failures


def raise_if_failed(failures: list[str], total: int, what: str = "clips") -> None:
    """End the run with one clear error summarising ``failures`` (the successful items are already written)."""
    if failures:
        shown = "; ".join(failures[:3]) + ("; ..." if len(failures) > 3 else "")
        raise RIBError(f"{len(failures)} of {total} {what} failed (the others were written): {shown}")

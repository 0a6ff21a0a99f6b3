"""User-facing errors and the wrapper that turns them into one clean line on the command line."""
from __future__ import annotations

import functools
import logging
import sys
from typing import Callable, Sequence


class RIBError(Exception):
    """An error caused by the user's input; its message names the file and the problem."""


def cli_entry(main: Callable[[Sequence[str] | None], object]) -> Callable[[Sequence[str] | None], None]:
    """Wrap a ``main(argv)`` so that :class:`RIBError` ends the program with ``error: ...`` and exit code 2."""

    @functools.wraps(main)
    def wrapper(argv: Sequence[str] | None = None) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
        try:
            main(argv)
        except RIBError as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(2)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            sys.exit(130)

    return wrapper

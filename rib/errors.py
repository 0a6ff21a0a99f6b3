"""User-facing errors and the wrapper that turns them into one clean line on the command line."""
from __future__ import annotations

import functools
import logging
import sys
from typing import Callable, Sequence


class RIBError(Exception):
    """An error caused by the user's input; its message names the file and the problem."""


def describe_os_error(error: OSError) -> str:
    """``<file>: <problem>`` for an OSError (``<file> -> <other>`` if it names two, the problem alone if none)."""
    problem = error.strerror or str(error)
    names = [str(name) for name in (error.filename, error.filename2) if name is not None]
    return f"{' -> '.join(names)}: {problem}" if names else problem


def describe_decode_error(error: UnicodeDecodeError) -> str:
    """The problem of an input that is not text in the expected encoding (its reader did not name the file)."""
    return f"an input file is not {error.encoding} text ({error.reason} at offset {error.start})"


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def cli_entry(main: Callable[[Sequence[str] | None], object]) -> Callable[[Sequence[str] | None], None]:
    """Wrap a ``main(argv)`` so that bad input ends the program with one ``error: ...`` line and exit code 2.

    Handled: :class:`RIBError` (the project's own), any ``OSError`` (unreadable input, read-only or full disk, an
    output path that is an existing file) and ``UnicodeDecodeError`` (binary or non-UTF-8 text given as input).
    """

    @functools.wraps(main)
    def wrapper(argv: Sequence[str] | None = None) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
        try:
            main(argv)
        except RIBError as error:
            _fail(str(error))
        except OSError as error:
            _fail(describe_os_error(error))
        except UnicodeDecodeError as error:
            _fail(describe_decode_error(error))
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            sys.exit(130)

    return wrapper

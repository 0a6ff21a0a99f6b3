"""User-facing errors and the wrapper that turns them into one clean line on the command line."""
from __future__ import annotations

import contextlib
import functools
import logging
import signal
import sys
import threading
from typing import Callable, Iterator, Sequence


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


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, ``timeout``, a scheduler), raised where the program is, so that it cleans up as after
    Ctrl-C: temporary folders and unfinished atomic outputs are removed."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` for the block (in the main thread only; elsewhere it does nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def cli_entry(main: Callable[[Sequence[str] | None], object]) -> Callable[[Sequence[str] | None], None]:
    """Wrap a ``main(argv)`` so that bad input ends the program with one ``error: ...`` line and exit code 2.

    Handled: :class:`RIBError` (the project's own), any ``OSError`` (unreadable input, read-only or full disk, an
    output path that is an existing file) and ``UnicodeDecodeError`` (binary or non-UTF-8 text given as input).
    Ctrl-C and SIGTERM unwind the program (so its temporaries are removed) and exit with 130 and 143.
    """

    @functools.wraps(main)
    def wrapper(argv: Sequence[str] | None = None) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
        try:
            with sigterm_as_interrupt():
                main(argv)
        except RIBError as error:
            _fail(str(error))
        except OSError as error:
            _fail(describe_os_error(error))
        except UnicodeDecodeError as error:
            _fail(describe_decode_error(error))
        except Terminated:
            print("terminated", file=sys.stderr)
            sys.exit(143)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            sys.exit(130)

    return wrapper

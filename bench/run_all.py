"""Run every benchmark script in bench/ with its default arguments (each writes its report to bench/reports/)."""
from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from pathlib import Path
from typing import Sequence

from rib.errors import RIBError, cli_entry

HERE = Path(__file__).resolve().parent
log = logging.getLogger("bench")


def scripts() -> list[Path]:
    """The benchmark scripts, in name order (this runner excluded)."""
    return sorted(path for path in HERE.glob("*.py") if path.name != Path(__file__).name)


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--only", nargs="*", default=[], help="run just these scripts (names without .py)")
    args = parser.parse_args(argv)
    unknown = set(args.only) - {path.stem for path in scripts()}
    if unknown:
        raise RIBError(f"bench/: no benchmark named {', '.join(sorted(unknown))}")
    chosen = [path for path in scripts() if not args.only or path.stem in args.only]
    failed = []
    for path in chosen:
        log.info("running %s", path.name)
        if subprocess.run([sys.executable, str(path)], cwd=HERE.parent).returncode != 0:
            failed.append(path.name)
    if failed:
        raise RIBError(f"bench/: {len(failed)} of {len(chosen)} benchmark(s) failed: {', '.join(failed)}")
    log.info("%d benchmark(s) done", len(chosen))


if __name__ == "__main__":
    main()

"""The ``rib`` command: ``rib interpolate`` (a video to slow motion) and ``rib finetune`` (a person-specific
renderer from the user's own clip)."""
from __future__ import annotations

import argparse
from typing import Sequence

from rib.errors import cli_entry
from rib_pipeline import finetune, interpolate

COMMANDS = {"interpolate": interpolate, "finetune": finetune}


def build_parser() -> argparse.ArgumentParser:
    """``rib`` and its subcommands."""
    parser = argparse.ArgumentParser(prog="rib", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in COMMANDS.items():
        sub = commands.add_parser(name, help=(module.__doc__ or "").splitlines()[0],
                                  description=module.__doc__,
                                  formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        module.add_arguments(sub)
    return parser


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    summary = COMMANDS[args.command].run(args)
    print("\n".join(["== summary"] + summary.lines()), flush=True)

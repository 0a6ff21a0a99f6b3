"""Run an external pose estimator (AlphaPose, OpenPose) once per clip folder: write the commands or run them.

Used by the adapter scripts in ``third_party/AlphaPose`` and ``third_party/OpenPose``; their outputs are then
converted with ``rib-estimate-poses --backend alphapose|openpose``.
"""
from __future__ import annotations

import argparse
import logging
import os
import shlex
import subprocess
from pathlib import Path
from typing import Callable, Sequence

from rib.atomic import write_text
from rib.errors import RIBError
from rib.frames import list_clips

log = logging.getLogger(__name__)

CommandFor = Callable[[Path, Path], list[str]]
"""The command (an argument list) that estimates the poses of one clip folder into one output folder."""


def add_common_arguments(parser: argparse.ArgumentParser, tool: str) -> None:
    """The flags every adapter shares: input root, output root, script file, run now."""
    parser.add_argument("--input-dir", "-i", required=True, type=Path,
                        help="root of clip frame folders (e.g. DATASET/train/frames); one run per sub-folder")
    parser.add_argument("--output-dir", "-o", required=True, type=Path,
                        help=f"root for {tool}'s outputs, one sub-folder per clip (give it to rib-estimate-poses "
                             "--poses-from)")
    parser.add_argument("--tool-dir", type=Path, default=Path("."),
                        help=f"the {tool} checkout the commands run in")
    parser.add_argument("--script", "-t", type=Path, default=Path(f"run_{tool.lower()}.sh"),
                        help="shell script to write with one command per clip")
    parser.add_argument("--run", action="store_true",
                        help="run the commands now (in --tool-dir) instead of only writing the script")


def clip_commands(input_dir: Path, output_dir: Path, command_for: CommandFor) -> list[list[str]]:
    """One command per clip sub-folder of ``input_dir``, each writing to ``output_dir/<clip>`` (absolute paths)."""
    return [command_for(clip.resolve(), (Path(output_dir) / clip.name).resolve()) for clip in list_clips(input_dir)]


def write_script(path: Path, commands: Sequence[Sequence[str]], tool_dir: Path) -> None:
    """A POSIX shell script that enters ``tool_dir`` and runs ``commands``, stopping at the first failure."""
    lines = ["#!/bin/sh", "set -e", f"cd {shlex.quote(str(Path(tool_dir).resolve()))}"]
    lines += [shlex.join(command) for command in commands]
    write_text(path, "\n".join(lines) + "\n")
    os.chmod(path, 0o755)


def run_commands(commands: Sequence[Sequence[str]], tool_dir: Path) -> list[str]:
    """Run each command in ``tool_dir``; a failing clip is reported and the others still run. Returns failures."""
    failures = []
    for command in commands:
        log.info("running %s", shlex.join(command))
        try:
            completed = subprocess.run(list(command), cwd=tool_dir, check=False)
        except OSError as error:
            raise RIBError(f"{command[0]}: cannot run ({error.strerror}); is --tool-dir the tool's checkout?") from None
        if completed.returncode != 0:
            failures.append(f"{shlex.join(command)} (exit code {completed.returncode})")
            log.error("failed: %s", failures[-1])
    return failures


def run_adapter(args: argparse.Namespace, command_for: CommandFor) -> None:
    """Write the per-clip script, and run it if ``--run`` was given."""
    commands = clip_commands(args.input_dir, args.output_dir, command_for)
    write_script(args.script, commands, args.tool_dir)
    log.info("wrote %d command(s) to %s", len(commands), args.script)
    if args.run:
        failures = run_commands(commands, args.tool_dir)
        if failures:
            raise RIBError(f"{len(failures)} of {len(commands)} clip(s) failed: {failures[0]}")

"""Benchmark reports (``bench/reports/``): every number in a JSON file, and the Markdown rendered from that JSON.

The Markdown is made from the JSON as written (not from the values in memory), so the two cannot disagree; quotes
of a report elsewhere (READMEs, manifests) can be checked against the JSON.
"""
from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Callable, Sequence

from rib.atomic import write_text
from rib.paths import display_path


def command_line(script: str | Path, argv: Sequence[str]) -> str:
    """The command that ran a benchmark script, as its report shows it: ``python bench/<name>.py <arguments>``."""
    return shlex.join(["python", display_path(script), *map(str, argv)])


def json_path(markdown: Path) -> Path:
    """Where the JSON of the Markdown report ``markdown`` lies: beside it, same stem."""
    return Path(markdown).with_suffix(".json")


def write_report(markdown: Path, report: dict, render: Callable[[dict], str]) -> str:
    """Write ``report`` as JSON beside ``markdown``, then ``render`` of that JSON as the Markdown; return the latter.

    The JSON is written first: the numbers are what counts, should the Markdown fail.
    """
    text = json.dumps(report, indent=1)
    write_text(json_path(markdown), text + "\n")
    rendered = render(json.loads(text))
    write_text(markdown, rendered)
    return rendered

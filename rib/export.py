"""Shipped checkpoint folders (``checkpoints/<model>``): what both stages' export.py share.

An export reads and checks everything first, then writes its files and a ``MANIFEST.json`` listing each one's
sha256 and size. Shipped folders are written only by this step, never by train.py; ``--overwrite`` replaces only
the files an export writes (and an older export's weights file under the old ``.pth`` name, e.g. ``model.pth``).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Sequence

from rib.atomic import prepare_output_dir, write_bytes, write_text
from rib.checkpoint import WEIGHTS_SUFFIX, old_name, sha256_file

MANIFEST = "MANIFEST.json"


def parse_export_args(doc: str, argv: Sequence[str] | None, *, run: str, out: str, quality: str,
                      notes: str) -> argparse.Namespace:
    """The export command line (--run, --out, --command, --quality, --notes, --overwrite) with the stage's help."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True, help=run)
    parser.add_argument("--out", type=Path, required=True, help=out)
    parser.add_argument("--command", required=True, help="the training command, recorded in the manifest")
    parser.add_argument("--quality", type=Path, default=None, help=quality)
    parser.add_argument("--notes", default="", help=notes)
    parser.add_argument("--overwrite", action="store_true", help="replace the files of an existing export")
    return parser.parse_args(argv)


def file_table(folder: Path, names: Sequence[str]) -> dict:
    """``{name: {sha256, bytes}}`` of the files ``names`` in ``folder``, sorted by name."""
    return {name: {"sha256": sha256_file(folder / name), "bytes": (folder / name).stat().st_size}
            for name in sorted(names)}


def write_export(out: Path, files: dict[str, bytes], manifest: dict, overwrite: bool,
                 also_listed: Sequence[str] = ()) -> dict:
    """Write ``files`` (name -> content) into ``out``, then ``manifest`` with its ``files`` table (in the place of
    a ``files`` key it already has): every written file and those of ``also_listed`` present. Returns the manifest.

    A written weights file also replaces its old-extension name (``model.pt`` an older export's ``model.pth``)."""
    replaced = [old_name(name) for name in files if name.endswith(WEIGHTS_SUFFIX)]
    for name in [*files, MANIFEST, *replaced]:  # the caller has read and checked every input: nothing is written before
        prepare_output_dir(out, overwrite, name)
    for name, content in files.items():
        write_bytes(out / name, content)
    manifest["files"] = file_table(out, [*files, *(name for name in also_listed if (out / name).is_file())])
    write_text(out / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return manifest

"""Export a trained warp-blend run into a shipped checkpoint folder with its MANIFEST.json.

Shipped folders (``checkpoints/render``) are written only by this step, never by train.py. The manifest records every
file's sha256 and size, the training command, epochs, steps and wall time (from the run's history), and the quality
numbers of a ``bench/quality.py`` JSON report when one is given.

Example:
    python Pose_Guided_Neural_Rendering/export.py --run runs/render/warp_blend --out checkpoints/render \\
        --command "python Pose_Guided_Neural_Rendering/train.py --config ..." --quality bench/reports/quality.json
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from Pose_Guided_Neural_Rendering.warp_blend.render import WEIGHTS, load_blender
from rib import engine
from rib.checkpoint import WARP_BLEND
from rib.errors import RIBError, cli_entry
from rib.export import parse_export_args, write_export
from rib.machine import describe_machine
from rib.openpose import read_json

LOG = logging.getLogger("render.export")
SHIPPED_FILES = {WEIGHTS: WEIGHTS, "config.yaml": "config.yaml", "history.csv": "training_curve.csv"}
"""Run file -> its name in the shipped folder."""


def quality_summary(report: dict, path: Path) -> dict:
    """The mean rows of a bench/quality.py JSON report, per rate (person PSNR, PSNR, tOF, alpha)."""
    try:
        return {"report": str(path.with_suffix(".md")), "json": str(path), "command": report["command"],
                "rates": {rate: result["mean"] for rate, result in report["rates"].items()}}
    except (KeyError, TypeError):
        raise RIBError(f"{path}: not a bench/quality.py report") from None


def export(run: Path, out: Path, command: str, quality: Path | None, notes: str, overwrite: bool) -> dict:
    """Copy the run's shipped files into ``out`` and write its manifest; returns the manifest."""
    missing = [name for name in SHIPPED_FILES if not (run / name).is_file()]
    if missing:
        raise RIBError(f"{run}: not a finished warp-blend run (missing {', '.join(missing)})")
    model, config = load_blender(run / WEIGHTS, device="cpu")
    training = {"command": command, **engine.history_summary(run), "curve": "training_curve.csv"}  # read before writing
    measured = None if quality is None else quality_summary(read_json(quality), quality)
    manifest = {
        "name": out.name, "kind": WARP_BLEND,
        "about": "Warp-blend renderer: both neighbouring keyframes are warped to the new pose limb by limb at full "
                 "resolution and blended with the interpolated background"
                 + (" and both keyframes unmoved (still keyframes)" if config.model.still_keyframes else "")
                 + " by a small U-Net's per-pixel weights",
        "parameters": sum(p.numel() for p in model.parameters()), "crop_size": config.model.crop_size,
        "format": "model.pt: torch.save dict {kind, config, model (float32 state dict), epoch, step}; "
                  "torch.load(weights_only=True); Pose_Guided_Neural_Rendering.warp_blend.render.load_blender reads it",
        "training": {**training, "machine": describe_machine(), "notes": notes},
        "files": None,
    }
    if measured is not None:
        manifest["quality"] = measured
    files = {name: (run / source).read_bytes() for source, name in SHIPPED_FILES.items()}
    return write_export(out, files, manifest, overwrite)


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_export_args(__doc__, argv, run="run folder written by train.py (model.pt, ...)",
                             out="shipped folder to write (e.g. checkpoints/render)",
                             quality="bench/quality.py JSON report to record",
                             notes="free text recorded in the manifest (data, trials, ...)")
    manifest = export(args.run, args.out, args.command, args.quality, args.notes, args.overwrite)
    LOG.info("exported %s -> %s (%d parameters)", args.run, args.out, manifest["parameters"])


if __name__ == "__main__":
    main()

"""Export a motion training run into a shipped checkpoint folder (``checkpoints/motion``) with its MANIFEST.json.

Writes ``model.pt`` (float16 weights, normaliser, config), ``config.yaml``, ``normaliser.json`` and
``training_curve.csv`` (the run's history), then a manifest with every file's sha256 and size (a hand-written
``README.md`` already in the folder is listed too), the training command and wall time, the data, and the numbers of
a ``bench/motion_quality.py`` JSON report of these weights when one is given. Shipped folders are written only by
this step, never by train.py; ``--overwrite`` replaces only the files it writes.

Example:
    python Human_Motion_Modelling/export.py --run runs/motion/deepmimic --out checkpoints/motion \\
        --command "OMP_NUM_THREADS=2 python Human_Motion_Modelling/train.py ..." \\
        --quality bench/reports/motion_quality.json
"""
from __future__ import annotations

import hashlib
import json
import logging
import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from Human_Motion_Modelling.checkpoints import WEIGHTS, inference_bytes, load_trained_model
from Human_Motion_Modelling.data.sequences import load_sequences
from rib import engine
from rib.checkpoint import find_weights, readable_names
from rib.errors import RIBError, cli_entry
from rib.export import parse_export_args, write_export
from rib.machine import describe_machine
from rib.openpose import read_json

LOG = logging.getLogger("motion.export")
CONFIG, NORMALISER, CURVE, README = "config.yaml", "normaliser.json", "training_curve.csv", "README.md"


def quality_summary(report: dict, path: Path, weights_sha256: str) -> tuple[dict, dict]:
    """The manifest's ``metrics`` and ``example_check`` from a bench/motion_quality.py JSON report of these weights."""
    try:
        if report["checkpoint_sha256"] != weights_sha256:
            raise RIBError(f"{path}: the report measured other weights (sha256 {report['checkpoint_sha256'][:16]}..., "
                           f"exported {weights_sha256[:16]}...): rerun bench/motion_quality.py on the export")
        results = {case: {method: {"joint_error_px": round(row["joint_error_px"], 2),
                                   "acceleration_error_px": round(row["acceleration_error_px"], 3),
                                   "pck10_percent": round(100 * row["pck@10px"], 1)}
                          for method, row in table.items()}
                   for case, table in report["results"].items()}
        metrics = {"command": report["command"], "report": str(path.with_suffix(".md")), "json": str(path),
                   "protocol": f"8 held-out DeepMimic clips x {report['views']} fixed views, 512-px canvas, "
                               "in-between frames", "results": results}
        example = {"command": f"{report['command']} (its example-clip line)",
                   "inbetween_error_px_768x512": {"Predict_motion": round(report["example"]["model"], 2),
                                                  "Linear_motion": round(report["example"]["linear"], 2)},
                   "note": "example/input_poses upsampled and compared with the exact example/poses on in-between "
                           "frames"}
    except (KeyError, TypeError):
        raise RIBError(f"{path}: not a bench/motion_quality.py report") from None
    return metrics, example


def data_summary(config: dict) -> dict:
    """The h5, splits and sequence names the run trained and was tested on."""
    data = config["data"]
    names = {split: sorted(name.split("/")[-1] for name in load_sequences(data["h5_file"], data[split],
                                                                          float(data["fps"])))
             for split in ("train_split", "test_split")}
    return {"h5": data["h5_file"], "train_split": list(data["train_split"]), "test_split": list(data["test_split"]),
            "train_sequences": names["train_split"], "test_clips": names["test_split"]}


def export(run: Path, out: Path, command: str, quality: Path | None, notes: str, overwrite: bool) -> dict:
    """Write the shipped files of ``run`` into ``out`` and its manifest; returns the manifest."""
    source = find_weights(run, readable_names(WEIGHTS))  # an older run holds model.pth
    if source is None or not source.is_file() or not (run / engine.HISTORY).is_file():
        raise RIBError(f"{run}: not a finished motion run (needs {WEIGHTS} and {engine.HISTORY})")
    trained = load_trained_model(source)
    training = engine.history_summary(run)
    data = data_summary(trained.config)
    weights = inference_bytes(source)
    measured = None if quality is None else quality_summary(read_json(quality), quality,
                                                            hashlib.sha256(weights).hexdigest())
    normaliser = json.dumps({
        "about": "per-joint (19 x [x, y]) mean and std of root-relative, body-scale-normalised 2D training poses; "
                 "the model sees (coords - mean) / std",
        "mean": trained.normaliser.mean.tolist(), "std": trained.normaliser.std.tolist()}, indent=1) + "\n"
    files = {WEIGHTS: weights, CONFIG: (run / engine.CONFIG).read_bytes(), CURVE: (run / engine.HISTORY).read_bytes(),
             NORMALISER: normaliser.encode()}
    manifest = {
        "name": out.name,
        "about": "Two-stage DETR-style motion transformer (d=128, 6+6 layers) upsampling J19 2D poses",
        "files": None,
        "format": WEIGHTS + ": torch.save dict {model (float16 state_dict), normaliser {mean, std}, config, epoch}; "
                  "torch.load(weights_only=True); Human_Motion_Modelling.checkpoints.load_trained_model reads it",
        "training": {"command": command, **training, "epoch": trained.epoch,
                     "parameters": sum(p.numel() for p in trained.model.parameters()),
                     "machine": describe_machine(), "notes": notes},
        "data": data,
    }
    if measured is not None:
        manifest["metrics"], manifest["example_check"] = measured
    return write_export(out, files, manifest, overwrite, also_listed=(README,))


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_export_args(__doc__, argv, run=f"run folder written by train.py ({WEIGHTS}, config.yaml, history.csv)",
                             out="shipped folder to write (e.g. checkpoints/motion)",
                             quality="bench/motion_quality.py JSON report of the exported weights to record "
                                     "(default: none)",
                             notes="free text recorded in the manifest (trials, data, ...)")
    manifest = export(args.run, args.out, args.command, args.quality, args.notes, args.overwrite)
    LOG.info("exported %s -> %s (%d parameters)", args.run, args.out, manifest["training"]["parameters"])


if __name__ == "__main__":
    main()

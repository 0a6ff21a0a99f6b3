"""Benchmark the motion model against linear and cubic-spline interpolation on the held-out DeepMimic clips.

Every test clip is projected from the same fixed, seeded table of views (the training view distribution), its
keyframes every R frames are taken clean or corrupted with the evaluation protocol's seeded detector-like noise
(zero-mean joint noise, dropped joints and left/right flips on ~4 of 21 keyframes each), and the three methods
upsample them back. Errors are measured by the motion stage's own protocol and metrics
(Human_Motion_Modelling/evaluation.py, metrics.py): mean joint error on in-between frames and acceleration error
over all frames, in pixels of a 512-px canvas. Writes a Markdown report and a JSON copy of every number beside it;
the example clip's keyframes are also upsampled and compared with its exact poses (model vs linear).
Example:
    python bench/motion_quality.py --views 10 --output /tmp/motion_quality.md
"""
from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from tqdm import tqdm

from Human_Motion_Modelling.checkpoints import DEFAULT_CHECKPOINT, find_checkpoint, load_trained_model
from Human_Motion_Modelling.data.dataset import ClipSpec
from Human_Motion_Modelling.data.flips import undo_swaps
from Human_Motion_Modelling.data.keyframes import Augmentation
from Human_Motion_Modelling.data.sequences import load_sequences
from Human_Motion_Modelling.evaluation import METHODS, Protocol, view_table
from Human_Motion_Modelling.metrics import MotionMetrics, inbetween_mask
from Human_Motion_Modelling.upsample import linear_upsample, model_upsample
from rib import names
from rib.atomic import write_text
from rib.checkpoint import sha256_file
from rib.errors import RIBError, cli_entry
from rib.frames import list_clips
from rib.machine import describe_machine
from rib.openpose import read_json
from rib.paths import REPO_ROOT, display_path
from rib.poses import read_pose_folder

log = logging.getLogger("bench.motion_quality")
TARGET_GAIN = 0.30
"""The model's in-between error should be at least this fraction below linear interpolation (noisy, rate >= 8)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT,
                        help="motion checkpoint file, or a folder holding model.pt (older: model.pth, last.pth)")
    parser.add_argument("--h5", type=Path, help="motion h5 with the test clips (default: the checkpoint's data)")
    parser.add_argument("--rates", nargs="+", type=int, default=[4, 8, 16], help="keyframe steps (upsample rates)")
    parser.add_argument("--views", type=int, default=100, help="fixed views per test clip")
    parser.add_argument("--view-seed", type=int, default=2021, help="seed of the view table")
    parser.add_argument("--noise-seed", type=int, default=0, help="seed of the keyframe corruptions")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--example", type=Path, default=REPO_ROOT / "example",
                        help="example folder (input_poses/, poses/, manifest.json) also scored: model vs linear")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "reports" / "motion_quality.md",
                        help="Markdown report to write (the JSON goes beside it, same name)")
    return parser


def protocol_for(config: dict, sequences: dict[str, np.ndarray], views: np.ndarray, rate: int,
                 noise_seed: int, noisy: bool) -> Protocol:
    """The evaluation protocol over every (clip, view) pair: each clip appears once per view.

    ``Protocol`` gives sequence ``i`` (in sorted order) view ``i % len(views)`` and noise seed ``(seed, i)``; the
    copies are named ``<clip>#<view>`` and the view table is repeated once per clip, so copy ``v`` of every clip is
    seen from view ``v`` and every copy gets its own corruption.
    """
    copies = {f"{name}#{view:04d}": joints for name, joints in sequences.items() for view in range(len(views))}
    evaluate = config["evaluate"]
    return Protocol(sequences=copies, spec=ClipSpec.from_config(config["data"]), rate=rate,
                    views=np.tile(views, (len(sequences), 1)), noise_seed=noise_seed,
                    augmentation=Augmentation.from_config(evaluate.get("augment")) if noisy else None,
                    px_per_unit=float(evaluate["canvas_px_per_unit"]),
                    pck_px=tuple(float(p) for p in evaluate["pck_px"]))


DENOISED_SPLINE = "stage 1 + spline"
"""Diagnostic row: a cubic spline through the model's stage-1 denoised keyframes (its stage 2 unused)."""
UNSWAPPED_LINEAR = "swaps undone + linear"
"""Diagnostic row: linear interpolation of the keyframes after left/right swaps are undone (no network)."""
ROWS = (*METHODS, UNSWAPPED_LINEAR, DENOISED_SPLINE)


def diagnostic_rows(protocol: Protocol, trained) -> dict[str, dict[str, float]]:
    """The metrics of :data:`UNSWAPPED_LINEAR` and :data:`DENOISED_SPLINE` over the protocol's cases."""
    metrics = {name: MotionMetrics(protocol.pck_px) for name in (UNSWAPPED_LINEAR, DENOISED_SPLINE)}
    cases, _ = protocol.cases()
    for case in cases:
        outputs = {UNSWAPPED_LINEAR: linear_upsample(undo_swaps(case.keyframes, np.arange(len(case.keyframes))
                                                                * protocol.rate), protocol.rate),
                   DENOISED_SPLINE: model_upsample(trained.model, trained.normaliser, case.keyframes, protocol.rate,
                                                   denoised_spline=True)}
        for name, output in outputs.items():
            metrics[name].update(output[..., :2] * protocol.px_per_unit, case.gt[..., :2] * protocol.px_per_unit,
                                 protocol.rate)
    return {name: {**m.result(), "sequences": float(len(cases))} for name, m in metrics.items()}


def gain(model: float, linear: float) -> str:
    """The error reduction relative to linear interpolation, as a signed percentage (negative: worse)."""
    return f"{100.0 * (linear - model) / linear:+.1f}%" if linear > 0 else "n/a"


def render_rows(results: dict[tuple[int, str], dict[str, dict[str, float]]]) -> list[str]:
    """Markdown rows: one per (rate, input, method)."""
    rows = []
    for (rate, inputs), table in results.items():
        for method in ROWS:
            row = table[method]
            versus = gain(row["joint_error_px"], table["linear"]["joint_error_px"]) if method != "linear" else ""
            rows.append(f"| x{rate} | {inputs} | {method} | {row['joint_error_px']:.2f} | {versus} | "
                        f"{row['acceleration_error_px']:.3f} | {100 * row['pck@10px']:.1f} | "
                        f"{int(row['sequences'])} |")
    return rows


def verdict(results: dict[tuple[int, str], dict[str, dict[str, float]]]) -> list[str]:
    """One line per target: clean input never worse than linear, noisy input at least ``TARGET_GAIN`` below linear
    at rates >= 8, and an acceleration error not above linear's (no added jitter)."""
    lines = []
    for (rate, inputs), table in results.items():
        model, linear = table["model"], table["linear"]
        error, linear_error = model["joint_error_px"], linear["joint_error_px"]
        if inputs == "clean":
            lines.append(f"- x{rate}, clean: model {error:.2f} px vs linear {linear_error:.2f} px: "
                         f"{'met' if error <= linear_error else 'NOT met'} (model <= linear)")
        elif rate >= 8:
            met = error <= (1.0 - TARGET_GAIN) * linear_error
            lines.append(f"- x{rate}, noisy: model {error:.2f} px vs linear {linear_error:.2f} px "
                         f"(reduction {gain(error, linear_error)}): target of {100 * TARGET_GAIN:.0f}% "
                         f"{'met' if met else 'NOT met'}")
        accel, linear_accel = model["acceleration_error_px"], linear["acceleration_error_px"]
        lines.append(f"- x{rate}, {inputs}, acceleration: model {accel:.3f} vs linear {linear_accel:.3f} "
                     f"px/frame²: {'met' if accel <= linear_accel else 'NOT met'} (model <= linear)")
    return lines


def example_errors(trained, example: Path) -> dict[str, float]:
    """Mean in-between joint error (px of the example's frames) of the model and of linear interpolation on the
    shipped example clip's keyframes, against its exact poses."""
    manifest = read_json(example / "manifest.json")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("rate"), int) or manifest["rate"] < 2:
        raise RIBError(f"{example / 'manifest.json'}: needs an integer 'rate' of at least 2")
    rate = manifest["rate"]
    errors: dict[str, list[np.ndarray]] = {"model": [], "linear": []}
    for clip in list_clips(example / names.INPUT_POSES):
        keyframes = read_pose_folder(clip)
        exact = read_pose_folder(example / names.POSES / clip.name)
        upsampled = {"model": model_upsample(trained.model, trained.normaliser, keyframes, rate),
                     "linear": linear_upsample(keyframes, rate)}
        between = inbetween_mask(len(upsampled["linear"]), rate)
        known = (exact[:len(between), :, 2] > 0) & between[:, None]
        for method, poses in upsampled.items():
            errors[method].append(np.linalg.norm(poses[..., :2] - exact[:len(poses), :, :2], axis=-1)[known])
    return {method: float(np.concatenate(values).mean()) for method, values in errors.items()}


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if min(args.rates) < 2 or args.views < 1:
        raise RIBError("--rates must all be >= 2 and --views >= 1")
    header = describe_machine()
    checkpoint = find_checkpoint(args.checkpoint)
    trained = load_trained_model(checkpoint)
    config = trained.config
    data = config["data"]
    h5 = args.h5 or data["h5_file"]
    sequences = {name.split("/")[-1]: joints
                 for name, joints in load_sequences(h5, data["test_split"], float(data["fps"])).items()}
    if not sequences:
        raise RIBError(f"{h5}: no test clips in subsets {data['test_split']}")
    views = view_table(args.view_seed, args.views, ClipSpec.from_config(data).rotation_axes)
    example = example_errors(trained, args.example)  # cheap, and checks --example before the long part
    results = {}
    started = time.time()
    for rate in tqdm(args.rates, desc="rates", unit="rate"):
        for inputs in ("clean", "noisy"):
            protocol = protocol_for(config, sequences, views, rate, args.noise_seed, inputs == "noisy")
            results[(rate, inputs)] = protocol.run(trained.model, trained.normaliser)
            results[(rate, inputs)].update(diagnostic_rows(protocol, trained))
            log.info("x%d %s: %s", rate, inputs, {m: round(r["joint_error_px"], 2)
                                                  for m, r in results[(rate, inputs)].items()})
    command = " ".join(shlex.quote(a) for a in ["python", "bench/motion_quality.py", *(argv or sys.argv[1:])])
    report = "\n".join([
        "# Motion quality benchmark", "",
        f"Held-out DeepMimic clips ({', '.join(sorted(sequences))}), each seen from the same {args.views} fixed",
        f"views (seed {args.view_seed}); keyframes every R frames, clean or with the evaluation protocol's seeded",
        "corruptions (each keyframe: p=0.19 of zero-mean noise U(-0.25, 0.25) on 5 limb joints, p=0.19 of 3",
        "dropped joints, p=0.19 of a left/right flip, i.e. ~4 of 21 keyframes each). Joint error: mean distance",
        "on in-between frames; acceleration error: mean over all frames; PCK@10: in-between joints within 10 px.",
        "Pixels of a 512-px canvas (a 1.7 m person is ~435 px tall).", "",
        f"- command: `{command}`", f"- checkpoint: `{display_path(checkpoint)}` (epoch {trained.epoch}, sha256 "
        f"{sha256_file(checkpoint)[:16]}...)", f"- machine: {header}",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {time.time() - started:.0f} s", "",
        "| rate | input | method | in-between error (px) | reduction vs linear | accel. error (px/frame²) | "
        "PCK@10 (%) | clip-views |",
        "|---|---|---|---|---|---|---|---|", *render_rows(results), "",
        "Targets: model never worse than linear on clean keyframes, at least "
        f"{100 * TARGET_GAIN:.0f}% below linear on noisy keyframes at x8 and x16, and no added jitter "
        "(acceleration error not above linear's).", *verdict(results), "",
        f"`{UNSWAPPED_LINEAR}` and `{DENOISED_SPLINE}` are diagnostics, not shipped methods: the linear "
        "interpolation of the keyframes once left/right swaps are undone (the model's first step, no network), and "
        "a cubic spline through the model's stage-1 denoised keyframes (its stage 2 unused).", "",
        f"Example clip (`{display_path(args.example)}`: its keyframe poses upsampled and compared with its exact "
        "poses on in-between frames, pixels of its frames): "
        f"model (Predict_motion) {example['model']:.2f} px, linear (Linear_motion) {example['linear']:.2f} px: "
        f"{'met' if example['model'] <= example['linear'] else 'NOT met'} (model <= linear)", ""])
    write_text(args.output, report)
    write_text(args.output.with_suffix(".json"), json.dumps({
        "command": command, "machine": header, "checkpoint": display_path(checkpoint),
        "checkpoint_sha256": sha256_file(checkpoint), "views": args.views,
        "results": {f"x{rate}_{inputs}": table for (rate, inputs), table in results.items()},
        "example": example}, indent=1) + "\n")
    print(report)


if __name__ == "__main__":
    main()

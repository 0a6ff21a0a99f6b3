"""Figure of the motion model on one held-out clip: joint tracks over time, ground truth vs linear vs model.

One test clip seen from one view of the benchmark's view table, keyframes every R frames with the evaluation
protocol's seeded detector-like corruption (zero-mean joint noise, dropped joints, left/right swaps), upsampled by
linear interpolation and by the model. Each panel is one coordinate of one joint; the title gives both methods'
mean in-between error over every joint of the clip (pixels of the 512-px canvas).
Example:
    python bench/motion_figure.py --clip dance_b --rate 8 --output img/motion_example.png
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")  # file output only, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from Human_Motion_Modelling.checkpoints import DEFAULT_CHECKPOINT, find_checkpoint, load_trained_model  # noqa: E402
from Human_Motion_Modelling.data.dataset import ClipSpec  # noqa: E402
from Human_Motion_Modelling.data.keyframes import Augmentation  # noqa: E402
from Human_Motion_Modelling.data.sequences import load_sequences  # noqa: E402
from Human_Motion_Modelling.evaluation import Protocol, view_table  # noqa: E402
from Human_Motion_Modelling.metrics import inbetween_mask  # noqa: E402
from Human_Motion_Modelling.upsample import linear_upsample, model_upsample  # noqa: E402
from rib.atomic import atomic_path  # noqa: E402
from rib.errors import RIBError, cli_entry  # noqa: E402
from rib.joints import J19_NAMES  # noqa: E402
from rib.paths import REPO_ROOT  # noqa: E402

PANELS = (("RWrist", 0), ("LAnkle", 1))
"""(joint, coordinate 0 = x / 1 = y) of each panel."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT, help="motion checkpoint")
    parser.add_argument("--h5", type=Path, help="motion h5 with the test clips (default: the checkpoint's data)")
    parser.add_argument("--clip", default="dance_b", help="held-out test clip of the checkpoint's motion h5")
    parser.add_argument("--rate", type=int, default=8, help="keyframe step (upsample rate), at least 2")
    parser.add_argument("--view", type=int, default=0, help="index into the benchmark's view table (seed 2021)")
    parser.add_argument("--noise-seed", type=int, default=1, help="seed of the keyframe corruption")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "img" / "motion_example.png",
                        help="PNG to write")
    return parser


def clip_case(trained, h5: Path | None, clip: str, rate: int, view: int, noise_seed: int):
    """The protocol's case of ``clip`` from ``view``: clean ground truth and corrupted keyframes."""
    config, data = trained.config, trained.config["data"]
    h5 = h5 or data["h5_file"]
    sequences = {name.split("/")[-1]: joints
                 for name, joints in load_sequences(h5, data["test_split"], float(data["fps"])).items()}
    if clip not in sequences:
        raise RIBError(f"{h5}: no test clip {clip!r} (there are {', '.join(sorted(sequences))})")
    spec = ClipSpec.from_config(data)
    protocol = Protocol(sequences={clip: sequences[clip]}, spec=spec, rate=rate,
                        views=view_table(2021, view + 1, spec.rotation_axes)[view:],
                        noise_seed=noise_seed, augmentation=Augmentation.from_config(config["evaluate"]["augment"]),
                        px_per_unit=float(config["evaluate"]["canvas_px_per_unit"]), pck_px=(10.0,))
    cases, _ = protocol.cases()
    if not cases:
        raise RIBError(f"{clip}: too short for two keyframes at rate {rate}")
    return cases[0], protocol.px_per_unit


def draw(gt: np.ndarray, keyframes: np.ndarray, outputs: dict[str, np.ndarray], rate: int, title: str,
         path: Path) -> None:
    """Write the figure: one panel per :data:`PANELS` entry, all in pixels."""
    figure, axes = plt.subplots(len(PANELS), 1, figsize=(9, 2.6 * len(PANELS)), sharex=True)
    frames, times = np.arange(len(gt)), np.arange(len(keyframes)) * rate
    for axis, (joint_name, coordinate) in zip(axes, PANELS):
        joint = J19_NAMES.index(joint_name)
        axis.plot(frames, gt[:, joint, coordinate], color="black", lw=2, label="ground truth (60 fps)")
        seen = keyframes[:, joint, 2] > 0
        axis.plot(times[seen], keyframes[seen, joint, coordinate], "o", color="tab:red", ms=5,
                  label="input keyframes (noisy)")
        for (name, output), style in zip(outputs.items(), ("--", "-")):
            axis.plot(frames, output[:, joint, coordinate], style, lw=1.5, label=name)
        axis.set_ylabel(f"{joint_name} {'xy'[coordinate]} (px)")
    figure.suptitle(title, fontsize=10)
    figure.legend(*axes[0].get_legend_handles_labels(), fontsize=8, ncol=4, loc="lower center")
    axes[-1].set_xlabel("frame (60 fps)")
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110)
    plt.close(figure)


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.rate < 2:
        raise RIBError("--rate must be at least 2")
    torch.set_num_threads(1)
    trained = load_trained_model(find_checkpoint(args.checkpoint))
    case, scale = clip_case(trained, args.h5, args.clip, args.rate, args.view, args.noise_seed)
    outputs = {"linear": linear_upsample(case.keyframes, args.rate),
               "model": model_upsample(trained.model, trained.normaliser, case.keyframes, args.rate)}
    between = inbetween_mask(len(case.gt), args.rate)
    errors = {name: float(np.linalg.norm((out[between, :, :2] - case.gt[between, :, :2]) * scale, axis=-1).mean())
              for name, out in outputs.items()}
    title = (f"{args.clip}, x{args.rate}, noisy keyframes: in-between error linear {errors['linear']:.1f} px, "
             f"model {errors['model']:.1f} px (all joints)")
    draw(case.gt[..., :3] * [scale, scale, 1], case.keyframes * [scale, scale, 1],
         {name: out * [scale, scale, 1] for name, out in outputs.items()}, args.rate, title, args.output)
    print(f"{args.output}: {title}")


if __name__ == "__main__":
    main()

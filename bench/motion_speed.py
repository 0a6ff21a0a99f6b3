"""Speed of the motion stage on this machine: data pipeline, training step, inference per 321-frame window.

Writes a Markdown report (default bench/reports/motion_speed.md) with the command and the machine, and a JSON file
with the same numbers beside it. Uses the default config's mocap h5 when it exists, else generated walking motion;
weights are random (speed does not depend on them).
Example (the full run; about a minute on a 2-core CPU):
    python bench/motion_speed.py
Tiny check that it works:
    python bench/motion_speed.py --samples 8 --batch-size 2 --steps 1 --repeats 1 --inference-batches 1 \\
        --out /tmp/motion_speed.md
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from Human_Motion_Modelling.config import WINDOW_FRAMES
from Human_Motion_Modelling.data.dataset import MotionDataset, compute_normaliser, project_clip
from Human_Motion_Modelling.data.representation import MODEL_INPUTS, collate_windows, make_window
from Human_Motion_Modelling.data.sequences import resolve
from Human_Motion_Modelling.data.synthetic import walking_motion, write_walking_h5
from Human_Motion_Modelling.models.losses import motion_loss
from Human_Motion_Modelling.models.transformer import build
from rib.cli import positive_int
from rib.config import apply_overrides, load_config
from rib.errors import cli_entry
from rib.machine import describe_machine
from rib.paths import REPO_ROOT
from rib.reports import command_line, write_report

CONFIG = REPO_ROOT / "Human_Motion_Modelling" / "configs" / "default.yaml"


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=CONFIG,
                        help="motion config (model size, data) (default: Human_Motion_Modelling/configs/default.yaml)")
    parser.add_argument("--samples", type=positive_int, default=256,
                        help="training samples drawn to time the data pipeline (default: 256)")
    parser.add_argument("--batch-size", type=positive_int, default=16,
                        help="training batch size (at most --samples) (default: 16)")
    parser.add_argument("--steps", type=positive_int, default=2,
                        help="timed training steps, after one warm-up step (default: 2)")
    parser.add_argument("--repeats", type=positive_int, default=3,
                        help="timed inference passes per batch size, after one warm-up pass (default: 3)")
    parser.add_argument("--inference-batches", type=positive_int, nargs="+", default=[1, 64],
                        help="batch sizes (321-frame windows per pass) whose inference is timed (default: 1 64)")
    parser.add_argument("--threads", type=positive_int, default=torch.get_num_threads(),
                        help=f"torch CPU threads (default: {torch.get_num_threads()}, torch's default here)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "reports" / "motion_speed.md",
                        help="Markdown report to write; the JSON with the same numbers goes beside it (default: "
                             "bench/reports/motion_speed.md)")
    return parser


def timed(function: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls (seconds), after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def dataset_for(config: dict, scratch: Path) -> tuple[MotionDataset, str]:
    """The config's training set, or generated walking motion when its h5 is absent."""
    if resolve(config["data"]["h5_file"]).is_file():
        return MotionDataset.from_config(config, "train_split"), str(config["data"]["h5_file"])
    path = scratch / "walk.h5"
    write_walking_h5(path, {"Train": 16}, num_frames=600)
    config = apply_overrides(config, [f"data.h5_file={path}", "data.train_split=[Train]"])
    return MotionDataset.from_config(config, "train_split"), "generated walking motion (16 x 600 frames)"


def inference_window(normaliser, rate: int = 8) -> dict[str, np.ndarray]:
    """One full 321-frame window (41 keyframes at rate 8) of a walking person."""
    poses = project_clip(walking_motion(WINDOW_FRAMES), np.zeros(3), 4.0, 4.0)
    times = np.arange(0, WINDOW_FRAMES, rate)
    return make_window(poses[times], times, WINDOW_FRAMES, WINDOW_FRAMES, normaliser).arrays()


def time_data(dataset: MotionDataset, samples: int) -> tuple[list[dict], float]:
    """The first ``samples`` training samples, collated once, and how many the data pipeline makes per second."""
    start = time.perf_counter()
    items = [dataset[i] for i in range(samples)]
    collate_windows(items)
    return items, samples / (time.perf_counter() - start)


def time_training(model: torch.nn.Module, config: dict, items: list[dict], steps: int) -> dict:
    """ms per training step (Adam) on one batch of ``items`` and samples/s, the batch's size and frames."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    batch = collate_windows(items)
    train = config["train"]

    def step() -> None:
        losses = motion_loss(model(**{k: batch[k] for k in MODEL_INPUTS}), batch, float(train["w_2d"]),
                             float(train["w_condition"]))
        optimizer.zero_grad()
        losses["total"].backward()
        optimizer.step()

    model.train()
    seconds = timed(step, steps)
    return {"batch": len(items), "frames": int(batch["frame_valid"].shape[1]), "step_ms": 1000 * seconds,
            "samples_per_s": len(items) / seconds}


def time_inference(model: torch.nn.Module, normaliser, size: int, repeats: int) -> dict:
    """ms per pass of ``size`` full 321-frame windows and per window."""
    model.eval()
    windows = collate_windows([inference_window(normaliser)] * size)
    with torch.inference_mode():
        seconds = timed(lambda: model(**{k: windows[k] for k in MODEL_INPUTS}), repeats)
    return {"batch": size, "ms_per_window": 1000 * seconds / size, "ms_per_pass": 1000 * seconds}


def markdown(report: dict) -> str:
    """The Markdown report of the numbers in ``report`` (the JSON written beside it)."""
    training = report["training"]
    rows = [("data pipeline (1 process)", f"{report['data_samples_per_s']:.0f} samples/s"),
            (f"training step, batch {training['batch']} (frames {training['frames']})",
             f"{training['step_ms']:.0f} ms ({training['samples_per_s']:.1f} samples/s)"),
            *[(f"inference, batch {run['batch']} x 321-frame windows",
               f"{run['ms_per_window']:.1f} ms per window ({run['ms_per_pass']:.0f} ms per pass)")
              for run in report["inference"]]]
    return "\n".join([
        "# Motion stage speed", "",
        f"Command: `{report['command']}`", "",
        f"Machine: {report['machine']} when finished (the machine is shared, so times vary).", "",
        f"Model: {report['parameters']:,} parameters; data: {report['data']}.", "",
        "| what | speed |", "|---|---|", *(f"| {what} | {value} |" for what, value in rows), ""])


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = load_config(args.config)
    report = {"command": command_line(__file__, argv)}
    with tempfile.TemporaryDirectory() as scratch:
        dataset, report["data"] = dataset_for(config, Path(scratch))
        dataset.normaliser = compute_normaliser(dataset, 64, 0)
        items, report["data_samples_per_s"] = time_data(dataset, args.samples)
        model = build(config)
        report["parameters"] = sum(p.numel() for p in model.parameters())
        report["training"] = time_training(model, config, items[:args.batch_size], args.steps)
        report["inference"] = [time_inference(model, dataset.normaliser, size, args.repeats)
                               for size in args.inference_batches]
    report["machine"] = describe_machine()
    print(write_report(args.out, report, markdown))


if __name__ == "__main__":
    main()

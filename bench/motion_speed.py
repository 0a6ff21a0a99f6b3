"""Speed of the motion stage on this machine: data pipeline, training step, inference per 321-frame window.

Writes a markdown report (default bench/reports/motion_speed.md) with the command and the machine.
Uses the default config's mocap h5 when it exists, else generated walking motion; weights are random
(speed does not depend on them).
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from Human_Motion_Modelling.data.dataset import MotionDataset, compute_normaliser, project_clip
from Human_Motion_Modelling.data.representation import MODEL_INPUTS, collate_windows, make_window
from Human_Motion_Modelling.data.sequences import resolve
from Human_Motion_Modelling.data.synthetic import walking_motion, write_walking_h5
from Human_Motion_Modelling.models.losses import motion_loss
from Human_Motion_Modelling.models.transformer import build
from rib.atomic import write_text
from rib.config import apply_overrides, load_config
from rib.errors import cli_entry
from rib.machine import describe_machine
from rib.paths import REPO_ROOT

CONFIG = REPO_ROOT / "Human_Motion_Modelling" / "configs" / "default.yaml"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--config", type=Path, default=CONFIG, help="motion config (model size, data)")
    parser.add_argument("--samples", type=int, default=256, help="training samples drawn to time the data pipeline")
    parser.add_argument("--batch-size", type=int, default=16, help="training batch size")
    parser.add_argument("--steps", type=int, default=2, help="timed training steps (after one warm-up step)")
    parser.add_argument("--repeats", type=int, default=3, help="timed inference passes per batch size")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch CPU threads")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "reports" / "motion_speed.md",
                        help="markdown report to write")
    return parser.parse_args(argv)


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
    poses = project_clip(walking_motion(321), np.zeros(3), 4.0, 4.0)
    times = np.arange(0, 321, rate)
    return make_window(poses[times], times, 321, 321, normaliser).arrays()


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = load_config(args.config)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        dataset, source = dataset_for(config, Path(scratch))
        dataset.normaliser = compute_normaliser(dataset, 64, 0)
        start = time.perf_counter()
        items = [dataset[i] for i in range(args.samples)]
        collate_windows(items)
        elapsed = time.perf_counter() - start
        rows.append(("data pipeline (1 process)", f"{args.samples / elapsed:.0f} samples/s"))

        model = build(config)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
        batch = collate_windows(items[:args.batch_size])
        train = config["train"]

        def step() -> None:
            losses = motion_loss(model(**{k: batch[k] for k in MODEL_INPUTS}), batch, float(train["w_2d"]),
                                 float(train["w_condition"]))
            optimizer.zero_grad()
            losses["total"].backward()
            optimizer.step()

        model.train()
        step_time = timed(step, args.steps)
        rows.append((f"training step, batch {args.batch_size} (frames {batch['frame_valid'].shape[1]})",
                     f"{step_time * 1000:.0f} ms ({args.batch_size / step_time:.1f} samples/s)"))

        model.eval()
        window = inference_window(dataset.normaliser)
        for size in (1, 64):
            windows = collate_windows([window] * size)
            with torch.inference_mode():
                seconds = timed(lambda: model(**{k: windows[k] for k in MODEL_INPUTS}), args.repeats)
            rows.append((f"inference, batch {size} x 321-frame windows",
                         f"{seconds * 1000 / size:.1f} ms per window ({seconds * 1000:.0f} ms per pass)"))
    command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, REPO_ROOT),
                                                          *(argv if argv is not None else sys.argv[1:])])
    report = "\n".join([
        "# Motion stage speed", "",
        f"Command: `{command}`", "",
        f"Machine: {describe_machine()} when finished (the machine is shared, so times vary).", "",
        f"Model: {sum(p.numel() for p in model.parameters()):,} parameters; data: {source}.", "",
        "| what | speed |", "|---|---|", *(f"| {what} | {value} |" for what, value in rows), ""])
    write_text(args.out, report)
    print(report)


if __name__ == "__main__":
    main()

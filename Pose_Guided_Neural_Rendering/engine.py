"""Training loop of the warp-blend renderer: losses through a weight table, exact resume, a NaN guard, TensorBoard.

Run folder: ``checkpoint.pt`` (everything ``--resume`` needs, written atomically after every epoch), ``model.pt``
(the weights inference.py loads, with the config), ``config.yaml``, ``history.csv`` (one row per epoch) and
TensorBoard logs under ``logs/``.
"""
from __future__ import annotations

import csv
import io
import logging
import math
import time
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from tqdm import tqdm

from Pose_Guided_Neural_Rendering.blend_config import KIND, BlendConfig
from Pose_Guided_Neural_Rendering.data.inbetween import InBetweenDataset
from Pose_Guided_Neural_Rendering.models.blender import WarpBlender, blend, features
from rib.atomic import write_text
from rib.checkpoint import capture_rng, load_checkpoint, restore_rng, save_checkpoint
from rib.errors import RIBError

LOG = logging.getLogger("render.engine")
TIE_MARGIN = 0.02
"""A keyframe warp must beat the background by this (mean absolute error in [-1, 1] units) to be the target choice."""
ERROR_POOL = 5
"""Per-pixel errors are averaged over this window before choosing, so the choice follows regions, not noise."""


def forward(model: WarpBlender, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Blend logits (B, 3, H, W) and the blended crop (B, 3, H, W) of a batch."""
    logits = model(features(batch["background"], batch["warp_previous"], batch["warp_next"], batch["proximity"],
                            batch["t"]))
    return logits, blend(logits.softmax(1), batch["background"], batch["warp_previous"], batch["warp_next"])


def best_candidate(batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Index (B, H, W) of the candidate closest to the target around each pixel; the background on near-ties."""
    errors = torch.stack([(batch[key] - batch["target"]).abs().mean(1)
                          for key in ("background", "warp_previous", "warp_next")], 1)
    errors = F.avg_pool2d(errors, ERROR_POOL, stride=1, padding=ERROR_POOL // 2, count_include_pad=False)
    errors[:, 0] -= TIE_MARGIN
    return errors.argmin(1)


LOSSES: dict[str, Callable[..., torch.Tensor]] = {
    "l1": lambda batch, logits, output: (output - batch["target"]).abs().mean(),
    "mse": lambda batch, logits, output: (output - batch["target"]).pow(2).mean(),
    "choice": lambda batch, logits, output: F.cross_entropy(logits, best_candidate(batch)),
}
"""Every loss by name; their weights come from the config's ``loss`` section."""


def compute_losses(model: WarpBlender, batch: dict[str, torch.Tensor],
                   weights: dict[str, float]) -> tuple[torch.Tensor, dict[str, float]]:
    """Weighted total and each term's value, for the losses with a non-zero weight."""
    logits, output = forward(model, batch)
    terms = {name: LOSSES[name](batch, logits, output) for name, weight in weights.items() if weight}
    total = sum(weights[name] * value for name, value in terms.items())
    logs = {f"loss/{name}": float(value.detach()) for name, value in terms.items()}
    logs["loss/total"] = float(total.detach())
    return total, logs


class Run:
    """State of one training run: model, optimiser, counters and history; saved and restored as a whole."""

    def __init__(self, config: BlendConfig, model: WarpBlender, device: torch.device):
        self.config, self.model, self.device = config, model.to(device), device
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=config.train.lr,
                                           weight_decay=config.train.weight_decay)
        self.epoch, self.step = 0, 0
        self.history: list[dict[str, float]] = []

    def state_dict(self) -> dict:
        return {"kind": KIND, "config": self.config.to_dict(), "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(), "epoch": self.epoch, "step": self.step,
                "history": self.history, "rng": capture_rng()}

    def load_state_dict(self, state: dict, where: str) -> None:
        if state.get("kind") != KIND:
            raise RIBError(f"{where}: not a warp-blend renderer checkpoint (kind {state.get('kind')!r})")
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as error:
            raise RIBError(f"{where}: does not match this config's model ({str(error).splitlines()[0]})") from None
        self.epoch, self.step, self.history = state["epoch"], state["step"], state["history"]
        restore_rng(state["rng"])

    def export(self) -> dict:
        """What inference needs: the kind, the config and the weights."""
        return {"kind": KIND, "config": self.config.to_dict(), "model": self.model.state_dict(),
                "epoch": self.epoch, "step": self.step}


def make_loader(dataset: InBetweenDataset, config: BlendConfig, epoch: int) -> DataLoader:
    """Shuffled batches whose order depends only on (seed, epoch), so a resumed run sees the same batches."""
    dataset.epoch = epoch
    generator = torch.Generator().manual_seed(config.train.seed + epoch)
    if config.train.steps_per_epoch:
        draws = config.train.steps_per_epoch * config.train.batch_size
        sampler = (torch.utils.data.WeightedRandomSampler(dataset.draw_weights(), draws, generator=generator)
                   if config.data.hard_share else
                   torch.utils.data.RandomSampler(dataset, replacement=True, generator=generator, num_samples=draws))
        return DataLoader(dataset, batch_size=config.train.batch_size, sampler=sampler, num_workers=0)
    return DataLoader(dataset, batch_size=config.train.batch_size, shuffle=True, generator=generator,
                      num_workers=0)


def train_one_epoch(run: Run, dataset: InBetweenDataset, writer=None) -> dict[str, float]:
    """One epoch; returns the epoch's mean of every logged value. Stops before a step with a non-finite loss."""
    run.model.train()
    weights = run.config.loss.weights()
    sums: dict[str, float] = {}
    count = 0
    bar = tqdm(make_loader(dataset, run.config, run.epoch), desc=f"epoch {run.epoch}", leave=False)
    for batch in bar:
        batch = {key: value.to(run.device) for key, value in batch.items()}
        total, logs = compute_losses(run.model, batch, weights)
        loss = float(total.detach())
        if not math.isfinite(loss):
            raise RIBError(f"epoch {run.epoch} step {run.step}: loss is {loss}; stopped before the update "
                           f"(the last checkpoint is intact)")
        run.optimizer.zero_grad(set_to_none=True)
        total.backward()
        run.optimizer.step()
        run.step += 1
        count += 1
        for key, value in logs.items():
            sums[key] = sums.get(key, 0.0) + value
        bar.set_postfix(loss=f"{logs['loss/total']:.4f}")
        if writer is not None and run.step % run.config.train.print_freq == 0:
            for key, value in logs.items():
                writer.add_scalar(key, value, run.step)
    return {key: value / max(count, 1) for key, value in sums.items()}


@torch.no_grad()
def validate(model: WarpBlender, dataset: InBetweenDataset, batch_size: int, device: torch.device) -> dict[str, float]:
    """Mean crop PSNR (dB) of the blend and of the background alone, and the mean alpha, on fixed crops."""
    model.eval()
    totals = {"val/psnr_blend": 0.0, "val/psnr_background": 0.0, "val/alpha": 0.0}
    count = 0
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=0):
        batch = {key: value.to(device) for key, value in batch.items()}
        logits, output = forward(model, batch)
        for name, image in (("val/psnr_blend", output), ("val/psnr_background", batch["background"])):
            mse = ((image - batch["target"]) / 2).pow(2).mean((1, 2, 3)).clamp_min(1e-10)
            totals[name] += float((-10 * mse.log10()).sum())
        totals["val/alpha"] += float((1 - logits.softmax(1)[:, 0]).mean((1, 2)).sum())
        count += len(output)
    return {key: value / max(count, 1) for key, value in totals.items()}


def write_history(path: Path, history: list[dict[str, float]]) -> None:
    """The per-epoch history as CSV, atomically."""
    if not history:
        return
    keys = list(dict.fromkeys(key for row in history for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=keys)
    writer.writeheader()
    writer.writerows(history)
    write_text(path, buffer.getvalue())


def fit(run: Run, train_set: InBetweenDataset, val_set: InBetweenDataset | None, out_dir: Path,
        writer=None) -> None:
    """Train until ``config.train.epochs``, saving a resumable checkpoint and the weights after every epoch."""
    while run.epoch < run.config.train.epochs:
        started = time.perf_counter()
        logs = train_one_epoch(run, train_set, writer)
        if val_set is not None:
            logs.update(validate(run.model, val_set, run.config.train.batch_size, run.device))
        run.epoch += 1
        logs = {"epoch": run.epoch, "step": run.step, "seconds": round(time.perf_counter() - started, 1), **logs}
        run.history.append(logs)
        save_checkpoint(out_dir / "checkpoint.pt", run.state_dict())
        save_checkpoint(out_dir / "model.pt", run.export())
        write_history(out_dir / "history.csv", run.history)
        if writer is not None:
            for key, value in logs.items():
                writer.add_scalar(f"epoch/{key}", value, run.epoch)
        LOG.info("epoch %d: %s", run.epoch, " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                                                     for k, v in logs.items() if k != "epoch"))


def resume(run: Run, out_dir: Path) -> None:
    """Restore ``run`` exactly from ``out_dir/checkpoint.pt``."""
    path = out_dir / "checkpoint.pt"
    run.load_state_dict(load_checkpoint(path, run.device), str(path))
    LOG.info("resumed at epoch %d, step %d", run.epoch, run.step)

"""The warp-blend renderer's training step: losses through a weight table, validation, the inference file.

The loop, run folder, exact resume, NaN/inf guard, history and TensorBoard are :mod:`rib.engine`'s. Run folder:
``checkpoint.pt`` (everything ``--resume`` needs, after every epoch), ``model.pt`` (the weights inference.py loads,
with the config), ``config.yaml``, ``history.csv`` (one row per epoch) and TensorBoard logs under ``logs/``.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from Pose_Guided_Neural_Rendering.warp_blend.config import KIND, BlendConfig
from Pose_Guided_Neural_Rendering.warp_blend.data import InBetweenDataset
from Pose_Guided_Neural_Rendering.warp_blend.model import WarpBlender, blend, features, person_alpha
from Pose_Guided_Neural_Rendering.warp_blend.render import WEIGHTS
from rib import engine
from rib.engine import CHECKPOINT, LegacyLayout, Logger

LOG = logging.getLogger("render.engine")
TIE_MARGIN = 0.02
"""Another candidate must beat the background by this (mean absolute error in [-1, 1] units) to be the target choice."""
ERROR_POOL = 5
"""Per-pixel errors are averaged over this window before choosing, so the choice follows regions, not noise."""


def forward(model: WarpBlender, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Blend logits (B, C, H, W) and the blended crop (B, 3, H, W) of a batch."""
    logits = model(features(batch, model.candidates))
    return logits, blend(logits.softmax(1), batch, model.candidates)


def best_candidate(batch: dict[str, torch.Tensor], candidates: tuple[str, ...]) -> torch.Tensor:
    """Index (B, H, W) of the candidate closest to the target around each pixel; the background on near-ties."""
    errors = torch.stack([(batch[key] - batch["target"]).abs().mean(1) for key in candidates], 1)
    errors = F.avg_pool2d(errors, ERROR_POOL, stride=1, padding=ERROR_POOL // 2, count_include_pad=False)
    errors[:, 0] -= TIE_MARGIN
    return errors.argmin(1)


LOSSES: dict[str, Callable[..., torch.Tensor]] = {
    "l1": lambda model, batch, logits, output: (output - batch["target"]).abs().mean(),
    "mse": lambda model, batch, logits, output: (output - batch["target"]).pow(2).mean(),
    "choice": lambda model, batch, logits, output: F.cross_entropy(logits, best_candidate(batch, model.candidates)),
}
"""Every loss by name; their weights come from the config's ``loss`` section."""


def compute_losses(model: WarpBlender, batch: dict[str, torch.Tensor],
                   weights: dict[str, float]) -> tuple[torch.Tensor, dict[str, float]]:
    """Weighted total and each term's value, for the losses with a non-zero weight."""
    logits, output = forward(model, batch)
    terms = {name: LOSSES[name](model, batch, logits, output) for name, weight in weights.items() if weight}
    total = sum(weights[name] * value for name, value in terms.items())
    logs = {f"loss/{name}": float(value.detach()) for name, value in terms.items()}
    logs["loss/total"] = float(total.detach())
    return total, logs


LEGACY = LegacyLayout(models=("model",), optimizers=("optimizer",))
"""The layout of checkpoint.pt before rib.engine (history at the top level too): such runs still resume."""


class Run(engine.Run):
    """A warp-blend run: the model and its AdamW optimiser on ``device``, with the strict config."""

    config: BlendConfig

    def __init__(self, config: BlendConfig, model: WarpBlender, device: torch.device):
        self.model, self.device = model.to(device), device
        optimizer = torch.optim.AdamW(model.parameters(), lr=config.train.lr, weight_decay=config.train.weight_decay)
        super().__init__(KIND, config, {"model": self.model}, {"optimizer": optimizer})

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


def train_one_epoch(run: Run, dataset: InBetweenDataset, logger: Logger | None = None) -> dict[str, float]:
    """One epoch; returns the epoch's mean of every logged value. Stops before a step with a non-finite loss."""
    run.model.train()
    weights = run.config.loss.weights()

    def step(batch: dict[str, torch.Tensor]) -> dict[str, float]:
        total, logs = compute_losses(run.model, {key: value.to(run.device) for key, value in batch.items()}, weights)
        run.update(total)
        return logs

    return engine.train_one_epoch(run, make_loader(dataset, run.config, run.epoch), step, logger, show=("loss/total",))


@torch.no_grad()
def validate(model: WarpBlender, dataset: InBetweenDataset, batch_size: int, device: torch.device) -> dict[str, float]:
    """Mean crop PSNR (dB) of the blend and of the background alone, and the mean alpha (weight of the warps), on
    fixed crops."""
    model.eval()
    totals = {"val/psnr_blend": 0.0, "val/psnr_background": 0.0, "val/alpha": 0.0}
    count = 0
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=0):
        batch = {key: value.to(device) for key, value in batch.items()}
        logits, output = forward(model, batch)
        for name, image in (("val/psnr_blend", output), ("val/psnr_background", batch["background"])):
            mse = ((image - batch["target"]) / 2).pow(2).mean((1, 2, 3)).clamp_min(1e-10)
            totals[name] += float((-10 * mse.log10()).sum())
        totals["val/alpha"] += float(person_alpha(logits.softmax(1), model.candidates).mean((1, 2)).sum())
        count += len(output)
    return {key: value / max(count, 1) for key, value in totals.items()}


def fit(run: Run, train_set: InBetweenDataset, val_set: InBetweenDataset | None, out_dir: Path,
        logger: Logger | None = None) -> None:
    """Train until ``config.train.epochs``, saving a resumable checkpoint and the weights after every epoch."""

    def epoch() -> dict[str, float]:
        logs = train_one_epoch(run, train_set, logger)
        if val_set is not None:
            logs.update(validate(run.model, val_set, run.config.train.batch_size, run.device))
        return logs

    engine.fit(run, out_dir, run.config.train.epochs, epoch, export=lambda: {WEIGHTS: run.export()}, logger=logger)


def resume(run: Run, out_dir: Path) -> None:
    """Restore ``run`` exactly from ``out_dir/checkpoint.pt`` (either layout)."""
    path = Path(out_dir) / CHECKPOINT
    run.load_state_dict(engine.read_checkpoint(path, KIND, LEGACY, run.device), str(path))
    LOG.info("resumed at epoch %d, step %d", run.epoch, run.step)

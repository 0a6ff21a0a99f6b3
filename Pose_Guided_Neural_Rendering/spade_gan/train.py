"""train.py for the SPADE GAN renderer (configs/HSM.yaml and its smaller variants): config, data, distributed training.

Writes to ``--out-dir`` (a rib.engine run folder): ``checkpoint.pt`` (everything ``--resume`` needs, every
epoch), ``generator.pt`` (generator-only weights for inference.py), ``checkpoint_epochEEE.pt`` and
``generator_epochEEE.pt`` every ``train.save_step`` epochs, ``config.yaml``, ``history.csv`` (one row per epoch),
``history.txt`` (a line every ``train.print_freq`` steps) and TensorBoard logs under ``logs/``.
"""
from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler

from Pose_Guided_Neural_Rendering.spade_gan.config import complete_config
from Pose_Guided_Neural_Rendering.spade_gan.data import dataset as render_dataset
from Pose_Guided_Neural_Rendering.spade_gan.models import discriminators as discriminators_model
from Pose_Guided_Neural_Rendering.spade_gan.models import generator as generator_model
from Pose_Guided_Neural_Rendering.spade_gan.models import losses as losses_model
from Pose_Guided_Neural_Rendering.spade_gan.renderer import WEIGHTS as EXPORT
from Pose_Guided_Neural_Rendering.spade_gan.trainer import KIND, LEGACY, Trainer, frames_for_epoch
from rib import engine
from rib.checkpoint import seed_everything
from rib.distributed import DistContext, cleanup_distributed, init_distributed
from rib.errors import RIBError
from rib.paths import resolve_data_path

LOG = logging.getLogger("render.train")
LINES = "history.txt"


def configure(args: argparse.Namespace, raw: dict) -> dict:
    """``raw`` with the command-line shortcuts applied, checked by :func:`complete_config` (an unknown key or a bad
    value is a RIBError) with every default filled in, so the code below reads it without defaults."""
    config = dict(raw)
    train = config["train"] = dict(config.get("train") or {})
    for key, value in (("nr_epochs", args.epochs), ("batch_size", args.batch_size), ("workers", args.workers),
                       ("seed", args.seed)):
        if value is not None:
            train[key] = value
    config = complete_config(config, str(args.config))
    data = config["data"]
    for key in ("root", "h5_file"):
        if data[key]:
            data[key] = resolve_data_path(data[key])
    return config


def make_loader(dataset, config: dict, epoch: int, ctx: DistContext) -> DataLoader:
    """A loader for one epoch; its shuffling and worker seeds depend only on (seed, epoch), so resume is exact."""
    train = config["train"]
    seed = train["seed"]
    generator = torch.Generator().manual_seed(seed + epoch)
    sampler = None
    if ctx.distributed:
        sampler = DistributedSampler(dataset, num_replicas=ctx.world_size, rank=ctx.rank, shuffle=True, seed=seed)
        sampler.set_epoch(epoch)
    return DataLoader(dataset, batch_size=train["batch_size"], shuffle=sampler is None, sampler=sampler,
                      num_workers=train["workers"], pin_memory=ctx.device.type == "cuda",
                      drop_last=False, generator=generator)


class Reporter(engine.Logger):
    """rib.engine's TensorBoard scalars (every ``display_freq`` steps), an image grid every ``image_freq`` steps and
    a console / history.txt line every ``print_freq`` steps."""

    def __init__(self, out_dir: Path, config: dict, resume: bool):
        train = config["train"]
        super().__init__(out_dir, train["display_freq"])
        self.image_freq, self.print_freq = train["image_freq"], train["print_freq"]
        self.lines = out_dir / LINES
        if not resume:
            self.lines.write_text("")

    def step(self, trainer: Trainer, logs: dict[str, float]) -> None:
        super().step(trainer, logs)
        if trainer.step % self.image_freq == 0:
            self.writer.add_image("train/prev_real_back_gen_mask_fuse_skeleton_fg", trainer.image_grid(), trainer.step)
        if trainer.step % self.print_freq == 0:
            line = f"epoch {trainer.epoch} step {trainer.step} " + " ".join(
                f"{k}={v:.4f}" for k, v in sorted(logs.items()))
            LOG.info(line)
            with open(self.lines, "a") as handle:
                handle.write(line + "\n")


def train(config: dict, out_dir: Path, ctx: DistContext, checkpoint: Path | None) -> Trainer:
    """Build everything from ``config`` and train until ``train.nr_epochs`` (from ``checkpoint`` if given)."""
    seed_everything(config["train"]["seed"] + ctx.rank)
    dataset = render_dataset.build(config, "train")
    trainer = Trainer(config, ctx, generator_model.build(config), discriminators_model.build(config),
                      losses_model.build(config))
    if checkpoint is not None:
        trainer.load_state_dict(engine.read_checkpoint(checkpoint, KIND, LEGACY, ctx.device), str(checkpoint))
        LOG.info("resumed at epoch %d, step %d", trainer.epoch, trainer.step)
    if ctx.is_main:
        engine.save_config_snapshot(out_dir, config)
    reporter = Reporter(out_dir, config, checkpoint is not None) if ctx.is_main else None

    def epoch() -> dict[str, float]:
        frames = frames_for_epoch(config, trainer.epoch)
        if frames != dataset.max_frames:
            LOG.info("epoch %d: windows of %d frames (%d rollout steps)", trainer.epoch, frames, frames - 1)
            dataset.set_max_frames(frames)
        return engine.train_one_epoch(trainer, make_loader(dataset, config, trainer.epoch, ctx), trainer.train_step,
                                      reporter, show=("Gen/total", "Dis/total"))

    try:
        engine.fit(trainer, out_dir, config["train"]["nr_epochs"], epoch, keep_every=config["train"]["save_step"],
                   export=lambda: {EXPORT: trainer.generator_weights()}, logger=reporter)
    finally:
        if reporter is not None:
            reporter.close()
    return trainer


def main(args: argparse.Namespace, config: dict) -> None:
    """Train (or resume) a SPADE GAN renderer into ``args.out_dir``, on every process ``torchrun`` started."""
    if args.init or args.data:
        raise RIBError("--init and --data are for the warp-blend renderer (a config with kind: warp_blend)")
    ctx = init_distributed(args.device)
    try:
        if ctx.device.type == "cpu" and "OMP_NUM_THREADS" not in os.environ and ctx.distributed:
            torch.set_num_threads(max(1, torch.get_num_threads() // ctx.world_size))
        checkpoint = engine.prepare_run_folder(args.out_dir, args.resume, args.overwrite, outputs=(EXPORT, LINES),
                                               is_main=ctx.is_main)
        train(config, args.out_dir, ctx, checkpoint)
        if ctx.distributed:
            dist.barrier()
    finally:
        cleanup_distributed()

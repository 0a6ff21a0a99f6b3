"""Train the pose-guided renderer: python Pose_Guided_Neural_Rendering/train.py --config configs/HSM.yaml.

Two renderers: the reference's SPADE GAN (configs/HSM.yaml and its smaller variants) and the warp-blend renderer
(configs/warp_blend.yaml then configs/warp_blend_hard.yaml, ``kind: warp_blend``; the one shipped in
checkpoints/render/, see engine.py). Fine-tune the shipped warp-blend renderer on your own clip: ``train.py --config
configs/warp_blend_hard.yaml --init checkpoints/render --data CLIP_FOLDER`` (CLIP_FOLDER holds inputs/, input_poses/
and train_backgrounds/, the latter from ``interpolate_backgrounds.py --layout train``); the fine-tuned model keeps
the initial one's widths and crop size.

Writes to ``--out-dir`` (a rib.engine run folder): ``checkpoint.pt`` (everything ``--resume`` needs, every
epoch), ``generator.pt`` (generator-only weights for inference.py), ``checkpoint_epochEEE.pt`` and
``generator_epochEEE.pt`` every ``train.save_step`` epochs, ``config.yaml``, ``history.csv`` (one row per epoch),
``history.txt`` (a line every ``train.print_freq`` steps) and TensorBoard logs under ``logs/``. Multi-GPU or
multi-process: ``torchrun --nproc_per_node N train.py ...`` (gloo on the CPU).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler

from Pose_Guided_Neural_Rendering.warp_blend import train as blend_training
from Pose_Guided_Neural_Rendering.spade_gan.data import dataset as render_dataset
from Pose_Guided_Neural_Rendering.spade_gan.config import complete_config
from Pose_Guided_Neural_Rendering.spade_gan.models import discriminators as discriminators_model
from Pose_Guided_Neural_Rendering.spade_gan.models import generator as generator_model
from Pose_Guided_Neural_Rendering.spade_gan.models import losses as losses_model
from Pose_Guided_Neural_Rendering.spade_gan.trainer import KIND, LEGACY, Trainer, frames_for_epoch
from rib import engine
from rib.checkpoint import seed_everything
from rib.cli import positive_int
from rib.config import apply_overrides, load_config
from rib.distributed import DistContext, cleanup_distributed, init_distributed
from rib.errors import RIBError, cli_entry
from rib.paths import REPO_ROOT, resolve_data_path
from rib.safety import refuse_overlap

LOG = logging.getLogger("render.train")
STAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG = STAGE_DIR / "configs" / "HSM.yaml"
DEFAULT_OUT = REPO_ROOT / "runs" / "render" / "default"
EXPORT, LINES = "generator.pt", "history.txt"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="YAML config (see configs/)")
    engine.add_set_argument(parser)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="folder for checkpoints and logs")
    parser.add_argument("--resume", action="store_true", help="continue exactly from OUT_DIR/checkpoint.pt")
    parser.add_argument("--overwrite", action="store_true",
                        help="start afresh even if OUT_DIR holds a run (only the run's own files are replaced)")
    parser.add_argument("--epochs", type=positive_int, default=None,
                        help="train until this epoch (default: train.nr_epochs)")
    parser.add_argument("--batch-size", type=positive_int, default=None,
                        help="per-process batch (default: train.batch_size)")
    parser.add_argument("--workers", type=int, default=None, help="data-loading processes (default: train.workers)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: train.seed)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--init", type=Path, default=None,
                        help="warp-blend only: start from these weights (a model.pt or a folder holding one, e.g. "
                             "checkpoints/render) instead of random ones")
    parser.add_argument("--data", type=Path, default=None,
                        help="warp-blend only: fine-tune on this clip folder (inputs/<clip>, input_poses/<clip>, "
                             "train_backgrounds/<clip>) instead of the config's data.sets")
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> dict:
    """The config file with ``--set`` overrides and the command-line shortcuts applied.

    A GAN config comes back checked by :func:`gan_config.complete_config` (an unknown key or a bad value is a
    RIBError) with every default filled in, so the code below reads it without defaults.
    """
    config = apply_overrides(load_config(args.config), args.overrides)
    if config.get("kind") == blend_training.KIND:  # strict schema: blend_training applies the shortcuts itself
        return config
    train = config.setdefault("train", {})
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


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    refuse_overlap((args.config, args.init, args.data), args.out_dir)  # --overwrite would delete --init's model.pt
    config = build_config(args)
    if config.get("kind") == blend_training.KIND:
        blend_training.main(args, config)
        return
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


if __name__ == "__main__":
    main()

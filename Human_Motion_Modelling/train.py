"""Train the motion transformer on synthetic 2D projections of 3D mocap (single process or torchrun DDP)."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Sequence

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler
from torch.utils.tensorboard import SummaryWriter
from tqdm import tqdm

from Human_Motion_Modelling.checkpoints import TRAINING_KEYS, load_motion_state, load_weights, read_normaliser
from Human_Motion_Modelling.config import complete_config
from Human_Motion_Modelling.data.dataset import ClipSpec, MotionDataset, compute_normaliser
from Human_Motion_Modelling.data.representation import MODEL_INPUTS, Normaliser, collate_windows
from Human_Motion_Modelling.data.sequences import resolve
from Human_Motion_Modelling.evaluation import Protocol, log_metrics
from Human_Motion_Modelling.models.losses import motion_loss
from Human_Motion_Modelling.models.transformer import build
from rib.checkpoint import capture_rng, prepare_checkpoint_dir, restore_rng, save_checkpoint, seed_everything
from rib.config import apply_overrides, load_config, require, save_config
from rib.distributed import DistContext, cleanup_distributed, init_distributed
from rib.errors import RIBError, cli_entry
from rib.paths import REPO_ROOT
from rib.safety import refuse_overlap

HERE = Path(__file__).resolve().parent
log = logging.getLogger("motion.train")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--config", type=Path, default=HERE / "configs" / "default.yaml", help="YAML config file")
    parser.add_argument("--save-root", type=Path, default=REPO_ROOT / "runs" / "motion",
                        help="folder holding one sub-folder per training run")
    parser.add_argument("--name", default="train", help="run name: outputs go to SAVE_ROOT/NAME/")
    parser.add_argument("--resume", action="store_true",
                        help="continue exactly from SAVE_ROOT/NAME/checkpoints/last.pth")
    parser.add_argument("--init", type=Path, default=None,
                        help="start from the weights and normaliser of this motion checkpoint (e.g. "
                             "checkpoints/motion/model.pth) with a fresh optimiser and schedule: fine-tuning")
    parser.add_argument("--batch-size", type=int, help="override train.batch_size (per process)")
    parser.add_argument("--workers", type=int, help="override train.workers (data-loading processes)")
    parser.add_argument("--epochs", type=int, help="override train.epochs")
    parser.add_argument("--seed", type=int, help="override train.seed")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="further config overrides, e.g. train.lr=2e-4 data.rates=[8]")
    return parser.parse_args(argv)


def command_line_overrides(args: argparse.Namespace) -> list[str]:
    """The config overrides given on the command line, as ``key=value`` strings."""
    overrides = list(args.set)
    for flag, key in (("batch_size", "train.batch_size"), ("workers", "train.workers"), ("epochs", "train.epochs"),
                      ("seed", "train.seed")):
        if getattr(args, flag) is not None:
            overrides.append(f"{key}={getattr(args, flag)}")
    return overrides


class Trainer:
    """Model, optimiser, schedule and checkpoints of one run."""

    def __init__(self, config: dict, run_dir: Path, ctx: DistContext, normaliser: Normaliser):
        train = config["train"]
        self.config, self.run_dir, self.ctx, self.normaliser = config, run_dir, ctx, normaliser
        self.model = build(config).to(ctx.device)
        self.network = DistributedDataParallel(self.model) if ctx.distributed else self.model
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=float(train["lr"]),
                                          betas=tuple(float(b) for b in train["betas"]),
                                          amsgrad=bool(train["amsgrad"]))
        self.scheduler = torch.optim.lr_scheduler.StepLR(self.optimizer, int(train["step_size"]),
                                                         float(train["gamma"]))
        self.epoch = 0
        self.step = 0

    def state(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "epoch": self.epoch, "step": self.step,
                "rng": capture_rng(), "normaliser": self.normaliser.state(), "config": self.config}

    def load(self, state: dict, path: Path) -> None:
        """Continue from a training checkpoint ``state`` read from ``path``."""
        load_weights(self.model, state["model"], path)
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.epoch, self.step = int(state["epoch"]) + 1, int(state["step"])
        restore_rng(state["rng"])

    def save(self) -> None:
        """Write ``last.pth`` (and a numbered copy every ``save_every`` epochs) atomically."""
        folder = self.run_dir / "checkpoints"
        state = self.state()
        save_checkpoint(folder / "last.pth", state)
        every = int(self.config["train"]["save_every"])
        if every and (self.epoch + 1) % every == 0:
            save_checkpoint(folder / f"model_epoch{self.epoch:03d}.pth", state)

    def train_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        train = self.config["train"]
        batch = {k: v.to(self.ctx.device, non_blocking=True) for k, v in batch.items()}
        outputs = self.network(**{k: batch[k] for k in MODEL_INPUTS})
        losses = motion_loss(outputs, batch, float(train["w_2d"]), float(train["w_condition"]))
        self.optimizer.zero_grad(set_to_none=True)
        losses["total"].backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), float(train["grad_clip"]))
        self.optimizer.step()
        self.step += 1
        return {k: v.detach() for k, v in losses.items()}


def make_loader(dataset: MotionDataset, config: dict, ctx: DistContext) -> DataLoader:
    """Loader over this process's share of the epoch's samples."""
    train = config["train"]
    sampler = DistributedSampler(dataset, ctx.world_size, ctx.rank, shuffle=False) if ctx.distributed else None
    workers = int(train["workers"])
    return DataLoader(dataset, batch_size=int(train["batch_size"]), sampler=sampler, shuffle=False,
                      num_workers=workers, collate_fn=collate_windows, pin_memory=ctx.device.type == "cuda",
                      persistent_workers=False)


TRAIN_MINIMUMS = {"epochs": 0, "batch_size": 1, "samples_per_epoch": 1, "workers": 0, "log_every": 1,
                  "eval_every": 0, "save_every": 0}
"""The smallest value each integer setting of the ``train`` section may take."""


def check_config(config: dict, source: str) -> None:
    """Refuse settings training cannot run with (a batch size of 0, keyframe rates below 1, ...)."""
    for key, minimum in TRAIN_MINIMUMS.items():
        value = require(config, f"train.{key}", source)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise RIBError(f"{source}: train.{key} must be an integer >= {minimum}, got {value!r}")
    ClipSpec.from_config(require(config, "data", source))


def last_checkpoint(run_dir: Path) -> Path:
    """Where a run keeps the checkpoint ``--resume`` continues from."""
    return run_dir / "checkpoints" / "last.pth"


def prepare_run(args: argparse.Namespace, ctx: DistContext) -> tuple[Path, dict, dict | None]:
    """The run folder, its checked config and, with ``--resume``, the checkpoint to continue from.

    A resumed run keeps the config stored in its checkpoint; command-line overrides (e.g. more epochs) still apply.
    """
    run_dir = args.save_root / args.name
    last = last_checkpoint(run_dir)
    overrides = command_line_overrides(args)
    state, inputs = None, [args.config, *([args.init] if args.init is not None else [])]
    if args.resume:
        state = load_motion_state(last, TRAINING_KEYS)
        config, inputs = apply_overrides(state["config"], overrides), []
    elif last.exists():
        raise RIBError(f"{last}: a run named '{args.name}' exists; pass --resume or choose another --name")
    else:
        config = apply_overrides(load_config(args.config), overrides)
    source = f"{last} config" if args.resume else str(args.config)
    config = complete_config(config, source)
    refuse_overlap([*inputs, resolve(require(config, "data.h5_file"))], run_dir)
    check_config(config, source)
    if ctx.is_main:
        prepare_checkpoint_dir(last.parent)
    if state is not None:
        return run_dir, config, state
    if ctx.is_main:
        save_config(run_dir / "config.yaml", config)
    return run_dir, config, None


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    ctx = init_distributed(args.device)
    try:
        run(args, ctx)
    finally:
        cleanup_distributed()


def run(args: argparse.Namespace, ctx: DistContext) -> None:
    run_dir, config, resume_state = prepare_run(args, ctx)
    train = config["train"]
    seed_everything(int(train["seed"]))
    dataset = MotionDataset.from_config(config, "train_split")
    initial = load_motion_state(args.init) if args.init is not None and resume_state is None else None
    if resume_state is not None:
        normaliser = read_normaliser(resume_state, last_checkpoint(run_dir))
    elif initial is not None:
        normaliser = read_normaliser(initial, args.init)
    else:
        normaliser = compute_normaliser(dataset, int(config["data"]["stats_samples"]),
                                        int(config["data"]["stats_seed"]))
    dataset.normaliser = normaliser
    trainer = Trainer(config, run_dir, ctx, normaliser)
    if resume_state is not None:
        trainer.load(resume_state, last_checkpoint(run_dir))
        log.info("resumed %s at epoch %d", run_dir, trainer.epoch)
    elif initial is not None:
        load_weights(trainer.model, initial["model"], args.init)
        log.info("starting from the weights of %s", args.init)
    loader = make_loader(dataset, config, ctx)
    writer = SummaryWriter(str(run_dir / "logs")) if ctx.is_main else None
    log.info("training %d parameters on %s (%d process(es)), %d sequences", sum(p.numel() for p in
             trainer.model.parameters()), ctx.device, ctx.world_size, len(dataset.names))
    evaluator = make_evaluator(config, normaliser) if ctx.is_main and int(train["eval_every"]) else None
    losses = {}
    for epoch in range(trainer.epoch, int(train["epochs"])):
        trainer.epoch = epoch
        dataset.set_epoch(epoch)
        trainer.model.train()
        bar = tqdm(loader, desc=f"epoch {epoch}", disable=not ctx.is_main, leave=False)
        for batch in bar:
            losses = trainer.train_step(batch)
            if writer is not None and trainer.step % int(train["log_every"]) == 0:
                for name, value in losses.items():
                    writer.add_scalar(f"recon/{name}", value.item(), trainer.step)
                writer.add_scalar("LR", trainer.optimizer.param_groups[0]["lr"], trainer.step)
                bar.set_postfix(loss=f"{losses['total'].item():.4f}")
        trainer.scheduler.step()
        if ctx.is_main:
            trainer.save()
            log.info("epoch %d done (step %d, loss %.4f)", epoch, trainer.step,
                     losses["total"].item() if losses else float("nan"))
            if evaluator is not None and (epoch + 1) % int(train["eval_every"]) == 0:
                evaluator(trainer.model, writer, trainer.step)
    if writer is not None:
        writer.close()


def make_evaluator(config: dict, normaliser: Normaliser):
    """A function logging the evaluation protocol's metrics of the current model to TensorBoard."""
    protocol = Protocol.from_config(config)

    def evaluate(model: torch.nn.Module, writer: SummaryWriter, step: int) -> None:
        table = protocol.run(model, normaliser)
        log_metrics(writer, table, step)
        log.info("evaluation at rate %d: in-between error %s", protocol.rate, ", ".join(
            f"{method} {row.get('joint_error_px', float('nan')):.2f} px" for method, row in table.items()))
        model.train()

    return evaluate


if __name__ == "__main__":
    main()

"""Train the motion transformer on synthetic 2D projections of 3D mocap (single process or torchrun DDP).

The step (forward, motion loss, clipped update) is here; the run folder, resume and the loop are rib.engine's.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Callable, Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler
from torch.utils.tensorboard import SummaryWriter

from Human_Motion_Modelling.checkpoints import KIND, WEIGHTS, inference_view, load_motion_state, read_normaliser
from Human_Motion_Modelling.config import complete_config
from Human_Motion_Modelling.data.dataset import ClipSpec, MotionDataset, compute_normaliser
from Human_Motion_Modelling.data.representation import MODEL_INPUTS, Normaliser, collate_windows
from Human_Motion_Modelling.data.sequences import resolve
from Human_Motion_Modelling.evaluation import Protocol, log_metrics
from Human_Motion_Modelling.models.losses import motion_loss
from Human_Motion_Modelling.models.transformer import build
from rib import engine
from rib.checkpoint import load_state, old_name, seed_everything
from rib.config import add_set_argument, configure, load_config, require
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
                        help="continue exactly from SAVE_ROOT/NAME/checkpoint.pt (older runs: checkpoints/last.pth)")
    parser.add_argument("--overwrite", action="store_true",
                        help="start afresh even if SAVE_ROOT/NAME holds a run (only the run's own files are replaced)")
    parser.add_argument("--init", type=Path, default=None,
                        help="start from the weights and normaliser of this motion checkpoint (e.g. "
                             "checkpoints/motion/model.pt) with a fresh optimiser and schedule: fine-tuning")
    parser.add_argument("--batch-size", type=int, help="override train.batch_size (per process)")
    parser.add_argument("--workers", type=int, help="override train.workers (data-loading processes)")
    parser.add_argument("--epochs", type=int, help="override train.epochs")
    parser.add_argument("--seed", type=int, help="override train.seed")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    add_set_argument(parser)
    return parser.parse_args(argv)


def command_line_overrides(args: argparse.Namespace) -> list[str]:
    """The config overrides given on the command line, as ``key=value`` strings."""
    overrides = list(args.overrides)
    for flag, key in (("batch_size", "train.batch_size"), ("workers", "train.workers"), ("epochs", "train.epochs"),
                      ("seed", "train.seed")):
        if getattr(args, flag) is not None:
            overrides.append(f"{key}={getattr(args, flag)}")
    return overrides


EXPORT = WEIGHTS
"""The inference file written beside the checkpoint after every epoch (what inference.py finds in a run folder)."""
LEGACY_FILES = ("checkpoints/last.pth",)
LEGACY = engine.LegacyLayout(models=("model",), optimizers=("optimizer",), schedulers=("scheduler",),
                             extra=("normaliser",), epoch_offset=1)
"""Runs started before rib.engine kept ``checkpoints/last.pth`` (flat, epoch index): they still resume."""
OLD_OUTPUTS = (old_name(EXPORT), "checkpoints/model_epoch*.pth")
"""Files of older runs a fresh run replaces: the inference file under its old name ``model.pth`` (with its kept
copies ``model_epochEEE.pth``) and the kept copies of the trainer before rib.engine."""


def build_run(config: dict, ctx: DistContext, normaliser: Normaliser) -> engine.Run:
    """The run: the transformer on this process's device, Adam, the step schedule, the normaliser it trains with."""
    train = config["train"]
    model = build(config).to(ctx.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=train["lr"],
                                 betas=tuple(train["betas"]), amsgrad=train["amsgrad"])
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, train["step_size"], train["gamma"])
    return engine.Run(KIND, config, {"model": model}, {"optimizer": optimizer}, {"scheduler": scheduler},
                      extra={"normaliser": normaliser.state()}, is_main=ctx.is_main)


def make_step(run: engine.Run, ctx: DistContext) -> Callable[[dict[str, torch.Tensor]], dict[str, float]]:
    """The training step: forward (DDP across processes), the motion loss, an update with clipped gradients."""
    train = run.config["train"]
    model = run.models["model"]
    network = DistributedDataParallel(model) if ctx.distributed else model

    def step(batch: dict[str, torch.Tensor]) -> dict[str, float]:
        batch = {k: v.to(ctx.device, non_blocking=True) for k, v in batch.items()}
        outputs = network(**{k: batch[k] for k in MODEL_INPUTS})
        losses = motion_loss(outputs, batch, train["w_2d"], train["w_condition"])
        run.update(losses["total"], clip_grad_norm=train["grad_clip"])
        return {f"recon/{name}": float(value.detach()) for name, value in losses.items()}

    return step


def make_loader(dataset: MotionDataset, config: dict, ctx: DistContext) -> DataLoader:
    """Loader over this process's share of the epoch's samples."""
    train = config["train"]
    sampler = DistributedSampler(dataset, ctx.world_size, ctx.rank, shuffle=False) if ctx.distributed else None
    workers = train["workers"]
    return DataLoader(dataset, batch_size=train["batch_size"], sampler=sampler, shuffle=False,
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


def prepare_run(args: argparse.Namespace, ctx: DistContext
                ) -> tuple[Path, dict, Path | None, dict | None, dict | None]:
    """The run folder, its checked config, with ``--resume`` the checkpoint to continue from and its state, and with
    ``--init`` (not resuming) the checkpoint whose weights and normaliser start the run.

    A resumed run keeps the config stored in its checkpoint; command-line overrides (e.g. more epochs) still apply.
    Everything is checked before the run folder is touched.
    """
    run_dir = args.save_root / args.name
    inputs = [args.config, *([args.init] if args.init is not None else [])]
    checkpoint, state = None, None
    if args.resume:
        checkpoint = engine.resume_checkpoint(run_dir, LEGACY_FILES)
        state = engine.read_checkpoint(checkpoint, KIND, LEGACY)
        base, source, inputs = state["config"], f"{checkpoint} config", []
    else:
        base, source = load_config(args.config), str(args.config)
    config = configure(base, command_line_overrides(args), complete_config, source)
    refuse_overlap([*inputs, resolve(require(config, "data.h5_file"))], run_dir)
    check_config(config, source)
    initial = load_motion_state(args.init) if args.init is not None and not args.resume else None
    engine.prepare_run_folder(run_dir, args.resume, args.overwrite, outputs=(EXPORT, *OLD_OUTPUTS),
                              legacy=LEGACY_FILES, is_main=ctx.is_main)
    if ctx.is_main:
        engine.save_config_snapshot(run_dir, config)
    return run_dir, config, checkpoint, state, initial


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    ctx = init_distributed(args.device)
    try:
        run(args, ctx)
    finally:
        cleanup_distributed()


def starting_normaliser(args: argparse.Namespace, config: dict, dataset: MotionDataset, checkpoint: Path | None,
                        state: dict | None, initial: dict | None) -> Normaliser:
    """The normalisation statistics to train with: the resumed run's, ``--init``'s or computed."""
    if state is not None:
        return read_normaliser(state["extra"], checkpoint)
    if initial is not None:
        return read_normaliser(initial, args.init)
    data = config["data"]
    return compute_normaliser(dataset, data["stats_samples"], data["stats_seed"])


def run(args: argparse.Namespace, ctx: DistContext) -> None:
    run_dir, config, checkpoint, state, initial = prepare_run(args, ctx)
    train = config["train"]
    seed_everything(train["seed"])
    dataset = MotionDataset.from_config(config, "train_split")
    normaliser = starting_normaliser(args, config, dataset, checkpoint, state, initial)
    dataset.normaliser = normaliser
    training = build_run(config, ctx, normaliser)
    model = training.models["model"]
    if state is not None:
        training.load_state_dict(state, str(checkpoint))
        log.info("resumed %s at epoch %d", run_dir, training.epoch)
    elif initial is not None:
        load_state(model, initial["model"], args.init)
        log.info("starting from the weights of %s", args.init)
    loader = make_loader(dataset, config, ctx)
    logger = engine.Logger(run_dir, train["log_every"]) if ctx.is_main else None
    log.info("training %d parameters on %s (%d process(es)), %d sequences", sum(p.numel() for p in
             model.parameters()), ctx.device, ctx.world_size, len(dataset.names))
    evaluate = make_evaluator(config, normaliser) if logger is not None and train["eval_every"] else None
    step = make_step(training, ctx)

    def epoch() -> dict[str, float]:
        dataset.set_epoch(training.epoch)
        model.train()
        logs = engine.train_one_epoch(training, loader, step, logger, show=("recon/total",))
        if evaluate is not None and (training.epoch + 1) % train["eval_every"] == 0:
            evaluate(model, logger.writer, training.step)
        return logs

    try:
        engine.fit(training, run_dir, train["epochs"], epoch, keep_every=train["save_every"],
                   export=lambda: {EXPORT: inference_view(training.state_dict())}, logger=logger)
    finally:
        if logger is not None:
            logger.close()


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

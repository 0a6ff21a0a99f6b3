"""train.py for the warp-blend renderer: config, data, ``--init`` / ``--data`` fine-tuning.

The training step is training.py; the run folder, resume and the loop are rib.engine's.
"""
from __future__ import annotations

import argparse
import logging
from dataclasses import replace
from pathlib import Path

import torch

from Pose_Guided_Neural_Rendering.warp_blend import training
from Pose_Guided_Neural_Rendering.warp_blend.config import BlendConfig, ClipSet, parse
from Pose_Guided_Neural_Rendering.warp_blend.data import InBetweenDataset, list_samples
from Pose_Guided_Neural_Rendering.warp_blend.model import build
from Pose_Guided_Neural_Rendering.warp_blend.render import WEIGHTS, load_blender
from rib.checkpoint import seed_everything
from rib.distributed import pick_device
from rib.engine import Logger, prepare_run_folder, save_config_snapshot
from rib.errors import RIBError
from rib.names import INPUT_POSES, INPUTS, TRAIN_BACKGROUNDS
from rib.paths import resolve_data_path

LOG = logging.getLogger("render.train")


def configure(args: argparse.Namespace, raw: dict) -> BlendConfig:
    """The strict config with the command-line shortcuts and ``--data`` applied."""
    if args.workers not in (None, 0):
        raise RIBError("--workers: the warp-blend renderer loads data in the main process (frames are cached)")
    config = parse(raw, str(args.config))
    shortcuts = {"epochs": args.epochs, "batch_size": args.batch_size, "seed": args.seed}
    config.train = replace(config.train, **{k: v for k, v in shortcuts.items() if v is not None})
    if args.data is not None:
        config.data.sets = [ClipSet(root=str(args.data), frames=INPUTS, poses=INPUT_POSES,
                                    backgrounds=TRAIN_BACKGROUNDS, rate=2, layout="train", held_out=args.held_out)]
        config.data.val_sets = []
    for clip_set in config.data.sets + config.data.val_sets:
        clip_set.root = resolve_data_path(clip_set.root)
    return config


def main(args: argparse.Namespace, raw: dict) -> None:
    """Train (or fine-tune, or resume) a warp-blend renderer into ``args.out_dir``."""
    config = configure(args, raw)
    device = pick_device(args.device)
    out_dir = Path(args.out_dir)
    initial = load_blender(args.init, torch.device("cpu")) if args.init is not None else None
    prepare_run_folder(out_dir, args.resume, args.overwrite, outputs=(WEIGHTS,))
    if initial is not None and args.data is not None:
        config.model = initial[1].model  # a clip fine-tune keeps the initial model's widths and crop size
    seed_everything(config.train.seed)
    stills = config.model.still_keyframes
    train_set = InBetweenDataset(list_samples(config.data.sets), config.model.crop_size, config.data,
                                 still_keyframes=stills)
    val_set = (InBetweenDataset(list_samples(config.data.val_sets), config.model.crop_size, config.data, train=False,
                                still_keyframes=stills) if config.data.val_sets else None)
    model = build(config.to_dict())
    if initial is not None and not args.resume:
        initial_model, initial_config = initial
        if initial_config.model.widths != config.model.widths:
            raise RIBError(f"{args.init}: its widths {initial_config.model.widths} differ from the config's "
                           f"{config.model.widths}")
        if not set(initial_model.candidates) <= set(model.candidates):
            raise RIBError(f"{args.init}: its candidates {list(initial_model.candidates)} are not among the "
                           f"config's {list(model.candidates)}")
        model.warm_start(initial_model)
    run = training.Run(config, model, device)
    if args.resume:
        training.resume(run, out_dir)
    save_config_snapshot(out_dir, config)
    LOG.info("%d training samples%s, %d parameters, %s", len(train_set),
             f", {len(val_set)} validation samples" if val_set else "",
             sum(p.numel() for p in model.parameters()), device)
    logger = Logger(out_dir, config.train.print_freq)
    try:
        training.fit(run, train_set, val_set, out_dir, logger)
    finally:
        logger.close()

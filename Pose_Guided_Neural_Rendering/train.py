"""Train the pose-guided renderer: python Pose_Guided_Neural_Rendering/train.py --config configs/HSM.yaml.

Two renderers: the reference's SPADE GAN (configs/HSM.yaml and its smaller variants) and the warp-blend renderer
(configs/warp_blend.yaml then configs/warp_blend_hard.yaml, ``kind: warp_blend``; the one shipped in
checkpoints/render/, see warp_blend/). Fine-tune the shipped warp-blend renderer on your own clip: ``train.py --config
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
import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from Pose_Guided_Neural_Rendering.spade_gan import train as spade_gan
from Pose_Guided_Neural_Rendering.warp_blend import train as warp_blend
from rib.checkpoint import WARP_BLEND
from rib.cli import frame_index, positive_int
from rib.config import add_set_argument, apply_overrides, load_config
from rib.errors import RIBError, cli_entry
from rib.paths import REPO_ROOT
from rib.safety import refuse_overlap

STAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG = STAGE_DIR / "configs" / "HSM.yaml"
DEFAULT_OUT = REPO_ROOT / "runs" / "render" / "default"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="YAML config (see configs/)")
    add_set_argument(parser)
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
    parser.add_argument("--held-out", type=frame_index, nargs="+", default=None, metavar="K",
                        help="with --data: input frames never used as training targets (rib finetune keeps out the "
                             "frames rib interpolate's self-check judges the fine-tuned renderer on)")
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> dict:
    """The config file with ``--set`` overrides applied; a GAN config also with the command-line shortcuts, checked
    and completed (:func:`spade_gan.train.configure`). A warp-blend config is checked by its own trainer."""
    config = apply_overrides(load_config(args.config), args.overrides)
    return config if config.get("kind") == WARP_BLEND else spade_gan.configure(args, config)


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    refuse_overlap((args.config, args.init, args.data), args.out_dir)  # --overwrite would delete --init's model.pt
    if args.held_out is not None and args.data is None:
        raise RIBError("--held-out: names frames of the --data clip folder; give --data too")
    config = build_config(args)
    trainer = warp_blend if config.get("kind") == WARP_BLEND else spade_gan
    trainer.main(args, config)


if __name__ == "__main__":
    main()

"""The rendering stage as a library, for the pipeline and bench/: find and load a renderer by the kind its checkpoint
records, then plan and render clip folders (inference.py is this with a command line)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch

from Pose_Guided_Neural_Rendering.clips import ClipPlan, ClipRenderer, plan_clip, render_clip, resolve_backgrounds
from Pose_Guided_Neural_Rendering.spade_gan import renderer as spade_gan
from Pose_Guided_Neural_Rendering.warp_blend import render as warp_blend
from rib.checkpoint import SPADE_GAN, WARP_BLEND, find_weights, read_weights
from rib.errors import RIBError
from rib.paths import CHECKPOINTS_DIR

__all__ = ["DEFAULT_CHECKPOINT", "ClipPlan", "ClipRenderer", "checkpoint_file", "kept_out_frames", "load_renderer",
           "plan_clip", "read_renderer", "render_clip", "resolve_backgrounds", "train"]
DEFAULT_CHECKPOINT = CHECKPOINTS_DIR / "render"


def checkpoint_file(path: Path) -> Path:
    """The weights file of ``path``: itself, or the model.pt (warp-blend) or generator.pt (GAN) a folder holds."""
    found = find_weights(path, (warp_blend.WEIGHTS, spade_gan.WEIGHTS))
    if found is None:
        raise RIBError(f"{path}: holds neither {warp_blend.WEIGHTS} nor {spade_gan.WEIGHTS} (train one with train.py)")
    return found


def read_renderer(path: Path) -> tuple[Path, dict, str]:
    """The weights file of ``path``, its loaded state and its kind (WARP_BLEND or SPADE_GAN)."""
    path = checkpoint_file(path)
    state = read_weights(path, spade_gan.MISSING)
    return path, state, WARP_BLEND if state.get("kind") == WARP_BLEND else SPADE_GAN


def load_renderer(path: Path, device: torch.device, precision: str) -> ClipRenderer:
    """The renderer of a checkpoint written by train.py: a warp-blend ``model.pt`` or a GAN ``generator.pt``."""
    path, state, kind = read_renderer(path)
    if kind == WARP_BLEND:
        return warp_blend.clip_renderer(state, path, device)
    return spade_gan.clip_renderer(state, path, device, precision)


def kept_out_frames(path: Path) -> list[int] | None:
    """The input frames kept out of training a renderer fine-tuned on one clip (``rib finetune``: its one data set's
    ``held_out``), so that ``rib interpolate``'s self-check judges it on them; None for any other renderer."""
    _, state, kind = read_renderer(path)
    sets = state.get("config", {}).get("data", {}).get("sets", []) if kind == WARP_BLEND else []
    if len(sets) != 1 or not sets[0].get("held_out"):
        return None
    return [int(frame) for frame in sets[0]["held_out"]]


def train(argv: Sequence[str]) -> None:
    """train.py's command line, run in this process (``rib finetune`` fine-tunes the warp-blend renderer so)."""
    from Pose_Guided_Neural_Rendering import train as script

    script.main(argv)

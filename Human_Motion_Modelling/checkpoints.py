"""What a motion checkpoint holds and how to turn one back into a ready model."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from Human_Motion_Modelling.data.representation import Normaliser
from Human_Motion_Modelling.models.transformer import MotionTransformer, build
from rib.checkpoint import load_checkpoint, save_checkpoint
from rib.errors import RIBError
from rib.paths import CHECKPOINTS_DIR

DEFAULT_CHECKPOINT = CHECKPOINTS_DIR / "motion"
PREFERRED_NAMES = ("model.pth", "last.pth")


@dataclass
class TrainedModel:
    """A motion model in eval mode with the normalisation it was trained with."""

    model: MotionTransformer
    normaliser: Normaliser
    config: dict
    epoch: int

    @property
    def window_frames(self) -> int:
        """Longest window the model was trained on: inference cuts long clips into windows of this length."""
        return int(self.config["data"]["max_seq_length"])


def find_checkpoint(path: str | os.PathLike) -> Path:
    """A checkpoint file, or the one to use inside a folder (``model.pth``, ``last.pth`` or its only ``.pth``)."""
    path = Path(path)
    if path.is_dir():
        for name in PREFERRED_NAMES:
            if (path / name).is_file():
                return path / name
        candidates = sorted(path.glob("*.pth"))
        if len(candidates) != 1:
            raise RIBError(f"{path}: expected model.pth, last.pth or a single .pth checkpoint in this folder "
                           f"(found {len(candidates)}); train one with Human_Motion_Modelling/train.py")
        return candidates[0]
    if not path.is_file():
        raise RIBError(f"{path}: motion checkpoint not found; train one with Human_Motion_Modelling/train.py "
                       "or pass --checkpoint")
    return path


def load_trained_model(path: str | os.PathLike, device: torch.device | str = "cpu") -> TrainedModel:
    """Load a checkpoint written by ``train.py`` (or :func:`export_model`) ready for inference."""
    path = find_checkpoint(path)
    state = load_checkpoint(path, map_location="cpu")
    missing = [key for key in ("model", "normaliser", "config") if key not in state]
    if missing:
        raise RIBError(f"{path}: not a motion checkpoint (missing {', '.join(missing)})")
    model = build(state["config"])
    try:
        model.load_state_dict({k: v.float() for k, v in state["model"].items()})
    except RuntimeError as error:
        raise RIBError(f"{path}: weights do not match its config ({str(error).splitlines()[0]})") from None
    return TrainedModel(model=model.to(device).eval(), normaliser=Normaliser.from_state(state["normaliser"]),
                        config=state["config"], epoch=int(state.get("epoch", -1)))


def export_model(source: str | os.PathLike, target: str | os.PathLike, half: bool = True) -> None:
    """Write the inference part of a training checkpoint (weights, normalisation, config), optionally float16."""
    state = load_checkpoint(find_checkpoint(source))
    weights = {k: (v.half() if half and v.is_floating_point() else v) for k, v in state["model"].items()}
    save_checkpoint(target, {"model": weights, "normaliser": state["normaliser"], "config": state["config"],
                             "epoch": state.get("epoch", -1)})

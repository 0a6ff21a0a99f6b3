"""What a motion checkpoint holds and how to turn one back into a ready model."""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from Human_Motion_Modelling.config import complete_config
from Human_Motion_Modelling.data.representation import Normaliser
from Human_Motion_Modelling.models.transformer import MotionTransformer, build
from rib import engine
from rib.atomic import write_bytes
from rib.checkpoint import (MOTION, OLD_WEIGHTS_SUFFIX, WEIGHTS_FILES, WEIGHTS_SUFFIX, find_weights, load_checkpoint,
                            load_state, readable_names)
from rib.errors import RIBError
from rib.joints import NUM_J19
from rib.paths import CHECKPOINTS_DIR

DEFAULT_CHECKPOINT = CHECKPOINTS_DIR / "motion"
KIND = MOTION
"""The kind of a motion training checkpoint (rib.engine's layout)."""
WEIGHTS = WEIGHTS_FILES[KIND]
"""The inference file train.py writes into a run folder after every epoch and export.py ships."""
PREFERRED_NAMES = (*readable_names(WEIGHTS), "last.pth")
"""What a folder is searched for, in order: ``model.pt``, an older run's or export's ``model.pth``, the trainer
before rib.engine's ``checkpoints/last.pth`` (given its ``checkpoints`` folder)."""
INFERENCE_KEYS = ("model", "normaliser", "config")
"""What every motion inference file holds (with the epoch); a training checkpoint holds them in rib.engine's layout."""


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
    """A checkpoint file, or the one to use inside a folder: the first of :data:`PREFERRED_NAMES`, else its only
    ``.pt`` file, else its only ``.pth`` file."""
    path, folder = find_weights(Path(path), PREFERRED_NAMES), Path(path)
    if path is None:
        candidates = []
        for suffix in (WEIGHTS_SUFFIX, OLD_WEIGHTS_SUFFIX):
            candidates = candidates or sorted(folder.glob(f"*{suffix}"))
        if len(candidates) != 1:
            raise RIBError(f"{folder}: expected {', '.join(PREFERRED_NAMES)} or a single {WEIGHTS_SUFFIX} "
                           f"(or {OLD_WEIGHTS_SUFFIX}) checkpoint in this folder (found {len(candidates)}); "
                           "train one with Human_Motion_Modelling/train.py")
        return candidates[0]
    if not path.is_file():
        raise RIBError(f"{path}: motion checkpoint not found; train one with Human_Motion_Modelling/train.py "
                       "or pass --checkpoint")
    return path


def inference_view(state: dict) -> dict:
    """A training checkpoint (rib.engine's layout) as an inference file: weights, normaliser, config and epoch.

    ``epoch`` is the index of the last epoch trained, as in the files exported before the engine.
    """
    return {"model": state["models"]["model"], "normaliser": state["extra"].get("normaliser"),
            "config": state["config"], "epoch": state["epoch"] - 1}


def load_motion_state(path: Path) -> dict:
    """Load an inference file or a training checkpoint as an inference file, checked (e.g. not a renderer's)."""
    state = load_checkpoint(path, map_location="cpu")
    if state.get("format") == engine.FORMAT:
        state = inference_view(state) if state.get("kind") == KIND else {}
    missing = [key for key in INFERENCE_KEYS if key not in state]
    if missing:
        raise RIBError(f"{path}: not a motion checkpoint (missing {', '.join(missing)})")
    if not isinstance(state["config"], dict) or not isinstance(state["model"], dict):
        raise RIBError(f"{path}: not a motion checkpoint ('config' and 'model' must be mappings)")
    return state


def read_normaliser(state: dict, path: Path) -> Normaliser:
    """The checkpoint's normalisation statistics, checked: finite (19, 2) means and positive deviations."""
    try:
        normaliser = Normaliser.from_state(state["normaliser"])
        usable = (normaliser.mean.shape == normaliser.std.shape == (NUM_J19, 2) and
                  np.isfinite(normaliser.mean).all() and np.isfinite(normaliser.std).all() and
                  (normaliser.std > 0).all())
    except (KeyError, TypeError, ValueError):
        usable = False
    if not usable:
        raise RIBError(f"{path}: the checkpoint's normaliser is missing or broken (needs 19x2 finite means and "
                       "positive standard deviations)")
    return normaliser


def load_trained_model(path: str | os.PathLike, device: torch.device | str = "cpu") -> TrainedModel:
    """Load a checkpoint written by ``train.py`` (or :func:`export_model`) ready for inference."""
    path = find_checkpoint(path)
    state = load_motion_state(path)
    normaliser = read_normaliser(state, path)
    config = complete_config(state["config"], f"{path} config")
    model = build(config)
    load_state(model, {k: v.float() for k, v in state["model"].items()}, path)
    return TrainedModel(model=model.to(device).eval(), normaliser=normaliser, config=config,
                        epoch=int(state.get("epoch", -1)))


def inference_bytes(source: str | os.PathLike, half: bool = True) -> bytes:
    """The inference part of a checkpoint (weights, normalisation, config, epoch) as ``torch.save`` bytes, optionally
    float16; the same checkpoint always gives the same bytes (so an export's sha256 can be checked before writing)."""
    path = find_checkpoint(source)
    state = load_motion_state(path)
    weights = {k: (v.half() if half and v.is_floating_point() else v) for k, v in state["model"].items()}
    buffer = io.BytesIO()
    torch.save({"model": weights, "normaliser": state["normaliser"], "config": state["config"],
                "epoch": state.get("epoch", -1)}, buffer)
    return buffer.getvalue()


def export_model(source: str | os.PathLike, target: str | os.PathLike, half: bool = True) -> None:
    """Write the inference part of a training checkpoint (:func:`inference_bytes`) atomically."""
    write_bytes(target, inference_bytes(source, half))

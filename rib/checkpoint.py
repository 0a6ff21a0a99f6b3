"""Checkpoints: one contract for every model (kinds, finding and reading weights files), atomic saves, clear load
errors, exact RNG capture for resumable training."""
from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from rib.atomic import atomic_path
from rib.errors import RIBError

MOTION, WARP_BLEND, SPADE_GAN = "motion", "warp_blend", "gan"
"""The kinds of model: what a training checkpoint and a warp-blend ``model.pt`` record under ``kind`` (a motion
``model.pt`` and a SPADE GAN ``generator.pt`` weights file record none)."""
WEIGHTS_SUFFIX, OLD_WEIGHTS_SUFFIX = ".pt", ".pth"
"""The one extension of every weights file the project writes, and the one it wrote for the motion model before
(its run folders, its exports; the reference's checkpoints): still read, never written."""
WEIGHTS_FILES = {MOTION: "model.pt", WARP_BLEND: "model.pt", SPADE_GAN: "generator.pt"}
"""The inference weights file of each kind in a run folder and a shipped folder."""


def old_name(name: str) -> str:
    """The name weights file ``name`` had under the old extension: ``model.pt`` -> ``model.pth``."""
    return name.removesuffix(WEIGHTS_SUFFIX) + OLD_WEIGHTS_SUFFIX


def readable_names(*names: str) -> tuple[str, ...]:
    """The weights files to look for, in order: each of ``names``, then its :func:`old_name`."""
    return tuple(found for name in names for found in (name, old_name(name)))


def save_checkpoint(path: str | os.PathLike, state: dict) -> None:
    """Save ``state`` with ``torch.save`` atomically (a kill never leaves a half-written checkpoint)."""
    with atomic_path(path) as tmp:
        try:
            torch.save(state, tmp)
        except RuntimeError as error:  # torch's writer reports a full disk as a RuntimeError
            raise RIBError(f"{path}: cannot write checkpoint ({str(error).splitlines()[0]})") from None


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict:
    """Load a checkpoint saved by :func:`save_checkpoint` (``weights_only``: no code runs on load)."""
    path = Path(path)
    if not path.is_file():
        raise RIBError(f"{path}: checkpoint not found")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # torch raises many types for a corrupt or foreign file
        raise RIBError(f"{path}: not a readable checkpoint ({type(error).__name__}: {str(error)[:200]})") from None


def find_weights(path: Path, names: Sequence[str]) -> Path | None:
    """``path`` when it is not a folder, else the first of the weights files ``names`` it holds (None: none)."""
    if not path.is_dir():
        return path
    return next((path / name for name in names if (path / name).is_file()), None)


def read_weights(path: Path, missing: str) -> dict:
    """A weights file loaded on the CPU; a missing one is the RIBError ``"{path}: {missing}"``."""
    if not path.is_file():
        raise RIBError(f"{path}: {missing}")
    return load_checkpoint(path, "cpu")


def load_state(model: torch.nn.Module, weights: dict, path: str | os.PathLike) -> None:
    """Load ``weights`` into ``model``; weights of another model size are a RIBError naming ``path``."""
    try:
        model.load_state_dict(weights)
    except RuntimeError as error:
        raise RIBError(f"{path}: weights do not fit a model of this config (model settings changed?): "
                       f"{str(error).splitlines()[0][:200]}") from None


def capture_rng() -> dict:
    """The state of every random generator training uses, storable in a weights-only checkpoint."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": pos, "has_gauss": has_gauss,
                  "cached": cached},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict) -> None:
    """Restore the generators captured by :func:`capture_rng`."""
    random.setstate(state["python"])
    numpy_state = state["numpy"]
    np.random.set_state(("MT19937", numpy_state["keys"].numpy().astype(np.uint32), numpy_state["pos"],
                         numpy_state["has_gauss"], numpy_state["cached"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

"""The work folder of one run, in the reference's layout, so that every stage script can be rerun on it alone."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rib.frames import background_name
from rib.names import DAIN, GENERATED_FRAMES, INPUT_POSES, INPUTS, PREDICT_MOTION, TRAIN_BACKGROUNDS


def clip_name(path: Path) -> str:
    """A clip name from an input path: its stem with anything but letters, digits, ``-`` and ``_`` replaced."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", path.stem if path.is_file() else path.name).strip("_")
    return name or "clip"


PERSON_SUFFIX = "__person"
"""Beside the main person's ``Predict_motion/<clip>``, every other tracked person's poses are in
``Predict_motion/<clip>__person<track id>`` (same layout: one file per upsampled frame)."""


@dataclass(frozen=True)
class WorkLayout:
    """``root/<stage folder>/<clip>`` for every stage of one clip."""

    root: Path
    clip: str

    def folder(self, stage: str) -> Path:
        """The clip's folder of ``stage`` (e.g. ``INPUTS``)."""
        return self.root / stage / self.clip

    @property
    def inputs(self) -> Path:
        return self.folder(INPUTS)

    @property
    def input_poses(self) -> Path:
        return self.folder(INPUT_POSES)

    @property
    def motion(self) -> Path:
        return self.folder(PREDICT_MOTION)

    def person_motion(self, track: int) -> Path:
        """The upsampled poses of a tracked person other than the main one (see :data:`PERSON_SUFFIX`)."""
        return self.root / PREDICT_MOTION / f"{self.clip}{PERSON_SUFFIX}{track}"

    @property
    def backgrounds(self) -> Path:
        return self.folder(DAIN)

    @property
    def generated(self) -> Path:
        return self.folder(GENERATED_FRAMES)

    @property
    def train_backgrounds(self) -> Path:
        return self.folder(TRAIN_BACKGROUNDS)

    def upsampled_names(self, stems: list[str], rate: int) -> list[str]:
        """File name of every upsampled frame (the backgrounds' naming, shared by Generated_frames)."""
        count = (len(stems) - 1) * rate + 1
        return [background_name(stems[i // rate], (i % rate) / rate) for i in range(count)]

"""``manifest.json`` beside every generated frame root: where each clip's frames came from, at what rate.

The reference recorded neither fps nor strides (spec section 6, item 2); gen_h5 copies them into the h5.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from rib.atomic import write_text
from rib.errors import RIBError
from rib.textio import read_text

MANIFEST_NAME = "manifest.json"


def clip_record(video_name: str, indices: Sequence[int], source_fps: float | None,
                source_size: tuple[int, int] | None = None, crop: Sequence[int] | None = None) -> dict:
    """What the manifest says about one clip.

    ``stride`` is the median step between source frame numbers and ``fps`` the clip's own rate
    (``source_fps / stride``); ``frame_indices`` keeps irregular steps (3:2 pull-down removal) exact.
    """
    steps = np.diff(indices) if len(indices) > 1 else np.array([1])
    stride = float(np.median(steps))
    stride = int(stride) if stride.is_integer() else stride
    return {
        "video_name": video_name,
        "frame_indices": [int(i) for i in indices],
        "stride": stride,
        "source_fps": source_fps,
        "fps": source_fps / stride if source_fps else None,
        "source_size": list(source_size) if source_size else None,
        "crop": list(crop) if crop else None,
    }


def read_manifest(root: str | os.PathLike) -> dict:
    """The manifest of a frame root, or an empty one if there is none."""
    path = Path(root) / MANIFEST_NAME
    if not path.is_file():
        return {"clips": {}}
    try:
        manifest = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise RIBError(f"{path}: unreadable manifest ({error})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("clips"), dict):
        raise RIBError(f"{path}: not a dataset manifest (no 'clips' object)")
    return manifest


def update_manifest(root: str | os.PathLike, clips: dict[str, dict], **fields: object) -> Path:
    """Merge ``clips`` (and top-level ``fields``) into the manifest of ``root``, atomically."""
    manifest = read_manifest(root)
    manifest.update(fields)
    manifest["clips"].update(clips)
    path = Path(root) / MANIFEST_NAME
    write_text(path, json.dumps(manifest, indent=1, sort_keys=True))
    return path


def clip_attrs(record: dict) -> dict:
    """h5 attributes of a clip (fps, stride, source_fps, frame_indices), leaving out unknown values."""
    keys = ("fps", "stride", "source_fps", "frame_indices")
    return {key: record[key] for key in keys if record.get(key) is not None}

"""A contact sheet of generated ground-truth frames with their pose files drawn on top, read back from disk."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from rib.frames import list_clips, list_frames, list_poses, read_image, write_image
from rib.joints import draw_skeleton, person_to_j19
from rib.openpose import read_people


def contact_sheet(frames_root: Path, poses_root: Path, out: Path, per_clip: int = 4, max_clips: int = 6,
                  tile_width: int = 288) -> None:
    """Tile ``per_clip`` evenly spaced frames of up to ``max_clips`` clips, each with every person's skeleton."""
    rows = []
    for clip in list_clips(frames_root)[:max_clips]:
        frames, poses = list_frames(clip), list_poses(poses_root / clip.name)
        chosen = np.linspace(0, len(frames) - 1, per_clip).round().astype(int)
        tiles = []
        for index in chosen:
            image = read_image(frames[index])
            for person in read_people(poses[index]):
                draw_skeleton(image, person_to_j19(person), thickness=max(2, image.shape[0] // 150),
                              radius=max(3, image.shape[0] // 120))
            scale = tile_width / image.shape[1]
            tile = cv2.resize(image, (tile_width, round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
            cv2.putText(tile, f"{clip.name} {frames[index].stem}", (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                        (255, 255, 255), 1, cv2.LINE_AA)
            tiles.append(tile)
        rows.append(np.concatenate(tiles, axis=1))
    write_image(out, np.concatenate(rows, axis=0))

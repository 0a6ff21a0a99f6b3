"""Rectangles of a frame that a pose model is run on, and the crops it sees: square windows around a person or a
detection, tiles covering a frame, upscaled crops and the mapping of their normalised landmarks back to frame
pixels."""
from __future__ import annotations

from typing import NamedTuple, Sequence

import cv2
import numpy as np

from rib.joints import LIMBS

TRACK_GROWTH = 2.0
"""The window around a person is this many times the larger side of their joints' bounding box."""
MIN_WINDOW = 64
MIN_TILE_STEP = 0.75
MIN_CROP_SIDE = 256
"""Crops whose shorter side is smaller are upscaled to it: about the input BlazePose's landmark model expects."""
BODY_LIMBS = tuple(limb for limb in LIMBS if max(limb) < 17)
"""J19 skeleton edges between body joints (not the hand centroids, 17 and 18)."""
NOSE = 0
LIMB_WIDTH = 0.12
"""A hidden body's limbs are painted over this fraction of its height wide..."""
HEAD_RADIUS = 0.09
"""... and its head as a disc of this fraction of its height around the nose."""


class Window(NamedTuple):
    """A rectangle of the frame (pixels) that the pose model is run on."""

    x0: int
    y0: int
    width: int
    height: int

    def crop(self, image: np.ndarray) -> np.ndarray:
        """The window's RGB uint8 pixels (a copy)."""
        return np.array(image[self.y0:self.y0 + self.height, self.x0:self.x0 + self.width, :3], dtype=np.uint8,
                        order="C")  # a copy even where the window is the whole frame: hiding people paints on it

    def upscaled_crop(self, image: np.ndarray, min_side: int = MIN_CROP_SIDE, hidden: Sequence[np.ndarray] = (),
                      kept: np.ndarray | None = None, hidden_mask: np.ndarray | None = None) -> np.ndarray:
        """The crop, enlarged (bilinear, aspect kept) so its shorter side is at least ``min_side``. Landmarks
        normalised to the enlarged crop are the same fractions of the window, so :meth:`to_frame` maps them.

        The ``hidden`` frame boxes (x0, y0, x1, y1: people already found) are filled with the crop's mean colour,
        except where they meet the ``kept`` box (the person looked for), so that the pose model finds someone
        else. The window's ``hidden_mask`` (e.g. :meth:`silhouettes`) is filled likewise: hiding people by their
        silhouette rather than their box leaves visible someone standing behind them."""
        crop = self.crop(image)
        if len(hidden):
            crop = self._hide(crop, hidden, kept)
        if hidden_mask is not None:
            crop[hidden_mask] = crop.reshape(-1, 3).mean(axis=0).astype(np.uint8)
        factor = min_side / min(self.width, self.height)
        if factor <= 1.0:
            return crop
        size = (max(min_side, round(self.width * factor)), max(min_side, round(self.height * factor)))
        return cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR)

    def _hide(self, crop: np.ndarray, hidden: Sequence[np.ndarray], kept: np.ndarray | None) -> np.ndarray:
        mask = np.zeros(crop.shape[:2], bool)
        for box in hidden:
            mask[self._rows_cols(box)] = True
        if kept is not None:
            mask[self._rows_cols(kept)] = False
        crop[mask] = crop.reshape(-1, 3).mean(axis=0).astype(np.uint8)
        return crop

    def silhouettes(self, bodies: Sequence[np.ndarray]) -> np.ndarray:
        """(height, width) bool mask of the window over people's silhouettes, drawn from their (N, 3) J19 points in
        frame pixels: each limb :data:`LIMB_WIDTH` of the person's height wide, the head a disc around the nose."""
        mask = np.zeros((self.height, self.width), np.uint8)
        for body in bodies:
            box = joint_box(body)
            if box is None:
                continue
            size = float(box[3] - box[1])
            points = [tuple(int(v) for v in point) for point in np.round(body[:, :2] - [self.x0, self.y0])]
            for start, end in BODY_LIMBS:
                if body[start, 2] > 0 and body[end, 2] > 0:
                    cv2.line(mask, points[start], points[end], 1, max(2, round(LIMB_WIDTH * size)))
            if body[NOSE, 2] > 0:
                cv2.circle(mask, points[NOSE], max(2, round(HEAD_RADIUS * size)), 1, -1)
        return mask.astype(bool)

    def share_inside(self, mask: np.ndarray, points: np.ndarray) -> float:
        """The share of the visible (N, 3) frame points that fall on the window's ``mask`` (0 if none is visible)."""
        seen = points[points[:, 2] > 0, :2]
        if not len(seen):
            return 0.0
        cols, rows = np.floor(seen - [self.x0, self.y0]).astype(int).T
        inside = (rows >= 0) & (rows < self.height) & (cols >= 0) & (cols < self.width)
        hits = np.zeros(len(seen), bool)
        hits[inside] = mask[rows[inside], cols[inside]]
        return float(hits.mean())

    def _rows_cols(self, box: np.ndarray) -> tuple[slice, slice]:
        """The crop's rows and columns inside a frame box (clipped to the crop)."""
        x0, y0, x1, y1 = np.round(np.asarray(box, dtype=np.float64) - [self.x0, self.y0, self.x0, self.y0])
        return (slice(int(np.clip(y0, 0, self.height)), int(np.clip(y1, 0, self.height))),
                slice(int(np.clip(x0, 0, self.width)), int(np.clip(x1, 0, self.width))))

    def to_frame(self, normalised: np.ndarray) -> np.ndarray:
        """(N, 2) frame pixels of (N, 2) coordinates normalised to the window (0..1 across its width, height)."""
        return np.asarray(normalised, dtype=np.float64) * [self.width, self.height] + [self.x0, self.y0]


def square(centre_x: float, centre_y: float, side: float, height: int, width: int) -> Window:
    """The square of ``side`` (at least :data:`MIN_WINDOW`, at most the frame) centred on a point, moved into the
    frame."""
    side = int(min(max(MIN_WINDOW, side), height, width))
    x0 = int(np.clip(round(centre_x - side / 2), 0, width - side))
    y0 = int(np.clip(round(centre_y - side / 2), 0, height - side))
    return Window(x0, y0, side, side)


def joint_box(points: np.ndarray) -> np.ndarray | None:
    """(x0, y0, x1, y1) of the visible (confidence > 0) rows of (N, 3) points; None with fewer than two."""
    seen = points[points[:, 2] > 0, :2]
    if len(seen) < 2:
        return None
    return np.concatenate([seen.min(axis=0), seen.max(axis=0)])


def grow(box: np.ndarray, margin: float) -> np.ndarray:
    """A (x0, y0, x1, y1) box grown by ``margin`` times its width and height on each side."""
    size = np.asarray(box[2:], dtype=np.float64) - box[:2]
    return np.concatenate([box[:2] - margin * size, box[2:] + margin * size])


def around(points: np.ndarray, height: int, width: int, growth: float = TRACK_GROWTH) -> Window | None:
    """The square window ``growth`` times the size of the visible ``points`` (N, 3), kept in the frame."""
    box = joint_box(points)
    return None if box is None else around_box(box, height, width, growth)


def around_box(box: np.ndarray, height: int, width: int, growth: float = TRACK_GROWTH) -> Window:
    """The square window ``growth`` times the larger side of a (x0, y0, x1, y1) box, on its centre, in the frame."""
    return square((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, growth * (box[2:] - box[:2]).max(), height, width)


def tiles(height: int, width: int, scales: tuple[float, ...], min_side: int = MIN_WINDOW) -> list[Window]:
    """Half-overlapping square windows covering a frame, for each side in ``scales`` (fractions of the frame
    height, at least ``min_side`` px), largest first; a side over :data:`MIN_TILE_STEP` of the one before is left
    out (it would find the same people again)."""
    windows: list[Window] = []
    for scale in scales:
        side = min(max(min_side, round(scale * height)), height, width)
        if windows and side > MIN_TILE_STEP * windows[-1].width:
            continue
        for y0 in _starts(height, side):
            windows += [Window(x0, y0, side, side) for x0 in _starts(width, side)]
    return windows


def _starts(length: int, side: int) -> list[int]:
    count = max(1, int(np.ceil((length - side) / (side / 2))) + 1)
    return sorted({round(start) for start in np.linspace(0, length - side, count)})

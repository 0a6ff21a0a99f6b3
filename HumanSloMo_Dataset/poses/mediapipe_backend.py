"""The built-in pose backend: MediaPipe Holistic 0.10.21 (BlazePose full + both hands), offline, on the CPU.

Holistic runs in video mode, so it tracks the person it found from frame to frame; its hands are found from that
person's own wrists, so they always belong to the subject. Coordinates are pixels of the input frame.

BlazePose's detector finds a person by the face and needs them to fill a good part of the frame: a person a fifth
of the frame tall, or seen from the side, is often missed. When the whole frame shows nobody, Holistic (in image
mode) looks again in a window around where the person was last seen (twice their size), then, if there was no
such person, in half-overlapping square windows the height of the frame and half of it; after a search that
finds nobody, the next :data:`SEARCH_PAUSE` frames skip it, so footage without people stays cheap.
"""
from __future__ import annotations

import contextlib
import io
import logging
import sys

from typing import NamedTuple

import numpy as np

from HumanSloMo_Dataset.poses.layouts import BLAZEPOSE_33, to_person
from rib.errors import RIBError
from rib.frames import held_stderr
from rib.openpose import NUM_HAND, Person
from rib.person import MIN_CONFIDENCE

log = logging.getLogger(__name__)

INSTALL_HINT = ("pip install matplotlib absl-py attrs flatbuffers 'protobuf>=6.31.1,<7' && pip install --no-deps "
                "mediapipe==0.10.21 (its own pins would replace numpy 2 and OpenCV; see the '2D poses' section of "
                "HumanSloMo_Dataset/README.md)")
MODEL_COMPLEXITY = 1
"""The only BlazePose model shipped inside the mediapipe wheel (0 and 2 are downloaded at run time)."""
_LEFT_WRIST, _RIGHT_WRIST = 15, 16
SEARCH_SCALES = (1.0, 0.5)
"""Sides of the square search windows, as fractions of the frame height."""
TRACK_GROWTH = 2.0
"""The window around the last person is this many times the larger side of their joints' bounding box."""
SEARCH_PAUSE = 4
"""Frames without a window search after one that found nobody."""
MIN_WINDOW = 64
_HARMLESS_IMPORT_NOTICE = "GetPrototype"
"""mediapipe's protobuf bridge prints this with protobuf 6 and then falls back to a path that works."""
CPP_NOTICES = (b"inference_feedback_manager", b"absl::InitializeLog() is called",
               b"Created TensorFlow Lite XNNPACK delegate", b"gl_context", b"landmark_projection_calculator")
"""What MediaPipe's C++ code logs on every run (absl logging, which GLOG_minloglevel does not silence): held back."""


def _is_cpp_notice(line: bytes) -> bool:
    return any(notice in line for notice in CPP_NOTICES)


def import_mediapipe():
    """Import mediapipe with its legacy ``solutions`` API, or raise :class:`RIBError` with the install recipe."""
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            import mediapipe
    except ImportError as error:
        raise RIBError(f"mediapipe is not installed ({error}): {INSTALL_HINT}") from None
    finally:
        for line in captured.getvalue().splitlines():
            if _HARMLESS_IMPORT_NOTICE not in line:
                print(line, file=sys.stderr)
    if not hasattr(mediapipe, "solutions"):
        raise RIBError(f"mediapipe {getattr(mediapipe, '__version__', '?')} has no legacy solutions API (removed in "
                       f"0.10.30): {INSTALL_HINT}")
    from google.protobuf import __version__ as protobuf_version

    if int(protobuf_version.split(".")[0]) >= 7:
        raise RIBError(f"mediapipe 0.10.21 does not work with protobuf {protobuf_version}: {INSTALL_HINT}")
    return mediapipe


class Window(NamedTuple):
    """A rectangle of the frame (pixels) that Holistic is run on."""

    x0: int
    y0: int
    width: int
    height: int

    def crop(self, image: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(image[self.y0:self.y0 + self.height, self.x0:self.x0 + self.width, :3],
                                    dtype=np.uint8)


def _pixels(landmarks, window: Window, frame: tuple[int, int], confidence) -> np.ndarray:
    """(N, 3) frame-pixel (x, y, confidence) rows of landmarks normalised to ``window``; points outside the frame
    (height, width) are missing."""
    xy = np.array([(window.x0 + point.x * window.width, window.y0 + point.y * window.height)
                   for point in landmarks.landmark], dtype=np.float64)
    rows = np.column_stack([xy, np.broadcast_to(np.asarray(confidence, dtype=np.float64), len(xy))])
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < frame[1]) & (xy[:, 1] >= 0) & (xy[:, 1] < frame[0])
    rows[~inside] = 0.0
    return rows


def _body(landmarks, window: Window, frame: tuple[int, int], min_confidence: float) -> np.ndarray:
    """The 33 BlazePose points; confidence is the visibility (times the presence where MediaPipe sets it)."""
    confidence = [point.visibility * (point.presence if point.HasField("presence") else 1.0)
                  for point in landmarks.landmark]
    rows = _pixels(landmarks, window, frame, confidence)
    rows[rows[:, 2] < min_confidence] = 0.0
    return rows


def _hand(landmarks, wrist: np.ndarray, window: Window, frame: tuple[int, int]) -> np.ndarray:
    """Hand landmarks carry no score: each point takes the confidence of the body wrist the hand was found from."""
    if landmarks is None or wrist[2] <= 0:
        return np.zeros((NUM_HAND, 3))
    return _pixels(landmarks, window, frame, wrist[2])


def search_windows(height: int, width: int) -> list[Window]:
    """Half-overlapping square windows of each of :data:`SEARCH_SCALES` covering a frame, largest first."""
    windows = []
    for scale in SEARCH_SCALES:
        side = min(max(MIN_WINDOW, round(scale * height)), height, width)
        for y0 in _starts(height, side):
            windows += [Window(x0, y0, side, side) for x0 in _starts(width, side)]
    return windows


def _starts(length: int, side: int) -> list[int]:
    count = max(1, int(np.ceil((length - side) / (side / 2))) + 1)
    return sorted({round(start) for start in np.linspace(0, length - side, count)})


def around(points: np.ndarray, height: int, width: int) -> Window | None:
    """The square window :data:`TRACK_GROWTH` times the size of the visible ``points`` (N, 3), kept in the frame."""
    seen = points[points[:, 2] > 0, :2]
    if len(seen) < 2:
        return None
    low, high = seen.min(axis=0), seen.max(axis=0)
    side = int(min(max(MIN_WINDOW, TRACK_GROWTH * (high - low).max()), height, width))
    centre = (low + high) / 2
    x0 = int(np.clip(centre[0] - side / 2, 0, width - side))
    y0 = int(np.clip(centre[1] - side / 2, 0, height - side))
    return Window(x0, y0, side, side)


class MediaPipeEstimator:
    """One person per frame from MediaPipe Holistic; call :meth:`start_clip` between clips to reset tracking."""

    def __init__(self, min_confidence: float = MIN_CONFIDENCE) -> None:
        self._holistic = import_mediapipe().solutions.holistic.Holistic
        self.min_confidence = min_confidence
        self._model = None
        self._image_model = None
        self._size: tuple[int, int] | None = None
        self._last: Window | None = None
        self._pause = 0

    def start_clip(self) -> None:
        """Forget the tracked person (the next frame is searched from scratch)."""
        self.close()

    def close(self) -> None:
        """Release the MediaPipe graphs."""
        for model in (self._model, self._image_model):
            if model is not None:
                model.close()
        self._model, self._image_model, self._size, self._last, self._pause = None, None, None, None, 0

    def __enter__(self) -> "MediaPipeEstimator":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def people(self, image: np.ndarray, name: str = "frame") -> list[Person]:
        """The person in an RGB uint8 frame (an empty list if none is found)."""
        height, width = image.shape[:2]
        if self._model is not None and self._size != (height, width):
            log.warning("%s: frame size changes from %dx%d to %dx%d; pose tracking restarts", name,
                        self._size[1], self._size[0], width, height)
            self.close()
        whole = Window(0, 0, width, height)
        with held_stderr(_is_cpp_notice):
            if self._model is None:
                self._model = self._holistic(static_image_mode=False, model_complexity=MODEL_COMPLEXITY)
                self._size = (height, width)
            person = self._person(self._model.process(whole.crop(image)), whole)
            if person is None:
                person = self._look_closer(image)
        self._last = None if person is None else around(person.body, height, width)
        return [] if person is None else [person]

    def _look_closer(self, image: np.ndarray) -> Person | None:
        """Holistic in image mode on the window around the last person, else on the search windows."""
        height, width = image.shape[:2]
        searching = self._last is None
        if searching and self._pause > 0:
            self._pause -= 1
            return None
        if self._image_model is None:
            self._image_model = self._holistic(static_image_mode=True, model_complexity=MODEL_COMPLEXITY)
        for window in [self._last] if not searching else search_windows(height, width):
            person = self._person(self._image_model.process(window.crop(image)), window)
            if person is not None:
                return person
        self._pause = SEARCH_PAUSE if searching else 0
        return None

    def _person(self, result, window: Window) -> Person | None:
        if result.pose_landmarks is None:
            return None
        frame = self._size
        body = _body(result.pose_landmarks, window, frame, self.min_confidence)
        return to_person(body, BLAZEPOSE_33,
                         left_hand=_hand(result.left_hand_landmarks, body[_LEFT_WRIST], window, frame),
                         right_hand=_hand(result.right_hand_landmarks, body[_RIGHT_WRIST], window, frame))

"""The built-in pose backend: MediaPipe Holistic 0.10.21 (BlazePose full + both hands), offline, on the CPU.

Holistic runs in video mode, so it tracks the person it found from frame to frame; its hands are found from that
person's own wrists, so they always belong to the subject. Coordinates are pixels of the input frame.
"""
from __future__ import annotations

import contextlib
import io
import logging
import sys

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


def _pixels(landmarks, width: int, height: int, confidence) -> np.ndarray:
    """(N, 3) pixel (x, y, confidence) rows of normalised landmarks; points outside the frame are missing."""
    xy = np.array([(point.x * width, point.y * height) for point in landmarks.landmark], dtype=np.float64)
    rows = np.column_stack([xy, np.broadcast_to(np.asarray(confidence, dtype=np.float64), len(xy))])
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)
    rows[~inside] = 0.0
    return rows


def _body(landmarks, width: int, height: int, min_confidence: float) -> np.ndarray:
    """The 33 BlazePose points; confidence is the visibility (times the presence where MediaPipe sets it)."""
    confidence = [point.visibility * (point.presence if point.HasField("presence") else 1.0)
                  for point in landmarks.landmark]
    rows = _pixels(landmarks, width, height, confidence)
    rows[rows[:, 2] < min_confidence] = 0.0
    return rows


def _hand(landmarks, wrist: np.ndarray, width: int, height: int) -> np.ndarray:
    """Hand landmarks carry no score: each point takes the confidence of the body wrist the hand was found from."""
    if landmarks is None or wrist[2] <= 0:
        return np.zeros((NUM_HAND, 3))
    return _pixels(landmarks, width, height, wrist[2])


class MediaPipeEstimator:
    """One person per frame from MediaPipe Holistic; call :meth:`start_clip` between clips to reset tracking."""

    def __init__(self, min_confidence: float = MIN_CONFIDENCE) -> None:
        self._holistic = import_mediapipe().solutions.holistic.Holistic
        self.min_confidence = min_confidence
        self._model = None
        self._size: tuple[int, int] | None = None

    def start_clip(self) -> None:
        """Forget the tracked person (the next frame is searched from scratch)."""
        self.close()

    def close(self) -> None:
        """Release the MediaPipe graph."""
        if self._model is not None:
            self._model.close()
        self._model, self._size = None, None

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
        with held_stderr(_is_cpp_notice):
            if self._model is None:
                self._model = self._holistic(static_image_mode=False, model_complexity=MODEL_COMPLEXITY)
                self._size = (height, width)
            result = self._model.process(np.ascontiguousarray(image[..., :3], dtype=np.uint8))
        if result.pose_landmarks is None:
            return []
        body = _body(result.pose_landmarks, width, height, self.min_confidence)
        return [to_person(body, BLAZEPOSE_33,
                          left_hand=_hand(result.left_hand_landmarks, body[_LEFT_WRIST], width, height),
                          right_hand=_hand(result.right_hand_landmarks, body[_RIGHT_WRIST], width, height))]

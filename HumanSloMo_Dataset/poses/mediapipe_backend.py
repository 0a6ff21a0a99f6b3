"""The built-in pose backend: MediaPipe Holistic 0.10.21 (BlazePose full + both hands), offline, on the CPU, for
every person in the frame, small or far, each with a track id.

Per frame, candidate windows are gathered and Holistic (image mode) runs on each, upscaled so the person fills
what BlazePose expects; landmarks are mapped back to frame pixels:

- the whole frame, with Holistic in video mode (a person filling a good part of the frame, as before), unless
  everyone tracked is small (:data:`LARGE_PERSON`);
- around each tracked person, where their last step says they are now (twice their size), unless the whole frame
  gave a pose that fits there (:func:`fits_track`); a whole-frame pose that fits no track and puts its face where
  a person found in a track's window has theirs is Holistic misfitting that person (turned on its side) and is
  dropped (:func:`is_misfit`);
- every :data:`DETECT_EVERY` frames (every frame while nobody is tracked), BlazePose's own person detector on
  tiles of the frame (:mod:`HumanSloMo_Dataset.poses.person_detector`) for people not already found, then, every
  :data:`BESIDE_EVERY` frames, once more around each person found, with everyone found hidden by their silhouette
  (limbs and head painted over, not their box), for people beside or half behind them.

A window whose crop gives no pose is dropped; one person found from two windows is kept once; each person's hands
are found from their own wrists. :class:`HumanSloMo_Dataset.poses.person_tracks.Tracker` gives each person a track
id (``Person.track``) that stays theirs over the clip; :meth:`MediaPipeEstimator.start_clip` starts again.
"""
from __future__ import annotations

import contextlib
import io
import logging
import sys
from typing import Callable

import numpy as np

from HumanSloMo_Dataset.poses.layouts import BLAZEPOSE_33, to_person
from HumanSloMo_Dataset.poses.person_detector import PersonDetector
from HumanSloMo_Dataset.poses.person_tracks import (Tracker, body_box, intersection_over_union, merge_duplicates,
                                                    overlap, same_face, same_person)
from HumanSloMo_Dataset.poses.windows import Window, around_box, grow
from rib.errors import RIBError
from rib.frames import held_stderr
from rib.joints import person_to_j19
from rib.openpose import NUM_HAND, Person
from rib.person import MIN_CONFIDENCE, qualifies

log = logging.getLogger(__name__)

INSTALL_HINT = ("pip install matplotlib absl-py attrs flatbuffers 'protobuf>=6.31.1,<7' && pip install --no-deps "
                "mediapipe==0.10.21 (its own pins would replace numpy 2 and OpenCV; see the '2D poses' section of "
                "HumanSloMo_Dataset/README.md)")
MODEL_COMPLEXITY = 1
"""The only BlazePose model shipped inside the mediapipe wheel (0 and 2 are downloaded at run time)."""
_LEFT_WRIST, _RIGHT_WRIST = 15, 16
DETECT_EVERY = 1
"""While someone is tracked, the person detector runs on every this many frames (new people are found then)."""
HIDE_MARGIN = 0.1
"""People already found are hidden in a window's crop over their joint box grown by this fraction each side."""
MIN_WINDOW_SHARE = 0.2
"""A pose found in a window must be at least this fraction of its height (windows are 2-2.5 times the person
expected; smaller poses are stray limbs or faces)."""
BESIDE_EVERY = 1
"""The look beside the people found runs on every this many frames (it costs a Holistic run per person)."""
BESIDE_GROWTH = 2.0
"""The window searched for people beside someone found is this many times their size."""
MAX_ON_HIDDEN = 0.5
"""A pose found beside people, with their silhouettes hidden, is kept only if at most this share of its body
joints falls on those silhouettes."""
BODY_JOINTS = 17
"""J19 joints 0-16: the body (17 and 18 are the hand centroids)."""
LOOKS = 2
"""Holistic runs at most this many times on a candidate window (again when it found someone else)."""
LARGE_PERSON = 0.3
"""While everyone tracked is shorter than this fraction of the frame height, the whole-frame pass is skipped (it
finds only people filling a good part of the frame; the detector's full-frame tile still looks for newcomers)."""
KNOWN_OVERLAP = 0.5
"""A track window or detection is skipped when a person already found overlaps the box of the person expected
there (the track's expected box, the detection's body circle) by this much (intersection over the smaller)..."""
KNOWN_HEIGHT = 0.5
"""... and is at least this fraction of its height."""
_HARMLESS_IMPORT_NOTICE = "GetPrototype"
"""mediapipe's protobuf bridge prints this with protobuf 6 and then falls back to a path that works."""
CPP_NOTICES = (b"inference_feedback_manager", b"absl::InitializeLog() is called",
               b"Created TensorFlow Lite XNNPACK delegate", b"gl_context", b"landmark_projection_calculator")
"""What MediaPipe's C++ code logs on every run (absl logging, which GLOG_minloglevel does not silence): held back."""


TRACK_FIT = 0.4
"""A pose found in the whole frame stands for a tracked person (their window is skipped) when its joint box meets
where the track is expected with at least this intersection over union. Low-fps input moves people far between
frames, and Holistic then may fit their legs alone or a pose turned on its side over them: those fit worse."""


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


def _covers(box: np.ndarray, expected: np.ndarray) -> bool:
    """Whether a person found (their joint box) is the one expected: overlapping by :data:`KNOWN_OVERLAP` and at
    least :data:`KNOWN_HEIGHT` as tall (a stray part of a person does not hide a whole one)."""
    return (overlap(expected, box) >= KNOWN_OVERLAP
            and box[3] - box[1] >= KNOWN_HEIGHT * (expected[3] - expected[1]))


def fits_track(box: np.ndarray, expected: np.ndarray) -> bool:
    """Whether a person found in the whole frame (their joint box) is the tracked one expected: they cover it
    (:func:`_covers`) and meet it with an intersection over union of :data:`TRACK_FIT`."""
    return _covers(box, expected) and intersection_over_union(box, expected) >= TRACK_FIT


def is_misfit(person: Person, expected: list[np.ndarray], in_tracks: list[Person]) -> bool:
    """Whether a whole-frame pose is Holistic misfitting a tracked person: it fits no track's ``expected`` box and
    puts the face where a person found in a track's window has theirs (:func:`same_face`: one person, its body
    misplaced)."""
    box = body_box(person)
    return (not any(fits_track(box, where) for where in expected)
            and any(same_face(person, found) for found in in_tracks))


def _height(person: Person) -> float:
    box = body_box(person)
    return float(box[3] - box[1])


class MediaPipeEstimator:
    """Every person per frame from MediaPipe Holistic, with track ids; call :meth:`start_clip` between clips."""

    def __init__(self, min_confidence: float = MIN_CONFIDENCE, detect_every: int = DETECT_EVERY) -> None:
        self._holistic = import_mediapipe().solutions.holistic.Holistic
        self.min_confidence = min_confidence
        self.detect_every = detect_every
        self._model = None
        self._image_model = None
        self._detector: PersonDetector | None = None
        self._size: tuple[int, int] | None = None
        self._tracker = Tracker()
        self._frame = 0

    def start_clip(self) -> None:
        """Forget the tracked people (the next frame is searched from scratch, track ids start at 0)."""
        self.close()

    def close(self) -> None:
        """Release the MediaPipe graphs and forget the tracks (a graph that never ran logs as it closes: held)."""
        with held_stderr(_is_cpp_notice):
            for model in (self._model, self._image_model, self._detector):
                if model is not None:
                    model.close()
        self._model, self._image_model, self._detector, self._size = None, None, None, None
        self._tracker.reset()
        self._frame = 0

    def __enter__(self) -> "MediaPipeEstimator":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def people(self, image: np.ndarray, name: str = "frame") -> list[Person]:
        """The people in an RGB uint8 frame, each with its track id, in track order (empty if nobody is found)."""
        height, width = image.shape[:2]
        if self._model is not None and self._size != (height, width):
            log.warning("%s: frame size changes from %dx%d to %dx%d; pose tracking restarts", name,
                        self._size[1], self._size[0], width, height)
            self.close()
        with held_stderr(_is_cpp_notice):
            if self._model is None:
                self._model = self._holistic(static_image_mode=False, model_complexity=MODEL_COMPLEXITY)
                self._image_model = self._holistic(static_image_mode=True, model_complexity=MODEL_COMPLEXITY)
                self._detector = PersonDetector()
                self._size = (height, width)
                self._open_models(np.zeros_like(image))
            detecting = not self._tracker.tracks or self._frame % self.detect_every == 0
            detections = self._detector.start(image) if detecting else None  # on its threads, beside the looks below
            whole = self._whole_frame(image) if self._large_person_possible(height) else []
            expected = [track.expected() for track in self._tracker.tracks]
            in_tracks = self._in_windows(image, whole, [(around_box(box, height, width), box) for box in expected],
                                         fits_track)
            found = [person for person in whole if not is_misfit(person, expected, in_tracks)] + in_tracks
            if detections is not None:
                found += self._in_windows(image, found, [(detection.window(height, width), detection.core())
                                                         for detection in detections()])
                if self._frame % BESIDE_EVERY == 0:
                    found += self._beside(image, found)
            people = self._tracker.update(merge_duplicates(found), image)
        self._frame += 1
        return sorted(people, key=lambda person: person.track)

    def _open_models(self, blank: np.ndarray) -> None:
        """One blank frame through every graph, so that each opens its models (and logs about them) while stderr is
        held, not later on one of MediaPipe's threads."""
        self._model.process(blank)
        self._image_model.process(blank)
        self._detector.open()

    def _large_person_possible(self, height: int) -> bool:
        """Whether the whole frame may show someone large: nobody is tracked, or someone tracked is large."""
        return not self._tracker.tracks or any(track.box[3] - track.box[1] >= LARGE_PERSON * height
                                               for track in self._tracker.tracks)

    def _whole_frame(self, image: np.ndarray) -> list[Person]:
        """The person Holistic in video mode finds in the whole frame (it follows them from frame to frame)."""
        whole = Window(0, 0, image.shape[1], image.shape[0])
        return self._plausible([self._person(self._model.process(whole.crop(image)), whole)])

    def _in_windows(self, image: np.ndarray, found: list[Person], candidates: list[tuple[Window, np.ndarray]],
                    covers: Callable[[np.ndarray, np.ndarray], bool] = _covers) -> list[Person]:
        """The people Holistic (image mode) finds in each candidate window (a window and the box where a person is
        expected), skipping candidates whose expected box a person in ``found`` ``covers`` (or one found in an
        earlier candidate's window, by :func:`_covers`). People already found are hidden in the crop; where Holistic
        still finds someone other than the expected person, it looks once more with them hidden too (two people side
        by side: it finds one per look)."""
        people: list[Person] = []
        for window, expected in candidates:
            for _ in range(LOOKS):
                if (any(covers(body_box(person), expected) for person in found)
                        or any(_covers(body_box(person), expected) for person in people)):
                    break
                hidden = [grow(body_box(person), HIDE_MARGIN) for person in found + people]
                result = self._image_model.process(window.upscaled_crop(image, hidden=hidden, kept=expected))
                person = [p for p in self._plausible([self._person(result, window)])
                          if _height(p) >= MIN_WINDOW_SHARE * window.height]
                if not person:
                    break
                people += person
        return people

    def _beside(self, image: np.ndarray, found: list[Person]) -> list[Person]:
        """People next to or behind those found (the detector often sees two people side by side as one): Holistic
        once more around each person found, with everyone found hidden by their silhouette. A pose mostly on the
        hidden silhouettes (:data:`MAX_ON_HIDDEN`) is a leftover of someone found, not a new person."""
        people: list[Person] = []
        for person in found:
            window = around_box(body_box(person), *image.shape[:2], growth=BESIDE_GROWTH)
            mask = window.silhouettes([person_to_j19(known) for known in found + people])
            result = self._image_model.process(window.upscaled_crop(image, hidden_mask=mask))
            people += [new for new in self._plausible([self._person(result, window)])
                       if _height(new) >= MIN_WINDOW_SHARE * window.height
                       and window.share_inside(mask, person_to_j19(new)[:BODY_JOINTS]) <= MAX_ON_HIDDEN
                       and not any(same_person(new, known) for known in found + people)]
        return people

    def _plausible(self, people: list[Person | None]) -> list[Person]:
        return [person for person in people if person is not None and qualifies(person)]

    def _person(self, result, window: Window) -> Person | None:
        if result.pose_landmarks is None:
            return None
        frame = self._size
        body = _body(result.pose_landmarks, window, frame, self.min_confidence)
        return to_person(body, BLAZEPOSE_33,
                         left_hand=_hand(result.left_hand_landmarks, body[_LEFT_WRIST], window, frame),
                         right_hand=_hand(result.right_hand_landmarks, body[_RIGHT_WRIST], window, frame))

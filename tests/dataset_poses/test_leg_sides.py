"""Each track's legs kept on one labelling where the detector flips them (rib/leg_sides.py), in the pose files."""
from __future__ import annotations

import json

import numpy as np

from HumanSloMo_Dataset.poses.estimate import estimate_poses
from rib.frames import list_poses
from rib.leg_sides import LEFT_LEG, RIGHT_LEG, frames_to_swap, keep_leg_sides, swap_legs
from rib.openpose import NUM_BODY, Person, read_people

RKNEE, LKNEE = 10, 13


def walker(step: int, flipped: bool = False, x: float = 200.0) -> np.ndarray:
    """A (25, 3) body seen from the side, walking right: the right leg swings forward by 4 px a frame, the left one
    stays 40 px behind; ``flipped`` labels the legs the other way round."""
    body = np.zeros((NUM_BODY, 3))
    body[:9] = [[x, 40, 1], [x, 60, 1], [x, 60, 1], [x, 90, 1], [x, 110, 1], [x, 60, 1], [x, 90, 1], [x, 110, 1],
                [x, 120, 1]]
    for leg, reach in ((RIGHT_LEG, 20 + 4 * step), (LEFT_LEG, -20)):
        hip, knee, ankle, toe, small_toe, heel = leg
        body[hip] = [x, 120, 1]
        body[knee] = [x + reach / 2, 160, 1]
        body[ankle] = [x + reach, 200, 1]
        body[toe], body[small_toe], body[heel] = [x + reach + 12, 205, 1], [x + reach + 10, 206, 1], [x + reach - 4,
                                                                                                      204, 1]
    return swap_legs(body) if flipped else body


def test_a_frame_the_detector_flipped_gets_its_legs_back():
    bodies = [walker(step, flipped=step == 3) for step in range(6)]
    assert frames_to_swap(bodies) == [3]


def test_legs_that_move_apart_as_labelled_are_left_alone():
    assert frames_to_swap([walker(step) for step in range(8)]) == []


def test_the_labelling_most_frames_have_is_kept():
    bodies = [walker(step, flipped=step < 2) for step in range(6)]
    assert frames_to_swap(bodies) == [0, 1]
    assert frames_to_swap([walker(step, flipped=step >= 2) for step in range(6)]) == [0, 1]


def test_frames_without_legs_are_skipped_and_untouched():
    legless = walker(2)
    legless[list(RIGHT_LEG + LEFT_LEG)] = 0
    bodies = [walker(0), walker(1), None, legless, walker(4, flipped=True), walker(5)]
    assert frames_to_swap(bodies) == [4]


def test_only_the_flipped_persons_legs_move():
    frames = [[Person(body=walker(step, flipped=step == 2), track=1), Person(body=walker(step, x=400), track=2)]
              for step in range(5)]
    fixed, swapped = keep_leg_sides(frames)
    assert swapped == 1
    np.testing.assert_array_equal(fixed[2][0].body, walker(2))
    for before, after in zip(frames, fixed):
        np.testing.assert_array_equal(before[1].body, after[1].body)
    assert frames[2][0].body[RKNEE, 0] < frames[2][0].body[LKNEE, 0]  # the input is not changed in place


def test_estimate_poses_writes_the_legs_on_their_sides(kit, frame_folder, tmp_path):
    frames = frame_folder("clip", 6)
    for step in range(6):
        keypoints = walker(step, flipped=step == 4).ravel().tolist()
        kit.write_json(tmp_path / "op" / f"frame{step:05d}_keypoints.json",
                       {"version": 1.3, "people": [{"pose_keypoints_2d": keypoints}]})
    summary = estimate_poses(frames, tmp_path / "poses", "openpose", tmp_path / "op")
    assert summary.legs_swapped == 1
    written = [read_people(path)[0].body for path in list_poses(tmp_path / "poses")]
    for step, body in enumerate(written):
        np.testing.assert_allclose(body[:, :2], walker(step)[:, :2], atol=1e-3)
    given = json.loads((tmp_path / "op" / "frame00004_keypoints.json").read_text())
    assert given["people"][0]["pose_keypoints_2d"] == walker(4, flipped=True).ravel().tolist()

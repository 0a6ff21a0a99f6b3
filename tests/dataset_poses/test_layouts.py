"""Every source layout lands each joint on the BODY_25 slot of the same name, and hands in OpenPose hand order."""
from __future__ import annotations

import numpy as np
import pytest

from HumanSloMo_Dataset.poses.layouts import (ALPHAPOSE_LAYOUTS, BLAZEPOSE_33, OPENPOSE_COCO_18, Layout,
                                              to_person)
from rib.openpose import NUM_BODY, NUM_HAND

CX, TOP, HEIGHT = 200.0, 40.0, 300.0


def _check(kit, layout: Layout, names: list[str], has_hands: bool) -> None:
    joint = kit.joint
    points = np.asarray(kit.keypoints(names, CX, TOP, HEIGHT)).reshape(-1, 3)
    person = to_person(points, layout)
    assert person.body.shape == (NUM_BODY, 3)
    source_names = set(names) | ({"mid_hip"} if {"left_hip", "right_hip"} <= set(names) else set())
    if {"left_shoulder", "right_shoulder"} <= set(names):
        source_names.add("neck")
    if "left_foot_index" in names:
        source_names |= {"left_big_toe", "right_big_toe"}
    for slot, name in enumerate(kit.BODY25):
        if name in source_names:
            np.testing.assert_allclose(person.body[slot], [*joint(name, CX, TOP, HEIGHT), 0.9], err_msg=name)
        else:
            np.testing.assert_array_equal(person.body[slot], 0.0, err_msg=name)
    for side, hand in (("left", person.left_hand), ("right", person.right_hand)):
        assert hand.shape == (NUM_HAND, 3)
        if has_hands:
            expected = [[*joint(f"{side}_hand{i}", CX, TOP, HEIGHT), 0.9] for i in range(NUM_HAND)]
            np.testing.assert_allclose(hand, expected)
        else:
            np.testing.assert_array_equal(hand, 0.0)


@pytest.mark.parametrize("count", [17, 26, 68, 133, 136])
def test_alphapose_layouts_map_by_name(kit, count: int) -> None:
    _check(kit, ALPHAPOSE_LAYOUTS[count], kit.LAYOUT_NAMES[count], has_hands=count in (68, 133, 136))


def test_openpose_coco18_and_blazepose_map_by_name(kit) -> None:
    _check(kit, OPENPOSE_COCO_18, kit.OPEN18, has_hands=False)
    _check(kit, BLAZEPOSE_33, kit.BLAZEPOSE33, has_hands=False)


def test_every_alphapose_keypoint_count_is_known(kit) -> None:
    assert sorted(ALPHAPOSE_LAYOUTS) == sorted(kit.LAYOUT_NAMES)
    assert all(len(kit.LAYOUT_NAMES[count]) == count for count in kit.LAYOUT_NAMES)


def test_midpoint_needs_both_sources_and_missing_points_are_zero(kit) -> None:
    BODY25 = kit.BODY25
    points = np.asarray(kit.keypoints(kit.LAYOUT_NAMES[17])).reshape(-1, 3)
    points[5] = [123.0, 45.0, 0.0]  # left shoulder undetected, but with coordinates (AlphaPose writes those)
    points[11, 2], points[12, 2] = 0.4, 0.7
    person = to_person(points, ALPHAPOSE_LAYOUTS[17])
    np.testing.assert_array_equal(person.body[BODY25.index("neck")], 0.0)
    np.testing.assert_array_equal(person.body[BODY25.index("left_shoulder")], 0.0)
    assert person.body[BODY25.index("mid_hip"), 2] == pytest.approx(0.4)


def test_separate_hands_replace_layout_hands_and_wrong_size_is_refused(kit) -> None:
    hand = np.tile([[5.0, 6.0, 0.8]], (NUM_HAND, 1))
    person = to_person(np.asarray(kit.keypoints(kit.BLAZEPOSE33)).reshape(-1, 3), BLAZEPOSE_33, left_hand=hand)
    np.testing.assert_array_equal(person.left_hand, hand)
    np.testing.assert_array_equal(person.right_hand, 0.0)
    with pytest.raises(ValueError, match="expected \\(33, 3\\)"):
        to_person(np.zeros((17, 3)), BLAZEPOSE_33)

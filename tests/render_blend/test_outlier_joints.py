"""Issue 21: a wrong joint far outside the frame neither sizes a buffer nor costs time (dropped on reading, and
the renderer's crop is never larger than the frame)."""
from __future__ import annotations

import logging
import time
import tracemalloc

import numpy as np

from Pose_Guided_Neural_Rendering.warp_blend.warping import person_crop
from rib.joints import j19_to_person
from rib.openpose import write_people
from rib.poses import fit_to_frame, read_pose_folder
from tests.render_blend.test_warping import SIZE, _renderer


def with_outlier(pose: np.ndarray, joint: int = 4, at: float = 1e5) -> np.ndarray:
    pose = pose.copy()
    pose[joint] = (at, at, 1.0)
    return pose


def test_a_joint_far_outside_is_dropped_when_poses_are_read(person, tmp_path, caplog):
    folder = tmp_path / "poses"
    folder.mkdir()
    poses = np.stack([person.pose(0), with_outlier(person.pose(1)), person.pose(2)])
    for index, pose in enumerate(poses):
        write_people(folder / f"{index:06d}_keypoints.json", [j19_to_person(pose)])
    with caplog.at_level(logging.WARNING):
        read = read_pose_folder(folder, SIZE)
    assert (read[1, 4] == 0).all() and np.allclose(read[1, :4, :2], poses[1, :4, :2], atol=1e-3)
    assert "1 joint(s) lie more than a frame size outside the 192x128 frames; dropped" in caplog.text
    assert (read_pose_folder(folder)[1, 4, 2] > 0)  # without the frame size nothing is judged


def test_a_joint_just_outside_the_frame_is_kept(person):
    pose = with_outlier(person.pose(0), at=-0.5 * SIZE[0])
    assert np.array_equal(fit_to_frame(pose[None], SIZE, "p")[0], pose)


def test_poses_made_for_another_frame_size_are_warned_about(person, caplog):
    poses = np.stack([person.pose(t) for t in range(3)])
    poses[..., :2] *= 3  # made on frames three times as large
    with caplog.at_level(logging.WARNING):
        fit_to_frame(poses, SIZE, "given poses")
    assert "given poses:" in caplog.text and "were these poses made for frames of another size?" in caplog.text


def test_the_renderer_is_bounded_by_the_frame_not_by_a_wrong_joint(person):
    poses = np.stack([person.pose(0), person.pose(4), with_outlier(person.pose(2))])
    crop = person_crop(list(poses), frame_hw=SIZE)
    assert crop.n <= max(SIZE)
    background = person.frame(2)
    tracemalloc.start()
    start = time.perf_counter()
    frame, _ = _renderer(0.0).frame(person.frame(0), person.frame(4), background, poses, 0.5)
    seconds, (_, peak) = time.perf_counter() - start, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert frame.shape == background.shape
    assert peak < 64 * 2**20 and seconds < 5, (peak, seconds)  # was a 2.7 GiB array


def test_a_person_drawn_5000_px_off_the_frame_is_no_person(person):
    """Every joint 5000 px off a 192x128 frame (6-14 s and 12.8 GB per frame before): all dropped, nothing sized."""
    poses = np.stack([person.pose(t) for t in range(3)])
    poses[..., :2] += 5000
    assert not fit_to_frame(poses, SIZE, "p")[..., 2].any()

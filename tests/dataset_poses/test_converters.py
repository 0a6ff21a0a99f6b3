"""AlphaPose (default COCO/Halpe/WholeBody results, --format open) and OpenPose outputs -> per-frame BODY_25 files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from HumanSloMo_Dataset.estimate_poses import main
from HumanSloMo_Dataset.poses.estimate import estimate_poses
from rib.frames import list_poses
from rib.openpose import people_to_json, read_people

NOSE, NECK, LWRIST, MIDHIP = 0, 1, 7, 8


def _detection(kit, image_id: str, count: int, cx: float = 200, height: float = 300, **extra) -> dict:
    """One entry of AlphaPose's default results, exactly as its write_json lays it out."""
    return {"image_id": image_id, "category_id": 1, "keypoints": kit.keypoints(kit.LAYOUT_NAMES[count], cx, 40, height),
            "score": 2.8, "box": [cx - 60.0, 40.0, 120.0, height], **extra}


def _open_frame(kit, people: list[tuple[float, float]]) -> dict:
    """One frame of AlphaPose's --format open output: OpenPose's 18-point COCO layout."""
    return {"version": "AlphaPose v0.3",
            "people": [{"pose_keypoints_2d": kit.keypoints(kit.OPEN18, cx, 40, h)} for cx, h in people]}


def _poses(folder: Path) -> list[list]:
    return [read_people(path) for path in list_poses(folder)]


@pytest.mark.parametrize("count", [17, 26, 133, 136])
def test_alphapose_default_results_of_a_root_of_clips(kit, frame_folder, tmp_path, count) -> None:
    frames = frame_folder("clip_a", 4).parent
    frame_folder("clip_b", 2)
    source = tmp_path / "alphapose"
    kit.write_json(source / "clip_a" / "alphapose-results.json", [
        _detection(kit, "frame00000.png", count, idx=1),
        _detection(kit, "frame00001.png", count, idx=1),
        _detection(kit, "frame00003.png", count, cx=220, idx=1),  # frame 2: AlphaPose saw no one
    ])
    kit.write_json(source / "clip_b" / "alphapose-results.json", [_detection(kit, "frame00001.png", count)])

    main(["--backend", "alphapose", "--poses-from", str(source), "--input", str(frames),
          "--output", str(tmp_path / "poses")])

    clip_a = _poses(tmp_path / "poses" / "clip_a")
    assert [p.name for p in list_poses(tmp_path / "poses" / "clip_a")] == [
        f"frame{i:05d}_keypoints.json" for i in range(4)]
    assert [len(people) for people in clip_a] == [1, 1, 0, 1]
    body = clip_a[3][0].body
    np.testing.assert_allclose(body[NECK, :2], kit.joint("neck", 220, 40, 300))
    np.testing.assert_allclose(body[MIDHIP, :2], kit.joint("hip", 220, 40, 300))
    assert body[NOSE, 1] < body[NECK, 1] < body[MIDHIP, 1]
    hands_expected = count in (133, 136)
    assert (clip_a[0][0].left_hand[:, 2] > 0).all() == hands_expected
    if hands_expected:
        np.testing.assert_allclose(clip_a[0][0].left_hand[0, :2], kit.joint("left_hand0", 200, 40, 300))
    assert [len(people) for people in _poses(tmp_path / "poses" / "clip_b")] == [0, 1]


def test_alphapose_open_format_whole_file_and_sep_json(kit, frame_folder, tmp_path) -> None:
    frames = frame_folder("clip", 3)
    combined = {"frame00000.png": _open_frame(kit, [(200, 300)]), "frame00002.png": _open_frame(kit, [(210, 300)])}
    kit.write_json(tmp_path / "open" / "alphapose-results.json", combined)
    for name, frame in combined.items():  # what --format open also writes per frame
        kit.write_json(tmp_path / "sep" / "sep-json" / (Path(name).stem + ".json"), frame)

    for source, output in ((tmp_path / "open" / "alphapose-results.json", "from_file"),
                           (tmp_path / "sep", "from_sep")):
        summary = estimate_poses(frames, tmp_path / output, "alphapose", source)
        assert (summary.written, summary.empty, summary.failures) == (3, 1, [])
        poses = _poses(tmp_path / output)
        assert [len(people) for people in poses] == [1, 0, 1]
        np.testing.assert_allclose(poses[2][0].body[MIDHIP, :2], kit.joint("hip", 210, 40, 300))
        np.testing.assert_array_equal(poses[2][0].body[19:], 0.0)  # no feet in the 18-point layout


def test_alphapose_per_frame_body25_files_of_the_modified_alphapose(kit, frame_folder, tmp_path) -> None:
    frames = frame_folder("clip", 2)
    body25 = read_people(kit.write_json(tmp_path / "x.json", {"people": [{
        "pose_keypoints_2d": kit.keypoints(kit.BODY25), "hand_left_keypoints_2d": kit.keypoints(
            [f"left_hand{i}" for i in range(21)]), "hand_right_keypoints_2d": []}]}))
    for index in range(2):
        kit.write_json(tmp_path / "alpha" / f"frame{index:05d}.json", people_to_json(body25))
    estimate_poses(frames, tmp_path / "poses", "alphapose", tmp_path / "alpha")
    person = _poses(tmp_path / "poses")[1][0]
    np.testing.assert_allclose(person.body, body25[0].body, atol=1e-4)
    np.testing.assert_allclose(person.left_hand, body25[0].left_hand, atol=1e-4)


def test_alphapose_numeric_image_ids_match_frame_numbers(kit, frame_folder, tmp_path) -> None:
    frames = frame_folder("clip", 2)
    kit.write_json(tmp_path / "a.json", [_detection(kit, 1, 17)])  # AlphaPose's --eval numbering
    summary = estimate_poses(frames, tmp_path / "poses", "alphapose", tmp_path / "a.json")
    assert summary.empty == 1 and [len(p) for p in _poses(tmp_path / "poses")] == [0, 1]


def test_tracking_keeps_the_subject_when_another_person_grows_larger(kit, frame_folder, tmp_path) -> None:
    """Person A (x=150) starts largest; B (x=420) grows past A's size. Largest-box choice would switch to B."""
    count = 8
    frames = frame_folder("clip", count)
    detections, largest_cx = [], []
    for t in range(count):
        height_a, height_b = 300 - 20 * t, 150 + 30 * t
        people = [_detection(kit, f"frame{t:05d}.png", 26, cx=420, height=height_b),
                  _detection(kit, f"frame{t:05d}.png", 26, cx=150 + 2 * t, height=height_a)]
        detections += people
        largest_cx.append(150 if height_a > height_b else 420)
    assert largest_cx[0] == 150 and largest_cx[-1] == 420  # the test means something
    kit.write_json(tmp_path / "alpha" / "alphapose-results.json", detections)

    estimate_poses(frames, tmp_path / "poses", "alphapose", tmp_path / "alpha")

    frames_people = _poses(tmp_path / "poses")
    track_a = next(person.track for person in frames_people[0] if person.body[NECK, 0] == 150)
    necks = [next(p.body[NECK, 0] for p in people if p.track == track_a) for people in frames_people]
    np.testing.assert_allclose(necks, [150 + 2 * t for t in range(count)])
    assert len({people[0].track for people in frames_people}) == 1  # the main person stays first


def test_openpose_video_style_names_are_matched_by_order(kit, frame_folder, tmp_path) -> None:
    frames = frame_folder("clip", 3)
    for index in range(3):
        kit.write_json(tmp_path / "op" / f"myvideo_{index:012d}_keypoints.json",
                       {"version": 1.3, "people": [{"pose_keypoints_2d": kit.keypoints(kit.BODY25, 100 + index)}]})
    summary = estimate_poses(frames, tmp_path / "poses", "openpose", tmp_path / "op")
    assert summary.failures == []
    assert [p[0].body[NECK, 0] for p in _poses(tmp_path / "poses")] == pytest.approx([100, 101, 102])


def test_openpose_names_are_matched_by_frame_stem(kit, frame_folder, tmp_path) -> None:
    frames = frame_folder("clip", 3, name="img_{}.jpg")
    for index in (2, 10, 1):  # every frame has its file by name; img_10 has no frame and is ignored
        kit.write_json(tmp_path / "op" / f"img_{index}_keypoints.json",
                       {"people": [{"pose_keypoints": kit.keypoints(kit.BODY25, 100 + index)}]})
    kit.write_json(tmp_path / "op" / "img_0_keypoints.json", {"people": []})
    summary = estimate_poses(frames, tmp_path / "poses", "openpose", tmp_path / "op")
    assert (summary.written, summary.empty) == (3, 1)
    names = [p.name for p in list_poses(tmp_path / "poses")]
    assert names == ["img_0_keypoints.json", "img_1_keypoints.json", "img_2_keypoints.json"]
    assert _poses(tmp_path / "poses")[2][0].body[NECK, 0] == pytest.approx(102)

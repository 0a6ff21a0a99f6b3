"""rib-estimate-poses writes every tracked person of a frame, main first, with its track id."""
from __future__ import annotations

from pathlib import Path

import pytest

from HumanSloMo_Dataset.estimate_poses import main as estimate_main
from HumanSloMo_Dataset.poses.estimate import estimate_poses
from rib.errors import RIBError
from rib.frames import list_poses
from rib.joints import NECK
from rib.openpose import UNTRACKED, read_people
from rib.poses import INCOMPLETE_MARKER


def _openpose_clip(kit, folder: Path, count: int, passer_frames: tuple[int, ...] = ()) -> None:
    """Untracked OpenPose files: a small walker (in every frame, listed second), a large one (every frame but the
    third) and a passer-by far away in ``passer_frames``."""
    for t in range(count):
        people = [{"pose_keypoints_2d": kit.keypoints(kit.BODY25, cx=400 - 10 * t, height=300)}] if t != 2 else []
        people.append({"pose_keypoints_2d": kit.keypoints(kit.BODY25, cx=100 + 10 * t, height=150)})
        if t in passer_frames:
            people.append({"pose_keypoints_2d": kit.keypoints(kit.BODY25, cx=5000, height=200)})
        kit.write_json(folder / f"frame{t:05d}_keypoints.json", {"version": 1.3, "people": people})


def _written(folder: Path) -> list[list]:
    return [read_people(path) for path in list_poses(folder)]


def test_every_tracked_person_is_written_main_first(kit, frame_folder, tmp_path):
    count = 6
    frames = frame_folder("clip", count)
    _openpose_clip(kit, tmp_path / "op", count, passer_frames=(4,))

    summary = estimate_poses(frames, tmp_path / "poses", "openpose", tmp_path / "op")

    written = _written(tmp_path / "poses")
    assert [len(people) for people in written] == [2, 2, 1, 2, 2, 2]  # the passer-by (one frame) is dropped
    assert all(person.track != UNTRACKED for people in written for person in people)
    main = {people[0].track for people in written}
    assert len(main) == 1  # the small walker, seen in every frame, is the main person
    assert [people[0].body[NECK, 0] for people in written] == pytest.approx([100 + 10 * t for t in range(count)])
    assert len({people[1].track for people in written if len(people) == 2}) == 1
    assert (summary.people, summary.tracks, summary.empty) == (11, 2, 0)


def test_people_main_writes_the_main_track_alone(kit, frame_folder, tmp_path):
    count = 4
    frames = frame_folder("clip", count)
    _openpose_clip(kit, tmp_path / "op", count)

    estimate_main(["-i", str(frames), "-o", str(tmp_path / "poses"), "-b", "openpose", "--poses-from",
                   str(tmp_path / "op"), "--people", "main"])

    written = _written(tmp_path / "poses")
    assert [len(people) for people in written] == [1] * count
    assert len({people[0].track for people in written}) == 1


def test_an_unknown_people_choice_is_refused(frame_folder, tmp_path):
    with pytest.raises(RIBError, match="people 'everyone'"):
        estimate_poses(frame_folder("clip", 2), tmp_path / "poses", "openpose", tmp_path / "op", people="everyone")


def test_a_failed_frame_keeps_the_clip_incomplete_and_the_others_written(kit, frame_folder, tmp_path):
    count = 4
    frames = frame_folder("clip", count)
    _openpose_clip(kit, tmp_path / "op", count)
    (tmp_path / "op" / "frame00001_keypoints.json").write_text("{not json")

    summary = estimate_poses(frames, tmp_path / "poses", "openpose", tmp_path / "op")

    assert len(summary.failures) == 1 and summary.written == count - 1
    assert (tmp_path / "poses" / INCOMPLETE_MARKER).exists()
    assert not (tmp_path / "poses" / "frame00001_keypoints.json").exists()

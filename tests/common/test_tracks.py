"""rib.tracks: people across frames -> tracks, and the pose readers that follow them."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rib.joints import j19_to_person
from rib.openpose import UNTRACKED, Person, keypoint_filename, read_people, write_people
from rib.poses import read_pose_folder, read_track_folder
from rib.tracks import MAX_GAP_FRAMES, MIN_TRACK_FRAMES, TrackLinker, link_clip, link_frames, main_track

STANDING = np.array([
    [240, 60], [240, 100], [210, 100], [195, 140], [190, 180], [270, 100], [285, 140], [290, 180], [240, 180],
    [220, 180], [215, 240], [212, 290], [260, 180], [265, 240], [268, 290], [272, 298], [208, 298], [292, 190],
    [188, 190]], dtype=np.float64)


def walker(x: float, y: float = 0.0, scale: float = 1.0, track: int = UNTRACKED) -> Person:
    """A standing person whose neck is at (x, 100 * scale + y)."""
    xy = (STANDING - (240, 0)) * scale + (x, y)
    person = j19_to_person(np.concatenate([xy, np.full((19, 1), 0.9)], axis=1))
    person.track = track
    return person


def neck_x(person: Person) -> float:
    return float(person.body[1, 0])


def track_at(frame: list[Person], x: float) -> int:
    """The track of the person whose neck is at ``x``."""
    return next(person.track for person in frame if abs(neck_x(person) - x) < 1e-6)


def test_crossing_people_keep_their_ids():
    """A walks right, B (smaller, a little farther) walks left; they pass each other in the middle frames, where
    the nearest person to A's last position is briefly B; A's motion says where A is."""
    count = 13
    frames = [[walker(100 + 25 * t), walker(410 - 25 * t, y=20, scale=0.8)] for t in range(count)]
    linked = link_frames(frames)
    tracks_a = {track_at(frame, 100 + 25 * t) for t, frame in enumerate(linked)}
    tracks_b = {track_at(frame, 410 - 25 * t) for t, frame in enumerate(linked)}
    assert len(tracks_a) == 1 and len(tracks_b) == 1 and tracks_a != tracks_b


def test_a_track_unseen_for_a_few_frames_is_linked_again():
    frames = [[walker(100 + 5 * t)] if not 4 <= t < 4 + MAX_GAP_FRAMES else [] for t in range(12)]
    linked = link_frames(frames)
    assert {person.track for frame in linked for person in frame} == {0}


def test_a_track_unseen_for_longer_is_a_new_person():
    gap = MAX_GAP_FRAMES + 2
    frames = [[walker(100)] if not 3 <= t < 3 + gap else [] for t in range(3 + gap + 3)]
    linked = link_frames(frames)
    assert [frame[0].track for frame in linked if frame] == [0, 0, 0, 1, 1, 1]


def test_someone_far_from_every_track_starts_a_new_one():
    linker = TrackLinker()
    assert [p.track for p in linker.link([walker(100)])] == [0]
    assert [p.track for p in linker.link([walker(900), walker(102)])] == [1, 0]


def test_ids_a_backend_set_are_kept_and_not_given_to_others():
    linker = TrackLinker()
    first = linker.link([walker(100, track=0), walker(400)])
    second = linker.link([walker(400), walker(105, track=0)])
    assert [p.track for p in first] == [0, 1] and [p.track for p in second] == [1, 0]


def test_people_with_too_few_joints_are_not_linked():
    few = Person()
    few.body[:3] = (10, 10, 0.9)
    assert TrackLinker().link([few]) == []


def test_short_tracks_are_dropped_and_the_main_person_comes_first():
    """A is in every frame, B (larger) in three, C (a false detection) in MIN_TRACK_FRAMES - 1."""
    count = 6
    frames = []
    for t in range(count):
        people = [walker(600, scale=1.3)] if 1 <= t <= 3 else []
        people += [walker(1000)] if t < MIN_TRACK_FRAMES - 1 else []
        frames.append(people + [walker(100 + 3 * t, scale=0.7)])
    written = link_clip(frames)
    assert [len(frame) for frame in written] == [1, 2, 2, 2, 1, 1]
    assert all(neck_x(frame[0]) == 100 + 3 * t for t, frame in enumerate(written))
    assert [p.track for p in link_clip(frames, main_only=True)[2]] == [written[0][0].track]


def test_the_main_track_is_kept_in_a_short_clip_and_ties_go_to_the_larger_person():
    frames = [[walker(100, scale=0.5), walker(500)], [walker(102, scale=0.5), walker(503)]]
    written = link_clip(frames)
    assert [len(frame) for frame in written] == [1, 1] and neck_x(written[1][0]) == 503
    assert main_track([]) is None


def write_clip(folder: Path, frames: list[list[Person]]) -> Path:
    for index, people in enumerate(frames):
        write_people(folder / keypoint_filename(index), people)
    return folder


def test_read_pose_folder_follows_the_main_track_of_tracked_files(tmp_path):
    """The main track (most frames) is listed second in the files and is smaller: still the one read."""
    frames = [[walker(500, scale=1.5, track=3)] if t < 2 else [] for t in range(4)]
    for t, people in enumerate(frames):
        people.append(walker(100 + 10 * t, scale=0.6, track=8))
    poses = read_pose_folder(write_clip(tmp_path / "poses", frames))
    np.testing.assert_allclose(poses[:, 1, 0], [100, 110, 120, 130])


def test_untracked_files_are_read_as_before(tmp_path):
    """Without ids, the largest person of the first frame is tracked (rib.person.select_person)."""
    frames = [[walker(100 + 10 * t, scale=0.6), walker(500, scale=1.5)] for t in range(3)]
    poses = read_pose_folder(write_clip(tmp_path / "poses", frames))
    np.testing.assert_allclose(poses[:, 1, 0], [500, 500, 500])


def test_read_track_folder_links_untracked_openpose_files(tmp_path):
    count = 5
    frames = [[walker(400 - 20 * t, scale=0.8), walker(100 + 20 * t)] for t in range(count)]
    frames[2] = frames[2][1:]
    tracks = read_track_folder(write_clip(tmp_path / "poses", frames))
    assert len(tracks) == 2
    main, other = tracks.values()
    np.testing.assert_allclose(main[:, 1, 0], [100 + 20 * t for t in range(count)])
    np.testing.assert_allclose(other[[0, 1, 3, 4], 1, 0], [400, 380, 340, 320])
    assert not other[2].any()


def test_read_track_folder_of_nobody_is_empty(tmp_path):
    assert read_track_folder(write_clip(tmp_path / "poses", [[], []])) == {}


@pytest.mark.parametrize("people", [[walker(100, track=2), walker(300, track=5)]])
def test_written_track_ids_are_read_back(tmp_path, people):
    write_people(tmp_path / "f_keypoints.json", people)
    assert [p.track for p in read_people(tmp_path / "f_keypoints.json")] == [2, 5]

import json

import numpy as np
import pytest

from rib.errors import RIBError
from rib.joints import (FLIP_PAIRS, LIMB_COLOURS, LIMBS, NUM_J19, ROOT, flip_permutation, hand_centroid,
                        j19_to_person, person_to_j19)
from rib.openpose import NUM_BODY, Person, keypoint_filename, read_people, write_people
from rib.person import select_person


def make_person(offset: float = 0.0, scale: float = 1.0, conf: float = 0.9) -> Person:
    rng = np.random.default_rng(int(offset * 10 + scale * 100))
    body = np.zeros((NUM_BODY, 3))
    body[:, :2] = offset + scale * rng.uniform(0, 100, size=(NUM_BODY, 2))
    body[:, 2] = conf
    hand = np.zeros((21, 3))
    hand[:, :2] = offset + scale * 50
    hand[:, 2] = 0.8
    return Person(body=body, left_hand=hand.copy(), right_hand=hand.copy())


def test_round_trip_keeps_people(tmp_path):
    people = [make_person(0), make_person(200, 2.0)]
    path = tmp_path / keypoint_filename(3)
    write_people(path, people)
    assert path.name == "000003_keypoints.json"
    data = json.loads(path.read_text())
    assert data["people"][0]["person_id"] == [-1]
    assert len(data["people"][0]["pose_keypoints_2d"]) == 75
    back = read_people(path)
    assert len(back) == 2
    np.testing.assert_allclose(back[1].body, people[1].body, atol=1e-3)
    np.testing.assert_allclose(back[0].left_hand, people[0].left_hand, atol=1e-3)


def test_reads_old_key_and_missing_hands(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"people": [{"pose_keypoints": [1.0, 2.0, 0.5] * 25}]}))
    (person,) = read_people(path)
    assert person.body[0, 1] == 2.0 and not person.left_hand.any()


def test_zero_people_is_valid(tmp_path):
    path = tmp_path / "empty.json"
    write_people(path, [])
    assert read_people(path) == []


@pytest.mark.parametrize("text, message", [
    ("{not json", "invalid JSON"),
    ('{"version": 1.3}', "no 'people' list"),
    ('{"people": [{"pose_keypoints_2d": [1, 2, 3]}]}', "expected 75"),
    ('{"people": [{"pose_keypoints_2d": ["a", "b", "c"]}]}', "non-numeric"),
])
def test_bad_files_name_the_file(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(RIBError, match=message) as info:
        read_people(path)
    assert "bad.json" in str(info.value)


def test_j19_mapping_and_back():
    person = make_person()
    person.right_hand[:3, 2] = 0.0
    j19 = person_to_j19(person)
    assert j19.shape == (NUM_J19, 3)
    np.testing.assert_array_equal(j19[15], person.body[19])
    np.testing.assert_array_equal(j19[16], person.body[22])
    np.testing.assert_allclose(j19[18], person.right_hand[3:].mean(axis=0))
    back = person_to_j19(j19_to_person(j19))
    np.testing.assert_allclose(back, j19)


def test_hand_centroid_needs_six_points():
    hand = np.zeros((21, 3))
    hand[:5] = (10.0, 20.0, 1.0)
    assert not hand_centroid(hand).any()
    hand[5] = (16.0, 20.0, 1.0)
    np.testing.assert_allclose(hand_centroid(hand), (11.0, 20.0, 1.0))


def test_missing_joints_are_all_zero():
    person = make_person()
    person.body[4] = (123.0, 45.0, 0.0)
    assert not person_to_j19(person)[4].any()


def test_flip_permutation_is_an_involution():
    perm = flip_permutation()
    np.testing.assert_array_equal(perm[perm], np.arange(NUM_J19))
    assert perm[ROOT] == ROOT and len(FLIP_PAIRS) == 8
    assert len(LIMBS) == len(LIMB_COLOURS)


def test_select_person_prefers_largest_then_tracks():
    small, large = make_person(0, 1.0), make_person(300, 2.0)
    assert select_person([small, large]) is large
    moved_small = make_person(0, 1.0)
    moved_small.body[:, :2] += 3.0
    assert select_person([moved_small, large], previous=small) is moved_small


def test_select_person_rejects_weak_detections():
    weak = make_person(conf=0.05)
    assert select_person([weak]) is None
    assert select_person([]) is None


def test_track_ids_round_trip(tmp_path):
    from rib.openpose import UNTRACKED, read_people, write_people

    people = [make_person(1.0), make_person(2.0)]
    people[0].track, people[1].track = 3, UNTRACKED
    write_people(tmp_path / "f_keypoints.json", people)
    assert [p.track for p in read_people(tmp_path / "f_keypoints.json")] == [3, UNTRACKED]


@pytest.mark.parametrize("value", [[-2], "a", [1, 2], 1.5, True])
def test_bad_track_id_names_the_file(tmp_path, value):
    from rib.openpose import parse_people

    with pytest.raises(RIBError, match="person_id"):
        parse_people({"people": [{"person_id": value}]}, tmp_path / "x.json")

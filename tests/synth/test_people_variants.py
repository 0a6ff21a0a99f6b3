"""gen_synthetic.py --people N --camera far: every person in frame with exact poses and tracks, per-person visible
masks that add up to the union mask, far people 1/8 to 1/5 of the frame height, the manifest; single-person near
clips as before."""
import hashlib
import json

import cv2
import numpy as np
import pytest

from HumanSloMo_Dataset import gen_synthetic
from HumanSloMo_Dataset.synth import human_scene
from HumanSloMo_Dataset.synth.body import load_pool
from HumanSloMo_Dataset.synth.cast import FAR_PERSON_HEIGHT
from HumanSloMo_Dataset.synth.dataset import read_person_masks
from rib import deepmimic
from rib.frames import list_frames, list_poses
from rib.openpose import UNTRACKED, read_people

TINY = ["--width", "384", "--height", "256", "--motions", "jump", "--max-pieces", "1", "--max-frames", "3",
        "--rate", "2", "--splits", "test"]


def generate(out, *extra):
    gen_synthetic.main(["--out", str(out), *TINY, *extra])
    return json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="module")
def far_pair(tmp_path_factory):
    out = tmp_path_factory.mktemp("far_pair")
    return out, generate(out, "--people", "2", "--camera", "far")


def test_manifest_names_the_variant_its_people_and_their_identities(far_pair):
    _, manifest = far_pair
    assert manifest["people"] == 2 and manifest["camera"] == "far"
    assert list(manifest["clips"]) == ["jump_00_v0_p2_far"]
    clip = manifest["clips"]["jump_00_v0_p2_far"]
    assert clip["framing"] == "far" and [p["track"] for p in clip["people"]] == [0, 1]
    assert clip["people"][0]["source"] == "jump" or clip["people"][1]["source"] == "jump"
    assert all(deepmimic.split_of(p["source"]) == "test" for p in clip["people"])
    bodies = [p["identity"]["body"] for p in clip["people"]]
    assert len(set(bodies)) == 2 and set(bodies) <= set(load_pool().indices("test"))
    assert clip["identity"] == clip["people"][0]["identity"]
    for person in clip["people"]:
        assert person["last_frame"] - person["first_frame"] == clip["last_frame"] - clip["first_frame"]
        assert FAR_PERSON_HEIGHT[0] <= person["height_fraction"][0] <= person["height_fraction"][1] <= (
            FAR_PERSON_HEIGHT[1])
    assert np.mean(clip["people"][0]["height_fraction"]) >= np.mean(clip["people"][1]["height_fraction"])


def test_every_person_is_in_frame_with_its_track_and_on_the_masks(far_pair):
    out, _ = far_pair
    clip = "jump_00_v0_p2_far"
    masks, poses = list_frames(out / "test/masks" / clip), list_poses(out / "test/poses" / clip)
    assert len(masks) == len(poses) == 5 and len(list_frames(out / "test/person_masks" / clip)) == 5
    for mask_path, pose_path in zip(masks, poses):
        people = read_people(pose_path)
        assert [p.track for p in people] == [0, 1]
        union = cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE) > 0
        labels = read_person_masks(out / "test", clip, mask_path.stem)
        assert set(np.unique(labels)) <= {0, 1, 2} and np.array_equal(labels > 0, union)
        near = cv2.dilate(union.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        for person in people:
            for points in (person.body, person.left_hand, person.right_hand):
                assert (points[:, 2] > 0).all(), "every point inside the frame"
                x, y = np.round(points[:, :2]).astype(int).T
                assert near[y, x].mean() > 0.9, pose_path.name  # on somebody (a person may be in front)
            assert (labels == person.track + 1).sum() > 30, "each person visible"
            height = np.ptp(person.body[:, 1]) / union.shape[0]  # eyes/ears to heels: a bit under the stature
            assert FAR_PERSON_HEIGHT[0] * 0.7 < height < FAR_PERSON_HEIGHT[1] * 1.05


@pytest.mark.slow
def test_a_single_person_near_clip_is_written_as_before(tmp_path):
    """Same names, untracked person_id, no person_masks and no people in the manifest; the camera and a pose file
    are those the generator wrote before --people existed (same seed, same arguments)."""
    out = tmp_path / "single"
    gen_synthetic.main(["--out", str(out), "--width", "192", "--height", "128", "--motions", "jump", "walk",
                        "--max-pieces", "1", "--max-frames", "3", "--train-views", "1", "--rate", "2"])
    manifest = json.loads((out / "manifest.json").read_text())
    clip = manifest["clips"]["jump_00_v0"]
    assert "people" not in manifest and "framing" not in clip and "people" not in clip
    assert not (out / "test/person_masks").exists()
    assert [p.track for p in read_people(out / "test/poses/jump_00_v0/frame00002_keypoints.json")] == [UNTRACKED]
    assert clip["camera"] == {"azimuth": 19.4593, "pan_rate": -7.8371, "elevation": 1.2883, "distance": 8.1382,
                              "zoom": -0.0914, "fov": 36.9098, "backdrop_azimuth": 75.6314}
    pose = (out / "test/poses/jump_00_v0/frame00002_keypoints.json").read_bytes()
    assert hashlib.sha1(pose).hexdigest() == "19614d641b54e5ded7a9f06b5098e6b3c282e5fa"
    assert read_person_masks(out / "test", "jump_00_v0", "frame00002").max() == 1  # the union mask as person 0


@pytest.mark.slow  # 4-5 s, more on a busy machine
def test_three_people_near_are_numbered_by_apparent_size(tmp_path, monkeypatch):
    """Also through several render workers: 6 // 3 people = 2 frames each."""
    monkeypatch.setattr(human_scene, "FRAMES_PER_WORKER", 6)
    out = tmp_path / "three"
    clip = generate(out, "--people", "3")["clips"]["jump_00_v0_p3"]
    assert clip["framing"] == "near" and [p["track"] for p in clip["people"]] == [0, 1, 2]
    sizes = [np.mean(p["height_fraction"]) for p in clip["people"]]
    assert sizes == sorted(sizes, reverse=True)
    assert len({p["identity"]["body"] for p in clip["people"]}) == 3
    for pose_path in list_poses(out / "test/poses/jump_00_v0_p3"):
        assert [p.track for p in read_people(pose_path)] == [0, 1, 2]
        assert all((p.body[:, 2] > 0).all() for p in read_people(pose_path))
    labels = read_person_masks(out / "test", "jump_00_v0_p3", "frame00000")
    assert set(np.unique(labels)) <= {0, 1, 2, 3} and (labels > 0).sum() > 0


@pytest.mark.parametrize("args, message", [
    (["--people", "2", "--actor", "capsule"], "need the human actor"),
    (["--camera", "far", "--actor", "capsule"], "need the human actor"),
    (["--people", "4"], "invalid choice"),
    (["--camera", "closeup"], "invalid choice"),
])
def test_bad_variants_exit_2_with_one_line(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        gen_synthetic.main(["--out", str(tmp_path / "bad"), *TINY, *args])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err

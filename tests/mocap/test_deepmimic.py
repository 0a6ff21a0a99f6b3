"""The DeepMimic motion source: clip reading, resampling, forward kinematics, J19 mapping and the fixed split."""
import json

import numpy as np
import pytest

from rib import deepmimic
from rib.errors import RIBError
from rib.joints import J19_NAMES, LIMBS, NUM_J19

TRUNK = (J19_NAMES.index("Neck"), J19_NAMES.index("MidHip"))
"""Neck and mid-hip lie on different rigid links (the spine bends at the chest joint): not a bone."""
BONES = [limb for limb in LIMBS if set(limb) != set(TRUNK)]


@pytest.fixture(scope="module")
def clips():
    return {name: deepmimic.resample(deepmimic.read_clip(path), 60.0) for name, path in deepmimic.clip_paths().items()}


def test_split_is_fixed_and_complete():
    names = set(deepmimic.clip_paths())
    assert len(names) == 20
    assert set(deepmimic.TEST_CLIPS) | set(deepmimic.TRAIN_CLIPS) == names
    assert not set(deepmimic.TEST_CLIPS) & set(deepmimic.TRAIN_CLIPS)
    assert {n for n in names if n.startswith("walker_")} <= set(deepmimic.TEST_CLIPS)
    assert {"dance_b", "jump", "spinkick"} <= set(deepmimic.TEST_CLIPS)
    assert deepmimic.split_of("walk") == "train" and deepmimic.split_of("jump") == "test"


def test_bone_lengths_constant_for_every_clip(clips):
    for name, clip in clips.items():
        joints = deepmimic.clip_j19(clip)
        assert joints.shape == (len(clip), NUM_J19, 3), name
        for a, b in BONES:
            lengths = np.linalg.norm(joints[:, a] - joints[:, b], axis=1)
            assert np.ptp(lengths) < 1e-6, (name, J19_NAMES[a], J19_NAMES[b], np.ptp(lengths))
        pose = deepmimic.forward_kinematics(clip)
        for joint in deepmimic.load_skeleton().joints:
            lengths = np.linalg.norm(pose.positions[joint.child] - pose.positions[joint.parent], axis=1)
            assert np.ptp(lengths) < 1e-6, (name, joint.name)


def test_resampling_gives_60_fps_over_the_clip_duration(clips):
    for name, path in deepmimic.clip_paths().items():
        raw = deepmimic.read_clip(path)
        clip = clips[name]
        assert np.allclose(np.diff(clip.times), 1 / 60)
        assert clip.times[-1] <= raw.times[-1] + 1e-9 < clip.times[-1] + 1 / 60
        assert np.allclose(clip.root_position[0], raw.root_position[0])
    faster = deepmimic.resample(deepmimic.read_clip(deepmimic.clip_paths()["walk"]), 60.0, speed=2.0)
    assert abs(len(faster) - (len(clips["walk"]) + 1) // 2) <= 1


def test_slerp_passes_through_source_frames():
    raw = deepmimic.read_clip(deepmimic.clip_paths()["dance_b"])  # dt = 1/60 exactly
    clip = deepmimic.resample(raw, 1 / raw.times[1])
    for joint, q in raw.rotations.items():
        dots = np.abs(np.sum(q[:len(clip)] * clip.rotations[joint], axis=1))
        assert np.all(dots > 1 - 1e-9), joint


def test_figure_is_human_sized_upright_and_facing_forward(clips):
    joints = deepmimic.to_z_up(deepmimic.clip_j19(clips["walk"]))
    index = {name: k for k, name in enumerate(J19_NAMES)}
    z = joints[..., 2]
    assert np.all(z[:, index["Nose"]] > z[:, index["Neck"]])
    assert np.all(z[:, index["Neck"]] > z[:, index["MidHip"]])
    assert np.all(z[:, index["MidHip"]] > z[:, index["LKnee"]])
    assert 1.3 < (z[:, index["Nose"]] - z[:, [index["LBigToe"], index["RBigToe"]]].min(axis=1)).mean() < 1.7
    assert -0.08 < z.min() < 0.08, "feet touch the floor z = 0"
    # Right is the character's right: facing +x with z up, the right side is -y.
    assert np.mean(joints[:, index["RHip"], 1] < joints[:, index["LHip"], 1]) > 0.9
    assert np.mean(joints[:, index["Nose"], 0] > joints[:, index["Neck"], 0]) > 0.9


def test_fk_matches_pybullet():
    pybullet = pytest.importorskip("pybullet")
    clip = deepmimic.resample(deepmimic.read_clip(deepmimic.clip_paths()["spinkick"]), 60.0)
    pose = deepmimic.forward_kinematics(clip)
    client = pybullet.connect(pybullet.DIRECT)
    try:
        body = pybullet.loadURDF(str(deepmimic.urdf_path()), globalScaling=deepmimic.SCALE,
                                 flags=pybullet.URDF_MAINTAIN_LINK_ORDER, physicsClientId=client)
        joints = {pybullet.getJointInfo(body, j, physicsClientId=client)[1].decode(): j
                  for j in range(pybullet.getNumJoints(body, physicsClientId=client))}
        for t in (0, 30, 60):
            pybullet.resetBasePositionAndOrientation(body, clip.root_position[t], clip.root_rotation[t],
                                                     physicsClientId=client)
            for name, index in joints.items():
                value = clip.rotations[name][t] if name in clip.rotations else clip.angles.get(name, [None])[t:t + 1]
                if name in clip.rotations or name in clip.angles:
                    pybullet.resetJointStateMultiDof(body, index, targetValue=list(value), physicsClientId=client)
            for name, index in joints.items():
                child = pybullet.getJointInfo(body, index, physicsClientId=client)[12].decode()
                state = pybullet.getLinkState(body, index, computeForwardKinematics=True, physicsClientId=client)
                assert np.allclose(state[4], pose.positions[child][t], atol=1e-5), (t, name)
    finally:
        pybullet.disconnect(client)


def test_z_up_is_a_rotation():
    assert np.isclose(np.linalg.det(deepmimic.Y_UP_TO_Z_UP), 1.0)
    assert np.allclose(deepmimic.to_z_up(np.array([0.0, 1.0, 0.0])), [0, 0, 1])


@pytest.mark.parametrize("content, problem", [
    ("not json", "not a DeepMimic motion file"),
    (json.dumps({"Loop": "none"}), "not a DeepMimic motion file"),
    (json.dumps({"Frames": [[0.1] * 10, [0.1] * 10]}), "rows of 44 numbers"),
    (json.dumps({"Frames": [[0.1] + [0.0] * 43] * 2}), "zero quaternion"),
])
def test_bad_clip_files_raise_one_line_errors(tmp_path, content, problem):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(RIBError, match=problem):
        deepmimic.read_clip(path)


def test_missing_clip_file(tmp_path):
    with pytest.raises(RIBError, match="cannot read"):
        deepmimic.read_clip(tmp_path / "missing.txt")

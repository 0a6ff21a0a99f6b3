"""The motion loader reads both motion h5 layouts: the reference's (T, 52, 3) SMPL-H joints and our J19 file."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from Human_Motion_Modelling.AMASS import motion_h5
from Human_Motion_Modelling.data.sequences import load_sequences
from rib.errors import RIBError
from rib.joints import NUM_SMPLH, smplh_to_j19

FPS = 120.0


def smplh_motion(frames: int, seed: int) -> np.ndarray:
    """A smooth random (T, 52, 3) SMPL-H joint trajectory in metres."""
    rng = np.random.default_rng(seed)
    start, velocity = rng.uniform(-1, 1, (NUM_SMPLH, 3)), rng.uniform(-0.5, 0.5, (NUM_SMPLH, 3))
    time = np.arange(frames)[:, None, None] / FPS
    return start + time * velocity + 0.05 * np.sin(2 * np.pi * time)


def write_layout(path, joint_set: str, motions: dict[str, np.ndarray]) -> None:
    """A motion h5 of ``joint_set`` holding ``{"subset/name": SMPL-H joints}`` (J19 derived before writing)."""
    with motion_h5.open_for_writing(path, builder="test", joint_set=joint_set) as h5:
        for key, joints in motions.items():
            subset, name = key.split("/")
            stored = joints if joint_set == "SMPL-H" else smplh_to_j19(joints)
            motion_h5.write_sequence(h5, subset, name, stored, FPS, "test")


def write_bare(path, datasets: dict[str, np.ndarray], **attrs) -> None:
    """An h5 of ``{"subset/name": joints}`` datasets at ``/<subset>/<name>/joints``, as the reference writes it."""
    with h5py.File(path, "w") as h5:
        h5.attrs.update(attrs)
        for key, joints in datasets.items():
            h5.create_dataset(f"{key}/joints", data=joints)


@pytest.fixture()
def motions() -> dict[str, np.ndarray]:
    return {"CMU/01_01_poses.npz": smplh_motion(41, 0), "CMU/02_03_poses.npz": smplh_motion(25, 1),
            "SFU/0005_poses.npz": smplh_motion(30, 2)}


def test_both_layouts_load_into_identical_j19(tmp_path, motions):
    write_layout(tmp_path / "smplh.h5", "SMPL-H", motions)
    write_layout(tmp_path / "j19.h5", "J19", motions)
    with h5py.File(tmp_path / "smplh.h5", "r") as h5:
        assert h5["CMU/01_01_poses.npz/joints"].shape == (41, 52, 3) and h5.attrs["joint_set"] == "SMPL-H"
    with h5py.File(tmp_path / "j19.h5", "r") as h5:
        assert h5["CMU/01_01_poses.npz/joints"].shape == (41, 19, 3) and h5.attrs["joint_set"] == "J19"
    smplh = load_sequences(tmp_path / "smplh.h5", ["CMU", "SFU"], fps=60.0)
    j19 = load_sequences(tmp_path / "j19.h5", ["CMU", "SFU"], fps=60.0)
    assert set(smplh) == set(j19) == set(motions)
    for key, joints in motions.items():
        assert smplh[key].shape == ((len(joints) - 1) // 2 + 1, 19, 3)  # 120 fps -> 60 fps
        np.testing.assert_array_equal(smplh[key], j19[key])
        np.testing.assert_allclose(smplh[key][0], smplh_to_j19(joints)[0], atol=1e-6)


def test_reads_the_references_published_layout_without_attributes(tmp_path, motions):
    write_bare(tmp_path / "AMASS_3D_joints.h5", motions)
    sequences = motion_h5.read_sequences(tmp_path / "AMASS_3D_joints.h5", ["CMU"])
    assert set(sequences) == {"CMU/01_01_poses.npz", "CMU/02_03_poses.npz"}
    joints, fps = sequences["CMU/01_01_poses.npz"]
    assert fps is None
    np.testing.assert_array_equal(joints, smplh_to_j19(motions["CMU/01_01_poses.npz"]))
    loaded = load_sequences(tmp_path / "AMASS_3D_joints.h5", ["CMU"], fps=60.0)  # no fps: stored rate kept
    assert loaded["CMU/01_01_poses.npz"].shape == (41, 19, 3)


@pytest.mark.parametrize("datasets, attrs, message", [
    ({"CMU/a": np.zeros((10, 17, 3))}, {}, "CMU/a/joints is (10, 17, 3), not a motion h5 layout"),
    ({"CMU/a": np.zeros((10, 52))}, {}, "CMU/a/joints is (10, 52), not a motion h5 layout"),
    ({"CMU/a": np.zeros((10, 52, 3))}, {"joint_set": "J19"}, "but the file declares joint_set='J19'"),
    ({"CMU/a": np.zeros((10, 19, 3))}, {"joint_set": "COCO"}, "unknown joint_set 'COCO'"),
])
def test_a_file_in_neither_layout_is_a_one_line_error_naming_it(tmp_path, datasets, attrs, message):
    path = tmp_path / "odd.h5"
    write_bare(path, datasets, **attrs)
    with pytest.raises(RIBError) as error:
        load_sequences(path, ["CMU"], fps=60.0)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_sequence_without_joints_is_named(tmp_path):
    path = tmp_path / "nojoints.h5"
    with h5py.File(path, "w") as h5:
        h5.create_dataset("CMU/a/positions", data=np.zeros((10, 52, 3)))
    with pytest.raises(RIBError, match="CMU/a has no 'joints' dataset"):
        motion_h5.read_sequences(path, ["CMU"])


def test_writer_refuses_joints_of_the_other_layout(tmp_path):
    with motion_h5.open_for_writing(tmp_path / "x.h5", builder="test", joint_set="SMPL-H") as h5:
        with pytest.raises(ValueError, match=r"SMPL-H joints must be \(T, 52, 3\)"):
            motion_h5.write_sequence(h5, "CMU", "a", np.zeros((5, 19, 3)), FPS, "test")

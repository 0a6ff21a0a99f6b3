"""gen_amass_h5: SMPL-H forward through smplx on a generated body model with the real keys and shapes, written in
the reference's (T, 52, 3) layout."""
from __future__ import annotations

import h5py
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from Human_Motion_Modelling.AMASS import gen_amass_h5, motion_h5
from rib.joints import smplh_to_j19

pytest.importorskip("smplx")

NUM_VERTICES, NUM_JOINTS = 6890, 52
BODY_PARENTS = [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19]
FINGERS = 5  # three joints per finger, each chain starting at the wrist


def smplh_parents() -> np.ndarray:
    parents = list(BODY_PARENTS)
    for wrist in (20, 21):
        for _ in range(FINGERS):
            start = len(parents)
            parents += [wrist, start, start + 1]
    return np.array(parents)


def rest_joints() -> np.ndarray:
    """A rough y-up SMPL-H rest skeleton in metres: every child offset from its parent by a distinct vector."""
    rng = np.random.default_rng(3)
    parents = smplh_parents()
    joints = np.zeros((NUM_JOINTS, 3))
    for joint in range(1, NUM_JOINTS):
        joints[joint] = joints[parents[joint]] + rng.uniform(-0.2, 0.2, 3)
    return joints


def write_body_model(path, joints: np.ndarray) -> None:
    """An SMPL-H ``model.npz`` with the keys and shapes of the AMASS release; joint j regresses from a vertex
    cluster centred on its rest position, so the rest joints are known exactly."""
    rng = np.random.default_rng(0)
    owner = np.arange(NUM_VERTICES) % NUM_JOINTS
    offsets = rng.normal(scale=0.01, size=(NUM_VERTICES, 3))
    for joint in range(NUM_JOINTS):
        offsets[owner == joint] -= offsets[owner == joint].mean(axis=0)
    regressor = np.zeros((NUM_JOINTS, NUM_VERTICES))
    regressor[owner, np.arange(NUM_VERTICES)] = 1.0
    regressor /= regressor.sum(axis=1, keepdims=True)
    kintree = np.stack([smplh_parents(), np.arange(NUM_JOINTS)]).astype(np.int64)
    kintree[0, 0] = 4294967295
    np.savez_compressed(
        path, v_template=joints[owner] + offsets, shapedirs=np.zeros((NUM_VERTICES, 3, 16)),
        posedirs=np.zeros((NUM_VERTICES, 3, 459)), J_regressor=regressor, J_regressor_prior=regressor,
        weights=np.eye(NUM_JOINTS)[owner], weights_prior=np.eye(NUM_JOINTS)[owner], kintree_table=kintree,
        J=joints, f=rng.integers(0, NUM_VERTICES, (13776, 3)).astype(np.uint32),
        bs_style=np.array("lbs"), bs_type=np.array("lrotmin"))


def write_motion(path, frames: int, fps: float, root_angle: float, gender: str = "male") -> None:
    poses = np.zeros((frames, 156))
    poses[:, :3] = Rotation.from_euler("x", root_angle).as_rotvec()
    trans = np.stack([np.linspace(0, 1, frames), np.zeros(frames), np.full(frames, 0.9)], axis=-1)
    np.savez(path, poses=poses, trans=trans, betas=np.zeros(16), mocap_framerate=np.array(fps),
             gender=np.array(gender), dmpls=np.zeros((frames, 8)))


def make_amass(tmp_path):
    """Body models (male, female) and a HumanEva subset of two motions and a shape file under ``tmp_path``."""
    joints = rest_joints()
    for gender in ("male", "female"):
        (tmp_path / "body_models" / "smplh" / gender).mkdir(parents=True)
        write_body_model(tmp_path / "body_models" / "smplh" / gender / "model.npz", joints)
    subject = tmp_path / "amass" / "HumanEva" / "S1"
    subject.mkdir(parents=True)
    write_motion(subject / "Walking_poses.npz", 50, 120.0, np.pi / 2)
    write_motion(subject / "Jog_poses.npz", 30, 60.0, 0.0, gender="female")
    np.savez(subject / "shape.npz", betas=np.zeros(16), gender=np.array("male"))  # no motion: skipped
    return tmp_path, joints


@pytest.fixture()
def amass(tmp_path):
    return make_amass(tmp_path)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The builder's h5 of the fixture's HumanEva subset (per-sequence genders, 60 fps)."""
    root, joints = make_amass(tmp_path_factory.mktemp("amass"))
    out = root / "amass.h5"
    gen_amass_h5.main(["--amass-root", str(root / "amass"), "--body-model-dir", str(root / "body_models"),
                       "--out", str(out), "--subsets", "HumanEva", "Missing", "--fps", "60",
                       "--gender-model", "per-sequence", "--device", "cpu"])
    return out, joints


def reference_loader_j19(joints: np.ndarray) -> np.ndarray:
    """The reference loader's SMPL-H -> J19 step as its spec describes it: data = joints transposed to
    (52, 3, T), ``body[:17] = data[indices]``, hands = means of joints 22-36 and 37-51."""
    data = np.transpose(joints, (1, 2, 0))
    body = np.zeros((19, 3, data.shape[-1]))
    body[:17] = data[[15, 12, 17, 19, 21, 16, 18, 20, 0, 2, 5, 8, 1, 4, 7, 10, 11]]
    body[17], body[18] = data[22:37].mean(axis=0), data[37:52].mean(axis=0)
    return np.transpose(body, (2, 0, 1))


def test_writes_the_references_layout_at_target_fps_with_trim_and_global_transform(built):
    out, joints = built
    with h5py.File(out, "r") as h5:  # read as the reference does: only /<Subset>/<subject>_<file.npz>/joints
        assert set(h5) == {"HumanEva"} and set(h5["HumanEva"]) == {"S1_Walking_poses.npz", "S1_Jog_poses.npz"}
        walk = h5["HumanEva/S1_Walking_poses.npz/joints"][()]
        jog = h5["HumanEva/S1_Jog_poses.npz/joints"][()]
    assert walk.dtype == np.float64 and walk.shape == (20, 52, 3)  # 50 frames -> [5, 45) at 120 fps -> 20 at 60
    assert jog.shape == (24, 52, 3)
    rotation = Rotation.from_euler("x", np.pi / 2).as_matrix()  # y-up body stood up into z-up
    trans = np.array([5 / 49, 0.0, 0.9])  # first kept frame
    np.testing.assert_allclose(walk[0], (joints - joints[0]) @ rotation.T + joints[0] + trans, atol=1e-4)
    np.testing.assert_allclose(walk[-1, :, 0] - walk[0, :, 0], (43 - 5) / 49, atol=1e-4)
    sequences = motion_h5.read_sequences(out, ["HumanEva"])
    assert sequences["HumanEva/S1_Walking_poses.npz"][1] == 60.0
    np.testing.assert_allclose(sequences["HumanEva/S1_Walking_poses.npz"][0], reference_loader_j19(walk))
    np.testing.assert_allclose(smplh_to_j19(walk), reference_loader_j19(walk))


def test_output_needs_no_attributes(built, tmp_path):
    """The builder's file stripped of every attribute (like the reference's published one) loads the same."""
    out, _ = built
    bare = tmp_path / "bare.h5"
    with h5py.File(out, "r") as src, h5py.File(bare, "w") as dst:
        for name in src["HumanEva"]:
            dst.create_dataset(f"HumanEva/{name}/joints", data=src[f"HumanEva/{name}/joints"][()])
    full, stripped = motion_h5.read_sequences(out, ["HumanEva"]), motion_h5.read_sequences(bare, ["HumanEva"])
    assert set(full) == set(stripped) and all(stripped[name][1] is None for name in stripped)
    for name in full:
        np.testing.assert_array_equal(full[name][0], stripped[name][0])


def test_refuses_existing_output_and_reports_missing_models(amass, capsys):
    root, _ = amass
    out = root / "exists.h5"
    out.write_bytes(b"")
    args = ["--amass-root", str(root / "amass"), "--body-model-dir", str(root / "body_models"), "--out", str(out)]
    with pytest.raises(SystemExit) as error:
        gen_amass_h5.main(args)
    assert error.value.code == 2 and "--overwrite" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        gen_amass_h5.main([*args, "--overwrite", "--gender-model", "neutral"])
    assert "neutral/model.npz" in capsys.readouterr().err

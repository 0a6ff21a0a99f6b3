"""Motion data: resampling, views and projection, keyframe corruptions, representation, dataset, statistics."""
from __future__ import annotations

import numpy as np
import pytest

from Human_Motion_Modelling.data.dataset import ClipSpec, MotionDataset, compute_normaliser
from Human_Motion_Modelling.data.keyframes import DROP_JOINTS, Augmentation, augment_keyframes
from Human_Motion_Modelling.data.projection import canonical_basis, project, to_camera
from Human_Motion_Modelling.data.representation import (
    body_frame, estimate_root, globalise, interpolation_plan, localise, make_window)
from Human_Motion_Modelling.data.sequences import load_sequences, resample
from Human_Motion_Modelling.data.synthetic import walking_motion
from rib.joints import FLIP_PAIRS, ROOT

LEFT_SHOULDER, RIGHT_SHOULDER, NOSE, LEFT_ANKLE = 5, 2, 0, 14


def test_resample_to_target_fps():
    joints = np.arange(121, dtype=np.float64)[:, None, None] * np.ones((1, 19, 3))  # 1 s at 120 fps
    out = resample(joints, 120.0, 60.0)
    assert out.shape == (61, 19, 3)
    np.testing.assert_allclose(out[:, 0, 0], np.arange(0, 121, 2))
    up = resample(joints[:5], 30.0, 60.0)
    np.testing.assert_allclose(up[:, 0, 0], np.arange(9) / 2)


def test_load_sequences_resamples_and_reads_subsets(motion_h5):
    sequences = load_sequences(motion_h5, ["Train"], fps=30.0)
    assert len(sequences) == 4 and all(name.startswith("Train/") for name in sequences)
    assert all(s.shape == (180, 19, 3) for s in sequences.values())  # 360 frames at 60 fps -> 30 fps


def test_canonical_view_faces_camera_with_left_at_plus_x():
    joints = walking_motion(60, heading=1.3)
    camera = to_camera(joints, np.zeros(3))
    uv = project(camera, 4.0, 4.0)
    assert (uv[:, LEFT_SHOULDER, 0] > uv[:, RIGHT_SHOULDER, 0]).all()
    assert (uv[:, NOSE, 1] < uv[:, LEFT_ANKLE, 1]).all()  # image v points down
    basis = canonical_basis(joints)
    np.testing.assert_allclose(basis @ basis.T, np.eye(3), atol=1e-9)


def test_perspective_projection_shrinks_with_depth():
    near = project(np.array([[1.0, 0.0, 1.0]]), 4.0, 4.0)
    far = project(np.array([[1.0, 4.0, 1.0]]), 4.0, 4.0)
    np.testing.assert_allclose(near, [[1.0, -1.0]])
    np.testing.assert_allclose(far, [[0.5, -0.5]])
    behind = project(np.array([[1.0, -10.0, 0.0]]), 4.0, 4.0)
    assert np.isfinite(behind).all() and np.abs(behind).max() <= 10.0


def _keyframes(count: int = 400) -> np.ndarray:
    rng = np.random.default_rng(1)
    return np.concatenate([rng.normal(size=(count, 19, 2)), np.ones((count, 19, 1))], axis=-1)


def test_noise_is_zero_mean_and_drop_marks_missing_without_moving_points():
    clean = _keyframes()
    out = augment_keyframes(clean, np.random.default_rng(0), Augmentation(flip_prob=0.0, frame_drop_prob=0.0))
    shift = out[..., :2] - clean[..., :2]
    moved = np.abs(shift).sum(axis=-1) > 0
    assert moved.any() and abs(shift[moved].mean()) < 0.02
    missing = out[..., 2] == 0
    assert missing.any() and set(np.flatnonzero(missing.any(axis=0))) <= set(DROP_JOINTS)
    assert (missing.sum(axis=1)[missing.any(axis=1)] == 3).all()
    drop_only = augment_keyframes(clean, np.random.default_rng(0),
                                  Augmentation(noise_prob=0.0, flip_prob=0.0, frame_drop_prob=0.0))
    assert (drop_only[..., 2] == 0).any()
    np.testing.assert_array_equal(drop_only[..., :2], clean[..., :2])  # missing is a flag, not coordinate 0


def test_flip_swaps_arms_and_legs():
    clean = _keyframes(50)
    out = augment_keyframes(clean, np.random.default_rng(0),
                            Augmentation(noise_prob=0, drop_prob=0, flip_prob=1.0, frame_drop_prob=0))
    for right, left in FLIP_PAIRS:
        np.testing.assert_array_equal(out[:, right], clean[:, left])
        np.testing.assert_array_equal(out[:, left], clean[:, right])


def test_frame_drop_keeps_end_keyframes():
    out = augment_keyframes(_keyframes(20), np.random.default_rng(0), Augmentation(drop_prob=0.0, frame_drop_prob=1.0))
    assert (out[1:-1, :, 2] == 0).all() and (out[[0, -1], 0, 2] > 0).all()


def test_clean_windows_keep_every_keyframe_exact():
    keyframes = _keyframes(20)
    heavy = dict(noise_prob=1.0, drop_prob=1.0, flip_prob=1.0, frame_drop_prob=1.0)
    assert np.array_equal(augment_keyframes(keyframes, np.random.default_rng(0),
                                            Augmentation(**heavy, clean_prob=1.0)), keyframes)
    assert not np.array_equal(augment_keyframes(keyframes, np.random.default_rng(0), Augmentation(**heavy)),
                              keyframes)


def test_root_falls_back_to_hip_midpoint_and_localise_round_trips():
    pose = _keyframes(3)
    pose[1, ROOT, 2] = 0.0
    root, valid = estimate_root(pose)
    assert valid.all()
    np.testing.assert_allclose(root[1], (pose[1, 9, :2] + pose[1, 12, :2]) / 2)
    pose[2, [ROOT, 9], 2] = 0.0
    assert not estimate_root(pose)[1][2]
    centre, scale = body_frame(pose)
    coords, vis = localise(pose, centre, scale)
    assert not vis[2].any() and vis[0].all()
    np.testing.assert_allclose(globalise(coords, centre, scale)[0], pose[0, :, :2])
    assert body_frame(np.zeros((4, 19, 3))) is None


def test_interpolation_plan_skips_missing_keyframes():
    index, weight = interpolation_plan(np.array([0, 4, 8, 12]), np.array([True, False, True, True]), 14)
    assert tuple(index[6]) == (0, 2) and weight[6] == pytest.approx(0.75)
    assert tuple(index[13]) == (3, 3) and weight[13] == 0
    assert tuple(index[8]) == (2, 3) and weight[8] == 0


def test_dataset_samples_are_seeded_and_keyframe_aligned(tiny_config, tiny_normaliser):
    dataset = MotionDataset.from_config(tiny_config, "train_split", normaliser=tiny_normaliser)
    first, again = dataset[3], dataset[3]
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    dataset.set_epoch(1)
    assert not np.array_equal(dataset[3]["target"], first["target"])
    for index in range(8):
        sample = dataset[index]
        valid = int(sample["frame_valid"].sum())
        rate = int(sample["kf_time"][1] - sample["kf_time"][0])
        assert rate in range(4, 17) and (valid - 1) % rate == 0 and sample["kf_time"][-1] == valid - 1
        assert sample["target"].shape == (321, 19, 2) and np.isfinite(sample["target"]).all()


def test_short_sequences_are_padded_and_any_rate_works():
    sequences = {"short": walking_motion(50)}
    dataset = MotionDataset(sequences, ClipSpec(rates=(7,)), Augmentation(), 4, seed=0)
    sample = dataset[0]
    assert sample["frame_valid"].sum() == 50 and list(sample["kf_time"]) == list(range(0, 50, 7))


def test_normalisation_statistics_are_pooled_and_reproducible(tiny_config):
    dataset = MotionDataset.from_config(tiny_config, "train_split")
    first = compute_normaliser(dataset, 16, seed=5)
    second = compute_normaliser(dataset, 16, seed=5)
    np.testing.assert_array_equal(first.mean, second.mean)
    probe = MotionDataset(dict(zip(dataset.names, dataset.sequences)), dataset.spec, dataset.augmentation, 16, 5)
    pooled = np.concatenate([s["target"][s["frame_valid"]] for s in (probe[i] for i in range(16))])
    np.testing.assert_allclose(first.mean, pooled.mean(axis=0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(first.std, pooled.std(axis=0), rtol=1e-4)


def test_make_window_without_any_root_is_none():
    assert make_window(np.zeros((3, 19, 3)), np.array([0, 4, 8]), 9, 9, None) is None

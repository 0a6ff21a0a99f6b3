"""Left/right swap resolution of keyframes (data/flips.py: arms, or the whole body mirrored; legs alone are the pose
stage's, rib/leg_sides.py), in the model path, and the fill of missing joints (make_window)."""
from __future__ import annotations

import numpy as np
import pytest

from Human_Motion_Modelling.data.dataset import keyframe_times, project_clip
from Human_Motion_Modelling.data.flips import ARM_PAIRS, HYPOTHESES, resolve_swaps, undo_swaps
from Human_Motion_Modelling.data.representation import body_frame, estimate_root, fill_missing
from Human_Motion_Modelling.evaluation import view_table
from Human_Motion_Modelling.models.transformer import build
from Human_Motion_Modelling.upsample import linear_upsample, model_upsample
from rib import deepmimic
from rib.joints import FLIP_PAIRS, flip_permutation

LEG_PAIRS = tuple(pair for pair in FLIP_PAIRS if pair not in ARM_PAIRS)
ARMS, BOTH, LEGS = HYPOTHESES[1], HYPOTHESES[2], flip_permutation(LEG_PAIRS)


def _clip(name: str) -> np.ndarray:
    clip = deepmimic.resample(deepmimic.read_clip(deepmimic.clip_paths()[name]), 60.0)
    return deepmimic.to_z_up(deepmimic.clip_j19(clip))


def _keyframes(name: str, angles, rate: int) -> tuple[np.ndarray, np.ndarray]:
    poses = project_clip(_clip(name)[:161], np.asarray(angles, dtype=float), 4.0, 4.0)
    times = keyframe_times(len(poses), rate)
    return poses[times], times


def _resolve(keyframes: np.ndarray, times: np.ndarray) -> np.ndarray:
    return resolve_swaps(keyframes, times, *estimate_root(keyframes), body_frame(keyframes)[1])


def test_undo_swaps_finds_root_and_scale_itself():
    clean, times = _keyframes("walker_0walk_forward", [0.0, 0.0, 0.5], 8)
    corrupted = clean.copy()
    corrupted[2] = clean[2, BOTH]
    np.testing.assert_array_equal(undo_swaps(corrupted, times), clean)
    nobody = np.zeros_like(clean)
    np.testing.assert_array_equal(undo_swaps(nobody, times), nobody)


def test_the_path_tries_the_arms_swapped_or_the_body_mirrored():
    assert len(HYPOTHESES) == 3 and (HYPOTHESES[0] == np.arange(19)).all()
    for perm, pairs in ((ARMS, ARM_PAIRS), (BOTH, FLIP_PAIRS)):
        assert all(perm[r] == l and perm[l] == r for r, l in pairs)
        assert (perm[perm] == np.arange(19)).all()
    assert sorted(ARM_PAIRS) == [(2, 5), (3, 6), (4, 7), (17, 18)]


@pytest.mark.parametrize("rate", [4, 8])
def test_swapped_keyframes_of_a_walk_are_restored(rate):
    clean, times = _keyframes("walker_0walk_forward", [0.1, 0.0, 0.3], rate)
    corrupted = clean.copy()
    corrupted[3] = clean[3, BOTH]
    corrupted[6] = clean[6, LEGS]
    corrupted[9] = clean[9, ARMS]
    expected = clean.copy()
    expected[6] = clean[6, LEGS]  # legs swapped alone stay as given: the pose stage keeps them on their sides
    np.testing.assert_array_equal(_resolve(corrupted, times), expected)


@pytest.mark.parametrize("rate", [4, 8, 16])
def test_exact_keyframes_of_every_test_clip_are_kept(rate):
    """Exact poses from 12 views of each held-out clip: nothing is swapped (clean input stays linear-exact)."""
    for name in deepmimic.TEST_CLIPS:
        for angles in view_table(5, 12, (0.2, 0.0, 1.0)):
            clean, times = _keyframes(name, angles, rate)
            np.testing.assert_array_equal(_resolve(clean, times), clean, err_msg=f"{name} {angles}")


def test_a_whole_sequence_swap_is_left_as_given():
    clean, times = _keyframes("walker_0walk_forward", [0.0, 0.0, 0.0], 8)
    swapped = clean[:, BOTH]
    np.testing.assert_array_equal(_resolve(swapped, times), swapped)


def test_keyframes_without_a_root_or_torso_are_kept():
    clean, times = _keyframes("walker_0walk_forward", [0.0, 0.0, 0.0], 8)
    corrupted = clean.copy()
    corrupted[2] = clean[2, BOTH]
    corrupted[2, [8, 9, 12], 2] = 0.0  # no root: skipped
    corrupted[5] = clean[5, BOTH]
    corrupted[5, [2, 5, 9, 12], 2] = 0.0  # no shoulders or hips: nothing to compare, the labels stay
    out = _resolve(corrupted, times)
    np.testing.assert_array_equal(out[[2, 5]], corrupted[[2, 5]])
    np.testing.assert_array_equal(np.delete(out, [2, 5], 0), np.delete(clean, [2, 5], 0))
    one = corrupted[:1]
    np.testing.assert_array_equal(_resolve(one, times[:1]), one)


def test_the_model_path_undoes_swaps_across_windows(tiny_config, tiny_normaliser):
    """model_upsample resolves the whole clip, then cuts windows: an untrained model given swapped keyframes
    of a long clip (several windows) outputs the linear interpolation of the clean ones."""
    clip = _clip("walker_0walk_forward")
    poses = project_clip(np.concatenate([clip, clip[::-1]] * 3), np.array([0.0, 0.0, 0.2]), 4.0, 4.0)
    times = keyframe_times(len(poses), 4)
    clean = poses[times]
    corrupted = clean.copy()
    for slot in (4, 37, 41, 60, 95):
        corrupted[slot] = clean[slot, BOTH if slot % 2 else ARMS]
    model = build(tiny_config).eval()
    np.testing.assert_array_equal(undo_swaps(corrupted, times), clean)
    out = model_upsample(model, tiny_normaliser, corrupted, 4, window_frames=161)
    np.testing.assert_allclose(out, linear_upsample(clean, 4), atol=1e-5)


def test_missing_joints_are_interpolated_between_the_keyframes_that_see_them():
    times = np.array([0, 4, 8, 12])
    coords = np.arange(4 * 19 * 2, dtype=float).reshape(4, 19, 2)
    vis = np.ones((4, 19), dtype=bool)
    vis[1, 3] = vis[2, 3] = False   # in between: linear in time
    vis[0, 5] = False               # before the first sighting: held
    vis[:, 7] = False               # never seen: 0
    filled = fill_missing(coords, vis, times)
    np.testing.assert_allclose(filled[1:3, 3], coords[0, 3] + (coords[3, 3] - coords[0, 3]) * np.array([[1 / 3], [2 / 3]]))
    np.testing.assert_array_equal(filled[0, 5], coords[1, 5])
    np.testing.assert_array_equal(filled[:, 7], 0.0)
    np.testing.assert_array_equal(filled[vis], coords[vis])

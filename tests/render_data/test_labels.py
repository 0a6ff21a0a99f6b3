"""Label maps and person masks against slow, obviously-correct reference implementations."""
import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter

from Pose_Guided_Neural_Rendering.spade_gan.data import labels as L
from rib.joints import LIMB_COLOURS, LIMBS

STANDING = np.array([
    [240, 60], [240, 100], [210, 100], [195, 140], [190, 180], [270, 100], [285, 140], [290, 180], [240, 180],
    [220, 180], [215, 240], [212, 290], [260, 180], [265, 240], [268, 290], [272, 298], [208, 298], [292, 190],
    [188, 190]], dtype=np.float64)
"""A standing person in a 480 x 320 frame (every joint at least 20 px from the border)."""


def pose(xy: np.ndarray = STANDING, conf: float = 0.9) -> np.ndarray:
    return np.concatenate([xy, np.full((len(xy), 1), conf)], axis=1)


def slow_heatmap(x: float, y: float, height: int, width: int, sigma: float, mode: str = "reflect") -> np.ndarray:
    """The reference's way: a delta at the joint's pixel, a full-image Gaussian filter, divided by the max."""
    delta = np.zeros((height, width))
    delta[int(y), int(x)] = 1.0
    blurred = gaussian_filter(delta, sigma, truncate=4.0, mode=mode)
    return blurred / blurred.max()


def slow_skeleton(joints: np.ndarray, height: int, width: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel distances: a pixel belongs to a limb if it is near the segment or its end points."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    total = np.zeros((height, width, 3))
    count = np.zeros((height, width))
    for (a, b), colour in zip(LIMBS, LIMB_COLOURS):
        if joints[a, 2] <= L.CONF_THRESHOLD or joints[b, 2] <= L.CONF_THRESHOLD:
            continue
        p, q = joints[a, :2], joints[b, :2]
        d = q - p
        t = np.clip(((xx - p[0]) * d[0] + (yy - p[1]) * d[1]) / max(d @ d, 1e-9), 0, 1)
        to_line = np.hypot(xx - p[0] - t * d[0], yy - p[1] - t * d[1])
        to_end = np.minimum(np.hypot(xx - p[0], yy - p[1]), np.hypot(xx - q[0], yy - q[1]))
        inside = (to_line <= L.SKELETON_THICKNESS * scale / 2) | (to_end < L.SKELETON_END_RADIUS * scale)
        total[inside] += colour
        count[inside] += 1
    return total / np.maximum(count, 1)[..., None], count > 0


@pytest.mark.parametrize("height,width", [(320, 480), (640, 960)])
def test_heatmaps_match_full_image_gaussian_filter(height, width):
    scale = height / 320
    joints = pose(STANDING * scale)
    label = L.render_label(joints, height, width)
    assert label.shape == (L.LABEL_CHANNELS, height, width) and label.dtype == np.float32
    for j in range(19):
        expected = slow_heatmap(joints[j, 0], joints[j, 1], height, width, 5.0 * scale)
        np.testing.assert_allclose(label[3 + j], expected, atol=1e-5)


def test_heatmap_near_the_border_is_clipped_not_wrapped():
    joints = pose(STANDING)
    joints[0, :2] = (2.4, 7.0)  # nose in the top-left corner
    label = L.render_label(joints, 320, 480)
    expected = slow_heatmap(2.4, 7.0, 320, 480, 5.0, mode="constant")
    np.testing.assert_allclose(label[L.NOSE_CHANNEL], expected, atol=1e-5)


def test_skeleton_matches_distance_reference():
    joints = pose()
    label = L.render_label(joints, 320, 480)
    colours, drawn = slow_skeleton(joints, 320, 480, 1.0)
    ours = label[:3] > -1
    ours = ours.any(axis=0)
    assert (ours & drawn).sum() / (ours | drawn).sum() > 0.9
    both = ours & drawn
    rgb = (label[:3].transpose(1, 2, 0) + 1) * 127.5
    assert np.median(np.abs(rgb[both] - colours[both])) < 1.0
    assert rgb.min() >= -1e-4 and rgb.max() <= 255 + 1e-3
    assert np.all(label[:3][:, ~ours] == -1)


def test_channel_constants_point_at_nose_and_hands():
    label = L.render_label(pose(), 320, 480)
    for channel, joint in ((L.NOSE_CHANNEL, 0), (L.LEFT_HAND_CHANNEL, 17), (L.RIGHT_HAND_CHANNEL, 18)):
        y, x = np.unravel_index(label[channel].argmax(), label[channel].shape)
        assert (x, y) == (int(STANDING[joint, 0]), int(STANDING[joint, 1]))
    assert L.LABEL_CHANNELS == 22 and 0 <= label[3:].min() and label[3:].max() == 1.0


@pytest.mark.parametrize("how", ["confidence", "outside"])
def test_missing_joint_and_its_limbs_are_not_drawn(how):
    joints = pose()
    right_wrist = 4
    if how == "confidence":
        joints[right_wrist, 2] = 0.0
    else:
        joints[right_wrist, :2] = (-30.0, 180.0)
    label = L.render_label(joints, 320, 480)
    assert not label[3 + right_wrist].any()
    # Both limbs of the wrist (to the elbow and to the hand centroid) are gone, so nothing is drawn near it.
    x, y = STANDING[right_wrist].astype(int)
    assert np.all(label[:3, y - 3:y + 4, x - 3:x + 4] == -1)
    full = L.render_label(pose(), 320, 480)
    assert np.all(label[3 + 5:] == full[3 + 5:])


def test_training_mode_drops_and_jitters_sigma():
    joints = pose()
    dropped = L.render_label(joints, 320, 480, rng=np.random.default_rng(0), drop_prob=1.0)
    assert not dropped[3:].any() and np.all(dropped[:3] == -1)
    widths = set()
    rng = np.random.default_rng(1)
    for _ in range(10):
        label = L.render_label(joints, 320, 480, rng=rng, drop_prob=0.0)
        x, y = STANDING[0].astype(int)
        widths.add(round(float(-1 / (2 * np.log(label[L.NOSE_CHANNEL, y, x + 1]))), 3))
    assert widths == {16.0, 25.0}  # sigma^2 for sigma in {4, 5}


def test_same_pose_same_label_without_rng():
    assert np.array_equal(L.render_label(pose(), 320, 480), L.render_label(pose(), 320, 480))


def test_human_mask_scales_with_person_size():
    small = L.human_mask(pose(), 320, 480)
    centre = STANDING.mean(axis=0)
    big = L.human_mask(pose((STANDING - centre) * 2 + centre * 2), 640, 960)
    same_person_larger_frame = L.human_mask(pose(), 640, 960)
    assert small.dtype == np.uint8 and set(np.unique(small)) == {0, 1}
    assert 3.6 < big.sum() / small.sum() < 4.4
    assert same_person_larger_frame.sum() == small.sum()
    # Every confident joint is inside the mask, and the mask hugs the person (not the whole frame).
    xy = STANDING.astype(int)
    assert small[xy[:, 1], xy[:, 0]].all() and small.mean() < 0.3


def test_human_mask_keeps_limbs_reaching_outside_the_frame():
    joints = pose()
    joints[11, :2] = (212, 360)  # right ankle below the frame
    mask = L.human_mask(joints, 320, 480)
    assert mask[315:, 205:220].any()


def test_part_mask_is_a_random_subset_of_limb_lines():
    joints = pose()
    rng = np.random.default_rng(0)
    assert not L.part_mask(joints, 320, 480, rng, rate=0.0).any()
    everything = L.part_mask(joints, 320, 480, rng, rate=1.0)
    assert everything.any() and np.all(everything <= L.human_mask(joints, 320, 480))
    fractions = [L.part_mask(joints, 320, 480, rng).any() for _ in range(200)]
    expected = 1 - (1 - L.BLUR_RATE) ** len(L.MASK_LINES)
    assert abs(np.mean(fractions) - expected) < 0.12


def test_labels_to_tensor():
    label = L.render_label(pose(), 64, 96)
    tensor = L.labels_to_tensor(label)
    assert tensor.dtype == torch.float32 and tensor.shape == (22, 64, 96)
    assert torch.equal(tensor, torch.from_numpy(label))

"""Pose-guided warping and the crop -> paste of the warp-blend renderer."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from Pose_Guided_Neural_Rendering.warp_blend.config import parse
from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer, border_taper
from Pose_Guided_Neural_Rendering.warp_blend import model as blender
from Pose_Guided_Neural_Rendering.warp_blend.warping import Crop, TargetBones, limb_affines, person_crop, pose_warp
from rib.joints import LIMBS

SIZE = (128, 192)
"""Frame size of the ``person`` fixture (tests/render_blend/conftest.py)."""


def test_limb_affines_map_target_bones_onto_source_bones(person):
    target = person.pose(0)
    source = target.copy()
    source[:, :2] = (source[:, :2] - 100) @ np.array([[0.9, -0.3], [0.3, 0.9]]).T + 100  # rotate and shrink
    maps, limbs = limb_affines(target, source)
    for affine, index in zip(maps, limbs):
        a, b = LIMBS[index]
        for joint in (a, b):
            mapped = affine[:, :2] @ target[joint, :2] + affine[:, 2]
            assert np.allclose(mapped, source[joint, :2], atol=1e-3)


def test_limb_affines_clip_foreshortening_and_only_move_a_collapsed_bone(person):
    """A bone three times longer in the source is stretched only twice (LENGTH_RATIO_RANGE); a bone of zero length
    in the source is moved, not turned or scaled."""
    target = person.pose(0)
    source = target.copy()
    stretched, collapsed = LIMBS.index((2, 3)), LIMBS.index((5, 6))
    source[3, :2] = source[2, :2] + 3 * (target[3, :2] - target[2, :2])
    source[6, :2] = source[5, :2]
    maps, limbs = limb_affines(target, source)
    affine = dict(zip(limbs.tolist(), maps))
    ends = [affine[stretched][:, :2] @ target[joint, :2] + affine[stretched][:, 2] for joint in (2, 3)]
    length = np.linalg.norm(target[3, :2] - target[2, :2])
    assert np.isclose(np.linalg.norm(ends[1] - ends[0]), 2 * length, rtol=1e-4)
    assert np.allclose(affine[collapsed][:, :2], np.eye(2))
    centre = affine[collapsed][:, :2] @ target[[5, 6], :2].mean(0) + affine[collapsed][:, 2]
    assert np.allclose(centre, source[5, :2], atol=1e-3)


def test_warp_to_the_same_pose_is_the_identity(person):
    image = person.frame(2)
    crop = person_crop([person.pose(2)], frame_hw=SIZE)
    assert np.array_equal(pose_warp(image, TargetBones.on(crop, person.pose(2)), person.pose(2)), crop.sample(image))


def test_warp_moves_the_person_to_the_new_pose(person):
    """A pure translation of the whole body is recovered exactly on the body (texture included)."""
    earlier, later = person.frame(0), person.frame(4)
    crop = person_crop([person.pose(4)], frame_hw=SIZE)
    warped = pose_warp(earlier, TargetBones.on(crop, person.pose(4)), person.pose(0)).astype(int)
    body = crop.sample(person.mask(4).astype(np.uint8)) > 0
    body[:, :4] = body[:, -4:] = False
    errors = np.abs(warped - crop.sample(later).astype(int)).sum(-1)[body]
    assert np.median(errors) == 0
    assert (errors > 30).mean() < 0.1


def test_native_crop_reads_frame_pixels_exactly(person):
    image = person.frame(1)
    crop = Crop(10.0, 5.0, 40.0, 40)
    assert np.array_equal(crop.sample(image), image[5:45, 10:50])
    xs, ys = crop.grid()
    assert xs[0, 0] == 10 and ys[-1, 0] == 44


def _renderer(background_bias: float) -> BlendRenderer:
    config = parse({"model": {"widths": [8, 16], "crop_size": 32}})
    model = blender.build(config.to_dict())
    with torch.no_grad():
        model.head.bias.copy_(torch.tensor([background_bias, 0.0, 0.0]))
    return BlendRenderer(model.eval(), config, torch.device("cpu"), refine_poses=False)  # the crop of these poses


def test_paste_is_exact_where_alpha_is_zero(person):
    poses = np.stack([person.pose(0), person.pose(4), person.pose(2)])
    background = (0.5 * person.frame(0) + 0.5 * person.frame(4)).astype(np.uint8)
    frame, alpha = _renderer(0.0).frame(person.frame(0), person.frame(4), background, poses, 0.5)
    assert frame.shape == background.shape and frame.dtype == np.uint8
    assert (alpha > 0.05).any(), "a neutral renderer changes the person"
    assert np.array_equal(frame[alpha == 0], background[alpha == 0])
    box = person_crop(list(poses), frame_hw=SIZE).paste_box()
    outside = np.ones(SIZE, bool)
    outside[max(box[1], 0):box[3], max(box[0], 0):box[2]] = False
    assert (alpha[outside] == 0).all(), "nothing outside the person crop is touched"


def test_background_only_renderer_returns_the_background_bit_for_bit(person):
    poses = np.stack([person.pose(0), person.pose(4), person.pose(1)])
    background = person.frame(1)
    frame, alpha = _renderer(60.0).frame(person.frame(0), person.frame(4), background, poses, 0.25)
    assert np.array_equal(frame, background) and alpha.max() < 1e-6


def test_frames_without_a_person_keep_the_background(person):
    poses = np.stack([person.pose(0), person.pose(4), np.zeros((19, 3))])
    background = person.frame(2)
    frame, alpha = _renderer(0.0).frame(person.frame(0), person.frame(4), background, poses, 0.5)
    assert frame is background and not alpha.any()


def test_border_taper_fades_to_zero_at_the_edge():
    taper = border_taper(64)
    assert taper[0].max() < 0.5 and taper[:, 0].max() < 0.5 and taper[32, 32] == 1

"""Crop discriminators: boxes follow the joints and scale with the torso; missing parts weigh nothing."""
from __future__ import annotations

import torch

from Pose_Guided_Neural_Rendering.spade_gan.models import discriminators
from rib.joints import LEFT_HAND, NECK, NOSE, RIGHT_HAND, ROOT
from tests.render_models.conftest import tiny_config


def person(scale: float, nose: bool = True, left: bool = True) -> torch.Tensor:
    joints = torch.zeros(19, 3)
    joints[NECK] = torch.tensor([100.0, 100.0, 1.0])
    joints[ROOT] = torch.tensor([100.0, 100.0 + 80.0 * scale, 1.0])
    joints[NOSE] = torch.tensor([100.0, 100.0 - 30.0 * scale, 1.0 if nose else 0.0])
    joints[LEFT_HAND] = torch.tensor([140.0, 150.0, 1.0 if left else 0.0])
    joints[RIGHT_HAND] = torch.tensor([60.0, 150.0, 0.9])
    return joints


def side(boxes: torch.Tensor) -> torch.Tensor:
    return boxes[:, 3] - boxes[:, 1]


def test_boxes_scale_with_torso_length():
    joints = torch.stack([person(1.0), person(2.0)])
    face, valid = discriminators.face_boxes(joints, 320, 480, scale=1.25)
    torch.testing.assert_close(side(face), torch.tensor([100.0, 200.0]))
    assert valid.tolist() == [1.0, 1.0]
    hands, valid = discriminators.hand_boxes(joints, 320, 480, scale=0.5)
    torch.testing.assert_close(side(hands), torch.tensor([40.0, 80.0, 40.0, 80.0]))
    assert hands[:, 0].tolist() == [0, 1, 0, 1]  # batch index of left hands, then right hands
    torch.testing.assert_close((hands[0, 1] + hands[0, 3]) / 2, torch.tensor(140.0))


def test_missing_parts_have_zero_weight_and_fallback_size():
    joints = torch.stack([person(1.0, nose=False, left=False)])
    joints[0, ROOT, 2] = 0  # no torso: the box falls back to a quarter of the image height
    face, valid = discriminators.face_boxes(joints, 320, 480, scale=1.0)
    assert valid.tolist() == [0.0]
    torch.testing.assert_close(side(face), torch.tensor([80.0]))
    _, valid = discriminators.hand_boxes(joints, 320, 480, scale=0.5)
    assert valid.tolist() == [0.0, 1.0]


def test_all_pairs_run_with_real_first():
    torch.manual_seed(0)
    dis = discriminators.build(tiny_config()).eval()
    label, real, fake = torch.rand(2, 22, 64, 96), torch.rand(2, 3, 64, 96), torch.rand(2, 3, 64, 96)
    joints = torch.stack([person(0.3), person(0.3, nose=False)])
    joints[..., :2] *= 0.4  # inside the 96 x 64 frame
    out = dis(dis.keys, label, real, fake, fake, torch.ones(2, 1, 64, 96), joints)
    assert set(out) == {"fuse", "raw", "face", "hand"}
    scales, weight = out["raw"]
    assert len(scales) == 2 and weight is None and scales[0][0].shape[0] == 4
    scales, weight = out["face"]
    assert scales[0][0].shape[0] == 4 and weight.tolist() == [1.0, 0.0]
    scales, weight = out["hand"]
    assert scales[0][0].shape[0] == 8 and weight.shape == (4,)
    # the real half of a crop batch is the same whatever the fake is
    again = dis(("face",), label, real, torch.zeros_like(fake), fake, torch.ones(2, 1, 64, 96), joints)
    face_logits = out["face"][0][0][0]
    torch.testing.assert_close(again["face"][0][0][0][:2], face_logits[:2])
    assert not torch.allclose(again["face"][0][0][0][2:], face_logits[2:])

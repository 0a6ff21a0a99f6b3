import numpy as np

from rib.joints import LIMB_COLOURS, NUM_J19, draw_skeleton


def test_draw_skeleton_draws_visible_limbs_only():
    image = np.zeros((100, 100, 3), np.uint8)
    pose = np.zeros((NUM_J19, 3))
    pose[0] = (20, 50, 1.0)  # nose
    pose[1] = (80, 50, 1.0)  # neck: limb 0 (nose-neck) is visible
    pose[8] = (80, 90, 0.0)  # mid-hip missing: limb neck-hip must not be drawn
    out = draw_skeleton(image, pose, thickness=3, radius=2)
    assert out is image
    assert tuple(image[50, 50]) == LIMB_COLOURS[0]
    assert image[85, 80].sum() == 0
    assert tuple(image[50, 20]) == (255, 255, 255)

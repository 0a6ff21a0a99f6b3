"""The warp-blend renderer's training samples refuse a clip whose frames and backgrounds differ in size."""
from __future__ import annotations

import shutil

import cv2
import pytest

from Pose_Guided_Neural_Rendering.warp_blend import config as blend_config
from Pose_Guided_Neural_Rendering.warp_blend.data import list_samples
from rib.errors import RIBError
from rib.frames import list_files, list_frames, read_image, write_image


@pytest.mark.parametrize("folder, index", [("gt", 5), ("DAIN", 2)])
def test_mixed_frame_sizes_in_a_training_clip_name_the_clip(dense_clip, make_config, tmp_path, folder, index):
    root = tmp_path / "mixed"
    shutil.copytree(dense_clip, root)
    odd = list_files(root / folder / "walker", (".png",))[index]
    write_image(odd, cv2.resize(read_image(odd), (100, 60)))
    first = list_frames(root / "gt" / "walker")[0]
    with pytest.raises(RIBError, match=f"clip walker: {odd} is 100x60, but {first} is 192x128"):
        list_samples(blend_config.parse(make_config(root)).data.sets)


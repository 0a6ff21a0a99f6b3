"""rib.names: the reference's folder layout, and a stage's output found by the next stage through those names."""
from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

import numpy as np

from HumanSloMo_Dataset.poses.estimate import output_name
from HumanSloMo_Dataset.synth.dataset import DATASET_FOLDERS, EXAMPLE_FOLDERS
from Pose_Guided_Neural_Rendering.api import plan_clip, resolve_backgrounds
from rib import names
from rib.frames import write_image
from rib.openpose import keypoint_filename
from rib_pipeline.layout import WorkLayout
from rib.poses import write_pose_folder


def test_names_are_the_reference_layout():
    assert (names.INPUTS, names.INPUT_POSES, names.PREDICT_MOTION, names.LINEAR_MOTION, names.DAIN,
            names.GENERATED_FRAMES) == ("inputs", "input_poses", "Predict_motion", "Linear_motion", "DAIN",
                                        "Generated_frames")
    assert names.SPLIT_FRAMES == {"train": "frames", "test": "gt"}
    for name in (keypoint_filename(12), output_name(Path("frame00012.png"))):
        assert name.endswith("_keypoints.json") and fnmatch(name, names.KEYPOINTS_PATTERN)


def test_synthetic_set_uses_the_split_folders():
    for split, folders in DATASET_FOLDERS.items():
        assert folders[names.POSES] == f"{split}/{names.POSES}"
    for split in (names.TRAIN, names.TEST):
        assert DATASET_FOLDERS[split][names.FRAMES] == f"{split}/{names.SPLIT_FRAMES[split]}"
    assert EXAMPLE_FOLDERS[names.TEST] == {names.FRAMES: names.GT, names.POSES: names.POSES,
                                           names.INPUTS: names.INPUTS, names.INPUT_POSES: names.INPUT_POSES}


def test_renderer_finds_the_pipeline_work_folder(tmp_path):
    """What ``rib interpolate`` lays out (WorkLayout) is what the renderer's inference reads."""
    layout, rate, stems = WorkLayout(tmp_path, "clip"), 2, ["frame00000", "frame00001", "frame00002"]
    assert layout.inputs == tmp_path / "inputs" / "clip" and layout.backgrounds == tmp_path / "DAIN" / "clip"
    assert (layout.motion, layout.generated) == (tmp_path / "Predict_motion" / "clip",
                                                 tmp_path / "Generated_frames" / "clip")
    image = np.zeros((8, 8, 3), np.uint8)
    for stem in stems:
        write_image(layout.inputs / f"{stem}.png", image)
    outputs = layout.upsampled_names(stems, rate)
    for name in outputs[1::rate]:
        write_image(layout.backgrounds / name, image)
    poses = np.zeros(((len(stems) - 1) * rate + 1, 19, 3))
    assert all(fnmatch(path.name, names.KEYPOINTS_PATTERN) for path in write_pose_folder(layout.motion, poses))

    assert resolve_backgrounds(tmp_path, None) == tmp_path / names.DAIN
    plan = plan_clip(tmp_path, tmp_path / names.DAIN, "clip", None)
    assert (plan.rate, plan.outputs) == (rate, outputs)
    assert plan.backgrounds[1] == layout.backgrounds / outputs[1]

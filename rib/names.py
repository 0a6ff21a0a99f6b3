"""The folder and file names the stages share on disk: the reference's layout of a data folder.

A data folder (``example/``, a dataset split such as ``HumanSloMo/test``, the work folder of ``rib interpolate
--keep-work``) holds one sub-folder per clip in each of these folders, e.g. ``Predict_motion/<clip>/``. The stages
find each other's outputs only through these names, so each stage script can be rerun on another's output.
"""
from __future__ import annotations

TRAIN, TEST = "train", "test"
"""The dataset's two splits, each a folder of the dataset root (``HumanSloMo/train``, ``HumanSloMo/test``)."""

FRAMES = "frames"
"""Every frame of a training clip (``train/frames/<clip>``)."""
TRAIN_DENSE = "train_dense"
"""The synthetic set's training clips in the test layout, every 60-fps frame (``rib-gen-synthetic --dense-train``)."""
GT = "gt"
"""The high-rate ground-truth frames of a test clip (``test/gt/<clip>``)."""
SPLIT_FRAMES = {TRAIN: FRAMES, TEST: GT}
"""The full-rate frame folder of each split."""
POSES = "poses"
"""Poses of the full-rate frames (``FRAMES`` or ``GT``), one OpenPose JSON per frame."""
MASKS = "masks"
"""Exact person masks of the synthetic set, one PNG per full-rate frame."""
PERSON_MASKS = "person_masks"
"""Per-person visible masks of the synthetic set's multi-person and far-camera clips: one label PNG per full-rate
frame, 0 where nobody is seen, k + 1 where the person with track k is."""

INPUTS = "inputs"
"""The low-rate input frames that are upsampled."""
INPUT_POSES = "input_poses"
"""Poses of the input frames, one OpenPose JSON per frame (what the motion model reads)."""

PREDICT_MOTION = "Predict_motion"
"""The motion model's upsampled poses, (N-1)R+1 files (what the renderer reads)."""
LINEAR_MOTION = "Linear_motion"
"""Linearly interpolated poses, the motion model's baseline, written beside ``PREDICT_MOTION``."""

DAIN = "DAIN"
"""Interpolated backgrounds under the reference's name (after the DAIN network): every stage's default."""
BACKGROUNDS = "backgrounds"
"""Interpolated backgrounds under the demo's name (``example/backgrounds``); the renderer's fallback to ``DAIN``."""
TRAIN_BACKGROUNDS = "train_backgrounds"
"""Training-layout backgrounds of one clip (frame k from frames k-1 and k+1), for fine-tuning the renderer on it."""

GENERATED_FRAMES = "Generated_frames"
"""The renderer's output: every upsampled frame, named like the backgrounds, and ``<clip>.mp4`` beside them."""
EVALUATION = "evaluation"
"""The evaluation's metrics and videos, by default inside the folder holding ``GENERATED_FRAMES``."""

KEYPOINTS_SUFFIX = "_keypoints.json"
"""End of every per-frame pose file's name: ``<frame stem>_keypoints.json`` or ``000012_keypoints.json``."""
KEYPOINTS_PATTERN = f"*{KEYPOINTS_SUFFIX}"
"""Glob of the pose files in a pose folder (what a writer may replace with ``--overwrite``)."""

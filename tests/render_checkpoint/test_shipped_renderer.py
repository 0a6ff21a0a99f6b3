"""The shipped renderer: loadable without code execution, matching its manifest and the benchmark report, and
better than the background it draws over on an example frame."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch

from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer, load_blender
from Pose_Guided_Neural_Rendering.spade_gan.data.labels import human_mask
from Pose_Guided_Neural_Rendering.api import DEFAULT_CHECKPOINT, checkpoint_file
from Pose_Guided_Neural_Rendering.metrics import psnr
from rib.checkpoint import sha256_file
from rib.frames import list_frames, read_image
from rib.paths import EXAMPLE_DIR, REPO_ROOT
from rib.poses import read_pose_folder

SHIPPED = DEFAULT_CHECKPOINT
CLIP = "spinkick_00_v0"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((SHIPPED / "MANIFEST.json").read_text())


def test_inference_default_is_the_shipped_model(manifest):
    assert checkpoint_file(DEFAULT_CHECKPOINT) == SHIPPED / "model.pt"
    assert "model.pt" in manifest["files"] and manifest["kind"] == "warp_blend"


def test_files_match_the_manifest(manifest):
    listed = manifest["files"]
    on_disk = {path.name for path in SHIPPED.iterdir() if path.name != "MANIFEST.json"}
    assert on_disk == set(listed), "every shipped file is listed, and nothing listed is missing"
    for name, entry in listed.items():
        assert (SHIPPED / name).stat().st_size == entry["bytes"], name
        assert sha256_file(SHIPPED / name) == entry["sha256"], name
    assert sum(entry["bytes"] for entry in listed.values()) < 20 * 2**20


def test_manifest_records_training_and_the_benchmark_numbers(manifest):
    training = manifest["training"]
    assert "Pose_Guided_Neural_Rendering/train.py" in training["command"]
    assert training["wall_time_s"] > 0 and training["steps"] > 0
    quality = manifest["quality"]
    report = json.loads((REPO_ROOT / quality["json"]).read_text())
    assert report["renderer_sha256"] == manifest["files"]["model.pt"]["sha256"], "the report measured these weights"
    assert quality["rates"] == {rate: result["mean"] for rate, result in report["rates"].items()}


def test_loads_weights_only(manifest):
    state = torch.load(SHIPPED / "model.pt", map_location="cpu", weights_only=True)
    assert state["kind"] == "warp_blend"
    assert all(torch.isfinite(t).all() for t in state["model"].values() if t.is_floating_point())
    model, config = load_blender(SHIPPED, torch.device("cpu"))
    assert sum(p.numel() for p in model.parameters()) == manifest["parameters"]
    assert config.model.crop_size == manifest["crop_size"]


def test_beats_its_background_on_an_example_frame():
    """Keyframes 0 and 4 of the example (60-fps frames 0 and 16), the cross-fade as background, frame 8 as target."""
    gt = list_frames(EXAMPLE_DIR / "gt" / CLIP)
    poses = read_pose_folder(EXAMPLE_DIR / "poses" / CLIP)
    first, last, target = (read_image(gt[i]) for i in (0, 8, 4))
    background = cv2.addWeighted(first, 0.5, last, 0.5, 0)
    torch.set_num_threads(1)
    renderer = BlendRenderer(*load_blender(SHIPPED, torch.device("cpu")), torch.device("cpu"))
    frame, alpha = renderer.frame(first, last, background, poses[[0, 8, 4]], 0.5)
    person = human_mask(poses[4], *target.shape[:2]).astype(bool)
    assert frame.shape == target.shape and frame.dtype == np.uint8
    assert alpha[person].mean() > 0.3
    assert psnr(frame, target, person) > psnr(background, target, person) + 1.0  # measured: +3.0 dB (human example)

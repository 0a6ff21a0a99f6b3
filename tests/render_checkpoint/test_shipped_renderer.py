"""The shipped renderer weights: loadable without code execution, matching their manifest, rendering the example."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch

from Pose_Guided_Neural_Rendering.inference import DEFAULT_CHECKPOINT, ClipPlan, Renderer, load_generator
from rib.checkpoint import sha256_file
from rib.frames import background_name, list_frames, read_image, write_image
from rib.paths import EXAMPLE_DIR
from rib.poses import read_pose_folder

SHIPPED = DEFAULT_CHECKPOINT.parent
CLIP = "spinkick_00_v0"
RATE = 4


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((SHIPPED / "MANIFEST.json").read_text())


def test_inference_default_is_the_shipped_file(manifest):
    assert DEFAULT_CHECKPOINT.name in manifest["files"]


def test_files_match_the_manifest(manifest):
    listed = manifest["files"]
    on_disk = {path.name for path in SHIPPED.iterdir() if path.name != "MANIFEST.json"}
    assert on_disk == set(listed), "every shipped file is listed, and nothing listed is missing"
    for name, entry in listed.items():
        assert (SHIPPED / name).stat().st_size == entry["bytes"], name
        assert sha256_file(SHIPPED / name) == entry["sha256"], name
    assert sum(entry["bytes"] for entry in listed.values()) < 20 * 2**20


def test_manifest_records_training_and_quality(manifest):
    training = manifest["training"]
    assert "Pose_Guided_Neural_Rendering/train.py" in training["command"]
    assert training["wall_time_s"] > 0 and training["steps"] > 0
    assert manifest["losses"]["perceptual_weight"] == 0
    assert manifest["quality"]["report"] == "bench/reports/render_quality.md"


def test_loads_weights_only_as_a_plain_generator(manifest):
    state = torch.load(DEFAULT_CHECKPOINT, map_location="cpu", weights_only=True)
    assert {"hparams", "state_dict", "model_size"} <= set(state)
    tensors = list(state["state_dict"].values())
    assert all(torch.isfinite(t).all() for t in tensors if t.is_floating_point())
    assert not any("parametrizations" in key for key in state["state_dict"]), "spectral norm is folded"
    generator, size = load_generator(DEFAULT_CHECKPOINT, torch.device("cpu"))
    assert size == tuple(manifest["model_size"])
    assert sum(p.numel() for p in generator.parameters()) == manifest["parameters"]


def test_renders_an_example_in_between_frame(tmp_path):
    """Keyframes 0 and 4 of the example at R = 2 (GT poses of frames 0, 2, 4), a cross-faded background: frame 2."""
    keyframes = list_frames(EXAMPLE_DIR / "inputs" / CLIP)[:2]
    images = [read_image(path) for path in keyframes]
    background = tmp_path / background_name(keyframes[0].stem, 0.5)
    write_image(background, cv2.addWeighted(images[0], 0.5, images[1], 0.5, 0))
    poses = read_pose_folder(EXAMPLE_DIR / "poses" / CLIP)[0:RATE + 1:2]
    plan = ClipPlan(CLIP, keyframes, poses, rate=2, backgrounds=[None, background, None],
                    outputs=["", background.name, ""])
    torch.set_num_threads(1)
    generator, size = load_generator(DEFAULT_CHECKPOINT, torch.device("cpu"))
    renderer = Renderer(generator, size, torch.device("cpu"))
    label, small_background = renderer.model_inputs(images[0].shape[:2], poses[1], read_image(background))
    with torch.no_grad():
        generated, alpha = generator(label[None], small_background[None], renderer.to_model(images[0])[None])
    assert generated.shape == (1, 3, size[1], size[0]) and torch.isfinite(generated).all()
    assert torch.isfinite(alpha).all() and 0 <= alpha.min() and alpha.max() <= 1
    (index, frame), = list(renderer.segments(plan, [0], images))
    assert index == 1
    assert frame.shape == images[0].shape and frame.dtype == np.uint8

"""The shipped motion checkpoint: loadable without code execution, matching its manifest, better than linear."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from Human_Motion_Modelling.checkpoints import DEFAULT_CHECKPOINT, find_checkpoint, load_trained_model
from Human_Motion_Modelling.evaluation import view_table
from rib import deepmimic
from rib.checkpoint import sha256_file
from rib.paths import REPO_ROOT
from tests.bench_scripts import load_bench_script

MANIFEST = DEFAULT_CHECKPOINT / "MANIFEST.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(MANIFEST.read_text())


def test_default_checkpoint_is_the_shipped_one(manifest):
    """Shipped as model.pt (exported as model.pth: renamed, the same bytes) and loaded from it."""
    assert find_checkpoint(DEFAULT_CHECKPOINT) == DEFAULT_CHECKPOINT / "model.pt"
    assert not list(DEFAULT_CHECKPOINT.glob("*.pth"))
    assert load_trained_model(DEFAULT_CHECKPOINT / "model.pt").epoch == manifest["training"]["epoch"]


def test_loads_weights_only_in_half_precision():
    state = torch.load(DEFAULT_CHECKPOINT / "model.pt", map_location="cpu", weights_only=True)
    assert {"model", "normaliser", "config"} <= set(state)
    floats = [v for v in state["model"].values() if v.is_floating_point()]
    assert floats and all(v.dtype == torch.float16 for v in floats)
    assert np.isfinite(state["normaliser"]["std"].numpy()).all() and (state["normaliser"]["std"] > 0).all()


def test_files_match_the_manifest(manifest):
    listed = manifest["files"]
    assert "model.pt" in listed and "config.yaml" in listed
    on_disk = {path.name for path in DEFAULT_CHECKPOINT.iterdir() if path.name != "MANIFEST.json"}
    assert on_disk == set(listed), "every shipped file is listed, and nothing listed is missing"
    for name, entry in listed.items():
        path = DEFAULT_CHECKPOINT / name
        assert path.stat().st_size == entry["bytes"], name
        assert sha256_file(path) == entry["sha256"], name
    assert sum(entry["bytes"] for entry in listed.values()) < 10 * 2**20


def test_manifest_records_training(manifest):
    training = manifest["training"]
    assert "python Human_Motion_Modelling/train.py --config Human_Motion_Modelling/configs/deepmimic.yaml" in training["command"]
    assert training["wall_time_s"] > 0
    assert set(manifest["data"]["test_clips"]) == set(deepmimic.TEST_CLIPS)
    assert not set(manifest["data"]["test_clips"]) & {n.split("_speed")[0].removesuffix("_mirror")
                                                      for n in manifest["data"]["train_sequences"]}


def test_beats_linear_on_a_test_clip_at_rate_8():
    """dance_b (held out), 8 fixed views, keyframes every 8 frames with the evaluation protocol's detector-like
    noise: a clearly lower in-between error than linear interpolation.

    (bench/reports/motion_quality.md has every rate, clean and noisy, on 100 views of all 8 held-out clips.)
    """
    bench = load_bench_script("motion_quality")
    trained = load_trained_model(DEFAULT_CHECKPOINT)
    clip = deepmimic.resample(deepmimic.read_clip(deepmimic.clip_paths()["dance_b"]), 60.0)
    joints = deepmimic.to_z_up(deepmimic.clip_j19(clip)).astype(np.float32)
    views = view_table(7, 8, trained.config["data"]["rotation_axes"])
    protocol = bench.protocol_for(trained.config, {"dance_b": joints}, views, rate=8, noise_seed=3, noisy=True)
    table = protocol.run(trained.model, trained.normaliser)
    assert table["model"]["sequences"] == 8
    print({method: round(row["joint_error_px"], 2) for method, row in table.items()})
    assert table["model"]["joint_error_px"] < 0.9 * table["linear"]["joint_error_px"]


def test_manifest_metrics_are_the_benchmark_report(manifest):
    """The manifest's quality numbers are bench/motion_quality.py's JSON for these weights, rounded as shown."""
    report = json.loads((REPO_ROOT / "bench" / "reports" / "motion_quality.json").read_text())
    assert report["checkpoint_sha256"] == manifest["files"]["model.pt"]["sha256"], "the report measured these weights"
    shown = {case: {method: {"joint_error_px": round(row["joint_error_px"], 2),
                             "acceleration_error_px": round(row["acceleration_error_px"], 3),
                             "pck10_percent": round(100 * row["pck@10px"], 1)}
                    for method, row in table.items()}
             for case, table in report["results"].items()}
    assert manifest["metrics"]["results"] == shown
    example = manifest["example_check"]["inbetween_error_px_768x512"]
    assert example == {"Predict_motion": round(report["example"]["model"], 2),
                       "Linear_motion": round(report["example"]["linear"], 2)}

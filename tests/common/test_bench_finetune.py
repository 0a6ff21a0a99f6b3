"""bench/finetune.py's report: each clip's gain of the fine-tuned renderer over the generic one and issue 18's
fine-tuning targets, met or missed with their numbers."""
from __future__ import annotations

import json
from argparse import Namespace

import pytest

from Pose_Guided_Neural_Rendering.api import read_renderer
from rib.checkpoint import save_checkpoint
from rib.paths import CHECKPOINTS_DIR
from tests.bench_scripts import load_bench_script


@pytest.fixture(scope="module")
def finetune():
    return load_bench_script("finetune")


def users_row(generic: float, tuned: float, seconds: float, tuned_passed: bool | None = True) -> dict:
    check = {"samples": 4, "renderer_psnr": 30.0, "background_psnr": 29.5, "passed": True}
    return {"finetune_seconds": seconds, "weights": "fine-tuned", "dis": 25.0, "generic (user's path)": generic,
            "fine-tuned (user's path)": tuned,
            "self_check": {"generic": check,
                           "fine-tuned": None if tuned_passed is None else {**check, "passed": tuned_passed}}}


def test_verdict_names_each_target_met_or_missed(finetune):
    results = {"a": users_row(26.0, 26.9, 250), "b": users_row(24.0, 24.6, 280)}
    assert finetune.gains(results, "user's path") == pytest.approx([0.9, 0.6])
    assert finetune.verdict(results, "user's path") == (
        "- user's path: mean gain +0.75 dB (target +0.5): met; worst clip +0.60 dB (target no clip below -0.1): met; "
        "longest fine-tune 280 s (target at most 300 s): met")
    results["c"] = users_row(28.0, 27.85, 320, tuned_passed=False)
    line = finetune.verdict(results, "user's path")
    assert "mean gain +0.45 dB (target +0.5): missed" in line and "worst clip -0.15 dB" in line
    assert "longest fine-tune 320 s (target at most 300 s): missed" in line


def test_users_path_report_has_the_gains_and_the_self_checks(finetune, tmp_path):
    results = {"a": users_row(26.0, 26.9, 250), "b": users_row(24.0, 23.95, 280, tuned_passed=False),
               "c": users_row(22.0, 22.0, 200, tuned_passed=None)}
    args = Namespace(users_path=True, rate=4, steps=150, renderer="checkpoints/render", output=tmp_path / "ft.md")
    report = {"command": "python bench/finetune.py", "machine": "test", "renderer": "checkpoints/render",
              "clips": results, "seconds": 60.0}
    finetune.write_report(args, report, [finetune.USERS_PATH])
    text = (tmp_path / "ft.md").read_text()
    assert "generic renderer `checkpoints/render`" in text
    assert "| a | 250 | 25.00 | 26.00 | 26.90 | +0.90 | fine-tuned | passed / passed |" in text
    assert "| b | 280 | 25.00 | 24.00 | 23.95 | -0.05 | fine-tuned | passed / failed |" in text
    assert "| c | 200 | 25.00 | 22.00 | 22.00 | +0.00 | fine-tuned | passed / - |" in text
    assert "mean gain +0.28 dB (target +0.5): missed" in text
    assert json.loads((tmp_path / "ft.json").read_text())["clips"]["b"]["fine-tuned (user's path)"] == 23.95


def test_kept_weights_tells_the_starting_weights_from_fine_tuned_ones(finetune, tmp_path):
    shipped = CHECKPOINTS_DIR / "render"
    assert finetune.kept_weights(shipped, shipped) == "starting"
    path, state, _ = read_renderer(shipped)
    name = next(name for name, value in state["model"].items() if value.is_floating_point())
    state["model"][name] = state["model"][name] + 1e-3
    (tmp_path / "model").mkdir()
    save_checkpoint(tmp_path / "model" / path.name, state)
    assert finetune.kept_weights(tmp_path / "model", shipped) == "fine-tuned"

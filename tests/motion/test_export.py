"""export.py: a motion run becomes a shipped folder whose manifest lists every file and the benchmark of its weights."""
from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from Human_Motion_Modelling import export, train
from Human_Motion_Modelling.checkpoints import find_checkpoint, inference_bytes, load_trained_model
from rib.checkpoint import sha256_file
from tests.motion.test_train import _args


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, motion_h5):
    root = tmp_path_factory.mktemp("runs")
    train.main(_args(root, motion_h5, "tiny", 1))
    return root / "tiny"


def _report(sha256: str) -> dict:
    row = {"joint_error_px": 1.234, "acceleration_error_px": 0.5678, "pck@10px": 0.9876}
    return {"command": "python bench/motion_quality.py", "checkpoint_sha256": sha256, "views": 3,
            "results": {"x4_clean": {"model": row, "linear": row}}, "example": {"model": 1.111, "linear": 2.226}}


def test_export_lists_every_file_and_records_the_report(tiny_run, tmp_path, capsys):
    out = tmp_path / "motion"
    out.mkdir()
    (out / "README.md").write_text("hand-written\n")
    report = tmp_path / "quality.json"
    report.write_text(json.dumps(_report("0" * 64)))
    args = ["--run", str(tiny_run), "--out", str(out), "--command", "python train.py", "--quality", str(report)]
    with pytest.raises(SystemExit) as stop:
        export.main(args)
    assert stop.value.code == 2 and "measured other weights" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["README.md"], "a failed check writes nothing"

    report.write_text(json.dumps(_report(hashlib.sha256(inference_bytes(tiny_run)).hexdigest())))
    export.main(args)
    manifest = json.loads((out / "MANIFEST.json").read_text())
    assert set(manifest["files"]) == {"README.md", "model.pt", "config.yaml", "normaliser.json", "training_curve.csv"}
    for name, entry in manifest["files"].items():
        assert sha256_file(out / name) == entry["sha256"] and (out / name).stat().st_size == entry["bytes"]
    assert manifest["training"]["epochs"] == 1 and manifest["training"]["command"] == "python train.py"
    assert manifest["data"]["test_clips"] and manifest["data"]["train_sequences"]
    assert manifest["metrics"]["results"]["x4_clean"]["model"] == {
        "joint_error_px": 1.23, "acceleration_error_px": 0.568, "pck10_percent": 98.8}
    assert manifest["example_check"]["inbetween_error_px_768x512"] == {"Predict_motion": 1.11, "Linear_motion": 2.23}
    assert load_trained_model(out).epoch == load_trained_model(tiny_run).epoch

    with pytest.raises(SystemExit):
        export.main(args)  # an existing export is refused without --overwrite ...
    first = sha256_file(out / "model.pt")
    export.main([*args, "--overwrite"])  # ... and rewritten byte for byte with it
    assert sha256_file(out / "model.pt") == first and (out / "README.md").read_text() == "hand-written\n"


def test_new_runs_and_exports_write_pt_files_only(tiny_run, tmp_path):
    export.main(["--run", str(tiny_run), "--out", str(tmp_path / "out"), "--command", "x"])
    for folder in (tiny_run, tmp_path / "out"):
        assert (folder / "model.pt").is_file() and not list(folder.rglob("*.pth")), folder
    assert json.loads((tmp_path / "out" / "MANIFEST.json").read_text())["format"].startswith("model.pt: ")


def test_an_older_run_and_export_named_model_pth_load_export_and_are_replaced(tiny_run, tmp_path):
    """A run or an export of before the one extension holds model.pth: it loads and exports as before, and an export
    with --overwrite leaves model.pt in its place."""
    old_run = tmp_path / "old_run"
    shutil.copytree(tiny_run, old_run)
    (old_run / "model.pt").rename(old_run / "model.pth")
    assert find_checkpoint(old_run) == old_run / "model.pth"
    assert load_trained_model(old_run).epoch == load_trained_model(tiny_run).epoch
    out = tmp_path / "export"
    export.main(["--run", str(old_run), "--out", str(out), "--command", "x"])
    assert sha256_file(out / "model.pt") == hashlib.sha256(inference_bytes(tiny_run)).hexdigest()

    (out / "model.pt").rename(out / "model.pth")  # an export of before
    assert find_checkpoint(out) == out / "model.pth" and load_trained_model(out).epoch == 0
    with pytest.raises(SystemExit):
        export.main(["--run", str(tiny_run), "--out", str(out), "--command", "x"])
    export.main(["--run", str(tiny_run), "--out", str(out), "--command", "x", "--overwrite"])
    assert not (out / "model.pth").exists() and find_checkpoint(out) == out / "model.pt"
    assert "model.pt" in json.loads((out / "MANIFEST.json").read_text())["files"]


def test_export_of_a_folder_without_a_run_is_one_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        export.main(["--run", str(tmp_path), "--out", str(tmp_path / "out"), "--command", "x"])
    assert stop.value.code == 2 and "not a finished motion run" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

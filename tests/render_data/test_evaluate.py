"""evaluate.py end to end on a generated HumanSlomo-format test set, and its answers to bad input."""
import csv
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from Pose_Guided_Neural_Rendering import evaluate
from rib.frames import list_frames, read_image, write_image
from rib.openpose import write_people
from rib.paths import REPO_ROOT


def write_generated(results: Path, layout: Path, noise: float = 0.0, person_only: bool = False) -> Path:
    """Generated_frames/<clip>/ named like the backgrounds: the GT, plus noise (in the person region if asked)."""
    rng = np.random.default_rng(0)
    for clip in ("test_001", "test_002"):
        gt = list_frames(layout / "test/gt" / clip)
        masks = list_frames(layout / "test/masks" / clip)
        for t, (frame, background) in enumerate(zip(gt, list_frames(layout / "test/DAIN" / clip))):
            image = read_image(frame).astype(np.float64)
            if t % 2:
                where = (read_image(masks[t])[..., :1] > 127) if person_only else 1.0
                image = image + rng.normal(0, noise, image.shape) * where
            write_image(results / "Generated_frames" / clip / background.name, np.clip(image, 0, 255).astype(np.uint8))
    return results


def read_rows(path: Path) -> dict[tuple[str, str], dict]:
    with open(path) as handle:
        return {(row["clip"], row["method"]): row for row in csv.DictReader(handle)}


def test_perfect_output_scores_perfectly_and_beats_the_background(tmp_path, layout, capsys):
    results = write_generated(tmp_path / "results", layout)
    evaluate.main(["--data-dir", str(layout), "--results-dir", str(results), "--no-lpips", "--no-fid"])
    rows = read_rows(results / "evaluation/metrics.csv")
    assert set(rows) == {(c, m) for c in ("test_001", "test_002", "mean") for m in ("ours", "background")}
    assert [rows[(c, "ours")]["frames"] for c in ("test_001", "test_002", "mean")] == ["2", "3", "5"]
    ours, background = rows[("mean", "ours")], rows[("mean", "background")]
    assert float(ours["psnr"]) == math.inf and float(ours["ssim"]) == pytest.approx(1.0)
    assert float(ours["psnr_person"]) == math.inf and float(ours["tof"]) == 0.0
    assert math.isfinite(float(background["psnr"])) and float(background["tof"]) > 0
    assert float(background["ssim"]) < 1 and float(background["ssim_person"]) < 1
    assert ours["lpips"] == "nan" and ours["fid"] == "nan"
    out = capsys.readouterr().out
    assert "| clip | method |" in out and "LPIPS/tLPIPS skipped" in out
    assert (results / "evaluation/summary.md").read_text().startswith("| clip | method |")


def test_person_region_metrics_see_only_the_person(tmp_path, layout):
    results = write_generated(tmp_path / "results", layout, noise=20.0, person_only=True)
    evaluate.main(["--data-dir", str(layout), "--results-dir", str(results), "--no-lpips", "--no-fid",
                   "--clips", "test_002", "--upsample-rate", "2"])
    row = read_rows(results / "evaluation/metrics.csv")[("test_002", "ours")]
    assert float(row["psnr_person"]) == pytest.approx(10 * np.log10(255**2 / 400), abs=1.0)
    assert float(row["psnr"]) > float(row["psnr_person"]) + 5
    assert float(row["ssim_person"]) < float(row["ssim"])


def test_heuristic_masks_at_another_size_and_videos(tmp_path, layout):
    data = tmp_path / "data"
    shutil.copytree(layout, data, ignore=shutil.ignore_patterns("masks"))
    write_people(sorted((data / "test/poses/test_001").iterdir())[1], [])  # nobody seen in in-between frame 1
    results = write_generated(tmp_path / "results", layout, noise=10.0)
    out = tmp_path / "eval"
    argv = ["--data-dir", str(data), "--results-dir", str(results), "--no-lpips", "--no-fid", "--size", "96x64",
            "--videos", "--output-dir", str(out)]
    evaluate.main(argv)
    rows = read_rows(out / "metrics.csv")
    assert math.isfinite(float(rows[("mean", "ours")]["psnr_person"]))
    assert math.isfinite(float(rows[("test_001", "ours")]["ssim_person"]))  # the empty frame is left out
    assert (out / "videos/test_001.mp4").stat().st_size > 0
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(argv)  # refuses to replace earlier results
    assert exit_info.value.code == 2
    evaluate.main(argv + ["--overwrite"])


@pytest.mark.slow
def test_lpips_tlpips_and_fid_with_weights(tmp_path, layout, random_weights):
    results = write_generated(tmp_path / "results", layout, noise=5.0)
    evaluate.main(["--data-dir", str(layout), "--results-dir", str(results), "--weights-dir", str(random_weights),
                   "--device", "cpu", "--clips", "test_002"])
    rows = read_rows(results / "evaluation/metrics.csv")
    for method in ("ours", "background"):
        row = rows[("mean", method)]
        assert all(math.isfinite(float(row[key])) for key in ("lpips", "tlpips", "fid"))
    assert float(rows[("mean", "ours")]["lpips"]) < float(rows[("mean", "background")]["lpips"])
    assert rows[("test_002", "ours")]["fid"] == "nan"  # FID is over the whole test set only


@pytest.mark.parametrize("problem,message", [
    ("no_generated", "Generated_frames: folder not found"),
    ("count", "test_002: 6 generated frames for 7 ground-truth frames"),
    ("clip", "unknown test clip(s): test_999"),
    ("rate", "the inputs and 5 ground-truth frames are at rate 2, not --upsample-rate 4"),
    ("rate_5", "the inputs and 5 ground-truth frames are at rate 2, not --upsample-rate 5"),  # was PSNR inf
    ("rate_1", "--upsample-rate 1: must be at least 2"),  # was 0 frames scored
    ("no_inputs_rate", "7 frames do not fit --upsample-rate 4"),
])
def test_bad_input_is_one_clear_line(tmp_path, layout, capsys, problem, message):
    results = tmp_path / "results"
    argv = ["--data-dir", str(layout), "--results-dir", str(results), "--no-lpips", "--no-fid"]
    if problem != "no_generated":
        write_generated(results, layout)
    if problem == "count":
        sorted((results / "Generated_frames/test_002").iterdir())[-1].unlink()
    if problem == "clip":
        argv += ["--clips", "test_999"]
    if problem.startswith("rate"):
        argv += ["--upsample-rate", problem.partition("_")[2] or "4"]
    if problem == "no_inputs_rate":
        data = tmp_path / "data"
        shutil.copytree(layout, data, ignore=shutil.ignore_patterns("inputs"))
        argv[1] = str(data)
        argv += ["--upsample-rate", "4"]
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]


@pytest.mark.parametrize("flag, value, message", [
    ("--size", "1x1", "size '1x1': width and height must be at least 32 pixels"),
    ("--size", "31x64", "size '31x64': width and height must be at least 32"),
    ("--fps", "0", "must be a positive number, got 0"),
    ("--fps", "-1", "must be a positive number, got -1"),
])
def test_bad_size_or_fps_is_a_usage_error(tmp_path, layout, capsys, flag, value, message):
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(["--data-dir", str(layout), "--results-dir", str(tmp_path), flag, value])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "Traceback" not in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and f"argument {flag}: {message}" in errors[0]



def test_unknown_device_is_refused_before_the_output_is_touched(tmp_path, layout, capsys):
    """Issue 12: --device gpu0 came after --overwrite had already removed the earlier metrics.csv."""
    results = write_generated(tmp_path / "results", layout)
    earlier = results / evaluate.EVALUATION / "metrics.csv"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("earlier results\n")
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(["--data-dir", str(layout), "--results-dir", str(results), "--no-lpips", "--no-fid",
                       "--overwrite", "--device", "gpu0"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "device 'gpu0': expected auto, cpu, cuda or cuda:N" in err
    assert earlier.read_text() == "earlier results\n"


@pytest.mark.parametrize("inside", ["test/gt/test_001", "test/DAIN", "test"])
def test_output_over_an_input_is_refused(inside, tmp_path, layout, capsys):
    """Issue 12: the rule of every other CLI (an output is never, contains or lies inside an input)."""
    results = write_generated(tmp_path / "results", layout)
    before = {path: path.read_bytes() for path in layout.rglob("*") if path.is_file()}
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(["--data-dir", str(layout), "--results-dir", str(results), "--no-lpips", "--no-fid",
                       "--output-dir", str(layout / inside)])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "the output must not be, contain or lie inside the input" in err
    assert {path: path.read_bytes() for path in layout.rglob("*") if path.is_file()} == before

@pytest.mark.slow
def test_script_runs_from_anywhere(tmp_path, layout):
    results = write_generated(tmp_path / "results", layout)
    stage = REPO_ROOT / "Pose_Guided_Neural_Rendering"
    args = ["--data-dir", str(layout), "--results-dir", str(results), "--no-lpips", "--no-fid", "--overwrite"]
    for cwd, script in ((REPO_ROOT, "Pose_Guided_Neural_Rendering/evaluate.py"), (stage, "evaluate.py")):
        done = subprocess.run([sys.executable, script, *args], cwd=cwd, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "| mean | ours |" in done.stdout
    missing = subprocess.run([sys.executable, str(stage / "evaluate.py"), "--data-dir", str(tmp_path / "nowhere")],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.strip().startswith("error: ")

"""bench/quality.py's user's path row: rib interpolate's frames scored like every other row (person PSNR and SSIM,
full-frame PSNR, tOF over the clip with the keyframes), and bench/users_path.py's command line."""
from __future__ import annotations

import json
import subprocess

import cv2
import numpy as np
import pytest

from bench import users_path
from rib.errors import RIBError
from rib.frames import background_name, list_frames, read_image, write_image
from rib.names import DAIN, GT, INPUT_POSES, INPUTS, LINEAR_MOTION, MASKS, POSES, PREDICT_MOTION
from rib.paths import CHECKPOINTS_DIR, REPO_ROOT
from rib.poses import read_pose_folder, write_pose_folder
from rib_pipeline import subprocess_run
from tests.bench_scripts import load_bench_script

RATE, SIZE, CLIP = 4, (48, 64), "c"
STEMS = ["frame00000", "frame00004", "frame00008"]


class StubRenderer:
    """Draws nothing: its frame is the DIS background, its alpha 0.5 everywhere."""

    def frame(self, first, last, background, poses, t):
        assert poses.shape == (3, 19, 3) and 0 < t < 1
        return background.copy(), np.full(background.shape[:2], 0.5)


def noisy(rng: np.random.Generator, image: np.ndarray, amplitude: int) -> np.ndarray:
    return (image.astype(int) + rng.integers(-amplitude, amplitude + 1, image.shape)).clip(0, 255).astype(np.uint8)


def make_split(root):
    """A 3-input clip at rate 4: a square moving right over a gradient, its mask, poses, DIS frames with large errors
    and the user's path frames with small ones (its keyframes black: they must not be scored)."""
    rng = np.random.default_rng(0)
    test, poses_dir, ours = root / "test", root / "poses", root / "users_path"
    for stem in STEMS:
        write_image(test / INPUTS / CLIP / f"{stem}.png", np.zeros((*SIZE, 3), np.uint8))
    count = (len(STEMS) - 1) * RATE + 1
    for index in range(count):
        truth = np.tile(np.linspace(40, 200, SIZE[1], dtype=np.uint8)[None, :, None], (SIZE[0], 1, 3))
        mask = np.zeros(SIZE, np.uint8)
        mask[12:36, 10 + 3 * index:26 + 3 * index] = 255
        truth[mask > 0] = (220, 60, 60)
        write_image(test / GT / CLIP / f"frame{index:05d}.png", truth)
        write_image(test / MASKS / CLIP / f"frame{index:05d}.png", mask)
        name = background_name(STEMS[index // RATE], (index % RATE) / RATE)
        write_image(test / DAIN / CLIP / name, noisy(rng, truth, 60))
        write_image(ours / name, np.zeros_like(truth) if index % RATE == 0 else noisy(rng, truth, 4))
    poses = np.zeros((count, 19, 3))
    poses[:, :, :2], poses[:, :, 2] = rng.uniform(10, 40, (count, 19, 2)), 1.0
    for folder in (test / POSES / CLIP, poses_dir / LINEAR_MOTION / CLIP, poses_dir / PREDICT_MOTION / CLIP):
        write_pose_folder(folder, poses)
    return test, poses_dir, ours


def test_users_path_frames_are_one_more_scored_row(tmp_path):
    quality = load_bench_script("quality")
    test, poses_dir, ours = make_split(tmp_path)
    figures: dict = {}
    scores = quality.score_clip(StubRenderer(), test, poses_dir, CLIP, RATE, ["dis"], figures,
                                {quality.USERS_PATH: ours})
    assert list(scores) == ["dis", "ours (user's path)", "ours (linear poses)", "ours (motion model poses)",
                            "ours (ground truth poses)"]
    assert all(row["frames"] == 6 for row in scores.values())  # in-between frames only
    users, dis = scores["ours (user's path)"], scores["dis"]
    assert users["psnr_person"] > dis["psnr_person"] + 15 and users["psnr"] > dis["psnr"] + 15
    assert users["ssim_person"] > 0.9 > 0.5 > dis["ssim_person"]
    assert 0 <= users["tof"] < dis["tof"]
    assert scores["ours (ground truth poses)"]["psnr_person"] == pytest.approx(dis["psnr_person"])  # drawn over DIS
    assert "alpha_person" not in users and scores["ours (linear poses)"]["alpha_person"] == 0.5
    assert figures[CLIP]["index"] == 6 and figures[CLIP]["mask"].sum() == 24 * 16
    assert np.abs(figures[CLIP]["images"]["ours (user's path)"].astype(int)
                  - figures[CLIP]["images"]["GT"]).max() <= 4

    without = quality.score_clip(StubRenderer(), test, poses_dir, CLIP, RATE, ["dis"])
    assert "ours (user's path)" not in without and without["dis"] == dis
    alone = quality.score_clip(None, test, poses_dir, CLIP, RATE, ["dis"], users_paths={quality.USERS_PATH: ours},
                               sources=())  # nothing drawn here: no renderer needed
    assert list(alone) == ["dis", "ours (user's path)"] and alone["ours (user's path)"] == users


@pytest.fixture
def calls(monkeypatch):
    """The command lines rib is run with, in a child process that succeeds the first time and fails ('boom') after."""
    made = []

    def fake_run(command, **kwargs):
        made.append((command, kwargs))
        return subprocess.CompletedProcess(command, returncode=len(made) - 1, stdout="", stderr="boom")

    monkeypatch.setattr(subprocess_run.subprocess, "run", fake_run)
    return made


def test_interpolate_runs_rib_interpolate_with_the_renderer_and_threads(tmp_path, calls):
    split, work = tmp_path / "test", tmp_path / "work"
    (work / "work" / "DAIN").mkdir(parents=True)  # a previous run's: --keep-work needs an empty folder
    users_path.interpolate(split, CLIP, RATE, work, renderer=tmp_path / "model", threads=1)
    command, kwargs = calls[0]
    assert command[1:] == ["-m", "rib", "interpolate", str(split / INPUTS / CLIP), "--rate", "4", "--input-fps",
                           "15.0", "--keep-work", str(work / "work"), "-o", str(work / "out.mp4"), "--overwrite",
                           "--renderer", str(tmp_path / "model")]
    assert kwargs["env"]["OMP_NUM_THREADS"] == "1" and not (work / "work").exists()
    assert users_path.stage_folder(work, DAIN, CLIP) == work / "work" / DAIN / CLIP
    with pytest.raises(RIBError, match="rib interpolate failed: boom"):
        users_path.interpolate(split, CLIP, RATE, work, exact_poses=True)
    assert "--poses" in calls[1][0] and "--renderer" not in calls[1][0]


def test_finetune_runs_rib_finetune_and_reads_the_self_check(tmp_path, calls):
    inputs, model = tmp_path / "inputs" / CLIP, tmp_path / "model"
    subprocess_run.run_finetune(inputs, 15.0, model, ["--steps", "9"], {"OMP_NUM_THREADS": "1"})
    command, kwargs = calls[0]
    assert command[1:] == ["-m", "rib", "finetune", str(inputs), "--input-fps", "15.0", "-o", str(model),
                           "--overwrite", "--steps", "9"]
    assert kwargs["env"]["OMP_NUM_THREADS"] == "1"
    with pytest.raises(RIBError, match="rib finetune failed: boom"):
        subprocess_run.run_finetune(inputs, 15.0, model)
    work = tmp_path / "work"
    assert users_path.self_check_verdict(work, CLIP) is None  # no person drawn: no check
    verdict = {"samples": 4, "renderer_psnr": 30.0, "background_psnr": 29.0, "passed": True}
    (users_path.stage_folder(work, "Self_check", CLIP)).mkdir(parents=True)
    (users_path.stage_folder(work, "Self_check", CLIP) / "verdict.json").write_text(json.dumps(verdict))
    assert users_path.self_check_verdict(work, CLIP) == verdict


def example_split(data_root, scale: float = 0.5, inputs: int = 3):
    """The example's first ``inputs`` keyframes (rate 4) as the x4 test split of ``data_root``, shrunk by ``scale``:
    gt, inputs, exact poses and input poses, and a box around the person's joints as its mask (no backgrounds: the
    benchmark makes them)."""
    clip, test = "spinkick_00_v0", data_root / "synth4" / "test"
    count = (inputs - 1) * RATE + 1
    poses = read_pose_folder(REPO_ROOT / "example" / POSES / clip)[:count]
    poses[:, :, :2] *= scale
    for index, path in enumerate(list_frames(REPO_ROOT / "example" / GT / clip)[:count]):
        image = read_image(path)
        image = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)),
                           interpolation=cv2.INTER_AREA)
        write_image(test / GT / clip / f"{path.stem}.png", image)
        if index % RATE == 0:
            write_image(test / INPUTS / clip / f"{path.stem}.png", image)
        seen = poses[index][poses[index, :, 2] > 0, :2]
        (x0, y0), (x1, y1) = seen.min(axis=0).astype(int), seen.max(axis=0).astype(int)
        mask = np.zeros(image.shape[:2], np.uint8)
        mask[max(y0 - 8, 0):y1 + 8, max(x0 - 8, 0):x1 + 8] = 255
        write_image(test / MASKS / clip / f"{path.stem}.png", mask)
    write_pose_folder(test / POSES / clip, poses)
    write_pose_folder(test / INPUT_POSES / clip, poses[::RATE])
    return clip


@pytest.mark.slow
def test_quality_end_to_end_with_the_users_path(tmp_path):
    """The whole benchmark on a 3-keyframe split: DIS made, the motion model run, rib interpolate run as a user runs
    it, every row scored, the report's verdict and the figure written."""
    pytest.importorskip("mediapipe")
    quality = load_bench_script("quality")
    clip = example_split(tmp_path / "data")
    output, figure = tmp_path / "report" / "quality.md", tmp_path / "figure.png"
    quality.main(["--data-root", str(tmp_path / "data"), "--rates", "4", "--backends", "dis", "--threads", "2",
                  "--work-dir", str(tmp_path / "work"), "--figure", str(figure), "--output", str(output),
                  "--compare-renderer", str(CHECKPOINTS_DIR / "render")])
    report = json.loads(output.with_suffix(".json").read_text())
    rows = report["rates"]["4"]["clips"][clip]
    assert list(rows) == ["dis", "ours (user's path)", "compared renderer (user's path)", "ours (linear poses)",
                          "ours (motion model poses)", "ours (ground truth poses)"]
    compared, ours = rows["compared renderer (user's path)"], rows["ours (user's path)"]
    assert compared["psnr_person"] == pytest.approx(ours["psnr_person"], abs=0.01)  # the same shipped weights
    for row in rows.values():
        assert row["frames"] == 6 and np.isfinite(row["psnr"]) and np.isfinite(row["psnr_person"])
        assert 0 < row["ssim_person"] < 1 and row["tof"] > 0
    assert (tmp_path / "work" / "users_path" / "x4" / clip / "out.mp4").is_file()
    verdicts = report["rates"]["4"]["self_check"]
    assert list(verdicts) == ["ours (user's path)", "compared renderer (user's path)"]
    assert verdicts["ours (user's path)"][clip]["samples"] == 1  # 3 inputs: one has both neighbours, too few
    text = output.read_text()
    assert "| ours (user's path) | 6 |" in text and "- ours (user's path): person PSNR" in text
    assert "- ours (user's path): the renderer's self-check failed on 0 of 0 clips judged" in text
    assert "(target +2.0: " in text and f"Figure `{figure}`: {clip} (where DIS does worst" in text
    assert read_image(figure).shape[1] % 4 == 0 and read_image(figure).shape[1] >= 4 * 2 * 64  # 4 columns at 2x


def test_self_check_lines_name_the_failed_clips():
    quality = load_bench_script("quality")
    verdicts = {"ours (user's path)": {
        "a": {"samples": 9, "renderer_psnr": 30.0, "background_psnr": 30.5, "passed": False},
        "b": {"samples": 9, "renderer_psnr": 31.0, "background_psnr": 30.5, "passed": True},
        "c": {"samples": 1, "renderer_psnr": None, "background_psnr": None, "passed": True}, "d": None}}
    (line,) = quality.self_check_lines(verdicts)
    assert line.startswith("- ours (user's path): the renderer's self-check failed on 1 of 2 clips judged")
    assert "a (30.00 vs 30.50)" in line and "b (" not in line

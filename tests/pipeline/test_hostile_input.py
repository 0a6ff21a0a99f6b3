"""Issue 21, the ``rib`` command under bad input: bounded rates, one-line errors instead of tracebacks, outputs kept
apart from every input, one writer per output, and no leftovers after SIGTERM or SIGKILL-and-rerun."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rib.atomic import output_lock
from rib.frames import write_image
from rib.joints import j19_to_person
from rib.openpose import write_people
from rib_pipeline.cli import main
from rib_pipeline.common import remove_stale_work_folders
from rib_pipeline.layout import WorkLayout
from rib_pipeline.stages import poses_stage
from tests.pipeline.conftest import make_video
from tests.pipeline.test_bad_input import fails

REPO = Path(__file__).resolve().parents[2]
SIZE = (64, 48)


def frame_folder(folder: Path, count: int = 3) -> Path:
    rng = np.random.default_rng(0)
    for index in range(count):
        write_image(folder / f"frame{index:05d}.png", rng.integers(0, 256, (SIZE[1], SIZE[0], 3), np.uint8))
    return folder


def pose_folder(folder: Path, poses: list[np.ndarray | None]) -> Path:
    folder.mkdir(parents=True)
    for index, pose in enumerate(poses):
        write_people(folder / f"{index:06d}_keypoints.json", [] if pose is None else [j19_to_person(pose)])
    return folder


def unused_poses(tmp_path: Path) -> Path:
    """A --poses folder (the tests fail before poses are read)."""
    folder = tmp_path / "poses"
    folder.mkdir(exist_ok=True)
    return folder


def standing(x: float = 32.0) -> np.ndarray:
    """A small upright J19 person at ``x`` inside the 64x48 frames."""
    pose = np.zeros((19, 3))
    pose[:, 0] = x + np.linspace(-6, 6, 19)
    pose[:, 1] = np.linspace(8, 40, 19)
    pose[:, 2] = 0.9
    return pose


@pytest.mark.parametrize("option, expected", [
    (["--rate", "100000"], "--rate 100000: must be an integer from 2 to 64"),
    (["--fps", "1e9"], "--fps 1e+09: at most 10000 fps"),
    (["--fps", "1000"], "--fps 1000: 100 times the input's 10 fps; at most 64 times"),
])
def test_rates_have_a_documented_maximum(no_person_video, tmp_path, capsys, option, expected):
    line = fails(capsys, ["interpolate", str(no_person_video), "-o", str(tmp_path / "o.mp4"), *option,
                          "--poses", str(unused_poses(tmp_path))])
    assert line == f"error: {expected}"
    assert not (tmp_path / "o.mp4").exists()


def test_input_fps_has_a_maximum(tmp_path, capsys):
    frames = frame_folder(tmp_path / "frames")
    line = fails(capsys, ["interpolate", str(frames), "--input-fps", "1e9", "-o", str(tmp_path / "o.mp4"),
                          "--rate", "2", "--poses", str(unused_poses(tmp_path))])
    assert line == "error: --input-fps 1e+09 fps: must be above 0 and at most 5000"


def test_two_frames_of_one_name_are_refused(tmp_path, capsys):
    frames = frame_folder(tmp_path / "frames", 4)
    (frames / "frame00003.jpg").write_bytes((frames / "frame00003.png").read_bytes())
    line = fails(capsys, ["interpolate", str(frames), "-o", str(tmp_path / "o.mp4"), "--rate", "2",
                          "--poses", str(unused_poses(tmp_path))])
    assert line == f"error: {frames}: frame00003.jpg and frame00003.png are both frame frame00003; keep one of them"


def test_a_too_long_output_name_fails_before_any_stage(no_person_video, tmp_path, capsys):
    out = tmp_path / ("x" * 245 + ".mp4")
    line = fails(capsys, ["interpolate", str(no_person_video), "-o", str(out), "--rate", "2",
                          "--poses", str(unused_poses(tmp_path))])
    assert "cannot write (File name too long)" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pattern.mp4", "poses"]


def test_outputs_must_not_land_in_the_compare_or_renderer_folders(no_person_video, tmp_path, capsys):
    truth = frame_folder(tmp_path / "truth")
    line = fails(capsys, ["interpolate", str(no_person_video), "-o", str(truth / "o.mp4"), "--rate", "2",
                          "--compare", str(truth), "--poses", str(unused_poses(tmp_path))])
    assert "must not be, contain or lie inside the input" in line and str(truth) in line
    renderer = tmp_path / "renderer"
    renderer.mkdir()
    (renderer / "model.pt").write_bytes(b"x")
    line = fails(capsys, ["interpolate", str(no_person_video), "-o", str(tmp_path / "o.mp4"), "--rate", "2",
                          "--renderer", str(renderer), "--keep-work", str(renderer / "work"),
                          "--poses", str(unused_poses(tmp_path))])
    assert "must not be, contain or lie inside the input" in line and str(renderer) in line


def test_a_second_writer_of_the_same_output_is_refused(no_person_video, tmp_path, capsys):
    out = tmp_path / "o.mp4"
    with output_lock(out):
        line = fails(capsys, ["interpolate", str(no_person_video), "-o", str(out), "--rate", "2",
                              "--poses", str(unused_poses(tmp_path))])
    assert line == f"error: {out}: another run (pid {os.getpid()}) is writing it; wait for it to finish or choose " \
                   "another output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pattern.mp4", "poses"]  # the lock file went with the lock


def test_finetune_steps_are_steps_in_all(no_person_video, tmp_path, capsys):
    line = fails(capsys, ["finetune", str(no_person_video), "-o", str(tmp_path / "m"), "--steps", "1", "--epochs",
                          "5", "--poses", str(unused_poses(tmp_path))])
    assert line == ("error: --steps 1 --epochs 5: the steps are spread evenly over the epochs, so --steps must be a "
                    "multiple of --epochs (e.g. --steps 5)")


def test_finetune_of_a_one_frame_video_says_3_frames(tmp_path, capsys):
    video = make_video(tmp_path / "one.mp4", ["testsrc"], seconds=0.1, audio=False)
    line = fails(capsys, ["finetune", str(video), "-o", str(tmp_path / "m"), "--poses", str(unused_poses(tmp_path))])
    assert line == f"error: {video}: the video holds 1 frame(s); at least 3 are needed"


def test_a_finetune_folder_left_by_a_kill_can_be_resumed_or_overwritten(no_person_video, tmp_path, capsys):
    model = tmp_path / "m"
    model.mkdir()
    (model / "history.csv").write_text("epoch\n")  # what a run killed before its first checkpoint leaves
    line = fails(capsys, ["finetune", str(no_person_video), "-o", str(model), "--poses", str(unused_poses(tmp_path))])
    assert "is not empty" in line and "--resume" in line and "--overwrite" in line
    line = fails(capsys, ["finetune", str(no_person_video), "-o", str(model), "--resume",
                          "--poses", str(unused_poses(tmp_path))])
    assert line == f"error: {model / 'checkpoint.pt'}: nothing to resume from"


def test_finetune_without_a_person_names_the_input(tmp_path, capsys):
    frames = frame_folder(tmp_path / "clip", 4)
    poses = pose_folder(tmp_path / "given", [standing(), None, standing(), None])
    with pytest.raises(SystemExit) as exit_info:  # the frames and poses stages ran: progress bars, then the error
        main(["finetune", str(frames), "-o", str(tmp_path / "m"), "--poses", str(poses), "--background", "blend",
              "--init", "none", "--device", "cpu"])
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert exit_info.value.code == 2
    assert line == (f"error: {frames}: no frame shows a person together with both its neighbours (a person was found "
                    "in 2 of 4 frames); rib finetune needs at least one such frame")
    assert not (tmp_path / "m").exists()


def test_a_far_joint_is_dropped_in_the_poses_stage(tmp_path):
    layout = WorkLayout(tmp_path / "work", "clip")
    frame_folder(layout.inputs)
    far = standing()
    far[4] = (1e5, 1e5, 1.0)
    given = pose_folder(tmp_path / "given", [standing(), far, standing()])
    (poses,) = poses_stage(layout, given, (SIZE[1], SIZE[0])).values()
    assert poses.shape == (3, 19, 3) and (poses[1, 4] == 0).all() and (poses[1, 5, 2] > 0)


HOLDER = """\
import sys, tempfile, time
from pathlib import Path
from rib.atomic import atomic_path
from rib.errors import cli_entry
from rib_pipeline.common import work_layout

def main(argv):
    args = type("Args", (), {"input": Path("clip.mp4"), "keep_work": None})()
    with work_layout(args) as layout, atomic_path(sys.argv[1]) as tmp:
        tmp.write_bytes(b"half a video")
        print(layout.root, flush=True)
        time.sleep(60)

cli_entry(main)()
"""


def start_holder(tmp_path: Path) -> tuple[subprocess.Popen, Path, Path]:
    """A process inside a run's work folder and an atomic write of ``out.mp4``, as ``rib interpolate`` is."""
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])}
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "out.mp4")], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    work = Path(process.stdout.readline().strip())
    assert work.is_dir() and work.name.startswith(f"rib-{process.pid}-"), work
    assert list(tmp_path.glob(".out.*.tmp.mp4"))
    return process, temp, work


@pytest.mark.slow
def test_sigterm_cleans_up_as_ctrl_c_does(tmp_path):
    process, temp, work = start_holder(tmp_path)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 143 and err.strip().splitlines()[-1] == "terminated", err
    assert not work.exists() and list(temp.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]


@pytest.mark.slow
def test_a_rerun_after_sigkill_removes_what_the_killed_run_left(tmp_path):
    process, temp, work = start_holder(tmp_path)
    process.kill()
    process.communicate(timeout=30)
    assert work.exists() and list(tmp_path.glob(".out.*.tmp.mp4"))  # SIGKILL leaves them
    mine = temp / f"rib-{os.getpid()}-abcdefgh"  # a live run's folder is never touched
    mine.mkdir()
    assert remove_stale_work_folders(temp) == [work] and mine.exists()
    with output_lock(tmp_path / "out.mp4"):
        assert not list(tmp_path.glob(".out.*.tmp.mp4"))


def test_the_lock_of_a_killed_run_is_free_again(tmp_path):
    script = ("import sys, time\nfrom rib.atomic import output_lock\n"
              "with output_lock(sys.argv[1]):\n    print('locked', flush=True)\n    time.sleep(60)\n")
    process = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "m")], cwd=REPO, text=True,
                               stdout=subprocess.PIPE)
    assert process.stdout.readline().strip() == "locked"
    with pytest.raises(Exception, match=f"another run \\(pid {process.pid}\\)"):
        with output_lock(tmp_path / "m"):
            pass
    process.kill()
    process.communicate(timeout=30)
    start = time.perf_counter()
    with output_lock(tmp_path / "m"):
        assert time.perf_counter() - start < 1
    assert list(tmp_path.iterdir()) == []

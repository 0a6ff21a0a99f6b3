"""Issue 21, videos: no false success on a failed encode, exact timing of variable, very high and very low frame
rates, the pixel aspect ratio kept and odd sizes said."""
from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from rib.errors import RIBError
from rib.frames import encode_png
from rib_pipeline.compare import write_comparison
from rib_pipeline.media import (StreamRate, encode, exact_rate, header_rate, probe_video, size_note, source_frames,
                               stream_rate)
from rib.video import FrameTimes, write_video
from tests.pipeline.conftest import streams

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
REPO = Path(__file__).resolve().parents[2]


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-y", "-loglevel", "error", *args], check=True)


def noise(count: int, size: tuple[int, int] = (64, 48)) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (size[1], size[0], 3), np.uint8) for _ in range(count)]


def test_a_full_disk_while_encoding_is_an_error_and_leaves_no_file(tmp_path):
    """A real write failure: ffmpeg runs under a 64 KB file-size limit (SIGXFSZ / EFBIG, as a full disk)."""
    script = ("import resource, sys, numpy as np\n"
              "from rib.errors import cli_entry\n"
              "from rib.video import write_video\n"
              "resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))\n"
              "rng = np.random.default_rng(0)\n"
              "frames = (rng.integers(0, 256, (96, 128, 3), np.uint8) for _ in range(30))\n"
              "cli_entry(lambda argv: write_video(sys.argv[1], frames, 30))()\n")
    out = tmp_path / "out.mp4"
    result = subprocess.run([sys.executable, "-c", script, str(out)], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {out}: cannot write video (ffmpeg"), lines
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def failing_ffmpeg(tmp_path, monkeypatch) -> None:
    """An ffmpeg that reads its input, says "No space left on device" and exits 228 (as it did in the issue)."""
    fake = tmp_path / "fake_ffmpeg"
    fake.write_text("#!/bin/sh\ncat > /dev/null\necho 'out.mp4: No space left on device' >&2\nexit 228\n")
    fake.chmod(0o755)
    monkeypatch.setattr("rib.video.ffmpeg_exe", lambda: str(fake))


def test_a_failed_encode_is_not_renamed_into_place(failing_ffmpeg, tmp_path):
    out = tmp_path / "videos" / "out.mp4"
    with pytest.raises(RIBError) as error:
        write_video(out, noise(3), 30)
    assert str(error.value) == (f"{out}: cannot write video (ffmpeg exited with status 228: out.mp4: No space left "
                                "on device)")
    assert list(out.parent.iterdir()) == []


def test_a_failed_comparison_video_is_an_error_too(failing_ffmpeg, tmp_path):
    frames = []
    for index, image in enumerate(noise(3)):
        frames.append(tmp_path / f"f{index}.png")
        frames[-1].write_bytes(encode_png(image))
    out = tmp_path / "out_compare.mp4"
    with pytest.raises(RIBError, match="out_compare.mp4: cannot write video .*status 228"):
        write_comparison(out, frames[:2], frames, frames, 2, Fraction(30))
    assert not out.exists() and not list(tmp_path.glob(".out_compare*"))


def phone_clip(path: Path, seconds: int) -> Path:
    """A 30 fps clip with every 10th frame dropped (variable rate); frame n shows grey level 8 * (n mod 32)."""
    ffmpeg("-f", "lavfi", "-i", f"color=c=black:s=16x16:r=30:d={seconds},format=gray,geq=lum='mod(N,32)*8'",
           "-vf", "select='not(eq(mod(n,10),9))'", "-fps_mode", "vfr", "-c:v", "libx264", "-qp", "0",
           "-pix_fmt", "yuv420p", str(path))
    return path


def test_a_variable_frame_rate_clip_keeps_its_duration_and_audio_sync_over_60_s(tmp_path):
    source = probe_video(phone_clip(tmp_path / "phone.mp4", 60))
    assert source.fps == 30 and source.resample == 30
    assert "variable frame rate input (1620 frames" in source.notes[0]
    frames = [frame for _, frame in source_frames(source)]
    assert abs(len(frames) / source.fps - 60) <= 1 / source.fps  # the duration, within one frame
    worst = 0.0
    for k, frame in enumerate(frames):
        shown = round(float(frame[8, 8, 0]) / 8) % 32  # n mod 32 of the input frame shown at k / fps
        expected = k * 30 / source.fps
        n = expected + ((shown - expected) % 32 + 16) % 32 - 16  # the n with that residue nearest in time
        worst = max(worst, abs(n / 30 - k / source.fps))
    assert worst <= 0.040


def test_steady_frame_rates_from_1000_fps_to_a_time_lapse(tmp_path):
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x24:rate=1000", "-t", "0.05", "-pix_fmt", "yuv420p",
           str(tmp_path / "fast.mp4"))
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x24:rate=1/200", "-t", "600", "-r", "1/200", "-pix_fmt", "yuv420p",
           str(tmp_path / "slow.mp4"))
    fast, slow = probe_video(tmp_path / "fast.mp4"), probe_video(tmp_path / "slow.mp4")
    assert (fast.fps, fast.num_frames, fast.resample) == (1000, 50, None)
    assert (slow.fps, slow.num_frames, slow.resample) == (Fraction(1, 200), 3, None)


def test_header_rates_and_tiny_rates_parse():
    assert header_rate("Stream #0:0: Video: h264, 32x24, 1k fps, 1k tbr", 0) == 1000
    assert header_rate("Stream #0:0: Video: h264, 32x24, 0.0050 fps, 0.0050 tbr", 0) == Fraction(1, 200)
    assert header_rate("Stream #0:0: Video: h264, 32x24, 29.97 fps", 0) == Fraction(30000, 1001)
    assert exact_rate(Fraction(1, 200)) == Fraction(1, 200) and exact_rate("0.0004") > 0


def test_the_pixel_aspect_ratio_is_kept_and_odd_sizes_are_said(tmp_path):
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=63x47:rate=10", "-t", "0.3", "-vf", "setsar=2", "-c:v", "libx264",
           "-pix_fmt", "yuv444p", str(tmp_path / "wide.mp4"))
    source = probe_video(tmp_path / "wide.mp4")
    assert source.sar == 2
    assert size_note(source) == ("odd size 63x47 written as 64x48 (last column or row repeated: H.264 in yuv420p "
                                 "needs even sizes); pixel aspect ratio 2:1 kept")
    encode(tmp_path / "out.mp4", (frame for _, frame in source_frames(source)), Fraction(20), source)
    assert "64x48 [SAR 2:1 DAR 8:3]" in streams(tmp_path / "out.mp4")


def test_a_millisecond_time_base_keeps_the_nominal_rate():
    """webm / mkv store times in ms: 30 fps intervals are 33 or 34 ticks; the container's nominal rate is kept."""
    steady = FrameTimes(Fraction(1, 1000), tuple(round(i * 1000 / 30) for i in range(60)))
    assert stream_rate(steady, Fraction(30)) == StreamRate(Fraction(30), False, Fraction(30), 60)
    dropped = FrameTimes(Fraction(1, 1000), tuple(round(i * 1000 / 30) for i in range(60) if i % 10 != 9))
    rate = stream_rate(dropped, Fraction(30))
    assert rate.variable and rate.fps == 30 and rate.num_frames == 59
    assert stream_rate(FrameTimes(Fraction(1, 1000), (0,)), Fraction(30)) is None

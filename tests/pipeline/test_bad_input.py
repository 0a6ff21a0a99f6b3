"""``rib interpolate`` on bad input: one ``error: <file>: <problem>`` line, exit status 2, nothing written."""
import subprocess
import sys
from pathlib import Path

import pytest

from rib_pipeline.cli import main
from tests.pipeline.conftest import make_video


def fails(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


def test_missing_input(tmp_path, capsys):
    line = fails(capsys, ["interpolate", str(tmp_path / "nothing.mp4"), "-o", str(tmp_path / "out.mp4"),
                          "--rate", "2"])
    assert "nothing.mp4: not found" in line
    assert list(tmp_path.iterdir()) == []


def test_not_a_video(tmp_path, capsys):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n")
    line = fails(capsys, ["interpolate", str(text), "-o", str(tmp_path / "out.mp4"), "--rate", "2"])
    assert f"{text}: cannot read video" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.mp4"]


def test_empty_video(tmp_path, capsys):
    video = make_video(tmp_path / "empty.mp4", ["testsrc"], seconds=0.05, audio=False)  # no whole frame at 10 fps
    line = fails(capsys, ["interpolate", str(video), "-o", str(tmp_path / "out.mp4"), "--rate", "2"])
    assert "empty.mp4" in line and ("frame" in line or "cannot read" in line)
    assert not (tmp_path / "out.mp4").exists()


def test_output_equal_to_input_is_refused_and_untouched(no_person_video, capsys):
    before = no_person_video.read_bytes()
    line = fails(capsys, ["interpolate", str(no_person_video), "-o", str(no_person_video), "--rate", "2",
                          "--overwrite"])
    assert "must not be" in line
    assert no_person_video.read_bytes() == before


def test_unwritable_output(no_person_video, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    line = fails(capsys, ["interpolate", str(no_person_video), "-o", str(blocker / "out.mp4"), "--rate", "2"])
    assert "cannot write" in line


def test_existing_output_is_not_overwritten(no_person_video, tmp_path, capsys):
    out = tmp_path / "out.mp4"
    out.write_bytes(b"keep me")
    line = fails(capsys, ["interpolate", str(no_person_video), "-o", str(out), "--rate", "2"])
    assert "already exists" in line and out.read_bytes() == b"keep me"


def test_rate_and_fps_are_checked_before_anything_runs(no_person_video, tmp_path, capsys):
    line = fails(capsys, ["interpolate", str(no_person_video), "-o", str(tmp_path / "o.mp4"), "--fps", "5"])
    assert "not above the input's 10 fps" in line


def test_non_empty_keep_work_is_refused(no_person_video, tmp_path, capsys):
    work = tmp_path / "work"
    work.mkdir()
    (work / "mine.txt").write_text("x")
    line = fails(capsys, ["interpolate", str(no_person_video), "-o", str(tmp_path / "o.mp4"), "--rate", "2",
                          "--keep-work", str(work)])
    assert "is not empty" in line and not (tmp_path / "o.mp4").exists()


@pytest.mark.slow
def test_python_dash_m_rib_runs():
    result = subprocess.run([sys.executable, "-m", "rib", "interpolate", "--help"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0 and "--keep-work" in result.stdout

"""download: a fake local downloader stands in for yt-dlp (never the network)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from HumanSloMo_Dataset.download import download_videos, format_selector, main
from HumanSloMo_Dataset.metadata import VideoEntry
from rib.errors import RIBError
from rib.video import video_info

HERE = Path(__file__).resolve().parent
CSV = "File_name,Youtube_id,FPS\n02_Boxing,okBox,30\n03_Boxing,failGone,24\n08_Kungfu,okKungfu,50\n"


@pytest.fixture
def fake(monkeypatch):
    """The fake downloader module, importable as ``fake_downloader`` with an empty call log."""
    monkeypatch.syspath_prepend(str(HERE))
    import fake_downloader

    fake_downloader.CALLS.clear()
    yield fake_downloader
    sys.modules.pop("fake_downloader", None)


def test_format_selector():
    assert format_selector(30) == "bestvideo[height<=720][fps<=30][ext=mp4]/bestvideo[height<=720][fps<=30]"
    assert format_selector(23.976, 480).startswith("bestvideo[height<=480][fps<=23.976]")


def test_failure_does_not_stop_the_others_and_finished_files_are_skipped(tmp_path: Path, fake, capsys):
    csv = tmp_path / "video.csv"
    csv.write_text(CSV)
    out = tmp_path / "videos"
    argv = ["-o", str(out), "-c", str(csv), "--downloader", "fake_downloader:download"]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr()
    assert "1 of 3 downloads failed" in err.err and "03_Boxing" in err.err and "video unavailable" in err.err
    assert "gdown 1OlqoZumoeWyWmoGGrrf3AyHU7Rr1O55P" in err.out
    assert sorted(p.name for p in out.iterdir()) == ["02_Boxing.mp4", "08_Kungfu.mp4"]
    assert video_info(out / "08_Kungfu.mp4").num_frames == 4
    assert [call[2] for call in fake.CALLS][2].endswith("[fps<=50]")

    # A rerun only retries what is missing.
    fake.CALLS.clear()
    with pytest.raises(SystemExit):
        main(argv + ["--edn", "skip"])
    assert [call[0].rsplit("=", 1)[-1] for call in fake.CALLS] == ["failGone"]


def test_downloader_that_writes_nothing(tmp_path: Path):
    failures = download_videos([VideoEntry("x", "abc", 30)], tmp_path, lambda url, stem, fmt: None)
    assert failures == ["x: https://www.youtube.com/watch?v=abc: the downloader wrote no x.mp4"]


def test_bad_downloader_spec_and_missing_csv(tmp_path: Path, capsys):
    with pytest.raises(SystemExit):
        main(["-c", str(tmp_path / "none.csv")])
    assert "none.csv: metadata file not found" in capsys.readouterr().err
    (tmp_path / "v.csv").write_text(CSV)
    with pytest.raises(SystemExit):
        main(["-c", str(tmp_path / "v.csv"), "--downloader", "no_such_module:download"])
    assert "cannot load" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("yt_dlp") is not None, reason="yt-dlp is installed")
def test_clear_error_without_yt_dlp(tmp_path: Path):
    from HumanSloMo_Dataset.download import yt_dlp_download

    with pytest.raises(RIBError, match="yt-dlp is not installed"):
        yt_dlp_download("https://www.youtube.com/watch?v=x", tmp_path / "x", format_selector(30))

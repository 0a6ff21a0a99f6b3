"""The metadata parser: the reference's real files, validation errors, and fetching from a URL."""
from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path

import pytest

from HumanSloMo_Dataset import metadata
from rib.errors import RIBError


def test_reads_reference_files(upstream_data: Path):
    videos = metadata.read_video_csv(upstream_data / "video.csv")
    assert [v.name for v in videos][:2] == ["02_Boxing", "03_Boxing"] and len(videos) == 8
    assert {v.name: v.fps for v in videos}["08_Kungfu"] == 50
    assert len(metadata.read_video_csv(upstream_data / "extra.csv")) == 7
    train = metadata.read_clip_list(upstream_data / "train_list.json")
    test_gt = metadata.read_clip_list(upstream_data / "test_list.json")
    test_inputs = metadata.read_clip_list(upstream_data / "test_input.json")
    assert (len(train), sum(len(c.frames) for c in train.values())) == (80, 4492)
    assert (len(test_gt), sum(len(c.frames) for c in test_gt.values())) == (28, 734)
    assert sum(len(c.frames) for c in test_inputs.values()) == 381
    assert train["04_Basketball_213"].indices[:2] == (2960, 2968)
    for name, clip in test_inputs.items():
        assert clip.frames == test_gt[name].frames[::2]


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("entry, problem", [
    ({"video_name": "v", "video_frames": ["frame00001.png"], "num_frames": 2}, "num_frames is 2 but 1"),
    ({"video_name": "v", "video_frames": ["clip.png"], "num_frames": 1}, "frame name 'clip.png'"),
    ({"video_name": "v", "video_frames": ["frame00003.png", "frame00001.png"], "num_frames": 2}, "increasing"),
    ({"video_name": "", "video_frames": ["frame00001.png"], "num_frames": 1}, "video_name"),
    ({"video_frames": ["frame00001.png"], "num_frames": 1}, "needs 'video_name'"),
])
def test_clip_list_validation(tmp_path: Path, entry: dict, problem: str):
    path = write_json(tmp_path / "list.json", {"clip_a": entry})
    with pytest.raises(RIBError, match=problem) as error:
        metadata.read_clip_list(path)
    assert str(path) in str(error.value) and "clip_a" in str(error.value)


def test_bad_json(tmp_path: Path):
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(RIBError, match="invalid JSON"):
        metadata.read_clip_list(tmp_path / "broken.json")


@pytest.mark.parametrize("text, problem", [
    ("name,id\nx,y\n", "header File_name,Youtube_id,FPS"),
    ("File_name,Youtube_id,FPS\nx,abc,fast\n", "line 2"),
    ("File_name,Youtube_id,FPS\nx,abc,30\nx,def,25\n", "listed twice"),
])
def test_bad_csv(tmp_path: Path, text: str, problem: str):
    (tmp_path / "video.csv").write_text(text)
    with pytest.raises(RIBError, match=problem):
        metadata.read_video_csv(tmp_path / "video.csv")


def test_resolve_needs_fetch_flag(tmp_path: Path):
    with pytest.raises(RIBError, match="--fetch-metadata"):
        metadata.resolve(tmp_path / "video.csv")


def test_fetch_from_file_url(tmp_path: Path):
    served = tmp_path / "served"
    served.mkdir()
    (served / "video.csv").write_text("File_name,Youtube_id,FPS\n02_Boxing,hqu6vzAxeos,30\n")
    path = metadata.resolve(tmp_path / "meta" / "video.csv", fetch_missing=True, base_url=served.as_uri())
    assert metadata.read_video_csv(path)[0].youtube_id == "hqu6vzAxeos"
    with pytest.raises(RIBError, match="cannot fetch metadata"):
        metadata.resolve(tmp_path / "meta" / "train_list.json", fetch_missing=True, base_url=served.as_uri())


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_fetch_from_local_http_server(tmp_path: Path):
    write_json(tmp_path / "test_input.json", {"test_001": {"video_name": "00_Dance",
                                                           "video_frames": ["frame024365.png"], "num_frames": 1}})
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        path = metadata.fetch("test_input.json", tmp_path / "cache" / "test_input.json", url, timeout=5)
        assert metadata.read_clip_list(path)["test_001"].indices == (24365,)
        with pytest.raises(RIBError, match="404"):
            metadata.fetch("missing.json", tmp_path / "cache" / "missing.json", url, timeout=5)
        assert not (tmp_path / "cache" / "missing.json").exists()
    finally:
        server.shutdown()
        server.server_close()

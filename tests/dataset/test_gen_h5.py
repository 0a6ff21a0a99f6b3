"""gen_h5 round trip: a generated video -> clips -> poses -> backgrounds -> HumanSlomo.h5 -> the shared reader."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from HumanSloMo_Dataset.gen_dataset import main as gen_dataset
from HumanSloMo_Dataset.gen_h5 import main as gen_h5
from HumanSloMo_Dataset.interpolate_backgrounds import main as interpolate_backgrounds
from rib.frames import decode_image, list_clips, list_frames
from rib.h5data import HumanSlomoH5
from rib.poses import write_pose_folder

SIZE = ["--size", "96x64"]


def write_list(path: Path, clips: dict[str, list[int]]) -> str:
    path.write_text(json.dumps({name: {"video_name": "vid", "video_frames": [f"frame{i:05d}.png" for i in idx],
                                       "num_frames": len(idx)} for name, idx in clips.items()}))
    return str(path)


def fake_poses(count: int, seed: int) -> np.ndarray:
    poses = np.random.default_rng(seed).uniform(5, 60, (count, 19, 3))
    poses[..., 2] = 0.9
    return poses


@pytest.fixture
def dataset(tmp_path: Path, numbered_video) -> Path:
    """A small dataset in the reference layout, cut from a generated video."""
    numbered_video("vid", count=60)
    root = tmp_path / "HumanSloMo"
    lists = {
        "train/frames": {"vid_001": list(range(0, 20, 4)), "vid_002": list(range(30, 51, 4))},
        "test/gt": {"test_001": list(range(21, 30, 2))},
        "test/inputs": {"test_001": list(range(21, 30, 4))},
    }
    for folder, clips in lists.items():
        listing = write_list(tmp_path / f"{folder.replace('/', '_')}.json", clips)
        gen_dataset(["-i", str(tmp_path / "videos"), "-j", listing, "-o", str(root / folder), *SIZE])
    for split, frames in (("train", "frames"), ("test", "gt")):
        for seed, clip in enumerate(list_clips(root / split / frames)):
            poses = fake_poses(len(list_frames(clip)), seed)
            poses[1] = 0  # one frame where nobody was found: written as a JSON with no people
            write_pose_folder(root / split / "poses" / clip.name, poses)
    interpolate_backgrounds(["--dataset", str(root), "--backend", "blend", "--rate", "2"])
    return root


def test_round_trip(dataset: Path, tmp_path: Path, read_number, caplog):
    gen_h5(["-i", str(dataset), "-o", str(tmp_path)])
    assert "pose files have no person" in caplog.text
    data = HumanSlomoH5(tmp_path / "HumanSlomo.h5")
    assert data.clips == {"vid_001": "train", "vid_002": "train", "test_001": "test"}
    assert data.num_frames("vid_002") == 6 and data.num_frames("test_001") == 5
    frames = list_frames(dataset / "train" / "frames" / "vid_002")
    assert data.image_bytes("vid_002", 3) == frames[3].read_bytes()
    assert read_number(decode_image(data.image_bytes("vid_002", 3))) == 42
    background = decode_image(data.background_bytes("vid_002", 0))
    assert background.shape == (64, 96, 3) and len(data.h5["vid_002"]["train_dain"]) == 4
    assert len(data.h5["test_001"]["gt_dain"]) == 5
    assert data.background_bytes("test_001", 2) == (dataset / "test" / "DAIN" / "test_001" /
                                                    "frame00025_0.000000.png").read_bytes()
    poses = data.poses("vid_001")
    assert poses.shape == (5, 19, 3) and poses.dtype == np.float64
    assert np.allclose(poses[0, :17], fake_poses(5, 0)[0, :17], atol=1e-3) and not poses[1].any()
    attrs = data.attrs("test_001")
    assert attrs["stride"] == 2 and attrs["source_fps"] == pytest.approx(24000 / 1001)
    assert attrs["fps"] == pytest.approx(12000 / 1001) and list(attrs["frame_indices"]) == list(range(21, 30, 2))


def test_bad_clip_is_reported_and_the_rest_packed(dataset: Path, tmp_path: Path, capsys):
    missing = dataset / "train" / "DAIN" / "vid_001" / "train-frame00004_0.500000.png"
    missing.unlink()
    with pytest.raises(SystemExit) as exit_info:
        gen_h5(["-i", str(dataset), "-o", str(tmp_path), "--output-name", "part.h5"])
    assert exit_info.value.code == 2
    assert "2 backgrounds for 5 frames, expected 3" in capsys.readouterr().err
    assert set(HumanSlomoH5(tmp_path / "part.h5").clips) == {"vid_002", "test_001"}
    with pytest.raises(SystemExit):
        gen_h5(["-i", str(dataset), "-o", str(tmp_path), "--output-name", "part.h5"])
    assert "already exists; pass --overwrite" in capsys.readouterr().err


def test_unreadable_frame_and_missing_poses(dataset: Path, tmp_path: Path, capsys):
    (dataset / "train" / "frames" / "vid_002" / "frame00034.png").write_bytes(b"\x89PNG broken")
    for path in (dataset / "test" / "poses" / "test_001").iterdir():
        path.unlink()
    with pytest.raises(SystemExit):
        gen_h5(["-i", str(dataset), "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert "frame00034.png: cannot read image" in err and "test_001: no .json files found" in err
    assert set(HumanSlomoH5(tmp_path / "HumanSlomo.h5").clips) == {"vid_001"}

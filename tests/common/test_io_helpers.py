import numpy as np
import pytest
import torch

from rib.atomic import atomic_path, prepare_output_dir
from rib.checkpoint import (WEIGHTS_FILES, WEIGHTS_SUFFIX, capture_rng, find_weights, load_checkpoint, readable_names,
                            restore_rng, save_checkpoint, seed_everything)
from rib.config import apply_overrides, load_config, require, save_config
from rib.errors import RIBError, cli_entry
from rib.export import write_export
from rib.frames import background_name, list_clips, list_frames, read_image, train_background_name, write_image
from rib.h5data import HumanSlomoH5, write_clip
from rib.poses import read_pose_folder, write_pose_folder
from rib.video import read_video, video_info, write_video


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(ValueError):
        with atomic_path(target) as tmp:
            tmp.write_text("partial")
            raise ValueError
    assert list(tmp_path.iterdir()) == []


def test_prepare_output_dir_refuses_then_replaces_only_ours(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "000000_keypoints.json").write_text("{}")
    (folder / "notes.txt").write_text("user file")
    with pytest.raises(RIBError, match="--overwrite"):
        prepare_output_dir(folder, pattern="*_keypoints.json")
    prepare_output_dir(folder, overwrite=True, pattern="*_keypoints.json")
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_frames_listing_is_natural_and_checked(tmp_path):
    clip = tmp_path / "clips" / "a"
    image = np.zeros((4, 6, 3), np.uint8)
    image[..., 0] = 200
    for i in (10, 2, 1):
        write_image(clip / f"frame{i}.png", image)
    assert [p.name for p in list_frames(clip)] == ["frame1.png", "frame2.png", "frame10.png"]
    assert list_clips(tmp_path / "clips") == [clip]
    np.testing.assert_array_equal(read_image(clip / "frame1.png"), image)
    (clip / "frame99.png").write_bytes(b"garbage")
    with pytest.raises(RIBError, match="frame99.png"):
        read_image(clip / "frame99.png")
    with pytest.raises(RIBError, match="no .png"):
        list_frames(tmp_path / "clips")
    with pytest.raises(RIBError, match="not found"):
        list_frames(tmp_path / "missing")


def test_background_names():
    assert background_name("frame00012", 0.25) == "frame00012_0.250000.png"
    assert train_background_name("frame00012") == "train-frame00012_0.500000.png"


def test_pose_folder_round_trip_with_empty_frame(tmp_path):
    poses = np.zeros((3, 19, 3))
    poses[0, :, :2] = np.arange(38).reshape(19, 2) * 5.0
    poses[0, :, 2] = 0.9
    poses[2] = poses[0]
    write_pose_folder(tmp_path / "p", poses)
    back = read_pose_folder(tmp_path / "p")
    np.testing.assert_allclose(back, poses, atol=1e-3)
    with pytest.raises(RIBError):
        write_pose_folder(tmp_path / "p", poses)


def test_config_round_trip_and_overrides(tmp_path):
    save_config(tmp_path / "c.yaml", {"train": {"lr": 0.1}, "name": "x"})
    config = apply_overrides(load_config(tmp_path / "c.yaml"), ["train.lr=0.5", "train.steps=3"])
    assert require(config, "train.lr") == 0.5 and config["train"]["steps"] == 3
    with pytest.raises(RIBError, match="missing key 'train.momentum'"):
        require(config, "train.momentum")
    (tmp_path / "bad.yaml").write_text("a: [1,")
    with pytest.raises(RIBError, match="bad.yaml: invalid YAML"):
        load_config(tmp_path / "bad.yaml")


def test_checkpoint_restores_rng_exactly(tmp_path):
    seed_everything(3)
    save_checkpoint(tmp_path / "ck.pt", {"rng": capture_rng(), "w": torch.ones(2)})
    expected = (np.random.rand(), torch.rand(1).item())
    state = load_checkpoint(tmp_path / "ck.pt")
    restore_rng(state["rng"])
    assert (np.random.rand(), torch.rand(1).item()) == expected
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(RIBError, match="junk.pt: not a readable checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")
    with pytest.raises(RIBError, match="not found"):
        load_checkpoint(tmp_path / "none.pt")


def test_one_weights_extension_written_the_old_one_still_found(tmp_path):
    assert WEIGHTS_SUFFIX == ".pt" and all(name.endswith(WEIGHTS_SUFFIX) for name in WEIGHTS_FILES.values())
    assert readable_names("model.pt", "last.pt") == ("model.pt", "model.pth", "last.pt", "last.pth")
    names = readable_names("model.pt")
    assert find_weights(tmp_path, names) is None
    (tmp_path / "model.pth").write_bytes(b"old")
    assert find_weights(tmp_path, names) == tmp_path / "model.pth"
    (tmp_path / "model.pt").write_bytes(b"new")
    assert find_weights(tmp_path, names) == tmp_path / "model.pt"


def test_an_export_replaces_the_old_name_of_its_weights(tmp_path):
    (tmp_path / "model.pth").write_bytes(b"old export")
    with pytest.raises(RIBError, match="--overwrite"):
        write_export(tmp_path, {"model.pt": b"new"}, {}, overwrite=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pth"], "a refused export writes nothing"
    manifest = write_export(tmp_path, {"model.pt": b"new"}, {}, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MANIFEST.json", "model.pt"]
    assert list(manifest["files"]) == ["model.pt"]


def test_video_round_trip_odd_size(tmp_path):
    frames = [np.full((33, 47, 3), 10 * i, np.uint8) for i in range(12)]
    assert write_video(tmp_path / "v.mp4", frames, fps=24) == 12
    info = video_info(tmp_path / "v.mp4")
    assert (info.width, info.height, info.num_frames) == (48, 34, 12)
    assert abs(info.fps - 24) < 1e-6
    decoded = list(read_video(tmp_path / "v.mp4"))
    assert len(decoded) == 12
    assert abs(int(decoded[5][10, 10, 0]) - 50) <= 3
    with pytest.raises(RIBError, match="not found"):
        video_info(tmp_path / "none.mp4")


def test_h5_clip_round_trip(tmp_path):
    import h5py

    from rib.frames import encode_png

    image = np.zeros((8, 8, 3), np.uint8)
    with h5py.File(tmp_path / "d.h5", "w") as h5:
        write_clip(h5, "clip_1", "train", [encode_png(image)] * 3, [encode_png(image)], np.zeros((3, 19, 3)),
                   {"fps": 30.0, "stride": 2})
        write_clip(h5, "test_001", "test", [encode_png(image)] * 5, [encode_png(image)] * 5, np.ones((5, 19, 3)))
    data = HumanSlomoH5(tmp_path / "d.h5")
    assert data.clips == {"clip_1": "train", "test_001": "test"}
    assert data.num_frames("test_001") == 5 and data.poses("test_001").shape == (5, 19, 3)
    assert data.attrs("clip_1")["stride"] == 2
    assert data.image_bytes("clip_1", 0)[:4] == b"\x89PNG"
    with pytest.raises(RIBError, match="no clip named 'x'"):
        data.num_frames("x")


def test_cli_entry_turns_errors_into_one_line(capsys):
    @cli_entry
    def main(argv=None):
        raise RIBError("some.json: invalid JSON")

    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert capsys.readouterr().err.strip() == "error: some.json: invalid JSON"


def test_atomic_files_get_the_usual_permissions(tmp_path):
    import os

    from rib.atomic import write_text

    write_text(tmp_path / "a.txt", "x")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~mask


def test_parse_size_takes_positive_width_by_height():
    import argparse

    from rib.cli import parse_size

    assert parse_size("480X320") == (480, 320)
    for bad in ("480", "ax320", "0x320"):
        with pytest.raises(argparse.ArgumentTypeError, match=bad):
            parse_size(bad)

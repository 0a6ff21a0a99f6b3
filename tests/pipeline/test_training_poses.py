"""rib_pipeline.training_poses: a user's run kept in the dense training layout (the file handling; the run itself is
rib interpolate, tested end to end elsewhere)."""
import numpy as np
import pytest

from rib.errors import RIBError
from rib.frames import list_frames, write_image
from rib.poses import read_pose_folder, write_pose_folder
from rib_pipeline.training_poses import keep_run, link_inputs, users_poses_folder


def dense_clip(root, clip="c", frames=10):
    """A dense clip of ``frames`` ground-truth images and exact poses (joint x = frame index)."""
    poses = np.zeros((frames, 19, 3), np.float32)
    poses[..., 0], poses[..., 1], poses[..., 2] = np.arange(frames)[:, None], 5.0, 1.0
    for index in range(frames):
        write_image(root / "gt" / clip / f"frame{index:05d}.png", np.full((8, 8, 3), index, np.uint8))
    write_pose_folder(root / "poses" / clip, poses)
    return poses


def fake_run(work, clip, count, rate):
    """What rib interpolate --keep-work leaves: ``count`` upsampled poses (x = 100 + index) and one background."""
    poses = np.zeros((count, 19, 3), np.float32)
    poses[..., 0], poses[..., 2] = 100 + np.arange(count)[:, None], 1.0
    write_pose_folder(work / "Predict_motion" / clip, poses)
    write_image(work / "DAIN" / clip / "frame00000_0.250000.png", np.zeros((8, 8, 3), np.uint8))


def test_inputs_are_links_to_every_rate_th_frame(tmp_path):
    dense_clip(tmp_path)
    gt = list_frames(tmp_path / "gt" / "c")
    link_inputs(gt, tmp_path / "inputs_x4" / "c", 4)
    links = list_frames(tmp_path / "inputs_x4" / "c")
    assert [path.name for path in links] == ["frame00000.png", "frame00004.png", "frame00008.png"]
    assert all(path.is_symlink() and path.resolve() == (tmp_path / "gt" / "c" / path.name).resolve()
               for path in links)


def test_the_run_poses_cover_every_gt_frame_and_exact_ones_fill_the_tail(tmp_path):
    exact = dense_clip(tmp_path, frames=10)
    work = tmp_path / "work"
    fake_run(work, "c", 9, 4)  # (3 - 1) * 4 + 1 frames upsampled; frame 9 is past the last whole interval
    keep_run(tmp_path, "c", 4, work)
    kept = read_pose_folder(tmp_path / users_poses_folder(4) / "c")
    assert kept.shape == (10, 19, 3)
    assert np.allclose(kept[:9, 0, 0], 100 + np.arange(9)) and kept[9, 0, 0] == exact[9, 0, 0]
    assert (tmp_path / "DAIN_x4" / "c" / "frame00000_0.250000.png").is_file()
    assert not (work / "DAIN" / "c").exists()


def test_a_run_with_more_poses_than_frames_is_refused(tmp_path):
    dense_clip(tmp_path, frames=5)
    fake_run(tmp_path / "work", "c", 9, 4)
    with pytest.raises(RIBError, match="9 poses for 5 frames"):
        keep_run(tmp_path, "c", 4, tmp_path / "work")


def test_a_rate_below_two_is_a_one_line_error(tmp_path, capsys):
    from rib_pipeline.training_poses import main
    dense_clip(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path), "--rates", "4", "0"])
    assert exit_info.value.code == 2 and "--rates: every rate must be at least 2, got 4 0" in capsys.readouterr().err

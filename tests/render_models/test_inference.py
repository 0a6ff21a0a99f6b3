"""inference.py over generated clips: any rate, full-resolution output, untouched keyframes, clear errors."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from Pose_Guided_Neural_Rendering import inference
from Pose_Guided_Neural_Rendering.clips import infer_rate
from rib.frames import list_frames, read_image
from rib.video import video_info
from tests.render_models.conftest import tiny_config, write_clip, write_generator


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return write_generator(tmp_path_factory.mktemp("ckpt") / "generator.pt", tiny_config())


def run(root, checkpoint, *extra):
    inference.main(["--input-dir", str(root), "--checkpoint", str(checkpoint), "--device", "cpu", *extra])


@pytest.mark.parametrize("rate", [2, 4])
def test_renders_every_frame_at_input_resolution(tmp_path, checkpoint, rate):
    root = write_clip(tmp_path / "example", "clip", num_inputs=3, rate=rate, size=(80, 120))
    run(root, checkpoint, "--save-dir", str(tmp_path / "out"), "--batch-size", "1")
    outputs = list_frames(tmp_path / "out" / "Generated_frames" / "clip")
    assert len(outputs) == 2 * rate + 1
    keyframes = list_frames(root / "inputs" / "clip")
    for k, source in enumerate(keyframes):  # keyframes copied byte for byte, named like their backgrounds
        assert outputs[k * rate].name == f"{source.stem}_0.000000.png"
        assert outputs[k * rate].read_bytes() == source.read_bytes()
    assert outputs[1].name == f"frame00000_{1 / rate:.6f}.png"
    for i, path in enumerate(outputs):
        image = read_image(path)
        assert image.shape == (80, 120, 3)
        if i % rate:  # an in-between: a blend of the rendered person over its full-resolution background
            background = read_image(root / "backgrounds" / "clip" / path.name).astype(float)
            assert 0 < np.abs(image - background).mean() < 128


def test_rate_is_inferred_and_batches_agree(tmp_path, checkpoint):
    root = write_clip(tmp_path / "example", "clip", num_inputs=4, rate=3, size=(64, 96))
    run(root, checkpoint, "--save-dir", str(tmp_path / "one"), "--batch-size", "1", "--video", "--fps", "12",
        "--precision", "fp32")
    run(root, checkpoint, "--save-dir", str(tmp_path / "four"), "--batch-size", "4", "--precision", "fp32")
    run(root, checkpoint, "--save-dir", str(tmp_path / "bf16"), "--batch-size", "4", "--precision", "bf16")
    one = list_frames(tmp_path / "one" / "Generated_frames" / "clip")
    four = list_frames(tmp_path / "four" / "Generated_frames" / "clip")
    assert len(one) == len(four) == 10
    for a, b, c in zip(one, four, list_frames(tmp_path / "bf16" / "Generated_frames" / "clip")):
        assert np.abs(read_image(a).astype(int) - read_image(b)).max() <= 1
        assert np.abs(read_image(a).astype(int) - read_image(c)).mean() < 3
    info = video_info(tmp_path / "one" / "Generated_frames" / "clip.mp4")
    assert info.num_frames == 10 and (info.width, info.height) == (96, 64)


def test_reference_dain_listing_at_rate_two(tmp_path, checkpoint):
    root = write_clip(tmp_path / "example", "clip", num_inputs=3, rate=2, size=(64, 96), backgrounds_dir="DAIN")
    for i, path in enumerate(list_frames(root / "DAIN" / "clip")):  # the reference's names sort the same way
        path.rename(path.with_name(f"dain{i:03d}.png"))
    run(root, checkpoint, "--save-dir", str(tmp_path / "out"))
    names = [p.name for p in list_frames(tmp_path / "out" / "Generated_frames" / "clip")]
    assert names == [f"dain{i:03d}.png" for i in range(5)]


def expect_error(capsys, *args, match: str) -> None:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        inference.main([str(a) for a in args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err and match in err, err


def test_bad_input_is_one_line(tmp_path, checkpoint, capsys):
    root = write_clip(tmp_path / "example", "clip", num_inputs=3, rate=2, size=(64, 96))
    common = ["--input-dir", root, "--device", "cpu"]
    expect_error(capsys, *common, "--checkpoint", tmp_path / "none.pt", match="none.pt: generator checkpoint not found")
    not_weights = tmp_path / "other.pt"
    not_weights.write_bytes(b"not a checkpoint")
    expect_error(capsys, *common, "--checkpoint", not_weights, match="other.pt")
    expect_error(capsys, *common, "--checkpoint", checkpoint, "--upsample-rate", "3", match="need 7")
    (root / "Predict_motion" / "clip" / "000004_keypoints.json").unlink()
    expect_error(capsys, *common, "--checkpoint", checkpoint, match="4 pose files do not fit 3 input frames")
    shutil.rmtree(root / "Predict_motion")
    expect_error(capsys, *common, "--checkpoint", checkpoint, match="Predict_motion: folder not found")


def test_missing_background_and_existing_output(tmp_path, checkpoint, capsys):
    root = write_clip(tmp_path / "example", "clip", num_inputs=3, rate=4, size=(64, 96))
    run(root, checkpoint)
    expect_error(capsys, "--input-dir", root, "--checkpoint", checkpoint, match="--overwrite")
    run(root, checkpoint, "--overwrite")
    (root / "backgrounds" / "clip" / "frame00001_0.250000.png").unlink()
    expect_error(capsys, "--input-dir", root, "--checkpoint", checkpoint, "--overwrite",
                 match="frame00001_0.250000.png: background not found")
    expect_error(capsys, "--input-dir", root, "--checkpoint", checkpoint, "--backgrounds-dir", "RIFE",
                 match="RIFE: background folder not found")


def test_backgrounds_in_the_output_folder_are_refused_and_kept(tmp_path, checkpoint, capsys):
    """Issue 12, data loss: --backgrounds-dir Generated_frames with --overwrite deleted the backgrounds it reads."""
    root = write_clip(tmp_path / "example", "clip", num_inputs=3, rate=2, size=(64, 96))
    shutil.copytree(root / "backgrounds", root / "Generated_frames")
    before = {path: path.read_bytes() for path in (root / "Generated_frames").rglob("*.png")}
    expect_error(capsys, "--input-dir", root, "--checkpoint", checkpoint, "--backgrounds-dir", "Generated_frames",
                 "--overwrite", match="the output must not be, contain or lie inside the input")
    assert {path: path.read_bytes() for path in (root / "Generated_frames").rglob("*.png")} == before


def test_rate_one_and_an_unknown_device_are_refused_before_writing(tmp_path, checkpoint, capsys):
    """Issue 12: rate 1 (as many poses as input frames) has nothing in between; --device gpu0 is not a device."""
    root = write_clip(tmp_path / "example", "clip", num_inputs=3, rate=2, size=(64, 96))
    expect_error(capsys, "--input-dir", root, "--checkpoint", checkpoint, "--device", "gpu0", match="device 'gpu0'")
    same = write_clip(tmp_path / "rate1", "clip", num_inputs=3, rate=1, size=(64, 96))
    expect_error(capsys, "--input-dir", same, "--checkpoint", checkpoint, "--device", "cpu",
                 match="3 pose files for 3 input frames is rate 1")
    assert not (root / "Generated_frames").exists() and not (same / "Generated_frames").exists()
    with pytest.raises(Exception, match="--upsample-rate 1: must be at least 2"):
        infer_rate(3, 3, 1, tmp_path)

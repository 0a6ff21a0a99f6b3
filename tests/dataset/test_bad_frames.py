"""Issue 12, dataset stage: bad --max-side values, frames too small for motion, truncated or corrupt JPEGs."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from HumanSloMo_Dataset.interpolate_backgrounds import main
from rib.errors import RIBError
from rib.frames import JPEG_SCAN, decode_image, is_truncated_jpeg, read_image, read_mask, write_image


def gradient(width: int = 96, height: int = 64) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 2 % 256, y * 3 % 256, (x + y) % 256], axis=-1).astype(np.uint8)


def jpeg_bytes(progressive: bool = False) -> bytes:
    ok, data = cv2.imencode(".jpg", gradient(), [cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive)])
    assert ok
    return data.tobytes()


def clip(root: Path, size: tuple[int, int] = (96, 64), count: int = 3, suffix: str = ".png") -> Path:
    for index in range(count):
        write_image(root / "clip" / f"frame{index:05d}{suffix}", gradient(*size))
    return root


def error_of(argv: list, capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("max_side", ["0", "-1", "5", "31"])
def test_max_side_below_32_is_refused_before_writing(max_side, tmp_path, capsys):
    err = error_of(["--input", clip(tmp_path / "in"), "--output", tmp_path / "out", f"--max-side={max_side}"], capsys)
    assert f"error: --max-side {max_side}: must be at least 32 pixels" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("size, backend_args", [((1, 1), []), ((8, 8), []), ((200, 20), ["--max-side", "64"])])
def test_frames_too_small_for_motion_are_named(size, backend_args, tmp_path, capsys):
    err = error_of(["--input", clip(tmp_path / "in", size), "--output", tmp_path / "out", *backend_args], capsys)
    assert "frame00000.png: frame is" in err and "the dis backend needs 16 pixels a side" in err


def test_tiny_frames_still_blend(tmp_path):
    main(["--input", str(clip(tmp_path / "in", (1, 1))), "--output", str(tmp_path / "out"), "--backend", "blend"])
    assert len(list((tmp_path / "out" / "clip").glob("*.png"))) == 5


@pytest.mark.parametrize("progressive", [False, True])
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_jpeg_is_corrupt_input(progressive, keep, tmp_path):
    data = jpeg_bytes(progressive)
    assert not is_truncated_jpeg(data) and not is_truncated_jpeg(data + b"\0\0")  # trailing padding is fine
    cut = data[:int(len(data) * keep)]
    assert is_truncated_jpeg(cut)
    path = tmp_path / "frame.jpg"
    path.write_bytes(cut)
    with pytest.raises(RIBError, match="frame.jpg: cannot read image \\(truncated JPEG"):
        read_image(path)
    with pytest.raises(RIBError, match="in.h5:clip/image 3: cannot read image \\(truncated JPEG"):
        decode_image(cut, "in.h5:clip/image 3")


def scan_start(data: bytes) -> int:
    """Offset of the first entropy-coded byte: after the start-of-scan marker and its header."""
    sos = data.index(JPEG_SCAN)
    return sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")


def flip_scan_bytes(data: bytes) -> bytes:
    """Flip the high nibble of bytes early in the (first) scan, never making or breaking a 0xFF; SOI/EOI kept."""
    out = bytearray(data)
    for index in range(scan_start(data) + 16, scan_start(data) + 48, 4):
        if 0xFF not in (out[index - 1], out[index], out[index] ^ 0xF0):
            out[index] ^= 0xF0
    return bytes(out)


def drop_scan_bytes(data: bytes) -> bytes:
    """Remove 100 bytes from the middle of the scan data; SOI/EOI kept."""
    middle = (scan_start(data) + len(data)) // 2
    return data[:middle] + data[middle + 100:]


HUFFMAN, PREMATURE = "Corrupt JPEG data: bad Huffman code", "Corrupt JPEG data: premature end of data segment"


@pytest.mark.parametrize("damage, progressive, warning", [
    (flip_scan_bytes, False, HUFFMAN), (flip_scan_bytes, True, PREMATURE),
    (drop_scan_bytes, False, PREMATURE), (drop_scan_bytes, True, HUFFMAN)])
def test_jpeg_the_decoder_warns_about_is_corrupt_input(damage, warning, progressive, tmp_path, capfd):
    data = damage(jpeg_bytes(progressive))
    assert data.startswith(b"\xff\xd8") and data.endswith(b"\xff\xd9") and not is_truncated_jpeg(data)
    assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) is not None  # plain OpenCV decodes it ...
    assert warning in capfd.readouterr().err  # ... and only prints libjpeg's warning
    path = tmp_path / "frame.jpg"
    path.write_bytes(data)
    with pytest.raises(RIBError, match=f"frame.jpg: cannot read image \\(the JPEG decoder reports: {warning}\\)"):
        read_image(path)
    with pytest.raises(RIBError, match=f"in.h5:clip/image 3: cannot read image \\(the JPEG decoder reports: {warning}"):
        decode_image(data, "in.h5:clip/image 3")
    assert capfd.readouterr().err == ""  # the warning became the error, not a stray line


def test_other_decoder_output_is_passed_on(monkeypatch, capfd):
    import os

    from rib import frames

    decode = cv2.imdecode

    def noisy(data, flags):
        os.write(2, b"Warning: unknown JFIF revision number 3.01\n")
        return decode(data, flags)

    monkeypatch.setattr(frames.cv2, "imdecode", noisy)
    assert decode_image(jpeg_bytes()).shape == (64, 96, 3)
    assert capfd.readouterr().err == "Warning: unknown JFIF revision number 3.01\n"


def test_complete_jpeg_reads_as_before(tmp_path):
    path = tmp_path / "frame.jpg"
    path.write_bytes(jpeg_bytes())
    expected = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(read_image(path), expected)


def test_background_interpolation_reports_a_truncated_jpeg_frame(tmp_path, capsys):
    root = clip(tmp_path / "in", suffix=".jpg")
    frame = root / "clip" / "frame00001.jpg"
    frame.write_bytes(frame.read_bytes()[:600])
    err = error_of(["--input", root, "--output", tmp_path / "out", "--backend", "blend"], capsys)
    assert f"{frame}: cannot read image (truncated JPEG" in err


def test_rate_one_is_refused_before_writing(tmp_path, capsys):
    """Issue 12: rate 1 is refused up front here and by motion and render inference alike."""
    err = error_of(["--input", clip(tmp_path / "in"), "--output", tmp_path / "out", "--rate", "1"], capsys)
    assert "argument -r/--rate/--upsample-rate: must be an integer >= 2" in err
    assert not (tmp_path / "out").exists()


def test_pose_estimation_reports_a_truncated_jpeg_instead_of_a_frame_without_a_person(tmp_path, monkeypatch):
    """Issue 12: the half-grey frame was recorded as 'no person'; now it is a failure and the clip stays incomplete."""
    import contextlib

    from HumanSloMo_Dataset.poses import estimate
    from rib.poses import INCOMPLETE_MARKER

    frames = tmp_path / "frames"
    frames.mkdir()
    data = jpeg_bytes()
    for index in range(3):
        (frames / f"frame{index:05d}.jpg").write_bytes(data)
    bad = frames / "frame00001.jpg"
    bad.write_bytes(data[:int(len(data) * 0.6)])

    def nobody(index, frame):  # reads each frame as the MediaPipe backend does, and finds no person
        read_image(frame)
        return []

    def open_clip(min_confidence):
        return contextlib.nullcontext(lambda clip: nobody)

    monkeypatch.setitem(estimate.BACKENDS, "reader", estimate.Backend(open_clip))
    summary = estimate.estimate_poses(frames, tmp_path / "poses", "reader")
    assert (summary.written, summary.empty) == (2, 2)
    assert len(summary.failures) == 1 and f"{bad}: cannot read image (truncated JPEG" in summary.failures[0]
    assert not (tmp_path / "poses" / "frame00001_keypoints.json").exists()
    assert (tmp_path / "poses" / INCOMPLETE_MARKER).exists()


def test_a_mask_reads_as_booleans_and_a_missing_one_is_named(tmp_path):
    mask = np.zeros((4, 6), np.uint8)
    mask[1:3, 2:5] = 255
    write_image(tmp_path / "frame00000.png", mask)
    np.testing.assert_array_equal(read_mask(tmp_path / "frame00000.png"), mask > 127)
    with pytest.raises(RIBError, match="frame00001.png: cannot read image"):
        read_mask(tmp_path / "frame00001.png")

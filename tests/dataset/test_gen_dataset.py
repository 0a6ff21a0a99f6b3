"""gen_dataset: crops, exact seeking on a video whose frames show their own number, manifests, bad input."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from HumanSloMo_Dataset.cutting import centre_crop_box, crop_and_resize, read_video_frames
from HumanSloMo_Dataset.gen_dataset import main
from rib.frames import list_frames, read_image, write_image

SIZE = ["--size", "96x64"]


@pytest.mark.parametrize("size, box", [
    ((1280, 720), (100, 0, 1080, 720)),   # the reference's hard-coded YouTube crop
    ((1024, 512), (128, 0, 768, 512)),    # the reference's EDN crop
    ((768, 512), (0, 0, 768, 512)),
    ((640, 640), (0, 106, 640, 427)),
])
def test_centre_crop_box(size, box):
    crop = centre_crop_box(*size)
    assert (crop.x, crop.y, crop.width, crop.height) == box


def test_crop_and_resize_keeps_the_centre():
    image = np.zeros((720, 1280, 3), np.uint8)
    image[:, 100:1180] = 200
    out = crop_and_resize(image, (768, 512))
    assert out.shape == (512, 768, 3) and out.min() == 200


def write_list(path: Path, clips: dict[str, tuple[str, list[int]]]) -> Path:
    path.write_text(json.dumps({name: {"video_name": video, "video_frames": [f"frame{i:05d}.png" for i in idx],
                                       "num_frames": len(idx)} for name, (video, idx) in clips.items()}))
    return path


@pytest.mark.parametrize("fps", [24000 / 1001, 25.0])
def test_seeking_is_frame_exact(numbered_video, read_number, fps):
    path = numbered_video(count=90, fps=fps)
    wanted = [1, 17, 18, 40, 63, 89]
    for start in wanted:
        indices = list(range(start, min(start + 5, 90), 2))
        got = [(i, read_number(frame)) for i, frame in read_video_frames(path, indices, fps)]
        assert got == [(i, i) for i in indices]


def test_cuts_clips_from_a_video(tmp_path: Path, numbered_video, read_number):
    numbered_video("vid", count=80)
    clips = {"c_late": ("vid", list(range(51, 66, 2))), "c_early": ("vid", [0, 4, 8, 12]),
             "c_missing": ("nowhere", [1, 2])}
    listing = write_list(tmp_path / "list.json", clips)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["-i", str(tmp_path / "videos"), "-j", str(listing), "-o", str(out), *SIZE])
    assert exit_info.value.code == 2
    for name in ("c_late", "c_early"):
        files = list_frames(out / name)
        assert [f.name for f in files] == [f"frame{i:05d}.png" for i in clips[name][1]]
        images = [read_image(f) for f in files]
        assert images[0].shape == (64, 96, 3)
        assert [read_number(im) for im in images] == clips[name][1]
    assert not (out / "c_missing").exists()
    manifest = json.loads((out / "manifest.json").read_text())["clips"]
    assert manifest["c_late"]["stride"] == 2 and manifest["c_late"]["frame_indices"] == clips["c_late"][1]
    assert manifest["c_late"]["source_fps"] == pytest.approx(24000 / 1001)
    assert manifest["c_late"]["fps"] == pytest.approx(12000 / 1001)
    assert manifest["c_early"]["stride"] == 4 and manifest["c_late"]["source_size"] == [192, 108]

    # Without seeking the same frames come out; a rerun is refused unless asked to overwrite or skip.
    main(["-i", str(tmp_path / "videos"), "-j", str(listing), "-o", str(tmp_path / "slow"), "--no-seek",
          "--clips", "c_late", *SIZE])
    for f in list_frames(out / "c_late"):
        assert np.array_equal(read_image(f), read_image(tmp_path / "slow" / "c_late" / f.name))
    with pytest.raises(SystemExit):
        main(["-i", str(tmp_path / "videos"), "-j", str(listing), "-o", str(out), "--clips", "c_late", *SIZE])
    main(["-i", str(tmp_path / "videos"), "-j", str(listing), "-o", str(out), "--clips", "c_late", "c_early",
          "--skip-existing", *SIZE])


def test_clip_past_the_end_of_the_video(tmp_path: Path, numbered_video, capsys):
    numbered_video("short", count=20)
    listing = write_list(tmp_path / "list.json", {"c": ("short", [15, 18, 21])})
    with pytest.raises(SystemExit):
        main(["-i", str(tmp_path / "videos"), "-j", str(listing), "-o", str(tmp_path / "out"), *SIZE])
    assert "ends at frame 19, before frame 21" in capsys.readouterr().err


def test_image_folder_branch(tmp_path: Path, capsys):
    """EDN folders (``<video>/val/test_img``): any size is centre-cropped to 3:2; mixed sizes fail one clip."""
    edn = tmp_path / "videos" / "00_Dance" / "val" / "test_img"
    edn.mkdir(parents=True)
    odd = tmp_path / "videos" / "odd"
    odd.mkdir()
    for i in range(3):
        image = np.zeros((64, 128, 3), np.uint8)
        image[:, 16:112] = 50 * (i + 1)
        write_image(edn / f"frame{i:06d}.png", image)
        write_image(odd / f"frame{i:06d}.png", np.zeros((64 + 2 * i, 128, 3), np.uint8))
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps({
        "dance": {"video_name": "00_Dance", "video_frames": [f"frame{i:06d}.png" for i in range(3)], "num_frames": 3},
        "bad": {"video_name": "odd", "video_frames": [f"frame{i:06d}.png" for i in range(3)], "num_frames": 3}}))
    with pytest.raises(SystemExit):
        main(["-i", str(tmp_path / "videos"), "-j", str(listing), "-o", str(tmp_path / "out"), *SIZE])
    assert "frame000001.png is 128x66, others 128x64" in capsys.readouterr().err
    files = list_frames(tmp_path / "out" / "dance")
    assert [read_image(f).min() for f in files] == [50, 100, 150]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())["clips"]
    assert manifest["dance"]["crop"] == [16, 0, 96, 64] and manifest["dance"]["fps"] is None

"""The renderer's training windows, from a generated HumanSlomo folder layout and from a generated h5."""
import shutil

import cv2
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from Pose_Guided_Neural_Rendering.spade_gan.data import augment
from Pose_Guided_Neural_Rendering.spade_gan.data.dataset import build
from Pose_Guided_Neural_Rendering.spade_gan.data.labels import human_mask
from rib.errors import RIBError
from rib.frames import list_frames, read_image, write_image

MODEL = {"model_height": 64, "model_width": 96}


def config(**data) -> dict:
    return {"data": {**MODEL, "max_frames": 3, **data}}


def resized(image: np.ndarray) -> np.ndarray:
    """What the dataset does to an image without augmentation, in [-1, 1] (3, H, W)."""
    matrix = augment.resize_matrix(image.shape[:2], (64, 96))
    return augment.warp_image(image, matrix, (64, 96)).transpose(2, 0, 1) / 127.5 - 1


def check_item(item: dict, frames: int) -> None:
    assert item["image"].shape == (frames, 3, 64, 96) and item["image"].dtype == torch.float32
    assert item["label"].shape == (frames, 22, 64, 96)
    assert item["background"].shape == (frames, 3, 64, 96)
    assert item["person_mask"].shape == (frames, 1, 64, 96)
    assert item["joints"].shape == (frames, 19, 3) and item["joints"].dtype == torch.float32
    for key in ("image", "background"):
        assert item[key].min() >= -1 and item[key].max() <= 1
    assert torch.all(item["background"][0] == 0) and item["background"][1:].abs().sum() > 0
    assert set(item["person_mask"].unique().tolist()) <= {0.0, 1.0} and item["person_mask"].sum() > 0
    assert item["label"][:, 3:].min() >= 0 and item["label"][:, 3:].max() <= 1


@pytest.mark.parametrize("kind", ["folder", "h5"])
def test_train_windows_shapes_and_ranges(kind, layout, h5_file):
    cfg = config(root=str(layout)) if kind == "folder" else config(h5_file=str(h5_file))
    dataset = build(cfg, "train")
    assert len(dataset) == (7 - 3) + (6 - 3)  # N - L windows per clip
    assert dataset.window(0) == ("clip_a", [0, 1, 2]) and dataset.window(len(dataset) - 1) == ("clip_b", [2, 3, 4])
    for index in (0, len(dataset) - 1):
        check_item(dataset[index], 3)


def test_one_transform_moves_image_mask_and_keypoints_together(layout):
    dataset = build(config(root=str(layout), random_drop_prob=0.0, random_blur_rate=0.0), "train")
    plain = build(config(root=str(layout), augment=False), "train")
    torch.manual_seed(3)
    moved = 0
    for _ in range(4):
        item = dataset[0]
        moved += not torch.allclose(item["joints"], plain[0]["joints"], atol=0.5)
        for i in range(3):
            joints = item["joints"][i].numpy()
            for j in (1, 8, 9, 12):  # neck, hips: inside the body and the frame
                x, y = joints[j, :2]
                heatmap = item["label"][i, 3 + j].numpy()
                assert np.unravel_index(heatmap.argmax(), heatmap.shape) == (int(y), int(x))
                assert item["person_mask"][i, 0, int(round(y)), int(round(x))] == 1
                rgb = (item["image"][i, :, int(round(y)), int(round(x))].numpy() + 1) * 127.5
                assert np.abs(rgb - (200, 40, 60)).max() < 40  # the person's colour sits under the joint
    assert moved >= 3


def test_backgrounds_belong_to_their_frames(layout):
    dataset = build(config(root=str(layout), augment=False, random_blur_rate=0.0), "train")
    item = dataset[2]  # clip_a, frames 2..4
    assert dataset.window(2) == ("clip_a", [2, 3, 4])
    files = list_frames(layout / "train/DAIN/clip_a")
    for i, frame in enumerate((3, 4), start=1):
        # The background of frame k is the file named after frame k-1; sorted order puts it at k-1.
        expected = resized(read_image(files[frame - 1]))
        np.testing.assert_allclose(item["background"][i].numpy(), expected, atol=1e-5)


def test_test_split_starts_at_keyframes_without_augmentation(layout):
    dataset = build(config(root=str(layout), max_frames=3), "test")
    assert [dataset.window(i) for i in range(len(dataset))] == [
        ("test_001", [0, 1, 2]), ("test_001", [2, 3, 4]), ("test_002", [0, 1, 2]), ("test_002", [2, 3, 4]),
        ("test_002", [4, 5, 6])]
    item = dataset[1]
    gt = list_frames(layout / "test/gt/test_001")
    backgrounds = list_frames(layout / "test/DAIN/test_001")
    np.testing.assert_allclose(item["image"][1].numpy(), resized(read_image(gt[3])), atol=1e-5)
    np.testing.assert_allclose(item["background"][1].numpy(), resized(read_image(backgrounds[3])), atol=1e-5)
    assert torch.equal(item["label"], dataset[1]["label"])  # no random drops or jitter


def test_test_split_from_h5(h5_file):
    dataset = build(config(h5_file=str(h5_file)), "test")
    assert [dataset.window(i) for i in range(len(dataset))] == [("test_001", [0, 1, 2]), ("test_001", [2, 3, 4])]
    check_item(dataset[1], 3)


def test_heuristic_mask_without_masks_folder(tmp_path, layout):
    root = tmp_path / "nomasks"
    shutil.copytree(layout, root, ignore=shutil.ignore_patterns("masks"))
    item = build(config(root=str(root), augment=False), "train")[0]
    expected = human_mask(item["joints"][1].numpy(), 64, 96)
    assert np.array_equal(item["person_mask"][1, 0].numpy(), expected)


@pytest.mark.parametrize("kind", ["folder", "h5"])
def test_unknown_clip_names_are_an_error(kind, layout, h5_file):
    source = {"root": str(layout)} if kind == "folder" else {"h5_file": str(h5_file)}
    with pytest.raises(RIBError, match="unknown train clip.*08_Kungfu_401, 09_Kungfu_421"):
        build(config(**source, train_clips=["clip_a", "08_Kungfu_401", "09_Kungfu_421"]), "train")
    with pytest.raises(RIBError, match="unknown test clip.*clip_a"):
        build(config(**source, test_clips=["clip_a"]), "test")
    chosen = build(config(**source, train_clips=["clip_b", "clip_b"]), "train")
    assert len(chosen) == 3 and {chosen.window(i)[0] for i in range(3)} == {"clip_b"}


def test_set_max_frames_reindexes_windows(layout):
    dataset = build(config(root=str(layout)), "train")
    dataset.set_max_frames(5)
    assert dataset.max_frames == 5 and len(dataset) == (7 - 5) + (6 - 5)
    check_item(dataset[len(dataset) - 1], 5)
    dataset.max_frames = 6  # clip_b (6 frames) is now too short and is skipped
    assert len(dataset) == 1 and dataset.window(0) == ("clip_a", list(range(6)))
    with pytest.raises(RIBError, match="no clip has 7 consecutive frames"):
        dataset.set_max_frames(7)
    assert dataset.max_frames == 6


@pytest.mark.slow
def test_dataloader_workers_share_nothing(h5_file):
    """Each worker opens the h5 file itself. Spawned, not forked: a fork of this long-lived test process (torch,
    OpenCV and earlier tests' threads) can leave a worker waiting on a lock no thread of it will release."""
    dataset = build(config(h5_file=str(h5_file)), "train")
    loader = DataLoader(dataset, batch_size=2, num_workers=2, multiprocessing_context="spawn")
    batches = list(loader)
    assert sum(len(b["image"]) for b in batches) == len(dataset)
    assert batches[0]["label"].shape == (2, 3, 22, 64, 96)


def test_bad_layouts_are_one_clear_error(tmp_path, layout):
    root = tmp_path / "broken"
    shutil.copytree(layout, root)
    next((root / "train/DAIN/clip_b").iterdir()).unlink()
    with pytest.raises(RIBError, match="clip_b: missing 1 background"):
        build(config(root=str(root)), "train")
    sorted((root / "test/poses/test_002").iterdir())[-1].unlink()
    with pytest.raises(RIBError, match="6 pose files for 7 frames"):
        build(config(root=str(root)), "test")
    with pytest.raises(RIBError, match="data.h5_file"):
        build({"data": {}}, "train")


@pytest.mark.parametrize("folder, index", [("frames", 3), ("DAIN", 0), ("masks", -1)])
def test_mixed_frame_sizes_in_a_training_clip_name_the_clip(tmp_path, layout, folder, index):
    root = tmp_path / "mixed"
    shutil.copytree(layout, root)
    odd = list_frames(root / "train" / folder / "clip_b")[index]
    write_image(odd, cv2.resize(read_image(odd), (100, 60)))
    with pytest.raises(RIBError, match=f"clip clip_b: {odd} is 100x60, but .* is 192x128"):
        build(config(root=str(root)), "train")


def test_blur_touches_only_the_part_mask():
    image = np.random.default_rng(0).integers(0, 255, (64, 96, 3)).astype(np.uint8)
    mask = np.zeros((64, 96), np.uint8)
    mask[20:30, 40:60] = 1
    out = augment.blur_under(image, mask)
    assert np.array_equal(out[mask == 0], image[mask == 0])
    assert not np.array_equal(out[mask == 1], image[mask == 1])
    assert np.array_equal(out[mask == 1], cv2.GaussianBlur(image, (0, 0), 2.0)[mask == 1])

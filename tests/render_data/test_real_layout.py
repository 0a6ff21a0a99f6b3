"""The data and evaluation half of the renderer on what the project's own tools write: a synthetic HumanSlomo set
(rendered mocap, exact poses and masks) with backgrounds from the interpolation tool."""
import shutil

import numpy as np
import pytest
import torch

from Pose_Guided_Neural_Rendering import evaluate
from Pose_Guided_Neural_Rendering.spade_gan.data.dataset import build

gen_synthetic = pytest.importorskip("HumanSloMo_Dataset.gen_synthetic")
interpolate_backgrounds = pytest.importorskip("HumanSloMo_Dataset.interpolate_backgrounds")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    gen_synthetic.main(["--out", str(root), "--rate", "2", "--motions", "walk", "jump", "--max-frames", "6",
                        "--max-pieces", "1", "--train-views", "1", "--test-views", "1", "--width", "192",
                        "--height", "128"])
    interpolate_backgrounds.main(["--dataset", str(root), "--rate", "2", "--backend", "blend"])
    return root


@pytest.mark.slow
def test_training_windows_keep_labels_on_the_body(synthetic):
    dataset = build({"data": {"root": str(synthetic), "model_width": 96, "model_height": 64,
                              "random_drop_prob": 0.0}}, "train")
    torch.manual_seed(0)
    inside, total = 0, 0
    for index in range(len(dataset)):
        item = dataset[index]
        for i in range(dataset.max_frames):
            joints = item["joints"][i].numpy()
            mask = item["person_mask"][i, 0].numpy()
            for x, y, conf in joints[:15]:
                if conf > 0 and 0 <= x < 96 and 0 <= y < 64:
                    total += 1
                    inside += mask[max(int(y) - 1, 0):int(y) + 2, max(int(x) - 1, 0):int(x) + 2].any()
    print(f"{inside}/{total} joints inside the person mask")
    assert total > 50 and inside / total > 0.9  # real masks from the renderer, joints moved by the same warp


@pytest.mark.slow
def test_evaluate_the_background_baseline(synthetic, tmp_path):
    shutil.copytree(synthetic / "test/DAIN", tmp_path / "Generated_frames")
    evaluate.main(["--data-dir", str(synthetic), "--results-dir", str(tmp_path), "--no-lpips", "--no-fid"])
    rows = (tmp_path / "evaluation/metrics.csv").read_text().splitlines()
    mean = [row.split(",") for row in rows if row.startswith("mean,")]
    assert len(mean) == 2 and mean[0][3:8] == mean[1][3:8]  # the same frames score the same
    assert 15 < float(mean[0][3]) < 60 and np.isfinite(float(mean[0][5]))

"""bench/multi_person.py's scoring: each person on its own mask, frames where a person hardly shows left out."""
from __future__ import annotations

import numpy as np

from rib.frames import background_name, write_image
from rib.names import DAIN, GENERATED_FRAMES, GT, INPUTS, PERSON_MASKS
from tests.bench_scripts import load_bench_script

RATE, SIZE = 4, (48, 64)


def make_split(root, clip="c"):
    """A 2-input clip: GT frames, a label image with person 0 on the left and person 1 on the right (person 1 only
    in the first in-between), DIS with large errors and ours with small errors on both people."""
    rng = np.random.default_rng(0)
    split, work = root / "test", root / "work" / "work"
    stems = ["frame00000", "frame00004"]
    for stem in stems:
        write_image(split / INPUTS / clip / f"{stem}.png", np.zeros((*SIZE, 3), np.uint8))
    for index in range(RATE + 1):
        truth = rng.integers(60, 200, (*SIZE, 3)).astype(np.uint8)
        write_image(split / GT / clip / f"frame{index:05d}.png", truth)
        labels = np.zeros(SIZE, np.uint8)
        labels[:, :20] = 1
        if index == 1:
            labels[:, 40:] = 2
        write_image(split / PERSON_MASKS / clip / f"frame{index:05d}.png", labels)
        name = background_name(stems[index // RATE], (index % RATE) / RATE)
        write_image(work / DAIN / clip / name, (truth.astype(int) + 20).clip(0, 255).astype(np.uint8))
        write_image(work / GENERATED_FRAMES / clip / name, (truth.astype(int) + 5).clip(0, 255).astype(np.uint8))
    return split, root / "work"


def test_people_scored_on_their_own_masks(tmp_path):
    bench = load_bench_script("multi_person")
    bench.MIN_PIXELS = 100
    split, work = make_split(tmp_path)
    frames = bench.score_frames(split, "c", RATE, work)["frames"]
    assert [f["index"] for f in frames] == [1, 2, 3]
    summary = bench.summarise(frames)
    assert summary["people"]["0"]["frames"] == 3 and summary["people"]["1"]["frames"] == 1
    for person in summary["people"].values():
        assert person["ours_psnr"] - person["dis_psnr"] > 10
    assert summary["worst_frame_gain"] > 10
    assert bench.crop_box(np.pad(np.ones((2, 3)), 20)[:, :50], margin=1) == (19, 19, 24, 23)


def test_report_says_missed_when_a_person_loses(tmp_path):
    bench = load_bench_script("multi_person")
    person = {"frames": 3, "dis_psnr": 25.0, "ours_psnr": 25.5, "dis_ssim": 0.8, "ours_ssim": 0.8}
    scores = {"seconds": 1.0, "summary": {"frame": {"dis": 30.0, "ours": 30.1}, "worst_frame_gain": -0.2,
                                          "people": {"0": person}}}
    report = {"command": "x", "machine": "m", "minutes": 1.0, "rate": 4, "min_pixels": 200,
              "runs": {run: {"c": scores} for run in bench.RUNS}}
    text = bench.render(report)
    assert "missed (gains +0.50 to +0.50 dB" in text and "missed (worst frame -0.20 dB)" in text

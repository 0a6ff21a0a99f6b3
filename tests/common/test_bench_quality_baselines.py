"""bench/quality.py: rife39 is a backend choice, the renderer is measured against the best of DIS and both RIFEs."""
from __future__ import annotations

import numpy as np
import pytest

from tests.bench_scripts import load_bench_script


@pytest.fixture(scope="module")
def quality():
    return load_bench_script("quality")


def rows(**person_psnr: float) -> dict[str, dict]:
    """Report rows: the given backends and our three pose sources, with only the numbers the verdict reads."""
    table = {name: {"psnr_person": value, "psnr": 30.0, "tof": 1.0} for name, value in person_psnr.items()}
    for source in ("linear", "motion model", "ground truth"):
        table[f"ours ({source} poses)"] = {"psnr_person": 28.0, "psnr": 30.5, "tof": 0.9}
    return table


def test_rife39_is_a_backend_with_its_own_folder(quality):
    args = quality.build_parser().parse_args(["--backends", "dis", "rife39"])
    assert args.backends == ["dis", "rife39"] and quality.BACKENDS["rife39"] == "RIFE39"
    assert len(set(quality.BACKENDS.values())) == len(quality.BACKENDS)


@pytest.mark.parametrize("scores, backends, best, gain", [
    ({"dis": 25.0, "rife": 26.0, "rife39": 27.0}, ["blend", "dis", "rife", "rife39"], "rife39", "+1.00"),
    ({"dis": 25.0, "rife": 26.5, "rife39": 26.0}, ["dis", "rife", "rife39"], "rife", "+1.50"),
    ({"dis": 25.0, "rife39": 24.0}, ["dis", "rife39"], "dis", "+3.00"),
])
def test_verdict_measures_against_the_best_baseline(quality, scores, backends, best, gain):
    lines = quality.verdict(rows(**scores), backends)
    assert lines[0].startswith(f"- best baseline in person PSNR: {best} ")
    assert f"person PSNR {gain} dB over max({', '.join(scores)})" in lines[1]


def test_figure_has_a_column_per_backend_run(quality):
    image = np.zeros((4, 4, 3), np.uint8)
    figure = {"images": {key: image for key in ("GT", "dis", "rife39", "ours (motion model poses)")}}
    assert [title for title, _ in quality.figure_columns(figure)] == ["GT", "DIS", "RIFE v3.9", "ours"]

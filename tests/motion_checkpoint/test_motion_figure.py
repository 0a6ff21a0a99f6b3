"""bench/motion_figure.py: the README's motion figure, made from the shipped checkpoint on a held-out clip."""
from __future__ import annotations

import re

import pytest

from Human_Motion_Modelling.AMASS import gen_deepmimic_h5
from tests.bench_scripts import load_bench_script


@pytest.fixture(scope="module")
def deepmimic_h5(tmp_path_factory):
    path = tmp_path_factory.mktemp("motion") / "deepmimic_j19.h5"
    gen_deepmimic_h5.main(["--out", str(path)])
    return path


def test_figure_of_a_held_out_clip(deepmimic_h5, tmp_path, capsys):
    figure = load_bench_script("motion_figure")
    out = tmp_path / "figure.png"
    figure.main(["--h5", str(deepmimic_h5), "--clip", "jump", "--rate", "8", "--output", str(out)])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    linear, model = map(float, re.search(r"linear ([\d.]+) px, model ([\d.]+) px", printed).groups())
    assert model < linear, printed


def test_an_unknown_clip_is_one_error_naming_the_file(deepmimic_h5, tmp_path, capsys):
    figure = load_bench_script("motion_figure")
    with pytest.raises(SystemExit) as stop:
        figure.main(["--h5", str(deepmimic_h5), "--clip", "nope", "--output", str(tmp_path / "f.png")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "no test clip 'nope'" in err and "deepmimic_j19.h5" in err and not (tmp_path / "f.png").exists()

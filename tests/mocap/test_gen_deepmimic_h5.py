"""The DeepMimic motion h5 builder: layout, split, augmentation, round trip and CLI."""
import subprocess
import sys

import h5py
import numpy as np
import pytest

from Human_Motion_Modelling.AMASS import gen_deepmimic_h5 as gen
from Human_Motion_Modelling.AMASS.motion_h5 import read_sequences
from rib import deepmimic
from rib.joints import J19_NAMES, LIMBS, NUM_J19
from rib.paths import REPO_ROOT


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("motion") / "deepmimic.h5"
    gen.main(["--out", str(out), "--time-scales", "1.25"])
    return out


def test_layout_split_and_round_trip(built):
    with h5py.File(built, "r") as h5:
        assert set(h5) == {gen.TRAIN_SUBSET, gen.TEST_SUBSET}
        assert h5.attrs["joint_set"] == "J19" and h5.attrs["up_axis"] == "z"
        assert set(h5[gen.TEST_SUBSET]) == set(deepmimic.TEST_CLIPS)
        train = set(h5[gen.TRAIN_SUBSET])
    for name in deepmimic.TRAIN_CLIPS:
        assert {name, f"{name}_mirror", f"{name}_speed1.25", f"{name}_speed1.25_mirror"} <= train
    assert len(train) == 4 * len(deepmimic.TRAIN_CLIPS)
    sequences = read_sequences(built, [gen.TRAIN_SUBSET, gen.TEST_SUBSET])
    joints, fps = sequences[f"{gen.TEST_SUBSET}/jump"]
    assert fps == 60.0 and joints.dtype == np.float32 and joints.shape[1:] == (NUM_J19, 3)
    expected = deepmimic.to_z_up(deepmimic.clip_j19(deepmimic.resample(
        deepmimic.read_clip(deepmimic.clip_paths()["jump"]), 60.0)))
    assert np.allclose(joints, expected, atol=1e-6)
    for limb in LIMBS:
        lengths = np.linalg.norm(joints[:, limb[0]] - joints[:, limb[1]], axis=1)
        assert "Neck" in (J19_NAMES[limb[0]], J19_NAMES[limb[1]]) or np.ptp(lengths) < 1e-5


def test_mirror_swaps_sides_and_reflects(built):
    sequences = read_sequences(built, [gen.TRAIN_SUBSET])
    joints, _ = sequences[f"{gen.TRAIN_SUBSET}/walk"]
    mirrored, _ = sequences[f"{gen.TRAIN_SUBSET}/walk_mirror"]
    right, left = J19_NAMES.index("RHand"), J19_NAMES.index("LHand")
    assert np.allclose(mirrored[:, left, 0], joints[:, right, 0])
    assert np.allclose(mirrored[:, left, 1], -joints[:, right, 1])
    speeded, _ = sequences[f"{gen.TRAIN_SUBSET}/walk_speed1.25"]
    assert abs(len(speeded) - len(joints) / 1.25) <= 1


def test_existing_output_is_refused(built, capsys):
    with pytest.raises(SystemExit) as exit_info:
        gen.main(["--out", str(built)])
    assert exit_info.value.code == 2
    assert "already exists" in capsys.readouterr().err


def test_no_mirror_no_speeds_and_preview(tmp_path):
    out, picture = tmp_path / "m.h5", tmp_path / "preview.png"
    gen.main(["--out", str(out), "--no-mirror", "--time-scales", "--preview", str(picture)])
    with h5py.File(out, "r") as h5:
        assert set(h5[gen.TRAIN_SUBSET]) == set(deepmimic.TRAIN_CLIPS)
    assert picture.stat().st_size > 1000


@pytest.mark.parametrize("args", [["--fps", "0"], ["--time-scales", "-1"], ["--bogus"]])
def test_bad_arguments_exit_2(args, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        gen.main(["--out", str(tmp_path / "x.h5"), *args])
    assert exit_info.value.code == 2


def test_cli_help_runs_as_a_script():
    script = REPO_ROOT / "Human_Motion_Modelling" / "AMASS" / "gen_deepmimic_h5.py"
    result = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, cwd=script.parent)
    assert result.returncode == 0 and "--mirror" in result.stdout

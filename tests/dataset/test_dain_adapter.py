"""third_party/DAIN adapter, run against a stand-in of DAIN's ``networks`` package (DAIN itself needs CUDA 1.x)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from rib.frames import background_name, list_frames, read_image, train_background_name, write_image
from rib.paths import REPO_ROOT

ADAPTER = REPO_ROOT / "third_party" / "DAIN" / "dain_backgrounds.py"
FAKE_NETWORKS = '''
import torch
from torch import nn


class DAIN_slowmotion(nn.Module):
    """Cross-fades at t = k * timestep; checks DAIN's padding rule on the way."""

    def __init__(self, channel, filter_size, timestep, training):
        super().__init__()
        assert channel == 3 and filter_size == 4 and not training
        self.timestep = timestep
        self.gain = nn.Parameter(torch.zeros(()))

    def forward(self, pair):
        assert pair.shape[-1] % 128 == 0 and pair.shape[-2] % 128 == 0, pair.shape
        steps = int(round(1 / self.timestep))
        frames = [((1 - k / steps) * pair[0] + k / steps * pair[1]) * self.gain for k in range(1, steps)]
        return [frames, frames], None, None
'''


@pytest.fixture
def run_adapter(tmp_path: Path, monkeypatch, capsys):
    """Run the adapter's main() inside a fake DAIN checkout; returns (exit code, stderr)."""
    dain = tmp_path / "DAIN"
    (dain / "networks").mkdir(parents=True)
    (dain / "networks" / "__init__.py").write_text(FAKE_NETWORKS)
    (dain / "model_weights").mkdir()
    torch.save({"gain": torch.ones(())}, dain / "model_weights" / "best.pth")
    monkeypatch.chdir(dain)
    monkeypatch.setattr(sys, "path", list(sys.path))
    spec = importlib.util.spec_from_file_location("dain_backgrounds", ADAPTER)
    adapter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(adapter)

    def run(*args: str) -> tuple[int, str]:
        try:
            adapter.main(["--cpu", *args])
            code = 0
        except SystemExit as exit_info:
            code = exit_info.code
        return code, capsys.readouterr().err

    yield run
    sys.modules.pop("networks", None)


def test_adapter_names_and_values(tmp_path: Path, run_adapter):
    stems = ["frame00010", "frame00012", "frame00014"]
    for i, stem in enumerate(stems):
        write_image(tmp_path / "in" / "clip" / f"{stem}.png", np.full((40, 130, 3), 60 * i, np.uint8))

    code, err = run_adapter("--input", str(tmp_path / "in"), "--output", str(tmp_path / "test"), "--rate", "3")
    assert code == 0, err
    files = list_frames(tmp_path / "test" / "clip")
    expected = [background_name(s, k / 3) for s in stems[:2] for k in range(3)] + [background_name(stems[2], 0)]
    assert [f.name for f in files] == expected
    assert [int(read_image(f)[0, 0, 0]) for f in files] == [0, 20, 40, 60, 80, 100, 120]
    assert read_image(files[1]).shape == (40, 130, 3)

    code, err = run_adapter("--input", str(tmp_path / "in"), "--output", str(tmp_path / "train"), "--layout", "train")
    assert code == 0, err
    assert [f.name for f in list_frames(tmp_path / "train" / "clip")] == [train_background_name(stems[0])]

    code, err = run_adapter("--input", str(tmp_path / "in"), "--output", str(tmp_path / "test"))
    assert code == 2 and "--overwrite" in err
    code, err = run_adapter("--input", str(tmp_path / "in"), "--output", str(tmp_path / "x"), "--weights", "no.pth")
    assert code == 2 and "no.pth: DAIN weights not found" in err

"""The README's demo end to end: example/demo.sh on a copy of example/ with the shipped checkpoints."""
import csv
import os
import shutil
import subprocess
import sys

import pytest

from rib.frames import list_frames
from rib.paths import EXAMPLE_DIR, REPO_ROOT


@pytest.mark.slow
def test_demo_renders_and_scores_the_example(tmp_path):
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE_DIR, folder)
    (clip,) = [p.name for p in (folder / "inputs").iterdir()]
    env = {**os.environ, "PY": sys.executable}
    result = subprocess.run(["bash", str(REPO_ROOT / "example" / "demo.sh"), str(folder), "4"], env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    inputs = list_frames(folder / "inputs" / clip)
    generated = list_frames(folder / "Generated_frames" / clip)
    assert len(generated) == (len(inputs) - 1) * 4 + 1 == len(list_frames(folder / "gt" / clip))
    assert (folder / "Generated_frames" / f"{clip}.mp4").stat().st_size > 10_000
    with open(folder / "evaluation" / "metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["method"] for row in rows} >= {"ours", "background"}

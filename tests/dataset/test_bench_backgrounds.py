"""bench/backgrounds.py: task sampling skips scene cuts, and a tiny run writes the report table."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rib.frames import write_image
from tests.bench_scripts import load_bench_script


@pytest.fixture(scope="module")
def bench():
    return load_bench_script("backgrounds")


def ramp(level: int) -> np.ndarray:
    return np.full((16, 24, 3), level, np.uint8)


def test_tasks_leave_out_scene_cuts(bench):
    sequence = [ramp(10 * i) for i in range(9)]
    sequence[5] = ramp(250)  # a cut between frames 4, 5 and 5, 6
    tasks = bench.make_tasks([sequence], rate=2, samples=10)
    assert [int(t.frame0[0, 0, 0]) for t in tasks] == [0, 20, 60]
    assert all(t.times == (0.5,) and len(t.targets) == 1 for t in tasks)
    assert [int(t.frame0[0, 0, 0]) for t in bench.make_tasks([sequence], rate=4, samples=10)] == [0]


def test_tiny_run_writes_a_table(bench, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(bench, "video_sets", lambda max_frames: {})
    x = np.arange(24)[None, :, None]
    for i in range(5):
        frame = np.broadcast_to(128 + 100 * np.sin((x + 2 * i) / 3.0), (16, 24, 3)).astype(np.uint8)
        write_image(tmp_path / "synthetic" / "test" / "gt" / "clip" / f"frame{i:05d}.png", frame)
    report = tmp_path / "report.md"
    bench.main(["--backends", "blend", "dis", "--rates", "2", "--samples", "2", "--synthetic",
                str(tmp_path / "synthetic" / "test" / "gt"), "--output", str(report)])
    rows = [line for line in report.read_text().splitlines() if line.startswith("| synthetic/test/gt")]
    assert len(rows) == 2 and "| x2 | blend |" in rows[0] and "| 2 |" in rows[0]
    assert "- command: `python bench/backgrounds.py --backends blend dis" in report.read_text()

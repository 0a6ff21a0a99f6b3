"""The speed benchmarks (bench/render_speed.py, bench/speed.py, bench/motion_speed.py): a tiny run of each writes a
JSON beside its Markdown report, the Markdown is what the JSON renders to, and the renderer's reference time is the
training form timed in the same run (issue 12)."""
from __future__ import annotations

import json
import shlex
from pathlib import Path
from types import ModuleType

import pytest
import torch

from rib.paths import REPO_ROOT
from rib.reports import json_path, write_report
from tests.bench_scripts import load_bench_script

pytestmark = pytest.mark.slow  # each speed benchmark runs for real, tiny (~25 s in all): run by make test

TINY_RUNS = {
    "render_speed": ["--threads", "1", "--config", str(REPO_ROOT / "Pose_Guided_Neural_Rendering" / "configs" /
                                                     "tiny.yaml"), "--repeats", "1", "--label-repeats", "2",
                     "--inputs", "2", "--rate", "2", "--size", "96", "64", "--output"],
    "speed": ["--sizes", "96x64", "--memory-sizes", "96x64", "--frames", "2", "--rate", "2", "--output"],
    "motion_speed": ["--threads", "1", "--samples", "4", "--batch-size", "2", "--steps", "1", "--repeats", "1",
                     "--inference-batches", "1", "--out"],
}
"""Each script's arguments for a run of seconds, up to its output flag."""


@pytest.fixture(scope="module")
def tiny_reports(tmp_path_factory) -> dict[str, tuple[ModuleType, Path]]:
    """Each speed script's module and the Markdown path of its tiny run."""
    threads = torch.get_num_threads()
    reports = {}
    try:
        for name, arguments in TINY_RUNS.items():
            bench, markdown = load_bench_script(name), tmp_path_factory.mktemp(name) / f"{name}.md"
            bench.main([*arguments, str(markdown)])
            reports[name] = bench, markdown
    finally:
        torch.set_num_threads(threads)  # the scripts set the process's thread count
    return reports


@pytest.mark.parametrize("name", sorted(TINY_RUNS))
def test_markdown_is_the_json_rendered(tiny_reports, name):
    bench, markdown = tiny_reports[name]
    report = json.loads(json_path(markdown).read_text())
    assert bench.markdown(report) == markdown.read_text()
    assert report["command"] == shlex.join(["python", f"bench/{name}.py", *TINY_RUNS[name], str(markdown)])
    assert report["command"] in markdown.read_text() and report["machine"] in markdown.read_text()


def test_render_speed_ratios_are_against_the_training_form_of_the_same_run(tiny_reports):
    bench, markdown = tiny_reports["render_speed"]
    generator = json.loads(json_path(markdown).read_text())["generator"]
    rows = {(row["form"], row["batch"]): row for row in generator["rows"]}
    assert generator["reference_ms"] == rows[bench.REFERENCE_FORM, 1]["min_ms"]
    assert generator["target_ms"] == pytest.approx(bench.TARGET_SHARE * generator["reference_ms"])
    for (form, batch), row in rows.items():
        assert row["vs_training_form"] == pytest.approx(row["min_ms"] / rows[bench.REFERENCE_FORM, batch]["min_ms"])
    fastest = generator["fastest"]
    assert fastest["min_ms"] == min(row["min_ms"] for key, row in rows.items() if key[0] != bench.REFERENCE_FORM)
    assert fastest["vs_reference"] == pytest.approx(fastest["min_ms"] / generator["reference_ms"])
    assert generator["size"] == [96, 64] and generator["parameters"] > 0
    assert not hasattr(bench, "REFERENCE_MS"), "the reference's time is measured, not a constant"


def test_report_markdown_is_made_from_the_json_as_written(tmp_path: Path):
    seen = []
    text = write_report(tmp_path / "r.md", {"size": (96, 64), "by_rate": {4: 1.5}},
                        lambda report: seen.append(report) or "# r\n")
    assert seen == [{"size": [96, 64], "by_rate": {"4": 1.5}}] == [json.loads((tmp_path / "r.json").read_text())]
    assert text == (tmp_path / "r.md").read_text() == "# r\n"


@pytest.mark.parametrize("name", sorted(TINY_RUNS))
def test_every_flag_is_explained(name):
    parser = load_bench_script(name).build_parser()
    assert all(action.help for action in parser._actions), name
    assert "JSON" in parser.description and "Tiny check" in parser.description


def test_speed_times_pose_estimation_and_compares_with_each_rife_per_output_frame(tiny_reports):
    bench, markdown = tiny_reports["speed"]
    report = json.loads(json_path(markdown).read_text())
    (timing,) = report["sizes"]
    assert not report["given_poses"] and timing["stages"]["poses"] > 0, "pose estimation is timed, as users run it"
    assert timing["stages"][bench.OUTSIDE_STAGES] > 0, "the time outside the stages is timed"
    frames, in_betweens = 3, 1  # 2 inputs at rate 2
    for name in ("dis", *bench.RIFES):
        alone = timing["alone"][name]
        if alone is not None:
            assert timing["alone_per_output_frame"][name] == pytest.approx(alone * in_betweens / frames)
    for name in bench.RIFES:
        per_frame = timing["alone_per_output_frame"][name]
        if per_frame is not None:
            assert f"{timing['end_to_end'] / per_frame:.2f}x (target 0.5x" in markdown.read_text()

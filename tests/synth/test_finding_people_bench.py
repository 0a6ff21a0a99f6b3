"""bench/finding_people.py: matching estimated to exact people, counting track swaps (a gap is not a swap), scoring
hand-written pose folders and the report's target lines."""
import json

import cv2
import numpy as np
import pytest

from rib.openpose import NUM_BODY, Person, write_people
from tests.bench_scripts import load_bench_script


@pytest.fixture(scope="module")
def bench():
    return load_bench_script("finding_people")


def standing(x: float, top: float = 100.0, height: float = 100.0, track: int = -1) -> Person:
    """A BODY_25 person: every point at column ``x`` spread evenly from ``top`` to ``top + height``."""
    body = np.ones((NUM_BODY, 3))
    body[:, 0] = x
    body[:, 1] = np.linspace(top, top + height, NUM_BODY)
    return Person(body=body, track=track)


def j17(person: Person, bench) -> np.ndarray:
    return bench.body_joints(person)


def test_hungarian_matching_pairs_the_nearest_and_gates_the_far(bench):
    truth = [j17(standing(100), bench), j17(standing(300), bench)]
    guesses = [j17(standing(305), bench), j17(standing(900), bench), j17(standing(96), bench)]
    assert bench.match(truth, [100.0, 100.0], guesses) == {0: 2, 1: 0}
    assert bench.match(truth, [100.0, 100.0], [j17(standing(200), bench)]) == {}, "100 px away: one height, gated"
    assert bench.match(truth, [100.0, 100.0], []) == {}


def test_too_few_shared_joints_do_not_match(bench):
    lonely = standing(100)
    lonely.body[3:, 2] = 0  # nose, neck, right shoulder only
    assert bench.match([j17(standing(100), bench)], [100.0], [j17(lonely, bench)]) == {}


@pytest.mark.parametrize("tracks, expected", [
    ([0, 0, 0], (0, 0)),
    ([0, 0, 1, 1], (1, 0)),
    ([0, 1, 0], (2, 0)),
    ([0, None, 1], (0, 1)),
    ([0, None, None, 0], (0, 0)),
    ([None, 0, 0, None], (0, 0)),
    ([3, None, 4, 5], (1, 1)),
])
def test_swaps_and_switches_after_gaps(bench, tracks, expected):
    assert bench.count_switches(tracks) == expected


def test_a_clip_where_two_people_cross_and_the_tracker_swaps_them(bench, tmp_path):
    """Person 0 walks right, person 1 left; the estimate swaps their ids after they cross, misses person 1 once and
    adds a ghost once."""
    truth_dir, guess_dir = tmp_path / "truth" / "clip", tmp_path / "guess" / "clip"
    xs = [100, 160, 220, 280, 340]
    for t, x in enumerate(xs):
        a, b = standing(x, track=0), standing(440 - x, height=80.0, top=120.0, track=1)
        write_people(truth_dir / f"frame{t:05d}_keypoints.json", [a, b])
        swapped = t >= 3
        guesses = [standing(x + 2, track=1 if swapped else 0)]
        if t != 1:
            guesses.append(standing(440 - x - 2, height=80.0, top=120.0, track=0 if swapped else 1))
        if t == 4:
            guesses.append(standing(700, track=7))
        write_people(guess_dir / f"frame{t:05d}_keypoints.json", guesses)
    scores, samples, unmatched = bench.score_clip(truth_dir, guess_dir)
    rows = {s.track: s.to_dict() for s in scores}
    assert rows[0]["found"] == 5 and rows[1]["found"] == 4 and rows[1]["frames"] == 5
    assert rows[0]["swaps"] == 1 and rows[1]["swaps"] == 1 and rows[1]["switches_after_gap"] == 0
    assert unmatched == 1 and len(samples) == 10
    assert rows[0]["median_error"] == pytest.approx(2 / 100, abs=1e-3), "2 px off a 100 px person"
    assert rows[1]["median_error"] == pytest.approx(2 / 80, abs=1e-3)


def test_a_hidden_person_is_not_scored_but_keeps_its_track(bench, tmp_path):
    """Person 1 is missed while person 0 hides it (frame 1): not a miss, and the same track after it is no switch."""
    truth_dir, guess_dir = tmp_path / "truth" / "clip", tmp_path / "guess" / "clip"
    for t in range(3):
        write_people(truth_dir / f"frame{t:05d}_keypoints.json", [standing(100, track=0), standing(300, track=1)])
        guesses = [standing(101, track=5)] + ([] if t == 1 else [standing(301, track=6)])
        write_people(guess_dir / f"frame{t:05d}_keypoints.json", guesses)
    visible = np.array([[True, True], [True, False], [True, True]])
    scores, _, _ = bench.score_clip(truth_dir, guess_dir, visible)
    rows = {s.track: s.to_dict() for s in scores}
    assert rows[1]["frames"] == 2 and rows[1]["found"] == 2 and rows[1]["hidden"] == 1
    assert rows[1]["switches_after_gap"] == 0 and rows[0]["frames"] == 3 and rows[0]["hidden"] == 0


def test_visibility_comes_from_the_person_masks(bench, tmp_path):
    for t, width in enumerate((40, 8, 40)):  # person 1 mostly behind person 0 in frame 1
        labels = np.zeros((50, 100), np.uint8)
        labels[10:40, 0:40] = 1
        labels[10:40, 60:60 + width] = 2
        path = tmp_path / "person_masks" / "clip" / f"frame{t:05d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), labels)
    visible = bench.visible_people(tmp_path, "clip", ["frame00000", "frame00001", "frame00002"])
    assert visible.tolist() == [[True, True], [True, False], [True, True]]


def test_mismatched_folders_are_one_line_errors(bench, tmp_path):
    write_people(tmp_path / "a" / "frame00000_keypoints.json", [standing(10)])
    write_people(tmp_path / "b" / "frame00001_keypoints.json", [standing(10)])
    with pytest.raises(bench.RIBError, match="do not match"):
        bench.score_clip(tmp_path / "a", tmp_path / "b")


def test_report_says_targets_met_or_missed(bench):
    joints = {name: 0.05 for name in bench.J19_NAMES[:17]}

    def variant(worst, swaps, untracked=0):
        return {"people": [{"clip": "c", "track": 0, "median_height_px": 70.0, "frames": 20, "found": 20,
                            "found_share": worst, "median_error": 0.05, "swaps": swaps, "switches_after_gap": 0,
                            "hidden": 1}],
                "frames": 20, "found": 20, "found_share": worst, "worst_person_found_share": worst,
                "median_error": 0.05, "per_joint": joints, "swaps": swaps, "switches_after_gap": 0,
                "untracked_matches": untracked, "unmatched_estimates": 0, "hidden": 1,
                "by_height": [{"height_px": [0, 80], "frames": 20, "found_share": worst, "median_error": 0.05}]}

    report = {"command": "python bench/finding_people.py", "machine": "test", "rate": 4, "motions": ["jump"],
              "max_frames": 4, "seed": 0, "gate": 0.5, "min_shared": 4, "hidden_share": 0.25, "minutes": 1.0,
              "generation": {"far": {"seconds": 10.0, "frames": 13, "peak_rss_mb": 300.0}},
              "pose_stage": {name: {"frames": 4, "seconds": 1.0, "seconds_per_frame": 0.25}
                             for name in ("far", "p2", "p3")},
              "variants": {"far": variant(1.0, 0), "p2": variant(0.9, 0), "p3": variant(1.0, 2, untracked=20)}}
    text = bench.render(json.loads(json.dumps(report)))
    assert "- far: every person found in >= 95% of frames: met (worst 100.0%); swaps 0 (target 0): met" in text
    assert "- p2: every person found in >= 95% of frames: missed (worst 90.0%)" in text
    assert "swaps 2 (target 0): cannot tell (no estimate has a track id)" in text
    assert "| far | 0-80 | 20 | 100.0% | 0.05 |" in text and "10 s, 13 frames" in text
    assert "| far | c | 0 | 70.0 | 20 | 1 | 100.0% | 0.05 | 0 | 0 |" in text


@pytest.mark.slow  # generates a 2-person clip at 768x512 and runs MediaPipe on it (~20 s)
def test_bench_end_to_end_on_a_tiny_two_person_split(bench, tmp_path):
    out = tmp_path / "report.md"
    bench.main(["--data-root", str(tmp_path), "--motions", "jump", "--max-frames", "3", "--variants", "p2",
                "--output", str(out)])
    report = json.loads(out.with_suffix(".json").read_text())
    p2 = report["variants"]["p2"]
    assert p2["frames"] == 6 and [p["track"] for p in p2["people"]] == [0, 1]
    assert report["generation"]["p2"]["frames"] == 9 and report["pose_stage"]["p2"]["frames"] == 3
    assert "every person found in >= 95% of frames" in out.read_text()
    assert (tmp_path / "finding_people_x4" / "p2" / "test" / bench.ESTIMATED / "jump_00_v0_p2").is_dir()

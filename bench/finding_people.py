"""Does the pose stage find every person, small or far, and keep each on one track? Synthetic clips with exact poses.

Small test splits of rate R are generated when missing (HumanSloMo_Dataset/gen_synthetic.py --splits test, human
actor, a few test motions, short clips), one per variant: ``far`` (one person, far camera: 1/8 to 1/5 of the frame
height), ``p2`` and ``p3`` (two and three people, near camera), timed in this run. The project's pose stage
(``HumanSloMo_Dataset.poses.estimate.estimate_poses``, backend mediapipe: the call the pipeline makes) then runs on
the input frames. Per ground-truth person (its track in the exact pose files), frame by frame, estimated people are
matched to ground-truth people with the Hungarian method on the mean distance over the body joints both have
(J19's first 17), a pair counting only when they share at least MIN_SHARED joints and that distance is at most GATE
person heights (height = vertical extent of the exact BODY_25 points in that frame). Reported: found % of frames,
median joint error per joint and overall in person heights, track swaps (the matched estimated track changes between
two consecutive frames where both matched) and id switches after a gap (it differs across unmatched frames),
estimated people matched to nobody, and the pose stage's seconds per frame. A person another one hides (less than
HIDDEN_SHARE of its largest visible area in the clip, from the per-person masks) is not scored in that frame. The
default splits (3 clips of 73 frames per variant) take about 4 min to generate on 2 cores; the pose stage runs on 57
inputs per variant.

Example:
    python bench/finding_people.py --rate 4
    python bench/finding_people.py --data-root /tmp/fp --motions jump --max-frames 4 --variants p2
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from scipy.optimize import linear_sum_assignment

from bench.synthetic_people import generate_test_split
from HumanSloMo_Dataset.synth.dataset import read_person_masks
from rib.errors import RIBError, cli_entry
from rib.frames import list_clips, list_poses
from rib.joints import J19_NAMES, person_to_j19
from rib.machine import describe_machine
from rib.names import INPUT_POSES, INPUTS, KEYPOINTS_SUFFIX, TEST
from rib.openpose import UNTRACKED, read_people
from rib.paths import REPO_ROOT
from rib.reports import command_line, write_report

log = logging.getLogger("bench.finding_people")
VARIANTS = {"far": (1, "far"), "p2": (2, "near"), "p3": (3, "near"), "p2_far": (2, "far"), "p3_far": (3, "far")}
"""Variant name -> (people per clip, camera) of gen_synthetic.py."""
DEFAULT_VARIANTS = ("far", "p2", "p3")
DEFAULT_MOTIONS = ("walker_0walk_forward", "walker_turn_left0", "dance_b")
BODY_JOINTS = 17
"""J19 joints 0-16 (the body; 17 and 18 are hand centroids)."""
GATE = 0.5
"""A pair matches only if its mean joint distance is at most this many person heights."""
MIN_SHARED = 4
"""... and the two share at least this many body joints."""
HEIGHT_BINS = ((0, 80), (80, 160), (160, 100000))
"""Person heights (pixels) the found share and error are also broken down by."""
ESTIMATED = "estimated_input_poses"
"""Folder of each generated split (beside its input_poses) where this bench writes the pose stage's output."""
HIDDEN_SHARE = 0.25
"""A person showing less than this share of its largest visible area in the clip is hidden in that frame."""
TARGET_FOUND, TARGET_SWAPS = 0.95, 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=4, choices=(2, 4, 8), help="rate R of the test splits (default 4)")
    parser.add_argument("--data-root", type=Path, default=REPO_ROOT / "data",
                        help="splits in DATA_ROOT/finding_people_xR/<variant>, generated when missing, reused "
                             "otherwise (default: data/)")
    parser.add_argument("--variants", nargs="+", choices=tuple(VARIANTS), default=list(DEFAULT_VARIANTS),
                        help=f"which clips to make and score (default: {' '.join(DEFAULT_VARIANTS)})")
    parser.add_argument("--motions", nargs="+", default=list(DEFAULT_MOTIONS),
                        help=f"test motions of the first person (default: {' '.join(DEFAULT_MOTIONS)})")
    parser.add_argument("--max-frames", type=int, default=19,
                        help="input frames per clip (default 19: a 75-frame walker clip at x4)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "reports" / "finding_people.md",
                        help="Markdown report; a .json with every number is written beside it "
                             "(default: bench/reports/finding_people.md)")
    args = parser.parse_args(argv)
    if args.max_frames < 3:
        parser.error(f"--max-frames must be at least 3, got {args.max_frames}")
    return args


def generate(root: Path, variant: str, args: argparse.Namespace) -> dict | None:
    """Generate the test split of ``variant`` into ``root`` unless it is there; its wall time and peak memory."""
    people, camera = VARIANTS[variant]
    return generate_test_split(root, ["--rate", str(args.rate), "--seed", str(args.seed), "--people", str(people),
                                      "--camera", camera, "--max-frames", str(args.max_frames), "--max-pieces", "1",
                                      "--motions", *args.motions])


def estimate(split: Path) -> dict:
    """The pose stage on ``split``'s inputs (into ESTIMATED); its frame count and wall time."""
    from HumanSloMo_Dataset.poses.estimate import estimate_poses

    started = time.perf_counter()
    summary = estimate_poses(split / INPUTS, split / ESTIMATED, backend="mediapipe", overwrite=True)
    seconds = time.perf_counter() - started
    if summary.failures:
        raise RIBError(f"{split / INPUTS}: the pose stage failed on {len(summary.failures)} frame(s): "
                       f"{summary.failures[0]}")
    return {"frames": summary.frames, "seconds": round(seconds, 2),
            "seconds_per_frame": round(seconds / max(summary.frames, 1), 4)}


def body_joints(person) -> np.ndarray:
    """(17, 3) J19 body joints of an OpenPose person."""
    return person_to_j19(person)[:BODY_JOINTS]


def person_height(person) -> float:
    """Vertical extent (pixels) of a person's defined BODY_25 points."""
    seen = person.body[person.body[:, 2] > 0, 1]
    return float(np.ptp(seen)) if len(seen) > 1 else 0.0


def match(truth: list[np.ndarray], heights: list[float], guesses: list[np.ndarray]) -> dict[int, int]:
    """Ground-truth index -> estimated index for one frame: Hungarian on the mean joint distance (in ground-truth
    person heights) over shared joints, gated by :data:`GATE` and :data:`MIN_SHARED`."""
    if not truth or not guesses:
        return {}
    cost = np.full((len(truth), len(guesses)), np.inf)
    for i, (exact, height) in enumerate(zip(truth, heights)):
        for j, guess in enumerate(guesses):
            shared = (exact[:, 2] > 0) & (guess[:, 2] > 0)
            if shared.sum() >= MIN_SHARED and height > 0:
                cost[i, j] = np.linalg.norm(exact[shared, :2] - guess[shared, :2], axis=1).mean() / height
    allowed = cost <= GATE
    rows, cols = linear_sum_assignment(np.where(allowed, cost, GATE * 1e3 + 1.0))
    return {int(i): int(j) for i, j in zip(rows, cols) if allowed[i, j]}


def count_switches(tracks: Sequence[int | None]) -> tuple[int, int]:
    """(swaps, switches after a gap) of one ground-truth person's matched estimated track ids (None: unmatched).

    A swap: two consecutive frames both matched to different tracks. A switch after a gap: the track after one or
    more unmatched frames differs from the last one before them.
    """
    swaps = switches = 0
    last, gap = None, False
    for track in tracks:
        if track is None:
            gap = last is not None
            continue
        if last is not None and track != last:
            if gap:
                switches += 1
            else:
                swaps += 1
        last, gap = track, False
    return swaps, switches


@dataclass
class PersonScore:
    """What happened to one ground-truth person of one clip."""

    clip: str
    track: int
    frames: int = 0
    """Frames where the person is visible (scored)."""
    found: int = 0
    hidden: int = 0
    """Frames where another person hides most of it (not scored)."""
    untracked: int = 0
    """Frames where the matched estimate had no track id (then swaps cannot be seen)."""
    swaps: int = 0
    switches_after_gap: int = 0
    errors: list = field(default_factory=list)
    """(found frames, 17) joint errors in person heights (NaN: a joint one of them lacks)."""
    heights: list = field(default_factory=list)
    """Person height (pixels) of every frame, and whether it was found."""

    def to_dict(self) -> dict:
        errors = np.asarray(self.errors, dtype=np.float64).reshape(-1, BODY_JOINTS)
        return {"clip": self.clip, "track": self.track, "frames": self.frames, "found": self.found,
                "found_share": round(self.found / max(self.frames, 1), 4), "hidden": self.hidden,
                "untracked": self.untracked,
                "swaps": self.swaps, "switches_after_gap": self.switches_after_gap,
                "median_height_px": round(float(np.median([h for h, _ in self.heights])), 1) if self.heights else None,
                "median_error": median(errors.ravel())}


def visible_people(split: Path, clip: str, stems: Sequence[str]) -> np.ndarray:
    """(frames, people) whether each ground-truth person shows at least :data:`HIDDEN_SHARE` of its largest
    visible area in the clip (from the clip's per-person masks)."""
    labels = [read_person_masks(split, clip, stem) for stem in stems]
    people = max(int(label.max()) for label in labels)
    areas = np.array([[np.count_nonzero(label == k + 1) for k in range(people)] for label in labels], dtype=float)
    return areas >= HIDDEN_SHARE * np.maximum(areas.max(axis=0, keepdims=True), 1.0)


def score_clip(truth_folder: Path, estimate_folder: Path, visible: np.ndarray | None = None
               ) -> tuple[list[PersonScore], list, int]:
    """Match every frame of one clip; per-person scores, (height, found, error row) samples and the number of
    estimated people matched to nobody. A person not ``visible`` (frames, people) in a frame is not scored there
    (counted as hidden); a match there still counts for its track's continuity."""
    truth_files, guess_files = list_poses(truth_folder), list_poses(estimate_folder)
    if [p.name for p in truth_files] != [p.name for p in guess_files]:
        raise RIBError(f"{estimate_folder}: pose files do not match those of {truth_folder}")
    scores: dict[int, PersonScore] = {}
    tracks: dict[int, list[int | None]] = {}
    samples, unmatched = [], 0
    for frame, (truth_file, guess_file) in enumerate(zip(truth_files, guess_files)):
        exact_people, guessed_people = read_people(truth_file), read_people(guess_file)
        truth = [body_joints(p) for p in exact_people]
        heights = [person_height(p) for p in exact_people]
        guesses = [body_joints(p) for p in guessed_people]
        pairs = match(truth, heights, guesses)
        unmatched += len(guesses) - len(pairs)
        for index, (exact, height) in enumerate(zip(truth, heights)):
            score = scores.setdefault(index, PersonScore(truth_folder.name, index))
            found = index in pairs
            tracks.setdefault(index, []).append(guessed_people[pairs[index]].track if found else None)
            if visible is not None and not visible[frame, index]:
                score.hidden += 1
                continue
            score.frames += 1
            row = np.full(BODY_JOINTS, np.nan)
            if found:
                guess, person = guesses[pairs[index]], guessed_people[pairs[index]]
                score.found += 1
                shared = (exact[:, 2] > 0) & (guess[:, 2] > 0)
                row[shared] = np.linalg.norm(exact[shared, :2] - guess[shared, :2], axis=1) / height
                score.errors.append(row)
                score.untracked += person.track == UNTRACKED
            score.heights.append((height, found))
            samples.append((height, found, row))
    for index, score in scores.items():
        score.swaps, score.switches_after_gap = count_switches(tracks[index])
    return list(scores.values()), samples, unmatched


def median(values: np.ndarray) -> float | None:
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    return round(float(np.median(values)), 4) if len(values) else None


def score_split(split: Path) -> dict:
    """Every clip of ``split``: per-person rows, the variant's totals, per-joint and per-height-bin medians."""
    people, samples, unmatched = [], [], 0
    for clip in list_clips(split / INPUT_POSES):
        stems = [path.name[:-len(KEYPOINTS_SUFFIX)] for path in list_poses(clip)]
        scores, clip_samples, clip_unmatched = score_clip(clip, split / ESTIMATED / clip.name,
                                                          visible_people(split, clip.name, stems))
        people += scores
        samples += clip_samples
        unmatched += clip_unmatched
    rows = np.asarray([row for _, found, row in samples if found]).reshape(-1, BODY_JOINTS)
    frames = sum(p.frames for p in people)
    found = sum(p.found for p in people)
    bins = []
    for low, high in HEIGHT_BINS:
        chosen = [(found_, row) for height, found_, row in samples if low <= height < high]
        if chosen:
            bin_rows = np.asarray([row for found_, row in chosen if found_]).reshape(-1, BODY_JOINTS)
            bins.append({"height_px": [low, high], "frames": len(chosen),
                         "found_share": round(sum(f for f, _ in chosen) / len(chosen), 4),
                         "median_error": median(bin_rows.ravel())})
    return {"people": [p.to_dict() for p in people], "frames": frames, "found": found,
            "found_share": round(found / max(frames, 1), 4),
            "worst_person_found_share": min((p.found / max(p.frames, 1) for p in people), default=0.0),
            "median_error": median(rows.ravel()),
            "per_joint": {name: median(rows[:, joint]) for joint, name in enumerate(J19_NAMES[:BODY_JOINTS])},
            "by_height": bins, "swaps": sum(p.swaps for p in people),
            "switches_after_gap": sum(p.switches_after_gap for p in people),
            "untracked_matches": sum(p.untracked for p in people), "unmatched_estimates": unmatched,
            "hidden": sum(p.hidden for p in people)}


def met(condition: bool) -> str:
    return "met" if condition else "missed"


def render(report: dict) -> str:
    variants = list(report["variants"])
    lines = [
        "# Does the pose stage find every person, small or far? (bench/finding_people.py)", "",
        f"Command: `{report['command']}` ({report['minutes']:.1f} min in all)", "",
        f"- machine: {report['machine']}",
        f"- data: `gen_synthetic.py --splits test --rate {report['rate']} --max-frames {report['max_frames']} "
        f"--max-pieces 1 --motions {' '.join(report['motions'])}` with `--people N --camera near|far` per variant "
        "(human actor, 768x512); poses: `estimate_poses(inputs, backend='mediapipe')` on the input frames",
        f"- matching: per frame, Hungarian on the mean distance over shared body joints (J19 0-16), a pair only with "
        f">= {report['min_shared']} shared joints and <= {report['gate']} person heights; person height = vertical "
        "extent of the exact BODY_25 points in that frame; errors in person heights; a person showing less than "
        f"{report['hidden_share']} of its largest visible area (per-person masks) is hidden there, not scored", "",
        "| variant | persons (all clips) | frames | found | worst person | median error | swaps | switches after gap | "
        "untracked matches | unmatched estimates | pose s/frame | generation |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in variants:
        v, made = report["variants"][name], report["generation"].get(name)
        timing = f"{made['seconds']:.0f} s, {made['frames']} frames" if made else "reused (not timed)"
        lines.append(
            f"| {name} | {len(v['people'])} | {v['frames']} | {100 * v['found_share']:.1f}% | "
            f"{100 * v['worst_person_found_share']:.1f}% | {v['median_error']} | {v['swaps']} | "
            f"{v['switches_after_gap']} | {v['untracked_matches']} | {v['unmatched_estimates']} | "
            f"{report['pose_stage'][name]['seconds_per_frame']} | {timing} |")
    lines += ["", "Per person:", "", "| variant | clip | track | median height (px) | frames | hidden | found | "
              "median error | swaps | switches after gap |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name in variants:
        for p in report["variants"][name]["people"]:
            lines.append(f"| {name} | {p['clip']} | {p['track']} | {p['median_height_px']} | {p['frames']} | "
                         f"{p['hidden']} | {100 * p['found_share']:.1f}% | {p['median_error']} | {p['swaps']} | "
                         f"{p['switches_after_gap']} |")
    lines += ["", "Median error per joint (person heights):", "",
              "| joint | " + " | ".join(variants) + " |", "|---|" + "---|" * len(variants)]
    for joint in J19_NAMES[:BODY_JOINTS]:
        lines.append(f"| {joint} | " + " | ".join(str(report["variants"][n]["per_joint"][joint]) for n in variants)
                     + " |")
    lines += ["", "By person height:", "", "| variant | height (px) | frames | found | "
              "median error |", "|---|---|---|---|---|"]
    for name in variants:
        for b in report["variants"][name]["by_height"]:
            low, high = b["height_px"]
            span = f"{low}-{high}" if high < HEIGHT_BINS[-1][1] else f"{low}+"
            lines.append(f"| {name} | {span} | {b['frames']} | "
                         f"{100 * b['found_share']:.1f}% | {b['median_error']} |")
    lines += ["", "Targets:", ""]
    for name in variants:
        v = report["variants"][name]
        tracked = v["found"] - v["untracked_matches"]
        lines.append(f"- {name}: every person found in >= {100 * TARGET_FOUND:.0f}% of frames: "
                     f"{met(v['worst_person_found_share'] >= TARGET_FOUND)} (worst "
                     f"{100 * v['worst_person_found_share']:.1f}%); swaps {v['swaps']} (target {TARGET_SWAPS}): "
                     + (met(v["swaps"] <= TARGET_SWAPS) if tracked else "cannot tell (no estimate has a track id)"))
    return "\n".join(lines) + "\n"


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    roots = {name: args.data_root / f"finding_people_x{args.rate}" / name for name in args.variants}
    generation = {name: made for name in args.variants if (made := generate(roots[name], name, args))}
    pose_stage = {name: estimate(roots[name] / TEST) for name in args.variants}
    variants = {name: score_split(roots[name] / TEST) for name in args.variants}
    report = {"command": command_line(__file__, sys.argv[1:] if argv is None else argv), "machine": describe_machine(),
              "rate": args.rate, "motions": args.motions, "max_frames": args.max_frames, "seed": args.seed,
              "gate": GATE, "min_shared": MIN_SHARED, "hidden_share": HIDDEN_SHARE, "generation": generation,
              "pose_stage": pose_stage, "variants": variants, "minutes": round((time.perf_counter() - started) / 60, 2)}
    print(write_report(args.output, report, render))


if __name__ == "__main__":
    main()

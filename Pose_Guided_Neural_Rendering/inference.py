"""Render the in-between frames of every clip: python Pose_Guided_Neural_Rendering/inference.py --input-dir example.

Reads ``INPUT/inputs/<clip>`` (N low-rate frames), ``INPUT/Predict_motion/<clip>`` ((N-1)*R+1 pose files) and the
interpolated backgrounds ``INPUT/<backgrounds-dir>/<clip>`` (named ``<keyframe stem>_<t>.png``), and writes
``SAVE/Generated_frames/<clip>/<background name>.png`` for all (N-1)*R+1 frames at the input resolution. Keyframes
are copied untouched. Two kinds of renderer:

- the warp-blend renderer (the shipped ``checkpoints/render/model.pt``): both neighbouring keyframes are warped to
  the new pose limb by limb at full resolution and blended with the background by the network's weights;
  frames whose poses show no person are the background, untouched;
- the reference's SPADE generator (``generator.pt`` from train.py with a GAN config): each in-between frame is
  rendered at model size autoregressively from the preceding keyframe, and the rendered person and its mask are
  upsampled and blended over the full-resolution background.
"""
from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer, blender_from_state
from Pose_Guided_Neural_Rendering.spade_gan.data.augment import resize_matrix, warp_image, warp_joints
from Pose_Guided_Neural_Rendering.spade_gan.data.labels import render_label
from Pose_Guided_Neural_Rendering.spade_gan.models.generator import Generator, composite, load_plain
from rib import person
from rib.atomic import prepare_output_dir, write_bytes
from rib.checkpoint import load_checkpoint
from rib.cli import positive_int, positive_number, upsample_rate
from rib.distributed import pick_device
from rib.errors import RIBError, cli_entry
from rib.frames import background_name, list_clips, list_frames, read_image, write_image
from rib.names import BACKGROUNDS, DAIN, GENERATED_FRAMES, INPUTS, PREDICT_MOTION
from rib.person import has_person
from rib.paths import CHECKPOINTS_DIR
from rib.poses import read_pose_folder
from rib.safety import refuse_overlap
from rib.video import write_video

LOG = logging.getLogger("render.inference")
DEFAULT_CHECKPOINT = CHECKPOINTS_DIR / "render"


@dataclass
class ClipPlan:
    """What to read and write for one clip: N keyframes, (N-1)*R+1 poses, backgrounds and output names."""

    name: str
    keyframes: list[Path]
    poses: np.ndarray
    rate: int
    backgrounds: list[Path | None]
    """Background file of each output frame (None for keyframes)."""
    outputs: list[str]

    def keyframe_of(self, index: int) -> int | None:
        """The keyframe shown at output ``index``, or None for an in-between frame."""
        return index // self.rate if index % self.rate == 0 else None


def infer_rate(num_inputs: int, num_poses: int, rate: int | None, where: Path) -> int:
    """The upsampling rate R with num_poses == (num_inputs - 1) * R + 1 (checked when given)."""
    if num_inputs < 2:
        raise RIBError(f"{where}: need at least 2 input frames, found {num_inputs}")
    if rate is not None:
        if rate < 2:
            raise RIBError(f"{where}: --upsample-rate {rate}: must be at least 2 (frames per input interval)")
        if num_poses != (num_inputs - 1) * rate + 1:
            raise RIBError(f"{where}: {num_poses} pose files, but {num_inputs} inputs at --upsample-rate {rate} need "
                           f"{(num_inputs - 1) * rate + 1}")
        return rate
    if (num_poses - 1) % (num_inputs - 1) or num_poses < num_inputs:
        raise RIBError(f"{where}: {num_poses} pose files do not fit {num_inputs} input frames "
                       f"((N-1)*R+1 for an integer R)")
    if num_poses == num_inputs:
        raise RIBError(f"{where}: {num_poses} pose files for {num_inputs} input frames is rate 1, nothing to render "
                       "in between; upsample the poses first (rib-motion-inference --upsample-rate R, R >= 2)")
    return (num_poses - 1) // (num_inputs - 1)


def background_files(folder: Path, keyframes: list[Path], rate: int) -> tuple[list[Path | None], list[str]]:
    """Background file and output name of every output frame.

    Backgrounds are named ``<keyframe stem>_<k/R>.png`` (rib.frames.background_name); the reference's DAIN folders
    of 2N-1 files in sorted order are also accepted for R = 2.
    """
    count = (len(keyframes) - 1) * rate + 1
    names = [background_name(keyframes[i // rate].stem, (i % rate) / rate) for i in range(count)]
    files: list[Path | None] = [None if i % rate == 0 else folder / names[i] for i in range(count)]
    missing = [path for path in files if path is not None and not path.is_file()]
    if not missing:
        return files, names
    listed = list_frames(folder, allow_empty=True)
    if rate == 2 and len(listed) == count:
        LOG.info("%s: backgrounds taken in sorted order (the reference's DAIN listing)", folder)
        return [None if i % rate == 0 else path for i, path in enumerate(listed)], [p.stem + ".png" for p in listed]
    raise RIBError(f"{missing[0]}: background not found ({len(missing)} of {count - len(keyframes)} in-between "
                   f"backgrounds missing)")


def plan_clip(input_dir: Path, backgrounds_dir: Path, clip: str, rate: int | None) -> ClipPlan:
    """Read and check the folders of one clip."""
    keyframes = list_frames(input_dir / INPUTS / clip)
    poses = read_pose_folder(input_dir / PREDICT_MOTION / clip)
    rate = infer_rate(len(keyframes), len(poses), rate, input_dir / PREDICT_MOTION / clip)
    backgrounds, outputs = background_files(backgrounds_dir / clip, keyframes, rate)
    return ClipPlan(clip, keyframes, poses, rate, backgrounds, outputs)


def to_unit(images: np.ndarray, device: torch.device) -> torch.Tensor:
    """RGB uint8 (..., H, W, 3) -> float tensor (..., 3, H, W) in [-1, 1]."""
    tensor = torch.from_numpy(np.ascontiguousarray(images)).to(device)
    return tensor.movedim(-1, -3).float() / 127.5 - 1


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """Float tensor (B, 3, H, W) in [-1, 1] -> RGB uint8 (B, H, W, 3)."""
    return ((images.clamp(-1, 1) + 1) * 127.5).round().byte().movedim(1, -1).cpu().numpy()


def use_bf16(precision: str, device: torch.device) -> bool:
    """Whether to run the generator in bfloat16: ``auto`` picks it where the hardware computes it natively."""
    if precision != "auto":
        return precision == "bf16"
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and torch.ops.mkldnn._is_mkldnn_bf16_supported()


class Renderer:
    """Runs the generator at model size (optionally in bfloat16) and composites at the input resolution in fp32."""

    NO_PERSON = "frames without a person are generated from an empty pose label"

    def __init__(self, generator: Generator, model_size: tuple[int, int], device: torch.device, bf16: bool = False):
        self.device, self.bf16 = device, bf16
        # channels-last helps oneDNN's bf16 and cuDNN kernels; fp32 1x1 convolutions on the CPU are slower with it
        self.layout = torch.channels_last if bf16 or device.type == "cuda" else torch.contiguous_format
        self.generator = generator.to(memory_format=self.layout)
        self.width, self.height = model_size

    def generate(self, label: torch.Tensor, background: torch.Tensor,
                 previous: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The generator's (frame, mask) in fp32."""
        inputs = [x.contiguous(memory_format=self.layout) for x in (label, background, previous)]
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            generated, alpha = self.generator(*inputs)
        return generated.float(), alpha.float()

    def model_inputs(self, image_hw: tuple[int, int], joints: np.ndarray,
                     background: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Label (22, h, w) and model-size background (3, h, w) of one frame, prepared as in training."""
        matrix = resize_matrix(image_hw, (self.height, self.width))
        label = render_label(warp_joints(joints, matrix), self.height, self.width)
        small = warp_image(background, matrix, (self.height, self.width))
        return torch.from_numpy(label).to(self.device), to_unit(small, self.device)

    def to_model(self, image: np.ndarray) -> torch.Tensor:
        """A full-resolution frame resized to model size, in [-1, 1]."""
        return to_unit(warp_image(image, resize_matrix(image.shape[:2], (self.height, self.width)),
                                  (self.height, self.width)), self.device)

    @torch.no_grad()
    def segments(self, plan: ClipPlan, starts: list[int],
                 keyframes: list[np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
        """Render the in-betweens after the keyframes ``starts`` (batched), yielding (output index, uint8 frame)."""
        previous = torch.stack([self.to_model(keyframes[k]) for k in starts])
        for step in range(1, plan.rate):
            indices = [k * plan.rate + step for k in starts]
            full = [read_image(plan.backgrounds[i]) for i in indices]
            shape = keyframes[0].shape[:2]
            full = [bg if bg.shape[:2] == shape else cv2.resize(bg, shape[::-1], interpolation=cv2.INTER_AREA)
                    for bg in full]
            pairs = [self.model_inputs(shape, plan.poses[i], bg) for i, bg in zip(indices, full)]
            background = torch.stack([p[1] for p in pairs])
            generated, alpha = self.generate(torch.stack([p[0] for p in pairs]), background, previous)
            previous = composite(generated, alpha, background)
            big_gen = F.interpolate(generated, size=shape, mode="bilinear", align_corners=False)
            big_alpha = F.interpolate(alpha, size=shape, mode="bilinear", align_corners=False)
            frames = to_uint8(composite(big_gen, big_alpha, to_unit(np.stack(full), self.device)))
            yield from zip(indices, frames)


class WarpBlendSegments:
    """Adapts :class:`BlendRenderer` to :func:`render_clip` (frames rendered one by one, from both keyframes)."""

    NO_PERSON = person.BACKGROUND_ONLY

    def __init__(self, renderer: BlendRenderer):
        self.renderer = renderer

    def segments(self, plan: ClipPlan, starts: list[int],
                 keyframes: list[np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
        shape = keyframes[0].shape[:2]
        for k in starts:
            for step in range(1, plan.rate):
                index = k * plan.rate + step
                background = read_image(plan.backgrounds[index])
                if background.shape[:2] != shape:
                    background = cv2.resize(background, shape[::-1], interpolation=cv2.INTER_AREA)
                poses = plan.poses[[k * plan.rate, (k + 1) * plan.rate, index]]
                frame, _ = self.renderer.frame(keyframes[k], keyframes[k + 1], background, poses, step / plan.rate)
                yield index, frame


def checkpoint_file(path: Path) -> Path:
    """The weights file of ``path``: itself, or the model.pt (warp-blend) or generator.pt (GAN) a folder holds."""
    if not path.is_dir():
        return path
    for name in ("model.pt", "generator.pt"):
        if (path / name).is_file():
            return path / name
    raise RIBError(f"{path}: holds neither model.pt nor generator.pt (train one with train.py)")


def load_renderer(path: Path, device: torch.device, precision: str) -> Renderer | WarpBlendSegments:
    """The renderer of a checkpoint written by train.py: a warp-blend ``model.pt`` or a GAN ``generator.pt``."""
    path = checkpoint_file(path)
    state = read_weights(path)
    if state.get("kind") == "warp_blend":
        model, config = blender_from_state(state, path, device)
        LOG.info("warp-blend renderer (%d px crops) on %s", config.model.crop_size, device)
        return WarpBlendSegments(BlendRenderer(model, config, device))
    generator, model_size = generator_from_state(state, path, device)
    renderer = Renderer(generator, model_size, device, use_bf16(precision, device))
    LOG.info("generator at %dx%d in %s on %s", *model_size, "bf16" if renderer.bf16 else "fp32", device)
    return renderer


def load_generator(path: Path, device: torch.device) -> tuple[Generator, tuple[int, int]]:
    """The plain (spectral norm folded) generator of a generator-weights file written by train.py."""
    return generator_from_state(read_weights(path), path, device)


def read_weights(path: Path) -> dict:
    """A renderer weights file, loaded on the CPU; a missing one is a clear error."""
    if not path.is_file():
        raise RIBError(f"{path}: generator checkpoint not found (train one with train.py, or pass --checkpoint)")
    return load_checkpoint(path, "cpu")


def generator_from_state(state: dict, path: Path, device: torch.device) -> tuple[Generator, tuple[int, int]]:
    """The plain generator of a loaded generator-weights file (``path`` names it in errors)."""
    if "hparams" not in state or "state_dict" not in state:
        raise RIBError(f"{path}: not a generator-weights file written by train.py (generator.pt)")
    width, height = state.get("model_size", (480, 320))
    if int(width) < 16 or int(height) < 16:
        raise RIBError(f"{path}: model_size {width}x{height} is too small (at least 16x16)")
    try:
        generator = load_plain(state["hparams"], state["state_dict"])
    except (RuntimeError, TypeError) as error:
        raise RIBError(f"{path}: cannot load the generator ({str(error).splitlines()[0][:200]})") from None
    return generator.to(device), (int(width), int(height))


def copy_keyframe(source: Path, destination: Path) -> None:
    """Copy a keyframe untouched (PNG bytes as they are; other formats decoded and written as lossless PNG)."""
    if source.suffix.lower() == ".png":
        write_bytes(destination, source.read_bytes())
    else:
        write_image(destination, read_image(source))


def warn_if_few_people(renderer: Renderer | WarpBlendSegments, plan: ClipPlan, pose_dir: Path) -> None:
    """One warning line for a clip whose poses show a person in fewer than half of the frames, saying what the
    renderer makes of the others."""
    seen = [has_person(pose) for pose in plan.poses]
    person.warn_if_few_people(LOG, pose_dir, seen, if_none=renderer.NO_PERSON, if_few=renderer.NO_PERSON)


def render_clip(renderer: Renderer | WarpBlendSegments, plan: ClipPlan, out_dir: Path,
                batch_size: int) -> list[Path]:
    """Write every output frame of one clip; returns the written paths in frame order."""
    keyframes = [read_image(path) for path in plan.keyframes]
    shapes = {image.shape for image in keyframes}
    if len(shapes) > 1:
        raise RIBError(f"{plan.keyframes[0].parent}: input frames differ in size ({sorted(shapes)})")
    paths = [out_dir / name for name in plan.outputs]
    bar = tqdm(total=len(paths), desc=plan.name, unit="frame", leave=False)
    for k, source in enumerate(plan.keyframes):
        copy_keyframe(source, paths[k * plan.rate])
        bar.update()
    segments = list(range(len(plan.keyframes) - 1)) if plan.rate > 1 else []
    for first in range(0, len(segments), batch_size):
        for index, frame in renderer.segments(plan, segments[first:first + batch_size], keyframes):
            write_image(paths[index], frame)
            bar.update()
    bar.close()
    return paths


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--input-dir", type=Path, required=True,
                        help=f"folder holding {INPUTS}/<clip>, {PREDICT_MOTION}/<clip> and the background folders")
    parser.add_argument("--save-dir", type=Path, default=None, help="output root (default: the input folder)")
    parser.add_argument("--upsample-rate", type=upsample_rate, default=None,
                        help="R, frames per input interval (default: inferred from the frame and pose counts)")
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT,
                        help="renderer: a folder with model.pt (warp-blend) or generator.pt (SPADE GAN), or the "
                             "file itself, as written by train.py")
    parser.add_argument("--backgrounds-dir", default=None,
                        help=f"background folder inside the input folder (default: {DAIN} if present, else "
                             f"{BACKGROUNDS})")
    parser.add_argument("--clips", nargs="+", default=None, help="render only these clips (default: all)")
    parser.add_argument("--batch-size", type=positive_int, default=4, help="input intervals rendered together")
    parser.add_argument("--video", action="store_true", help=f"also write {GENERATED_FRAMES}/<clip>.mp4")
    parser.add_argument("--fps", type=positive_number, default=30.0, help="frame rate of the --video output")
    parser.add_argument("--overwrite", action="store_true", help="replace frames of an earlier run")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                        help="generator arithmetic; auto = bf16 where the CPU/GPU computes it natively (about 3x "
                             "faster on such CPUs; the blend over the background is always fp32)")
    return parser.parse_args(argv)


def resolve_backgrounds(input_dir: Path, name: str | None) -> Path:
    """The background folder: the given name, else DAIN when present, else backgrounds."""
    if name is None:
        name = DAIN if (input_dir / DAIN).is_dir() else BACKGROUNDS
    folder = input_dir / name
    if not folder.is_dir():
        raise RIBError(f"{folder}: background folder not found (make it with rib-interpolate-backgrounds, or "
                       f"pass --backgrounds-dir)")
    return folder


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    save_dir = args.save_dir or args.input_dir
    clips = [path.name for path in list_clips(args.input_dir / PREDICT_MOTION)]
    if args.clips:
        unknown = sorted(set(args.clips) - set(clips))
        if unknown:
            raise RIBError(f"{args.input_dir / PREDICT_MOTION}: no clip(s) {', '.join(unknown)}")
        clips = [clip for clip in clips if clip in args.clips]
    backgrounds = resolve_backgrounds(args.input_dir, args.backgrounds_dir)
    plans = [plan_clip(args.input_dir, backgrounds, clip, args.upsample_rate) for clip in clips]
    for plan in plans:  # e.g. --backgrounds-dir Generated_frames: --overwrite would delete the backgrounds
        refuse_overlap((args.input_dir / INPUTS / plan.name, args.input_dir / PREDICT_MOTION / plan.name,
                        backgrounds / plan.name, args.checkpoint), save_dir / GENERATED_FRAMES / plan.name)
    device = pick_device(args.device)
    renderer = load_renderer(args.checkpoint, device, args.precision)
    out_dirs = [prepare_output_dir(save_dir / GENERATED_FRAMES / plan.name, args.overwrite, "*.png") for plan in plans]
    videos = [save_dir / GENERATED_FRAMES / f"{plan.name}.mp4" for plan in plans] if args.video else []
    clobbered = [video for video in videos if video.exists()]
    if clobbered and not args.overwrite:
        raise RIBError(f"{clobbered[0]}: already exists; pass --overwrite to replace it")
    for plan, out_dir in zip(plans, out_dirs):
        warn_if_few_people(renderer, plan, args.input_dir / PREDICT_MOTION / plan.name)
        paths = render_clip(renderer, plan, out_dir, args.batch_size)
        LOG.info("%s: %d frames (R=%d) -> %s", plan.name, len(paths), plan.rate, out_dir)
        if args.video:
            video = save_dir / GENERATED_FRAMES / f"{plan.name}.mp4"
            write_video(video, (read_image(path) for path in paths), args.fps)
            LOG.info("%s: video -> %s", plan.name, video)


if __name__ == "__main__":
    main()

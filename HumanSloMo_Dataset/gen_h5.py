"""Pack a HumanSlomo dataset folder into HumanSlomo.h5 (the reference's schema plus fps/stride attributes).

Reads train/frames, train/poses, train/<backgrounds> and test/gt, test/poses, test/<backgrounds>; images are
stored as their raw PNG/JPG bytes and poses as J19 (x, y, confidence). Example:
    python gen_h5.py -i HumanSloMo -o . --backgrounds-dir DAIN
"""
from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import h5py
import numpy as np

from HumanSloMo_Dataset.batch import raise_if_failed, run_each
from HumanSloMo_Dataset.manifest import clip_attrs, read_manifest
from rib.atomic import atomic_path
from rib.errors import RIBError, cli_entry
from rib.frames import decode_image, list_clips, list_frames, train_background_name
from rib.h5data import write_clip
from rib.names import DAIN, POSES, SPLIT_FRAMES
from rib.poses import read_pose_folder
from rib.safety import refuse_overlap

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClipFolders:
    """The three folders of one clip."""

    split: str
    frames: Path
    poses: Path
    backgrounds: Path

    @property
    def name(self) -> str:
        return self.frames.name


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("-i", "--image-path", "--image_path", default="HumanSloMo",
                        help="dataset root holding train/ and test/")
    parser.add_argument("-o", "--output-path", "--output_path", default=".", help="folder of the h5 file")
    parser.add_argument("--output-name", default="HumanSlomo.h5", help="file name of the h5")
    parser.add_argument("--backgrounds-dir", default=DAIN,
                        help="background folder inside each split (DAIN as in the reference, or backgrounds)")
    parser.add_argument("--splits", nargs="+", choices=tuple(SPLIT_FRAMES), default=list(SPLIT_FRAMES),
                        help="splits to pack")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing h5 file")
    return parser


def read_bytes_checked(files: Sequence[Path]) -> tuple[list[bytes], tuple[int, ...] | None]:
    """Raw bytes of image files, each checked to decode, and their common shape."""
    blobs, shape = [], None
    for path in files:
        data = path.read_bytes()
        image_shape = decode_image(data, str(path)).shape
        if shape is not None and image_shape != shape:
            raise RIBError(f"{path}: image is {image_shape[1]}x{image_shape[0]}, others {shape[1]}x{shape[0]}")
        blobs.append(data)
        shape = image_shape
    return blobs, shape


def check_backgrounds(folder: Path, split: str, frames: Sequence[Path], backgrounds: Sequence[Path]) -> None:
    """Check the background count (train N-2, test T) and the training background names."""
    want = len(frames) - 2 if split == "train" else len(frames)
    if len(backgrounds) != want:
        raise RIBError(f"{folder}: {len(backgrounds)} backgrounds for {len(frames)} frames, expected {want} "
                       f"({split} layout)")
    if split == "train":
        names = [train_background_name(f.stem) for f in frames[:-2]]
        wrong = next((b for b, n in zip(backgrounds, names) if b.name != n), None)
        if wrong is not None:
            raise RIBError(f"{wrong}: unexpected name; training backgrounds must be {names[0]} ... {names[-1]}")


class Packer:
    """Writes clips into an open h5 file."""

    def __init__(self, h5: h5py.File, manifests: dict[str, dict]):
        self.h5, self.manifests = h5, manifests

    def __call__(self, clip: ClipFolders) -> None:
        frames = list_frames(clip.frames)
        backgrounds = list_frames(clip.backgrounds, allow_empty=True) if clip.backgrounds.is_dir() else []
        check_backgrounds(clip.backgrounds, clip.split, frames, backgrounds)
        images, shape = read_bytes_checked(frames)
        background_blobs, background_shape = read_bytes_checked(backgrounds)
        if background_shape is not None and background_shape != shape:
            raise RIBError(f"{clip.backgrounds}: backgrounds are {background_shape[1]}x{background_shape[0]}, "
                           f"frames {shape[1]}x{shape[0]}")
        poses = read_pose_folder(clip.poses)
        if len(poses) != len(frames):
            raise RIBError(f"{clip.poses}: {len(poses)} pose files for {len(frames)} frames")
        empty = np.flatnonzero(~(poses[..., 2] > 0).any(axis=1))
        if len(empty):
            log.warning("%s: %d of %d pose files have no person (frames %s); their joints are stored as missing",
                        clip.poses, len(empty), len(poses), ", ".join(frames[i].name for i in empty[:5]))
        record = self.manifests[clip.split].get(clip.name, {})
        write_clip(self.h5, clip.name, clip.split, images, background_blobs, poses, clip_attrs(record))


def find_clips(root: Path, split: str, backgrounds_dir: str) -> list[ClipFolders]:
    """The clips of one split of a dataset root."""
    split_root = root / split
    return [ClipFolders(split, folder, split_root / POSES / folder.name, split_root / backgrounds_dir / folder.name)
            for folder in list_clips(split_root / SPLIT_FRAMES[split])]


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    root, output = Path(args.image_path), Path(args.output_path) / args.output_name
    refuse_overlap((root,), output)
    if output.exists() and not args.overwrite:
        raise RIBError(f"{output}: already exists; pass --overwrite to replace it")
    clips, manifests = [], {}
    for split in args.splits:
        if not (root / split / SPLIT_FRAMES[split]).is_dir():
            log.warning("%s: not found, split '%s' skipped", root / split / SPLIT_FRAMES[split], split)
            continue
        clips += find_clips(root, split, args.backgrounds_dir)
        manifests[split] = read_manifest(root / split / SPLIT_FRAMES[split])["clips"]
    if not clips:
        raise RIBError(f"{root}: no train/frames or test/gt clip folders")
    with atomic_path(output) as tmp:
        with h5py.File(tmp, "w") as h5:
            failures = run_each(clips, Packer(h5, manifests), name=lambda clip: f"{clip.split}/{clip.name}")
            h5.attrs["backgrounds_dir"] = args.backgrounds_dir
    log.info("wrote %d of %d clips to %s", len(clips) - len(failures), len(clips), output)
    raise_if_failed(failures, len(clips))


if __name__ == "__main__":
    main()

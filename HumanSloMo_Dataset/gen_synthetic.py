"""Render an offline HumanSlomo-format dataset with exact 60-fps ground truth: people performing DeepMimic mocap.

    python HumanSloMo_Dataset/gen_synthetic.py --out data/synthetic --rate 4
    python HumanSloMo_Dataset/gen_synthetic.py --example --out example --motions jump --max-frames 9
    python HumanSloMo_Dataset/gen_synthetic.py --out data/synth4_p2 --splits test --people 2 --camera far

The first writes train/ and test/ in the reference's layout (see HumanSloMo_Dataset/synth/dataset.py) plus a
manifest; the second writes one short test clip in the quick-start layout (inputs, input_poses, gt, poses).
Backgrounds (DAIN-like midpoints) are made afterwards by interpolate_backgrounds.py.
"""
from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Sequence

from HumanSloMo_Dataset.synth.contact_sheet import contact_sheet
from HumanSloMo_Dataset.synth.body import DEFAULT_POOL
from HumanSloMo_Dataset.synth.cast import CAMERAS, MAX_PEOPLE
from HumanSloMo_Dataset.synth.dataset import ACTORS, Settings, generate
from rib.errors import cli_entry
from rib.names import POSES, SPLIT_FRAMES, TEST, TRAIN
from rib.paths import REPO_ROOT

LOG = logging.getLogger(__name__)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "synthetic", help="output dataset folder")
    parser.add_argument("--rate", type=int, default=4, choices=(2, 4, 8),
                        help="upsampling rate R: train frames and test inputs are every R-th 60-fps frame")
    parser.add_argument("--seed", type=int, default=0, help="random seed (cameras, floors, backdrops)")
    parser.add_argument("--width", type=int, default=768, help="frame width in pixels")
    parser.add_argument("--height", type=int, default=512, help="frame height in pixels")
    parser.add_argument("--clip-seconds", type=float, default=2.0, help="motions are cut into clips of about this")
    parser.add_argument("--train-views", type=int, default=3, help="camera paths per training clip")
    parser.add_argument("--test-views", type=int, default=1, help="camera paths per test clip")
    parser.add_argument("--motions", nargs="+", default=None,
                        help="DeepMimic motions to use (e.g. jump walk walker_turn_left0); default: all")
    parser.add_argument("--splits", nargs="+", choices=("train", "test"), default=["train", "test"],
                        help="which splits to generate")
    parser.add_argument("--max-frames", type=int, default=None,
                        help="at most this many low-rate frames per clip (train frames / test inputs)")
    parser.add_argument("--max-pieces", type=int, default=None, help="at most this many clips per motion and view")
    parser.add_argument("--format", choices=("png", "jpg"), default="png", help="image format of the frames")
    parser.add_argument("--jpeg-quality", type=int, default=90, help="JPEG quality (1-100) with --format jpg")
    parser.add_argument("--example", action="store_true",
                        help="write test clips in the quick-start layout: OUT/{inputs,input_poses,gt,poses}/<clip>")
    parser.add_argument("--dense-train", action="store_true",
                        help="write training clips at every 60-fps frame in the test layout under OUT/train_dense/ "
                             "(gt, poses, masks, inputs every R-th frame): in-between ground truth for the renderer")
    parser.add_argument("--actor", choices=ACTORS, default="human",
                        help="who performs: 'human', an anny body with a new identity (skin, hair, clothes, shape) "
                             "per clip, test identities never used for training; 'capsule', pybullet's DeepMimic "
                             "mannequin of the reports before December 2026")
    parser.add_argument("--bodies", type=Path, default=DEFAULT_POOL,
                        help="body pool of the human actor (HumanSloMo_Dataset/make_bodies.py makes one)")
    parser.add_argument("--people", type=int, default=1, choices=range(1, MAX_PEOPLE + 1), metavar="N",
                        help=f"people per clip (1 to {MAX_PEOPLE}; human actor): each extra one another identity of "
                             "the split doing another motion of the split, beside or behind the first; clip names "
                             "end _pN, every person is listed with its track and gets a visible mask in "
                             "person_masks/")
    parser.add_argument("--camera", choices=CAMERAS, default="near",
                        help="'near': people 1/6 to 2/3 of the frame height; 'far' (human actor): every person 1/8 "
                             "to 1/5 of it, clip names end _far")
    parser.add_argument("--contact-sheet", type=Path, default=None,
                        help="also draw generated ground-truth frames with their poses into this PNG")
    parser.add_argument("--overwrite", action="store_true", help="replace the files of an earlier run (clip folders this run does not write are left alone)")
    args = parser.parse_args(argv)
    for name in ("width", "height", "train_views", "test_views", "max_frames", "max_pieces"):
        value = getattr(args, name)
        if value is not None and value < (16 if name in ("width", "height") else 1):
            parser.error(f"--{name.replace('_', '-')} is too small: {value}")
    if not 1 <= args.jpeg_quality <= 100:
        parser.error(f"--jpeg-quality must be 1-100, got {args.jpeg_quality}")
    if args.clip_seconds <= 0:
        parser.error(f"--clip-seconds must be positive, got {args.clip_seconds}")
    return args


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    settings = Settings(
        rate=args.rate, width=args.width, height=args.height, seed=args.seed, clip_seconds=args.clip_seconds,
        train_views=args.train_views, test_views=args.test_views, motions=args.motions,
        splits=("test",) if args.example else tuple(args.splits), max_frames=args.max_frames,
        max_pieces=args.max_pieces, image_format=args.format, jpeg_quality=args.jpeg_quality, example=args.example,
        dense_train=args.dense_train, actor=args.actor, bodies=args.bodies, people=args.people, camera=args.camera)
    started = time.perf_counter()
    manifest = generate(args.out, settings, overwrite=args.overwrite)
    seconds = time.perf_counter() - started
    frames = sum(clip["num_frames"] for clip in manifest["clips"].values())
    LOG.info("wrote %d clips, %d rendered frames to %s in %.1f s (%.2f frames/s)", len(manifest["clips"]), frames,
             args.out, seconds, frames / seconds)
    if args.contact_sheet is not None:
        split = TEST if TEST in settings.splits else TRAIN  # the example is a test split without its folder
        root = args.out if args.example else args.out / split
        contact_sheet(root / SPLIT_FRAMES[split], root / POSES, args.contact_sheet)
        LOG.info("wrote %s", args.contact_sheet)


if __name__ == "__main__":
    main()

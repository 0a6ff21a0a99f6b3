"""DAIN backgrounds in this project's naming, at any rate R. Run it from a DAIN checkout (github.com/baowenbo/DAIN).

Replaces the reference's scripts/DAIN_train.py and DAIN_test.py: the weights path is a flag, any integer rate works
(DAIN_slowmotion is built with timestep 1/R and returns the R-1 in-betweens), ``--cpu`` replaces the broken
``--use_cuda type=bool`` flag, and outputs go through rib.frames' names (test: ``<stem>_{k/R:.6f}.png`` plus the
``_0.000000`` copies; train: ``train-<stem_{i-1}>_0.500000.png`` from frames i-1 and i+1).
Example (inside the DAIN checkout, with its PyTorch 1.x environment plus numpy and opencv-python-headless):
    python /path/to/render-in-between/third_party/DAIN/dain_backgrounds.py --layout test --rate 4 \
        --input HumanSloMo/test/inputs --output HumanSloMo/test/DAIN
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import torch

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [os.getcwd(), str(REPO_ROOT)]  # DAIN's packages (the working directory) and this project's rib

from rib.atomic import prepare_output_dir  # noqa: E402  (the project root is put on the path first)
from rib.errors import RIBError, cli_entry  # noqa: E402
from rib.frames import (background_name, list_clips, list_frames, read_image,  # noqa: E402
                        train_background_name, write_image)

ALIGN = 128
"""DAIN pads each side to a multiple of 128; a side that already is one gets 32 pixels on each side."""


def padding(size: int) -> tuple[int, int]:
    """(before, after) replicate padding of one image side, as DAIN's own demo pads."""
    if size % ALIGN == 0:
        return 32, 32
    extra = (size // ALIGN + 1) * ALIGN - size
    return extra // 2, extra - extra // 2


class DAIN:
    """A DAIN_slowmotion network producing the frames at t = k/R between two images."""

    def __init__(self, args: argparse.Namespace, rate: int):
        import networks  # DAIN's package, importable from the DAIN checkout

        self.device = torch.device("cpu" if args.cpu else "cuda")
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise RIBError("CUDA is not available (DAIN's CUDA extensions need it; --cpu only works for models "
                           "built without them)")
        self.model = networks.__dict__[args.netName](channel=args.channels, filter_size=args.filter_size,
                                                     timestep=1.0 / rate, training=False)
        weights = Path(args.weights)
        if not weights.is_file():
            raise RIBError(f"{weights}: DAIN weights not found (download best.pth as DAIN's README says)")
        state = torch.load(str(weights), map_location="cpu")
        own = self.model.state_dict()
        self.model.load_state_dict({k: v for k, v in state.items() if k in own})
        self.model = self.model.to(self.device).eval()
        self.save_which = args.save_which
        torch.backends.cudnn.benchmark = True

    @torch.no_grad()
    def __call__(self, frame0: np.ndarray, frame1: np.ndarray) -> list[np.ndarray]:
        height, width = frame0.shape[:2]
        (top, bottom), (left, right) = padding(height), padding(width)
        pad = torch.nn.ReplicationPad2d((left, right, top, bottom))

        def tensor(frame: np.ndarray) -> torch.Tensor:
            chw = torch.from_numpy(frame.transpose(2, 0, 1).astype(np.float32) / 255.0)
            return pad(chw[None].to(self.device))

        outputs, _, _ = self.model(torch.stack((tensor(frame0), tensor(frame1)), dim=0))
        chosen = outputs[self.save_which]
        chosen = chosen if isinstance(chosen, (list, tuple)) else [chosen]
        return [np.round(255.0 * item.clamp(0, 1)[0, :, top:top + height, left:left + width].permute(1, 2, 0)
                         .cpu().numpy()).astype(np.uint8) for item in chosen]


def run_clip(dain: DAIN, layout: str, rate: int, clip: Path, output: Path, overwrite: bool) -> None:
    """Write one clip's backgrounds in the ``test`` or ``train`` layout."""
    frames = list_frames(clip)
    images = [read_image(path) for path in frames]
    if layout == "test":
        output = prepare_output_dir(output, overwrite, "*_[0-9].[0-9][0-9][0-9][0-9][0-9][0-9].png")
        for i, path in enumerate(frames):
            write_image(output / background_name(path.stem, 0.0), images[i])
            if i + 1 < len(frames):
                for k, frame in enumerate(dain(images[i], images[i + 1]), start=1):
                    write_image(output / background_name(path.stem, k / rate), frame)
    else:
        output = prepare_output_dir(output, overwrite, "train-*_0.500000.png")
        for i in range(1, len(frames) - 1):
            write_image(output / train_background_name(frames[i - 1].stem), dain(images[i - 1], images[i + 1])[0])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--input", required=True, help="root of clip frame folders (<input>/<clip>/*.png)")
    parser.add_argument("--output", required=True, help="root of the background folders to write")
    parser.add_argument("--layout", choices=("test", "train"), default="test",
                        help="test: R-1 frames between neighbours plus copies; train: frame i from i-1 and i+1")
    parser.add_argument("--rate", type=int, default=2, help="upsampling rate R of the test layout")
    parser.add_argument("--weights", default="./model_weights/best.pth", help="DAIN weights")
    parser.add_argument("--netName", default="DAIN_slowmotion", help="network class in DAIN's networks package")
    parser.add_argument("--channels", "-c", type=int, choices=(1, 3), default=3, help="image channels")
    parser.add_argument("--filter_size", "-f", type=int, choices=(2, 4, 5, 6, 51), default=4,
                        help="DAIN's adaptive filter size")
    parser.add_argument("--save_which", "-s", type=int, choices=(0, 1), default=1,
                        help="0: interpolated output, 1: rectified output")
    parser.add_argument("--cpu", action="store_true", help="run on the CPU instead of CUDA")
    parser.add_argument("--overwrite", action="store_true", help="replace backgrounds already in output folders")
    return parser


@cli_entry
def main(argv=None) -> None:
    args = build_parser().parse_args(argv)
    if args.rate < 2:
        raise RIBError(f"rate {args.rate}: must be an integer of at least 2")
    dain = DAIN(args, args.rate if args.layout == "test" else 2)
    for clip in list_clips(args.input):
        print(f"{clip.name} -> {Path(args.output) / clip.name}", flush=True)
        run_clip(dain, args.layout, args.rate, clip, Path(args.output) / clip.name, args.overwrite)


if __name__ == "__main__":
    main()

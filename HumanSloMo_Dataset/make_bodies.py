"""Make the pool of posable human bodies that gen_synthetic.py's human actor wears (needs anny; offline, CPU).

    python HumanSloMo_Dataset/make_bodies.py                      # rewrites the shipped pool
    python HumanSloMo_Dataset/make_bodies.py --train 100 --test 30 --out my_bodies.npz

Each body is an adult drawn from anny's six shape sliders (gender, age, muscle, weight, height, proportions) and
reserved for one split, so test clips show bodies never seen in training. The file holds each body's rest mesh and
bone heads plus the shared rig, skin weights, UVs and OpenPose keypoint definitions (a few MB), so generating data
needs only numpy and pybullet. The first run of anny takes one to two minutes and caches ~790 MB in ~/.cache/anny.
"""
from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from HumanSloMo_Dataset.synth.anny_export import export_bodies, load_anny, sample_phenotypes
from HumanSloMo_Dataset.synth.body import DEFAULT_POOL, write_pool
from rib.errors import cli_entry

LOG = logging.getLogger(__name__)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_POOL, help="body pool file to write (.npz)")
    parser.add_argument("--train", type=int, default=36, help="bodies reserved for training clips")
    parser.add_argument("--test", type=int, default=12, help="bodies reserved for test clips")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the shape sliders")
    args = parser.parse_args(argv)
    for name in ("train", "test"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}")
    return args


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    phenotypes = sample_phenotypes(np.random.default_rng(args.seed), args.train + args.test)
    topology, bodies = export_bodies(load_anny(), phenotypes)
    write_pool(args.out, topology, bodies, ["train"] * args.train + ["test"] * args.test)
    LOG.info("wrote %d bodies (%d train, %d test) to %s in %.1f s", len(bodies), args.train, args.test, args.out,
             time.perf_counter() - started)


if __name__ == "__main__":
    main()

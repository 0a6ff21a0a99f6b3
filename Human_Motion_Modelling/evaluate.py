"""Evaluate a motion checkpoint with the reference's protocol and better metrics (model vs linear vs cubic).

Prints a table, writes it as CSV and logs it to TensorBoard. Errors are in pixels of a 512-px canvas and
count in-between frames only; velocity and acceleration errors cover every output frame.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from torch.utils.tensorboard import SummaryWriter

from Human_Motion_Modelling.checkpoints import DEFAULT_CHECKPOINT, load_trained_model
from Human_Motion_Modelling.config import complete_config
from Human_Motion_Modelling.data.sequences import resolve
from Human_Motion_Modelling.evaluation import Protocol, format_table, log_metrics, table_csv
from rib.atomic import prepare_output_dir, write_text
from rib.config import add_set_argument, apply_overrides, load_config, require
from rib.distributed import pick_device
from rib.errors import RIBError, cli_entry
from rib.paths import REPO_ROOT
from rib.safety import refuse_overlap

log = logging.getLogger("motion.evaluate")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT,
                        help="motion checkpoint file, or a folder holding model.pt (older: model.pth, last.pth)")
    parser.add_argument("--config", type=Path,
                        help="YAML config whose data/evaluate keys replace the checkpoint's (e.g. another h5)")
    parser.add_argument("--rate", type=int, help="keyframe step (default: the config's evaluate.rate, 16)")
    parser.add_argument("--out-dir", type=Path, default=REPO_ROOT / "runs" / "motion" / "eval",
                        help="folder for metrics_rate<R>.csv and TensorBoard logs")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing metrics CSV")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    add_set_argument(parser)
    return parser.parse_args(argv)


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    trained = load_trained_model(args.checkpoint, pick_device(args.device))
    config = dict(trained.config)
    if args.config is not None:
        other = load_config(args.config)
        for section in ("data", "evaluate"):
            config[section] = {**config[section], **(other.get(section) or {})}
    config = complete_config(apply_overrides(config, args.overrides), f"{args.checkpoint} config with --config/--set")
    refuse_overlap((args.checkpoint, args.config, resolve(require(config, "data.h5_file"))), args.out_dir)
    protocol = Protocol.from_config(config, rate=args.rate)
    name = f"metrics_rate{protocol.rate}.csv"
    prepare_output_dir(args.out_dir, args.overwrite, pattern=name)
    table = protocol.run(trained.model, trained.normaliser)
    if not table["model"]["sequences"]:
        raise RIBError(f"{config['data']['h5_file']}: no test sequence is long enough for rate {protocol.rate}")
    print(format_table(table))
    write_text(args.out_dir / name, table_csv(table))
    with SummaryWriter(str(args.out_dir / "logs")) as writer:
        log_metrics(writer, table, trained.epoch)
    log.info("wrote %s", args.out_dir / name)


if __name__ == "__main__":
    main()

"""Build the reference's ``AMASS_3D_joints.h5`` from AMASS: SMPL-H forward kinematics, 10-90% trim, one frame rate.

Reads ``AMASS_ROOT/<Subset>/<subject>/*.npz`` (keys ``poses`` (T, 156), ``trans``, ``betas``,
``mocap_framerate``, ``gender``) and the SMPL-H body models ``BODY_MODEL_DIR/[smplh/]<gender>/model.npz``
(the AMASS layout). All 52 SMPL-H joints are computed at the capture rate, trimmed to the middle 80% and
resampled to ``--fps`` by linear interpolation of the joint positions, then written in the reference's layout
``/<Subset>/<subject>_<file.npz>/joints`` float64 (T, 52, 3) (see motion_h5.py; ``fps`` and ``source`` are extra
attributes the reference's loader ignores). The motion loader derives J19 from them. Needs the ``amass`` extra
(``pip install smplx``).
"""
from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from tqdm import tqdm

from Human_Motion_Modelling.AMASS import motion_h5
from Human_Motion_Modelling.data.sequences import resample
from rib.atomic import atomic_path
from rib.distributed import pick_device
from rib.errors import RIBError, cli_entry
from rib.joints import NUM_SMPLH
from rib.paths import REPO_ROOT
from rib.safety import refuse_overlap

REFERENCE_SUBSETS = (
    "HumanEva", "MPI_HDM05", "SFU", "MPI_mosh", "Transitions_mocap", "SSM_synced", "CMU", "MPI_Limits",
    "TotalCapture", "Eyes_Japan_Dataset", "KIT", "DFaust_67", "BMLhandball", "BMLmovi", "EKUT", "TCD_handMocap",
    "BioMotionLab_NTroje", "ACCAD",
)
CHUNK_FRAMES = 1024
log = logging.getLogger("motion.gen_amass_h5")


def trim_range(num_frames: int, fraction: float = 0.1) -> slice:
    """The reference's trim: frames [floor(0.1 N), floor(0.9 N))."""
    return slice(int(np.floor(fraction * num_frames)), int(np.floor((1 - fraction) * num_frames)))


def _smplx():
    try:
        import smplx
    except ImportError:
        raise RIBError("gen_amass_h5 needs the 'amass' extra: pip install 'smplx>=0.1.28'") from None
    return smplx


class BodyModels:
    """SMPL-H body models by gender, loaded on first use from an AMASS-style body-model folder."""

    def __init__(self, root: Path, num_betas: int, device: torch.device):
        self.root, self.num_betas, self.device = root, num_betas, device
        self.models: dict[str, torch.nn.Module] = {}

    def path(self, gender: str) -> Path:
        for candidate in (self.root / gender / "model.npz", self.root / "smplh" / gender / "model.npz"):
            if candidate.is_file():
                return candidate
        raise RIBError(f"{self.root}: no SMPL-H body model {gender}/model.npz (or smplh/{gender}/model.npz)")

    def get(self, gender: str) -> torch.nn.Module:
        if gender not in self.models:
            smplx = _smplx()
            path = self.path(gender)
            try:
                data = dict(np.load(path, allow_pickle=True))
            except (OSError, ValueError) as error:
                raise RIBError(f"{path}: cannot read body model ({error})") from None
            # AMASS's extended SMPL+H files carry no hand PCA; full axis-angle hand poses need none.
            data.setdefault("hands_componentsl", np.eye(45))
            data.setdefault("hands_componentsr", np.eye(45))
            data.setdefault("hands_meanl", np.zeros(45))
            data.setdefault("hands_meanr", np.zeros(45))
            try:
                model = smplx.SMPLH(model_path=str(path), data_struct=smplx.utils.Struct(**data), ext="npz",
                                    gender=gender, num_betas=self.num_betas, use_pca=False, flat_hand_mean=True)
            except (AttributeError, KeyError, ValueError, RuntimeError) as error:
                raise RIBError(f"{path}: not an SMPL-H body model ({type(error).__name__}: {error})") from None
            self.models[gender] = model.to(self.device).eval()
        return self.models[gender]

    @torch.no_grad()
    def joints(self, gender: str, poses: np.ndarray, trans: np.ndarray, betas: np.ndarray) -> np.ndarray:
        """(T, 52, 3) SMPL-H joints (metres, global orientation and translation applied)."""
        model = self.get(gender)
        out = []
        beta = torch.as_tensor(betas[:self.num_betas], dtype=torch.float32, device=self.device)
        beta = torch.nn.functional.pad(beta, (0, self.num_betas - len(beta)))
        for first in range(0, len(poses), CHUNK_FRAMES):
            pose = torch.as_tensor(poses[first:first + CHUNK_FRAMES], dtype=torch.float32, device=self.device)
            shift = torch.as_tensor(trans[first:first + CHUNK_FRAMES], dtype=torch.float32, device=self.device)
            result = model(betas=beta.expand(len(pose), -1), global_orient=pose[:, :3], body_pose=pose[:, 3:66],
                           left_hand_pose=pose[:, 66:111], right_hand_pose=pose[:, 111:156], transl=shift)
            out.append(result.joints[:, :NUM_SMPLH].cpu().numpy())
        return np.concatenate(out).astype(np.float64)


def read_motion(path: Path) -> dict | None:
    """The fields of an AMASS motion file, or ``None`` for files without motion (e.g. ``shape.npz``)."""
    try:
        with np.load(path, allow_pickle=True) as data:
            if "poses" not in data or "trans" not in data:
                return None
            fields = {key: data[key] for key in ("poses", "trans", "betas", "mocap_framerate") if key in data}
            gender = data["gender"].item() if "gender" in data else "neutral"
    except (OSError, ValueError, EOFError) as error:
        log.warning("%s: skipped, unreadable (%s)", path, error)
        return None
    if "mocap_framerate" not in fields or fields["poses"].ndim != 2 or fields["poses"].shape[1] < 156:
        log.warning("%s: skipped, no mocap_framerate or poses not (T, 156)", path)
        return None
    fields["gender"] = (gender.decode() if isinstance(gender, bytes) else str(gender)).strip().lower()
    return fields


def build_sequence(models: BodyModels, motion: dict, gender_model: str, fps: float) -> np.ndarray | None:
    """(T', 52, 3) SMPL-H joints at ``fps`` of one AMASS motion; ``None`` if too short after trimming."""
    frames = trim_range(len(motion["poses"]))
    if frames.stop - frames.start < 2:
        return None
    gender = motion["gender"] if gender_model == "per-sequence" else gender_model
    betas = np.asarray(motion.get("betas", np.zeros(models.num_betas)), dtype=np.float64).reshape(-1)
    joints = models.joints(gender, motion["poses"][frames], motion["trans"][frames], betas)
    return resample(joints, float(motion["mocap_framerate"]), fps)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--amass-root", type=Path, required=True, help="folder holding <Subset>/<subject>/*.npz")
    parser.add_argument("--body-model-dir", type=Path, required=True,
                        help="folder holding <gender>/model.npz or smplh/<gender>/model.npz (SMPL-H)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "motion" / "AMASS_3D_joints.h5",
                        help="motion h5 to write (the reference's layout)")
    parser.add_argument("--subsets", nargs="+", default=list(REFERENCE_SUBSETS),
                        help="AMASS subsets to convert (missing ones are skipped with a warning)")
    parser.add_argument("--fps", type=float, default=60.0, help="frame rate every sequence is resampled to")
    parser.add_argument("--gender-model", choices=("male", "female", "neutral", "per-sequence"), default="male",
                        help="body model to use: one for all (the reference uses male) or each file's gender")
    parser.add_argument("--num-betas", type=int, default=10, help="shape coefficients used")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    return parser.parse_args(argv)


def find_motions(root: Path, subsets: Sequence[str]) -> list[tuple[str, Path]]:
    """(subset, file) of every motion file of the subsets present under ``root``."""
    if not root.is_dir():
        raise RIBError(f"{root}: AMASS folder not found")
    found = []
    for subset in subsets:
        if not (root / subset).is_dir():
            log.warning("%s: subset not found, skipped", root / subset)
            continue
        found += [(subset, path) for path in sorted((root / subset).rglob("*.npz"))]
    if not found:
        raise RIBError(f"{root}: no .npz motion files in subsets {', '.join(subsets)}")
    return found


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    refuse_overlap((args.amass_root, args.body_model_dir), args.out)
    if args.out.exists() and not args.overwrite:
        raise RIBError(f"{args.out}: already exists; pass --overwrite to replace it")
    _smplx()
    motions = find_motions(args.amass_root, args.subsets)
    models = BodyModels(args.body_model_dir, args.num_betas, pick_device(args.device))
    written = 0
    with atomic_path(args.out) as tmp:
        with motion_h5.open_for_writing(tmp, builder="gen_amass_h5", joint_set="SMPL-H") as h5:
            h5.attrs["fps"] = args.fps
            for subset, path in tqdm(motions, desc="AMASS", unit="file"):
                motion = read_motion(path)
                joints = None if motion is None else build_sequence(models, motion, args.gender_model, args.fps)
                if joints is None:
                    continue
                subject = path.parent.relative_to(args.amass_root / subset).as_posix().replace("/", "_")
                source = os.path.relpath(path, args.amass_root)
                motion_h5.write_sequence(h5, subset, f"{subject}_{path.name}", joints, args.fps, source)
                written += 1
    if not written:
        raise RIBError(f"{args.amass_root}: no usable motion files (need poses, trans, mocap_framerate)")
    log.info("wrote %d sequences to %s", written, args.out)


if __name__ == "__main__":
    main()

"""The pipeline's stages, each through the public functions of its stage package, with one progress bar each."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
import torch
from tqdm import tqdm

from HumanSloMo_Dataset.backgrounds.base import MAX_SIDE
from rib.atomic import prepare_output_dir
from rib.errors import RIBError
from rib.frames import image_size, list_poses
from rib.names import DAIN
from rib.openpose import read_people
from rib.poses import read_pose_folder, read_track_folder, write_pose_folder
from rib_pipeline.layers import back_to_front, render_layers
from rib_pipeline.layout import WorkLayout
from rib_pipeline.media import Source, extract_frames
from rib_pipeline.scenes import CutDetector
from rib_pipeline.self_check import FOLDER as SELF_CHECK_FOLDER
from rib_pipeline.self_check import SelfCheck, run_self_check

if TYPE_CHECKING:
    from HumanSloMo_Dataset.backgrounds.base import Interpolator
    from Human_Motion_Modelling.checkpoints import TrainedModel
    from Pose_Guided_Neural_Rendering.api import ClipRenderer

ALPHAPOSE_MARKERS = ("alphapose-results.json", "sep-json")


def frames_stage(source: Source, layout: WorkLayout, cut_threshold: float) -> tuple[list[Path], list[int]]:
    """Input frames -> ``inputs/<clip>/frame%05d.png``; returns the files and the scene cuts found on the way."""
    detector = CutDetector(cut_threshold)
    out_dir = prepare_output_dir(layout.inputs)
    with tqdm(total=source.num_frames, desc="frames", unit="frame") as bar:
        def on_frame(frame: np.ndarray) -> None:
            detector.add(frame)
            bar.update()

        files = extract_frames(source, out_dir, on_frame)
    return files, detector.cuts


def pose_backend(poses: Path | None) -> str:
    """``mediapipe`` without given poses; ``alphapose`` for AlphaPose outputs; ``openpose`` for per-frame files."""
    if poses is None:
        return "mediapipe"
    if poses.is_file() or any((poses / marker).exists() for marker in ALPHAPOSE_MARKERS):
        return "alphapose"
    return "openpose"


def poses_stage(layout: WorkLayout, poses: Path | None, frame_hw: tuple[int, int]) -> dict[int, np.ndarray]:
    """``input_poses/<clip>`` (MediaPipe, or converted from ``poses``; every tracked person, main first); returns
    each track's (N, 19, 3) J19 sequence, main first (empty when nobody is found), joints far outside the
    ``frame_hw`` frames dropped."""
    from HumanSloMo_Dataset.poses.estimate import estimate_poses

    summary = estimate_poses(layout.inputs, layout.input_poses, pose_backend(poses), poses)
    if summary.failures:
        raise RIBError(summary.failures[0])
    return read_track_folder(layout.input_poses, frame_hw)


def people_per_frame(folder: Path) -> list[int]:
    """How many people each pose file of ``folder`` holds."""
    return [len(read_people(path)) for path in list_poses(folder)]


def load_motion_model(device: torch.device, checkpoint: Path | None = None) -> TrainedModel:
    """The motion model (the shipped one unless ``checkpoint``) on ``device``, loaded once per run."""
    from Human_Motion_Modelling.checkpoints import DEFAULT_CHECKPOINT, load_trained_model

    return load_trained_model(checkpoint or DEFAULT_CHECKPOINT, device)


def build_background(backend: str, *, device: str, max_side: int = MAX_SIDE) -> Interpolator:
    """The background interpolator ``backend`` on ``device`` (``--device``), built once per run."""
    from HumanSloMo_Dataset import backgrounds

    return backgrounds.build(backend, max_side, device)


def motion_stage(layout: WorkLayout, tracks: dict[int, np.ndarray], rate: int, trained: TrainedModel
                 ) -> dict[int, np.ndarray]:
    """The motion model's (N-1)R+1 poses of every track (keyframes where a track is absent stay empty): the first
    (main) one in ``Predict_motion/<clip>``, the others in ``Predict_motion/<clip>__person<track>``; returns them."""
    from Human_Motion_Modelling.upsample import model_upsample

    predicted = {}
    with tqdm(total=len(tracks), desc="motion", unit="person") as bar:
        for rank, (track, poses) in enumerate(tracks.items()):
            with torch.inference_mode():
                predicted[track] = model_upsample(trained.model, trained.normaliser, poses, rate,
                                                  window_frames=trained.window_frames)
            write_pose_folder(layout.motion if rank == 0 else layout.person_motion(track), predicted[track])
            bar.update()
    return predicted


def background_stage(layout: WorkLayout, num_inputs: int, inner: Interpolator, rate: int, cuts: Sequence[int]
                     ) -> list[Path]:
    """``DAIN/<clip>``: the (N-1)R+1 backgrounds (test layout) by ``inner``; across a scene cut, the nearer input
    frame."""
    from HumanSloMo_Dataset.backgrounds.layout import interpolate_test_clip
    from rib_pipeline.progress_interpolator import CutAwareInterpolator

    with tqdm(total=num_inputs - 1, desc=f"backgrounds ({inner.name})", unit="pair") as bar:
        interpolator = CutAwareInterpolator(inner, set(cuts), bar.update)
        return interpolate_test_clip(layout.inputs, layout.backgrounds, interpolator, rate)


def train_background_stage(layout: WorkLayout, num_inputs: int, inner: Interpolator) -> list[Path]:
    """``train_backgrounds/<clip>``: frame k from frames k-1 and k+1 by ``inner`` (the renderer's training
    layout)."""
    from HumanSloMo_Dataset.backgrounds.layout import interpolate_train_clip
    from rib_pipeline.progress_interpolator import CutAwareInterpolator

    with tqdm(total=max(0, num_inputs - 2), desc=f"train backgrounds ({inner.name})", unit="frame") as bar:
        return interpolate_train_clip(layout.inputs, layout.train_backgrounds,
                                      CutAwareInterpolator(inner, set(), bar.update))


def half_rate_poses(poses: np.ndarray, trained: TrainedModel) -> np.ndarray:
    """(N, 3, 19, 3): for each input frame k of one person's (N, 19, 3) input ``poses``, the ``trained`` motion
    model's poses of frames k-1, k and k+1 when the clip is upsampled x2 from every other frame, k dropped (what the
    motion stage would give the renderer, were k an in-between); zeros for the first and last frame."""
    from Human_Motion_Modelling.upsample import model_upsample

    triples = np.zeros((len(poses), 3, *poses.shape[1:]))
    for first in (0, 1):
        keyframes = poses[first::2]
        if len(keyframes) < 2:
            continue
        with torch.inference_mode():
            upsampled = model_upsample(trained.model, trained.normaliser, keyframes, 2,
                                       window_frames=trained.window_frames)
        for interval in range(len(keyframes) - 1):
            triples[first + 2 * interval + 1] = upsampled[2 * interval:2 * interval + 3]
    return triples


def self_check_stage(layout: WorkLayout, renderer: ClipRenderer, interpolator: Interpolator, files: Sequence[Path],
                     poses: np.ndarray, trained: TrainedModel, cuts: Sequence[int],
                     crowded: frozenset[int] = frozenset(), kept_out: Sequence[int] | None = None) -> SelfCheck:
    """``Self_check/<clip>``: the renderer (a ``ClipRenderer``) and the background ``interpolator`` each rebuild
    some input frames (the ``kept_out`` ones of a fine-tuned renderer, if given) from their neighbours, the renderer
    from the poses of :func:`half_rate_poses` of the main person's input ``poses`` by the ``trained`` motion model
    (:mod:`rib_pipeline.self_check`); returns the outcome."""
    return run_self_check(renderer, interpolator, files, half_rate_poses(poses, trained), set(cuts),
                          layout.folder(SELF_CHECK_FOLDER), crowded, kept_out)


def render_stage(layout: WorkLayout, renderer: ClipRenderer, rate: int, tracks: Sequence[int], inputs: np.ndarray,
                 drawn: np.ndarray, batch_size: int = 4, shared: frozenset[int] = frozenset()) -> list[Path]:
    """``Generated_frames/<clip>``: the upsampled frames where someone is ``drawn`` ((P, (N-1)R+1) for the P
    ``tracks`` whose (P, N, 19, 3) input poses are ``inputs``), every person drawn back to front
    (:mod:`rib_pipeline.layers`) by ``renderer`` (a ``ClipRenderer``) from its poses in ``Predict_motion``;
    ``shared``: the intervals where people tracked but not rendered are in a keyframe. Returns the written frames."""
    from Pose_Guided_Neural_Rendering.api import plan_clip

    main = plan_clip(layout.root, layout.root / DAIN, layout.clip, rate)
    frame_hw = image_size(main.keyframes[0])[::-1]
    plans = [main] + [dataclasses.replace(main, poses=read_pose_folder(layout.person_motion(track), frame_hw))
                      for track in tracks[1:]]
    out_dir = prepare_output_dir(layout.generated, pattern="*.png")
    return render_layers(renderer, plans, drawn, back_to_front(inputs, drawn, rate), out_dir, batch_size,
                         shared)

"""``rib interpolate INPUT -o OUT.mp4 (--rate R | --fps F)``: a video of people, upsampled end to end (every
tracked person rendered, or the main one with ``--people main``)."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from rib.atomic import output_locks
from rib.cli import positive_int
from rib.distributed import pick_device
from rib.errors import RIBError
from rib.paths import CHECKPOINTS_DIR
from rib_pipeline.common import (add_input_arguments, check_inputs, fraction_arg, frames_and_poses, input_paths,
                                 work_layout)
from rib_pipeline.compare import ground_truth_frames, write_comparison
from rib_pipeline.compose import (Kind, count_kinds, drawn_people, finish_generated, kinds_of_drawn, output_frames,
                                  self_check_failed)
from rib_pipeline.layers import PEOPLE_CHOICES, choose_tracks, intervals_showing
from rib_pipeline.layout import WorkLayout
from rib_pipeline.media import Source, encode, size_note
from rib_pipeline.stages import (background_stage, build_background, load_motion_model, motion_stage, render_stage,
                                 self_check_stage)
from rib_pipeline.summary import RunSummary
from rib_pipeline.timeline import MAX_FPS, MAX_RATE, Timeline, plan_timeline
from rib_pipeline.validate import check_input_path, check_output_file

if TYPE_CHECKING:
    from HumanSloMo_Dataset.backgrounds.base import Interpolator
    from Human_Motion_Modelling.checkpoints import TrainedModel
    from Pose_Guided_Neural_Rendering.api import ClipRenderer

DEFAULT_RENDERER = CHECKPOINTS_DIR / "render"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rib interpolate``."""
    add_input_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.mp4", help="the video to write")
    speed = parser.add_mutually_exclusive_group(required=True)
    speed.add_argument("--rate", type=positive_int,
                       help=f"R: output frames per input frame (integer, 2 to {MAX_RATE}; at most {MAX_FPS} fps out)")
    speed.add_argument("--fps", type=fraction_arg,
                       help=f"output frame rate (e.g. 60, 59.94, 60000/1001; at most {MAX_FPS}, and {MAX_RATE} times "
                            "the input's); a non-integer factor upsamples by the next integer and keeps the upsampled "
                            "frame nearest in time to each output frame")
    parser.add_argument("--renderer", type=Path, default=DEFAULT_RENDERER, metavar="MODEL_DIR",
                        help="renderer folder (model.pt or generator.pt), e.g. one written by `rib finetune`")
    parser.add_argument("--people", choices=PEOPLE_CHOICES, default="all",
                        help="all: render every person tracked over enough frames, back to front; main: only the "
                             "clip's main person (seen in most frames), the others stay as the background "
                             "interpolation shows them")
    parser.add_argument("--self-check", action=argparse.BooleanOptionalAction, default=True,
                        help="before drawing, the renderer rebuilds up to 16 of the clip's own input frames from their "
                             "neighbours, as the background interpolation does; when the background interpolation "
                             "comes closer to the real frames, every in-between is the background interpolation "
                             "(the summary gives both scores; default: on)")
    parser.add_argument("--batch-size", type=positive_int, default=4, help="input intervals rendered together")
    parser.add_argument("--compare", type=Path, default=None, metavar="GT_DIR",
                        help="ground-truth frames of the upsampled clip ((N-1)R+1 images): also write "
                             "OUT_compare.mp4, input | ours | ground truth side by side")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT.mp4 (and OUT_compare.mp4) if they exist")


def comparison_path(output: Path) -> Path:
    """Where ``--compare`` writes: ``OUT_compare.mp4`` beside OUT."""
    return output.with_name(f"{output.stem}_compare{output.suffix}")


def check_renderer(path: Path) -> None:
    """The renderer weights exist (loading them writes nothing, but is left to the rendering stage)."""
    from Pose_Guided_Neural_Rendering.api import checkpoint_file

    check_input_path(path, "--renderer")
    if not checkpoint_file(path).is_file():
        raise RIBError(f"{path}: renderer weights not found")


def output_paths(args: argparse.Namespace) -> list[Path]:
    """The videos this run writes: OUT.mp4, and OUT_compare.mp4 with ``--compare``."""
    return [args.output] + ([comparison_path(args.output)] if args.compare is not None else [])


def check_outputs(args: argparse.Namespace) -> None:
    """Every output video: an mp4 name apart from every input, new unless ``--overwrite``, writable."""
    for path in output_paths(args):
        check_output_file(path, (*input_paths(args), args.keep_work), args.overwrite)


def prepare(args: argparse.Namespace) -> tuple[Source, Timeline, Interpolator]:
    """Every check before anything is written; returns the probed input, the planned timeline and the background
    interpolator (building it checks the backend: its name, RIFE's weights, ``--max-side``)."""
    check_input_path(args.input, "INPUT")
    if args.compare is not None:
        check_input_path(args.compare, "--compare")
    check_outputs(args)
    source = check_inputs(args, args.output)
    interpolator = build_background(args.background, device=args.device, max_side=args.max_side)
    timeline = plan_timeline(source.num_frames, source.fps, args.rate, args.fps)
    check_renderer(args.renderer)
    pick_device(args.device)
    return source, timeline, interpolator


def run(args: argparse.Namespace) -> RunSummary:
    """Run the whole pipeline; returns the summary (printed by the caller). A second run writing the same output at
    the same time is refused (:func:`rib.atomic.output_lock`)."""
    source, timeline, interpolator = prepare(args)
    with output_locks(output_paths(args)):
        check_outputs(args)  # again under the lock: another run may have written them since
        return upsample(args, source, timeline, interpolator)


def self_check(layout: WorkLayout, renderer: ClipRenderer, interpolator: Interpolator, trained: TrainedModel,
               files: list[Path], tracks: dict[int, np.ndarray], found: dict[int, np.ndarray], summary: RunSummary,
               kinds: list[Kind], kept_out: list[int] | None) -> list[Kind]:
    """The renderer's self-check on the main person (:mod:`rib_pipeline.self_check`; on the frames ``rib finetune``
    kept out of training, for a renderer it fine-tuned), said in the summary; returns the frame kinds, the rendered
    ones turned to background when it fails."""
    main = next(iter(tracks))
    # crowded: every interval where another tracked person shows (a little stricter than the rendering's rule)
    others = intervals_showing([poses for track, poses in found.items() if track != main])
    with summary.timed("self-check"):
        check = self_check_stage(layout, renderer, interpolator, files, tracks[main], trained, summary.cuts, others,
                                 kept_out)
    if kept_out is not None:
        summary.notes.append(f"self-check: on the input frames rib finetune kept out of training the renderer, "
                             f"{check.samples} of {len(kept_out)} usable here")
    summary.notes.append(check.note())
    if check.passed:
        return kinds
    kinds = self_check_failed(kinds)
    summary.kinds, summary.tracks_rendered = count_kinds(kinds), 0
    return kinds


def upsample(args: argparse.Namespace, source: Source, timeline: Timeline, interpolator: Interpolator
             ) -> RunSummary:
    """Every stage, frames to the output video, the background by ``interpolator``."""
    device = pick_device(args.device)
    summary = RunSummary(args.input, rate=timeline.rate)
    with work_layout(args) as layout:
        files, found = frames_and_poses(args, source, layout, summary)
        timeline = plan_timeline(len(files), source.fps, args.rate, args.fps)  # the decoded count is the truth
        truth = None if args.compare is None else ground_truth_frames(args.compare, timeline.upsampled_count)
        tracks = choose_tracks(found, args.people, len(files))
        with summary.timed("motion"):
            trained = load_motion_model(device)
            predicted = motion_stage(layout, tracks, timeline.rate, trained)
        with summary.timed("backgrounds"):
            background_stage(layout, len(files), interpolator, timeline.rate, summary.cuts)
        inputs, upsampled = np.stack(list(tracks.values())), np.stack(list(predicted.values()))
        drawn = drawn_people(inputs, upsampled, timeline.rate, summary.cuts)
        kinds = kinds_of_drawn(drawn, timeline.rate, summary.cuts)
        summary.kinds, summary.people_choice = count_kinds(kinds), args.people
        summary.tracks_rendered = int(drawn.any(axis=1).sum())
        if Kind.RENDERED in kinds:
            from Pose_Guided_Neural_Rendering.api import kept_out_frames, load_renderer

            with summary.timed("rendering"):  # loading the weights is part of the rendering stage's time
                renderer = load_renderer(args.renderer, device, "auto")
            if args.self_check:
                kinds = self_check(layout, renderer, interpolator, trained, files, tracks, found, summary, kinds,
                                   kept_out_frames(args.renderer))
        if Kind.RENDERED in kinds:
            with summary.timed("rendering"):
                render_stage(layout, renderer, timeline.rate, list(tracks), inputs, drawn, args.batch_size,
                             intervals_showing([found[t] for t in found if t not in tracks]))
        paths = finish_generated(layout, layout.upsampled_names([f.stem for f in files], timeline.rate), kinds)
        summary.notes += [note for note in [size_note(source)] if note]
        if timeline.resampled:
            summary.notes.append(f"resampled: x{timeline.rate} ({float(timeline.input_fps * timeline.rate):g} fps), "
                                 f"then the nearest frame in time for each of {float(timeline.output_fps):g} fps")
        with summary.timed("encoding"):
            frames = tqdm(output_frames(paths, timeline.source_indices()), total=timeline.output_count,
                          desc="encoding", unit="frame")
            summary.output_frames = encode(args.output, frames, timeline.output_fps, source)
        if truth is not None:
            with summary.timed("comparison"):
                write_comparison(comparison_path(args.output), files, paths, truth, timeline.rate,
                                 timeline.input_fps * timeline.rate)
            summary.notes.append(f"comparison: {comparison_path(args.output)} (input | ours | ground truth, "
                                 f"{timeline.upsampled_count} frames)")
    summary.output_path, summary.output_fps = args.output, timeline.output_fps
    return summary

"""Leakage between the reference's test and training clips (spec section 6, item 1): tables and a clean list."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Mapping

from HumanSloMo_Dataset.metadata import Clip


@dataclass(frozen=True)
class TestLeak:
    """How much of one test clip is also training data."""

    clip: str
    video: str
    gt_frames: int
    inputs: int
    inputs_in_train: int
    inbetweens: int
    inbetweens_in_train: int
    train_clips: tuple[str, ...]


@dataclass(frozen=True)
class TrainOverlap:
    """Two training clips that share frames (``identical`` when they hold the same frames)."""

    first: str
    second: str
    shared: int
    identical: bool


def _frame_keys(clip: Clip) -> set[tuple[str, str]]:
    return {(clip.video_name, frame) for frame in clip.frames}


def leaks_of_test_clips(train: Mapping[str, Clip], test_gt: Mapping[str, Clip],
               test_inputs: Mapping[str, Clip]) -> list[TestLeak]:
    """For every test clip, count its input and in-between GT frames that are also training frames."""
    owners: dict[tuple[str, str], list[str]] = {}
    for clip in train.values():
        for key in _frame_keys(clip):
            owners.setdefault(key, []).append(clip.name)
    leaks = []
    for name, gt in test_gt.items():
        inputs = _frame_keys(test_inputs[name]) if name in test_inputs else set()
        inbetweens = _frame_keys(gt) - inputs
        shared = (_frame_keys(gt) | inputs) & owners.keys()
        leaks.append(TestLeak(
            clip=name, video=gt.video_name, gt_frames=len(gt.frames), inputs=len(inputs),
            inputs_in_train=len(inputs & owners.keys()), inbetweens=len(inbetweens),
            inbetweens_in_train=len(inbetweens & owners.keys()),
            train_clips=tuple(sorted({owner for key in shared for owner in owners[key]})),
        ))
    return leaks


def train_overlaps(train: Mapping[str, Clip]) -> list[TrainOverlap]:
    """Pairs of training clips of the same video that share frames."""
    by_video: dict[str, list[Clip]] = {}
    for clip in train.values():
        by_video.setdefault(clip.video_name, []).append(clip)
    overlaps = []
    for clips in by_video.values():
        for first, second in combinations(clips, 2):
            shared = len(set(first.frames) & set(second.frames))
            if shared:
                overlaps.append(TrainOverlap(first.name, second.name, shared, first.frames == second.frames))
    return overlaps


def leakage_report(train: Mapping[str, Clip], test_gt: Mapping[str, Clip], test_inputs: Mapping[str, Clip]) -> str:
    """Markdown tables of test frames found in training and of overlapping training clips."""
    leaks = leaks_of_test_clips(train, test_gt, test_inputs)
    lines = [
        "## Test frames that are also training frames", "",
        "| test clip | video | GT frames | inputs in train | in-betweens in train | training clips |",
        "|---|---|---|---|---|---|",
    ]
    for leak in leaks:
        lines.append(f"| {leak.clip} | {leak.video} | {leak.gt_frames} | {leak.inputs_in_train}/{leak.inputs} | "
                     f"{leak.inbetweens_in_train}/{leak.inbetweens} | {', '.join(leak.train_clips) or '-'} |")
    leaking = [leak.clip for leak in leaks if leak.inbetweens_in_train]
    lines += ["", f"{len(leaking)} of {len(leaks)} test clips have in-between GT frames in training: "
              f"{', '.join(leaking) or 'none'}.", "", "## Training clips sharing frames", "",
              "| clip | clip | shared frames | identical |", "|---|---|---|---|"]
    lines += [f"| {o.first} | {o.second} | {o.shared} | {'yes' if o.identical else 'no'} |"
              for o in train_overlaps(train)]
    return "\n".join(lines) + "\n"


def _inbetween_frames(test_gt: Mapping[str, Clip], test_inputs: Mapping[str, Clip]) -> set[tuple[str, str]]:
    """(video, frame) of every test GT frame that has to be synthesised (not an input)."""
    frames = set()
    for name, gt in test_gt.items():
        inputs = set(test_inputs[name].frames) if name in test_inputs else set()
        frames |= {(gt.video_name, frame) for frame in gt.frames if frame not in inputs}
    return frames


def clean_training(train: Mapping[str, Clip], test_gt: Mapping[str, Clip], test_inputs: Mapping[str, Clip],
                   min_frames: int = 3) -> tuple[dict[str, Clip], list[str]]:
    """Training clips with no test in-between frame and no duplicate, plus one note per change.

    A clip holding test in-betweens is cut around them into runs named ``<clip>_a``, ``<clip>_b`` ... (a single
    run keeps the name); runs shorter than ``min_frames`` are dropped. Test *inputs* stay in training: the
    renderer is meant to learn the target videos' low-fps frames.
    """
    banned = _inbetween_frames(test_gt, test_inputs)
    clean: dict[str, Clip] = {}
    first_of: dict[tuple[str, tuple[str, ...]], str] = {}
    notes = []
    for clip in train.values():
        key = (clip.video_name, clip.frames)
        if key in first_of:
            notes.append(f"{clip.name}: identical to {first_of[key]}, dropped")
            continue
        first_of[key] = clip.name
        runs: list[list[str]] = [[]]
        for frame in clip.frames:
            if (clip.video_name, frame) in banned:
                runs.append([])
            else:
                runs[-1].append(frame)
        removed = len(clip.frames) - sum(len(run) for run in runs)
        if not removed:
            clean[clip.name] = clip
            continue
        kept = [run for run in runs if len(run) >= min_frames]
        names = [clip.name] if len(kept) == 1 else [f"{clip.name}_{chr(ord('a') + i)}" for i in range(len(kept))]
        clean.update({name: Clip(name, clip.video_name, tuple(run)) for name, run in zip(names, kept)})
        notes.append(f"{clip.name}: {removed} test in-between frame(s) removed, kept {', '.join(names) or 'nothing'}")
    return clean, notes

"""Frame folders -> one OpenPose BODY_25 + hands JSON per frame, holding the people tracked through each clip.

Every qualifying person of a frame is written with its track id (``person_id``; ids a backend set are kept, the
others linked by :mod:`rib.tracks`), the clip's main person first, so readers that take the first person get it;
tracks seen in fewer than :data:`rib.tracks.MIN_TRACK_FRAMES` frames are dropped, and each track's legs are kept on
one labelling where the detector flips them (:mod:`rib.leg_sides`). A clip's people are held in memory and written
when the clip ends.

The input is one clip's frame folder or a root of clip folders (``train/frames``, ``test/gt``); the output mirrors
it (``train/poses/<clip>/<frame stem>_keypoints.json``, in the frames' order). A frame with no person gets a valid
file with no people; a frame that cannot be read is reported and skipped, and the run still does the rest.

:data:`BACKENDS` is the registry ``--backend`` takes its choices from. To add a backend, write an :data:`OpenClip`
(a clip -> a function giving each frame's candidate people as ``rib.openpose.Person``) and register it as
``name: Backend(lambda min_confidence: contextlib.nullcontext(open_clip))``, or with a context manager that loads
a network once for the whole run, as ``mediapipe`` does; ``converts=True`` for a converter of another tool's files.
"""
from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager, Iterator

from tqdm import tqdm

from HumanSloMo_Dataset.poses.alphapose import load_alphapose, people_for_frames
from HumanSloMo_Dataset.poses.openpose_files import match_frames
from rib.atomic import prepare_output_dir
from rib.errors import RIBError
from rib.frames import list_clips, list_frames, read_image
from rib.leg_sides import keep_leg_sides
from rib.names import KEYPOINTS_PATTERN, KEYPOINTS_SUFFIX
from rib.openpose import Person, read_people, write_people
from rib.person import MIN_CONFIDENCE
from rib.poses import mark_complete, mark_incomplete
from rib.safety import refuse_overlap
from rib.tracks import frames_per_track, link_clip

log = logging.getLogger(__name__)

FramePeople = Callable[[int, Path], list[Person]]
"""The candidate people of frame ``index`` (at ``path``) of the clip being processed."""
OpenClip = Callable[["Clip"], FramePeople]
"""Starts a clip: returns how to get the candidate people of each of its frames."""
PEOPLE_CHOICES = ("all", "main")
"""Who is written: every track seen in enough frames, or the clip's main person alone."""


@dataclass
class Clip:
    """One clip: its frames, where its poses go and, for the converters, where the other tool's output is."""

    frames_dir: Path
    output_dir: Path
    source: Path | None = None
    frames: list[Path] = field(default_factory=list)


@dataclass
class Summary:
    """What a run did."""

    clips: int = 0
    frames: int = 0
    written: int = 0
    empty: int = 0
    people: int = 0
    """People written, summed over the frames."""
    tracks: int = 0
    """Tracks written, summed over the clips."""
    legs_swapped: int = 0
    """People written with their legs swapped back (rib/leg_sides.py), summed over the frames."""
    failures: list[str] = field(default_factory=list)

    def fail(self, error: RIBError) -> None:
        """Report a problem with one frame or clip; the run goes on."""
        log.error("%s (skipped)", error)
        self.failures.append(str(error))


def output_name(frame: Path) -> str:
    """The pose file of a frame: ``frame00012.png`` -> ``frame00012_keypoints.json``."""
    return f"{frame.stem}{KEYPOINTS_SUFFIX}"


def find_clips(input_dir: Path, output_dir: Path, source: Path | None = None) -> list[Clip]:
    """The clips of ``input_dir``: itself if it holds frames, else each of its sub-folders."""
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    refuse_overlap((input_dir, source), output_dir)
    if list_frames(input_dir, allow_empty=True):
        return [Clip(input_dir, output_dir, source)]
    if source is not None and Path(source).is_file():
        raise RIBError(f"{source}: {input_dir} holds clip folders, so the poses to convert must be a folder with "
                       "one sub-folder per clip")
    return [Clip(folder, output_dir / folder.name, None if source is None else Path(source) / folder.name)
            for folder in list_clips(input_dir)]


def _open_alphapose(clip: Clip) -> FramePeople:
    people = people_for_frames(load_alphapose(clip.source), clip.frames, clip.source)
    return lambda index, frame: people[index]


def _open_openpose(clip: Clip) -> FramePeople:
    files = match_frames(clip.source, clip.frames)
    return lambda index, frame: read_people(files[index])


@contextlib.contextmanager
def _mediapipe(min_confidence: float) -> Iterator[OpenClip]:
    from HumanSloMo_Dataset.poses.mediapipe_backend import MediaPipeEstimator

    with MediaPipeEstimator(min_confidence) as estimator:
        def open_clip(clip: Clip) -> FramePeople:
            estimator.start_clip()
            return lambda index, frame: estimator.people(read_image(frame), str(frame))

        yield open_clip


@dataclass(frozen=True)
class Backend:
    """A pose backend: ``open(min_confidence)`` is a context manager giving its :data:`OpenClip` (held for the whole
    run, e.g. a network), and ``converts`` says whether it reads another tool's outputs (``source``)."""

    open: Callable[[float], ContextManager[OpenClip]]
    converts: bool = False


BACKENDS: dict[str, Backend] = {
    "mediapipe": Backend(_mediapipe),
    "alphapose": Backend(lambda min_confidence: contextlib.nullcontext(_open_alphapose), converts=True),
    "openpose": Backend(lambda min_confidence: contextlib.nullcontext(_open_openpose), converts=True),
}
"""Every pose backend by name (the CLI choices, in this order; the first is the default)."""


def get_backend(name: str) -> Backend:
    """The backend called ``name``; an unknown name raises :class:`RIBError` listing the others."""
    if name not in BACKENDS:
        raise RIBError(f"unknown pose backend '{name}' (choose from {', '.join(BACKENDS)})")
    return BACKENDS[name]


def _check_clip(clip: Clip) -> None:
    clip.frames = list_frames(clip.frames_dir)
    stems = [frame.stem for frame in clip.frames]
    if len(set(stems)) != len(stems):
        raise RIBError(f"{clip.frames_dir}: frames with the same name and another suffix would share a pose file")
    if clip.source is not None and not clip.source.exists():
        raise RIBError(f"{clip.source}: poses to convert not found for clip {clip.frames_dir}")


def _ready_clips(clips: list[Clip], summary: Summary) -> list[Clip]:
    ready = []
    for clip in clips:
        try:
            _check_clip(clip)
        except RIBError as error:
            summary.fail(error)
            continue
        ready.append(clip)
    return ready


def _estimate_clip(clip: Clip, open_clip: OpenClip, summary: Summary, bar: tqdm, main_only: bool) -> None:
    try:
        frame_people = open_clip(clip)
    except RIBError as error:
        summary.fail(error)
        bar.update(len(clip.frames))
        return
    found: list[list[Person] | None] = []
    for index, frame in enumerate(clip.frames):
        bar.update(1)
        try:
            found.append(frame_people(index, frame))
        except RIBError as error:
            summary.fail(error)
            found.append(None)
    linked, swapped = keep_leg_sides(link_clip([people or [] for people in found], main_only=main_only))
    if swapped:
        log.info("%s: legs swapped back in %d pose(s) where the detector flipped them", clip.output_dir, swapped)
    summary.tracks += len(frames_per_track(linked))
    summary.legs_swapped += swapped
    for frame, people, kept in zip(clip.frames, found, linked):
        if people is None:  # unreadable frame: no file, the clip stays marked incomplete
            continue
        write_people(clip.output_dir / output_name(frame), kept)
        summary.written += 1
        summary.people += len(kept)
        summary.empty += not kept


def estimate_poses(input_dir: str | os.PathLike, output_dir: str | os.PathLike, backend: str = "mediapipe",
                   source: str | os.PathLike | None = None, overwrite: bool = False,
                   min_confidence: float = MIN_CONFIDENCE, people: str = "all") -> Summary:
    """Write the people of every frame under ``input_dir`` with their track ids; see the module docstring.

    ``people`` is ``all`` (every track over :data:`rib.tracks.MIN_TRACK_FRAMES` frames, the main one first) or
    ``main`` (the clip's main track alone).

    ``source`` is the other tool's output for the ``alphapose``/``openpose`` converters, laid out like
    ``input_dir``. Returns the summary; problems with single frames or clips are listed in ``failures``.
    """
    chosen = get_backend(backend)
    if people not in PEOPLE_CHOICES:
        raise RIBError(f"people '{people}': choose from {', '.join(PEOPLE_CHOICES)}")
    if chosen.converts and source is None:
        raise RIBError(f"backend '{backend}' converts existing outputs: give the folder holding them")
    summary = Summary()
    clips = _ready_clips(find_clips(Path(input_dir), Path(output_dir), None if source is None else Path(source)),
                              summary)
    summary.clips = len(clips)
    summary.frames = sum(len(clip.frames) for clip in clips)
    with chosen.open(min_confidence) as open_clip:
        for clip in clips:
            prepare_output_dir(clip.output_dir, overwrite, pattern=KEYPOINTS_PATTERN)
            mark_incomplete(clip.output_dir, "rib-estimate-poses")
        with tqdm(total=summary.frames, desc=f"poses ({backend})", unit="frame") as bar:
            for clip in clips:
                failures = len(summary.failures)
                _estimate_clip(clip, open_clip, summary, bar, people == "main")
                if len(summary.failures) == failures:  # a clip with a failed frame stays marked incomplete
                    mark_complete(clip.output_dir)
    return summary

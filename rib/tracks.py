"""People across the frames of a clip -> tracks: a track id for every person, the clip's main person first.

A track id >= 0 is the same person in every frame of a clip (``rib.openpose.Person.track``). Ids a pose backend
already set are kept; every :data:`~rib.openpose.UNTRACKED` person is linked online, frame by frame, to the nearest
track of the previous frames (:func:`rib.person.track_distance` from where the track's constant-velocity motion
puts it), or starts a new track when the nearest is more than :data:`rib.person.MAX_TRACK_JUMP` away. "Every person
with a track over enough frames" means a track seen in at least :data:`MIN_TRACK_FRAMES` frames; the main track
(:func:`main_track`) is always kept, so a short clip keeps its subject.
"""
from __future__ import annotations

import dataclasses
import os
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from rib.joints import NUM_J19, person_to_j19
from rib.openpose import UNTRACKED, Person, read_people
from rib.person import MAX_TRACK_JUMP, MIN_CONFIDENCE, bbox_area, qualifies, track_distance

MIN_TRACK_FRAMES = 3
"""A track seen in fewer frames than this is dropped as a passing false detection (the main track excepted)."""
MAX_GAP_FRAMES = 5
"""A track unseen for up to this many frames (occluded, missed by the detector) can still be re-linked."""

Frames = Sequence[Sequence[Person]]
"""The people of each frame of a clip, in frame order."""


@dataclass
class _LastSeen:
    person: Person
    frame: int
    velocity: np.ndarray
    """Pixels per frame of the core joints' mean motion between the track's last two sightings."""


def _core_motion(person: Person, previous: Person) -> np.ndarray:
    """Mean displacement of the core joints detected in both people (zero if none)."""
    core, before = person.body[:15], previous.body[:15]
    both = (core[:, 2] > MIN_CONFIDENCE) & (before[:, 2] > MIN_CONFIDENCE)
    if not both.any():
        return np.zeros(2)
    return (core[both, :2] - before[both, :2]).mean(axis=0)


def _moved(person: Person, shift: np.ndarray) -> Person:
    """``person`` with every body joint moved by ``shift`` pixels."""
    body = person.body.copy()
    body[:, :2] += shift
    return dataclasses.replace(person, body=body)


class TrackLinker:
    """Gives a track id to the people of one clip, fed frame by frame to :meth:`link`."""

    def __init__(self, max_gap: int = MAX_GAP_FRAMES) -> None:
        self.max_gap = max_gap
        self._frame = -1
        self._next_id = 0
        self._last: dict[int, _LastSeen] = {}

    def link(self, people: Sequence[Person]) -> list[Person]:
        """The qualifying people (:func:`rib.person.qualifies`) of the next frame, each with its track id (a set
        id is kept; the others are copies with the nearest free live track, or a new one)."""
        self._frame += 1
        candidates = [person for person in people if qualifies(person)]
        taken = {person.track for person in candidates if person.track != UNTRACKED}
        untracked = [index for index, person in enumerate(candidates) if person.track == UNTRACKED]
        assigned = self._nearest_tracks([candidates[i] for i in untracked], taken)
        linked = list(candidates)
        for index, track in zip(untracked, assigned):
            if track is None:
                track = self._new_id(taken)
            linked[index] = dataclasses.replace(candidates[index], track=track)
        for person in linked:
            self._remember(person)
        return linked

    def _live(self, taken: set[int]) -> dict[int, Person]:
        """Where each track not ``taken`` in this frame and seen at most ``max_gap`` frames ago would be now."""
        live = {}
        for track, seen in self._last.items():
            gap = self._frame - seen.frame
            if track not in taken and gap <= self.max_gap + 1:
                live[track] = _moved(seen.person, seen.velocity * gap)
        return live

    def _nearest_tracks(self, people: list[Person], taken: set[int]) -> list[int | None]:
        """Greedy nearest association (closest pair first) of ``people`` with the live tracks."""
        live = self._live(taken)
        pairs = sorted((track_distance(person, where), index, track)
                       for index, person in enumerate(people) for track, where in live.items())
        assigned: list[int | None] = [None] * len(people)
        used: set[int] = set()
        for distance, index, track in pairs:
            if distance > MAX_TRACK_JUMP:
                break
            if assigned[index] is None and track not in used:
                assigned[index] = track
                used.add(track)
        return assigned

    def _new_id(self, taken: set[int]) -> int:
        while self._next_id in taken or self._next_id in self._last:
            self._next_id += 1
        self._next_id += 1
        return self._next_id - 1

    def _remember(self, person: Person) -> None:
        seen = self._last.get(person.track)
        velocity = np.zeros(2)
        if seen is not None and 0 < self._frame - seen.frame <= self.max_gap + 1:
            velocity = _core_motion(person, seen.person) / (self._frame - seen.frame)
        self._last[person.track] = _LastSeen(person, self._frame, velocity)


def link_frames(frames: Frames, max_gap: int = MAX_GAP_FRAMES) -> list[list[Person]]:
    """Every frame's qualifying people with their track ids (:class:`TrackLinker` over the whole clip)."""
    linker = TrackLinker(max_gap)
    return [linker.link(people) for people in frames]


def frames_per_track(frames: Frames) -> Counter:
    """In how many frames each track id appears."""
    return Counter(track for people in frames for track in {person.track for person in people})


def main_track(frames: Frames) -> int | None:
    """The clip's main person: the track seen in most frames; ties: the larger mean bbox. None without people."""
    counts = frames_per_track(frames)
    if not counts:
        return None
    areas: dict[int, list[float]] = {track: [] for track in counts}
    for people in frames:
        for person in people:
            areas[person.track].append(bbox_area(person))
    return max(counts, key=lambda track: (counts[track], float(np.mean(areas[track])), track))


def link_clip(frames: Frames, min_frames: int = MIN_TRACK_FRAMES, main_only: bool = False) -> list[list[Person]]:
    """The clip's people as written to pose files: linked (:func:`link_frames`), tracks seen in fewer than
    ``min_frames`` frames dropped (never the main one), the main track first in every frame, then by track id.
    ``main_only`` keeps the main track alone."""
    linked = link_frames(frames)
    main = main_track(linked)
    counts = frames_per_track(linked)
    kept = {track for track, count in counts.items() if count >= min_frames and not main_only} | {main}
    return [sorted((p for p in people if p.track in kept), key=lambda p: (p.track != main, p.track))
            for people in linked]


def track_sequences(frames: Frames) -> dict[int, np.ndarray]:
    """Each track's (N, 19, 3) J19 sequence (zeros where it is absent) of linked ``frames``, main track first,
    then by track id. A track listed twice in one frame keeps its first entry."""
    main = main_track(frames)
    tracks = sorted(frames_per_track(frames), key=lambda track: (track != main, track))
    sequences = {track: np.zeros((len(frames), NUM_J19, 3)) for track in tracks}
    for index, people in enumerate(frames):
        for person in reversed(people):
            sequences[person.track][index] = person_to_j19(person)
    return sequences


def read_tracks(files: Sequence[str | os.PathLike], min_frames: int = MIN_TRACK_FRAMES) -> dict[int, np.ndarray]:
    """Every track's J19 sequence over the OpenPose files of one clip, main first (see :func:`track_sequences`).

    Untracked people (OpenPose's own files, converted AlphaPose) are linked here; set ids are kept."""
    return track_sequences(link_clip([read_people(path) for path in files], min_frames))


def is_tracked(frames: Frames) -> bool:
    """Whether any person of ``frames`` carries a track id."""
    return any(person.track != UNTRACKED for people in frames for person in people)

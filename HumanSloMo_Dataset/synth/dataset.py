"""Plan and write the synthetic HumanSlomo-format dataset: clips, frames, exact 2D poses, masks and a manifest.

Every DeepMimic motion (rib.deepmimic) is resampled to the ground-truth rate (60 fps), cut into pieces of about
``clip_seconds`` and filmed by ``views`` random camera paths each. Test motions (``rib.deepmimic.TEST_CLIPS``) give
test clips, the others training clips, as in the motion dataset. Layout (reference section 2.3)::

    train/frames/<clip>/frameNNNNN.png        every R-th frame (the low rate)
    train/poses/<clip>/frameNNNNN_keypoints.json
    train/masks/<clip>/frameNNNNN.png         person mask, 255 = person
    test/gt/<clip>/...        test/poses/<clip>/...        test/masks/<clip>/...   every frame (60 fps)
    test/inputs/<clip>/...    test/input_poses/<clip>/...                          every R-th GT frame
    manifest.json

Clips with several people (``people`` 2 or 3, names ending ``_p2``/``_p3``) or filmed by the far camera (``camera
= "far"``, names ending ``_far``, every person 1/8 to 1/5 of the frame height) are laid out the same way; see
:mod:`HumanSloMo_Dataset.synth.cast` for how their people are placed. In their pose files every person is listed
with ``person_id`` = its track (0 = the largest on average, listed first), and beside the union ``masks/`` they
have per-person visible masks (occlusion-aware)::

    <split>/person_masks/<clip>/frameNNNNN.png   label image: 0 nobody, k + 1 where person k (track k) is seen

The manifest gives such a clip's ``framing`` (near or far) and its ``people`` (track, motion, frames, identity,
standing height in metres and apparent height range as a fraction of the frame height). Single-person near clips
are written exactly as before (``person_id`` -1, no ``person_masks``), byte for byte for the same seed.

With ``dense_train`` the training clips are written in the test layout under ``train_dense/`` instead (every 60-fps
frame plus the every-R-th inputs), for training the renderer on in-between frames with exact ground truth.

``NNNNN`` is the 60-fps frame index in the source motion, so a stride shows in the names as in the reference's
data. Test clips hold (N - 1) * R + 1 ground-truth frames: both ends are inputs. Everything depends only on the
seed and the clip's name (not on the order or selection of clips), so a run is reproducible clip by clip.
"""
from __future__ import annotations

import functools
import json
import logging
import posixpath
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
from tqdm import tqdm

from HumanSloMo_Dataset.synth import appearance
from HumanSloMo_Dataset.synth import cast
from HumanSloMo_Dataset.synth.actor import HumanActor, poses_of, scene_of
from HumanSloMo_Dataset.synth.body import DEFAULT_POOL, BodyPool, load_pool
from HumanSloMo_Dataset.synth.camera import CameraFrame, CameraPath, camera_frames, frame_margin, project, sample_path
from HumanSloMo_Dataset.synth.scene import Backdrop, Scene
from rib import deepmimic
from rib.atomic import atomic_path, prepare_output_dir, write_text
from rib.errors import RIBError
from rib.frames import write_image
from rib.joints import j19_to_person
from rib.names import (FRAMES, GT, INPUT_POSES, INPUTS, KEYPOINTS_SUFFIX, MASKS, PERSON_MASKS, POSES, TEST, TRAIN,
                       TRAIN_DENSE)
from rib.openpose import UNTRACKED, Person, write_people

LOG = logging.getLogger(__name__)
GT_FPS = 60.0
FRAME_MARGIN = 12
"""A camera path is accepted when every joint of every frame stays this many pixels inside the image."""
CAMERA_TRIES = 40
ACTORS = ("human", "capsule")
"""``human``: an anny body with a drawn identity (the default); ``capsule``: pybullet's DeepMimic mannequin."""
ACTOR_DESCRIPTIONS = {
    "human": "anny body (body pool HumanSloMo_Dataset/synth/assets), one drawn identity per clip, DeepMimic motion",
    "capsule": "DeepMimic humanoid, rib.deepmimic FK",
}
PERSON_HEIGHT = (1 / 6, 2 / 3)
"""The human actor's standing height as a fraction of the frame height is drawn from this range per clip."""


def clip_folders(root: str, frames: str, inputs: bool = True, masks: bool = True) -> dict[str, str]:
    """Folder under ``root`` of each kind of output, keyed by its ``rib.names`` name: the full-rate frames (key
    ``FRAMES``, folder ``frames``), their poses and masks, and the every-R-th inputs and their poses."""
    names = {FRAMES: frames, POSES: POSES}
    if masks:
        names[MASKS] = MASKS
    if inputs:
        names.update({INPUTS: INPUTS, INPUT_POSES: INPUT_POSES})
    return {kind: posixpath.join(root, name) for kind, name in names.items()}


DATASET_FOLDERS = {TRAIN: clip_folders(TRAIN, FRAMES, inputs=False), TEST: clip_folders(TEST, GT),
                   TRAIN_DENSE: clip_folders(TRAIN_DENSE, GT)}
"""Where each kind of output of a train or test clip goes (``frames``/``poses``/``masks`` at the clip's rate)."""
EXAMPLE_FOLDERS = {TEST: clip_folders("", GT, masks=False)}
"""The reference's quick-start layout (``example/inputs/<clip>`` ...), ground truth beside it, no masks."""


@dataclass
class Settings:
    """What to generate."""

    rate: int = 4
    width: int = 768
    height: int = 512
    seed: int = 0
    clip_seconds: float = 2.0
    train_views: int = 3
    test_views: int = 1
    motions: list[str] | None = None
    splits: tuple[str, ...] = ("train", "test")
    max_frames: int | None = None
    """At most this many low-rate frames per clip (train frames, test inputs)."""
    max_pieces: int | None = None
    """At most this many pieces per motion."""
    image_format: str = "png"
    jpeg_quality: int = 90
    example: bool = False
    dense_train: bool = False
    """Write training clips at every 60-fps frame in the test layout under ``train_dense/``."""
    actor: str = "human"
    """One of :data:`ACTORS`."""
    bodies: Path = DEFAULT_POOL
    """The human actor's body pool (``HumanSloMo_Dataset/make_bodies.py``)."""
    people: int = 1
    """People per clip, 1 to :data:`cast.MAX_PEOPLE` (human actor only)."""
    camera: str = "near"
    """One of :data:`cast.CAMERAS` (``far``: human actor only)."""

    @property
    def variant(self) -> bool:
        """Whether clips have several people or the far camera (tracks, per-person masks, ``people`` in the
        manifest)."""
        return self.people > 1 or self.camera != "near"

    @property
    def clip_suffix(self) -> str:
        """What clip names end with: ``_p2``, ``_p3`` for several people, ``_far`` for the far camera."""
        return (f"_p{self.people}" if self.people > 1 else "") + ("_far" if self.camera == "far" else "")

    def is_dense(self, split: str) -> bool:
        """Whether clips of ``split`` hold every 60-fps frame (test clips always do)."""
        return split == "test" or self.dense_train


@dataclass
class ClipPlan:
    """One clip to render."""

    name: str
    split: str
    motion: str
    frames: list[int]
    """60-fps frame indices of the motion to render (every one for test clips, every R-th for train clips)."""
    view: int
    seed: list[int] = field(default_factory=list)


def clip_seed(seed: int, name: str) -> list[int]:
    """The random seed of one clip: the run's seed and a stable hash of the clip's name."""
    return [seed, zlib.crc32(name.encode())]


def plan_clips(settings: Settings, lengths: dict[str, int]) -> list[ClipPlan]:
    """Cut every selected motion (``lengths``: motion -> number of 60-fps frames) into clips."""
    rate, plans = settings.rate, []
    for motion, length in lengths.items():
        split = deepmimic.split_of(motion)
        if split not in settings.splits:
            continue
        pieces = max(1, round(length / (settings.clip_seconds * GT_FPS)))
        bounds = np.linspace(0, length, pieces + 1).round().astype(int)
        for piece, (start, end) in enumerate(zip(bounds[:-1], bounds[1:])):
            if settings.max_pieces is not None and piece >= settings.max_pieces:
                break
            low = list(range(start, end, rate))
            if settings.max_frames is not None:
                low = low[:settings.max_frames]
            if len(low) < 3:
                LOG.warning("%s piece %d: only %d frames at rate %d; skipped", motion, piece, len(low), rate)
                continue
            frames = list(range(low[0], low[-1] + 1)) if settings.is_dense(split) else low
            views = settings.test_views if split == "test" else settings.train_views
            for view in range(views):
                name = f"{motion}_{piece:02d}_v{view}{settings.clip_suffix}"
                plans.append(ClipPlan(name=name, split=split, motion=motion, frames=frames, view=view,
                                      seed=clip_seed(settings.seed, name)))
    return plans


def pixel_joints(camera: CameraFrame, joints: np.ndarray) -> np.ndarray:
    """(N, 3) points in pixels: projected joints, confidence 1 inside the image and in front, else 0 (also where a
    joint is NaN: not defined)."""
    defined = np.isfinite(joints).all(axis=1)
    pixels, in_front = project(camera, np.where(defined[:, None], joints, 0.0))
    inside = defined & in_front & (pixels[:, 0] >= 0) & (pixels[:, 0] <= camera.width - 1) & (pixels[:, 1] >= 0) & (
        pixels[:, 1] <= camera.height - 1)
    pose = np.zeros((len(joints), 3))
    pose[inside, :2] = pixels[inside]
    pose[inside, 2] = 1.0
    return pose


def choose_camera(rng: np.random.Generator, roots: np.ndarray, joints: np.ndarray, fps: float, settings: Settings,
                  person_height: float | None = None) -> tuple[CameraPath, list[CameraFrame]]:
    """The first sampled camera path that keeps the whole person in view in every frame (else the best one).

    ``roots`` (T, 3) and ``joints`` (T, N, 3) are the person's root and joints in the clip's frames. With
    ``person_height`` (metres), the camera distance is set so that the person standing would be a fraction of the
    frame height drawn from :data:`PERSON_HEIGHT`.
    """
    best = None
    for _ in range(CAMERA_TRIES):
        path = sample_path(rng)
        if person_height is not None:
            fraction = rng.uniform(*PERSON_HEIGHT)
            path.distance = person_height / (fraction * 2.0 * np.tan(np.radians(path.fov) / 2.0))
        cameras = camera_frames(path, roots, fps, settings.width, settings.height)
        margin = min(frame_margin(camera, points) for camera, points in zip(cameras, joints))
        if best is None or margin > best[0]:
            best = (margin, path, cameras)
        if margin >= FRAME_MARGIN:
            break
    if best[0] < FRAME_MARGIN:
        LOG.warning("no camera keeps every joint %d px inside the frame; the best leaves %.0f px", FRAME_MARGIN,
                    best[0])
    return best[1], best[2]


def write_mask(path: Path, mask: np.ndarray) -> None:
    """Write a boolean mask as an 8-bit PNG (255 = person), atomically."""
    write_label_image(path, mask.astype(np.uint8) * 255)


def write_label_image(path: Path, labels: np.ndarray) -> None:
    """Write a uint8 image as a single-channel PNG, atomically."""
    with atomic_path(path) as tmp:
        if not cv2.imwrite(str(tmp), labels.astype(np.uint8)):
            raise RIBError(f"{path}: cannot write mask")


def read_person_masks(split_root: Path, clip: str, stem: str) -> np.ndarray:
    """The (H, W) person label image of frame ``stem`` of ``clip`` (0 nobody, k + 1 person k): the clip's
    ``person_masks`` where it has them, else its union mask as person 0 (a single-person clip)."""
    for folder, single in ((PERSON_MASKS, False), (MASKS, True)):
        path = split_root / folder / clip / f"{stem}.png"
        if path.is_file():
            labels = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            if labels is None:
                raise RIBError(f"{path}: cannot read mask")
            return (labels > 0).astype(np.uint8) if single else labels
    raise RIBError(f"{split_root}: no mask of {clip}/{stem} in {PERSON_MASKS}/ or {MASKS}/")


@dataclass
class Cast:
    """The people of a human clip in track order, with the manifest entry of each."""

    actors: list[HumanActor]
    entries: list[dict]


def stage_people(rng: np.random.Generator, pool: BodyPool, plan: ClipPlan, first: HumanActor, fps: float,
                 settings: Settings) -> tuple[Cast, CameraPath, list[CameraFrame]]:
    """The extra people of a variant clip, where everybody stands and the camera (see :mod:`cast`)."""
    partners = cast.draw_partners(rng, pool, plan.split, first, plan.motion, plan.frames, settings.people,
                                  motion_at_gt_rate)
    staging, met = cast.stage(rng, first, [actor for actor, _, _ in partners], fps, settings.width,
                              settings.height, FRAME_MARGIN, settings.camera)
    if not met:
        LOG.warning("%s: no camera keeps every person %d px inside the frame%s; the best try is used", plan.name,
                    FRAME_MARGIN, " at 1/8-1/5 of its height" if settings.camera == "far" else "")
    motions = [(plan.motion, plan.frames), *((name, frames) for _, name, frames in partners)]
    entries = []
    for track, (actor, source, heights) in enumerate(zip(staging.actors, staging.order, staging.heights)):
        name, frames = motions[source]
        entries.append({"track": track, "source": name, "first_frame": frames[0], "last_frame": frames[-1],
                        "identity": actor.identity.to_dict(pool), "height_m": round(actor.height, 4),
                        "height_fraction": [round(float(heights.min()), 4), round(float(heights.max()), 4)]})
    return Cast(staging.actors, entries), staging.path, staging.cameras


def render_clip(plan: ClipPlan, clip: deepmimic.MotionClip, joints: np.ndarray, out: Path, settings: Settings,
                overwrite: bool) -> dict:
    """Render one clip into its folders; returns its manifest entry."""
    rng = np.random.default_rng(plan.seed)
    fps = GT_FPS / (plan.frames[1] - plan.frames[0])
    roots = clip.root_position[plan.frames]
    people = None
    if settings.actor == "human":
        pool = load_pool(settings.bodies)
        actor = HumanActor.draw(rng, pool, plan.split, clip, plan.frames)
        if settings.variant:
            people, path, cameras = stage_people(rng, pool, plan, actor, fps, settings)
        else:
            path, cameras = choose_camera(rng, roots, actor.body_points, fps, settings, actor.height)
            people = Cast([actor], [])
    else:
        actor = None
        path, cameras = choose_camera(rng, roots, joints[plan.frames], fps, settings)
    floor = sorted(appearance.FLOORS)[rng.integers(len(appearance.FLOORS))]
    backdrops = appearance.BACKDROPS if actor is None else appearance.HUMAN_BACKDROPS
    backdrop_name = backdrops[rng.integers(len(backdrops))]
    backdrop = Backdrop(appearance.read_photo(backdrop_name), path.backdrop_azimuth)
    dense = settings.is_dense(plan.split)
    folder_set = TRAIN_DENSE if dense and plan.split == TRAIN else plan.split
    folders = (EXAMPLE_FOLDERS if settings.example else DATASET_FOLDERS)[folder_set]
    if settings.variant and MASKS in folders:
        folders = {**folders, PERSON_MASKS: posixpath.join(posixpath.dirname(folders[MASKS]), PERSON_MASKS)}
    dirs = {kind: prepare_output_dir(out / folder / plan.name, overwrite, pattern="frame*")
            for kind, folder in folders.items()}
    inputs = set(plan.frames[::settings.rate]) if dense else set()
    progress = tqdm(total=len(plan.frames), desc=plan.name, unit="frame", leave=False)
    if people is None:
        rendered = _capsule_frames(floor, clip, plan.frames, cameras, backdrop)
        frame_people = ([j19_to_person(pixel_joints(camera, joints[t]))] for camera, t in zip(cameras, plan.frames))
    else:
        rendered = _human_frames(people.actors, floor, cameras, backdrop)
        frame_people = (_people_seen(people.actors, camera, t, settings.variant) for t, camera in enumerate(cameras))
    for t, (image, labels), seen in zip(plan.frames, rendered, frame_people):
        stem = f"frame{t:05d}"
        for kind in (FRAMES, INPUTS) if t in inputs else (FRAMES,):
            write_image(dirs[kind] / f"{stem}.{settings.image_format}", image, settings.jpeg_quality)
        for kind in (POSES, INPUT_POSES) if t in inputs else (POSES,):
            write_people(dirs[kind] / f"{stem}{KEYPOINTS_SUFFIX}", seen)
        if MASKS in dirs:
            write_mask(dirs[MASKS] / f"{stem}.png", labels > 0)
        if PERSON_MASKS in dirs:
            write_label_image(dirs[PERSON_MASKS] / f"{stem}.png", labels)
        progress.update()
    progress.close()
    entry = {"split": plan.split, "source": plan.motion, "source_file": Path(clip.source).name, "fps": GT_FPS,
             "stride": 1 if dense else settings.rate, "input_stride": settings.rate,
             "first_frame": plan.frames[0], "last_frame": plan.frames[-1], "num_frames": len(plan.frames),
             "view": plan.view, "camera": path.to_dict(), "floor": floor, "backdrop": backdrop_name,
             "seed": plan.seed, "actor": settings.actor}
    if people is not None:
        entry["identity"] = people.actors[0].identity.to_dict(pool)
    if settings.variant:
        entry.update(framing=settings.camera, people=people.entries)
    if dense:
        entry["num_inputs"] = len(inputs)
    return entry


def _capsule_frames(floor: str, clip: deepmimic.MotionClip, frames: list[int], cameras: list[CameraFrame],
                    backdrop: Backdrop) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    with Scene(floor) as scene:
        for camera, t in zip(cameras, frames):
            scene.set_pose(clip, t)
            yield scene.render(camera, backdrop)


def _human_frames(actors: list[HumanActor], floor: str, cameras: list[CameraFrame], backdrop: Backdrop
                  ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    with scene_of(actors, floor) as scene:
        yield from scene.render(poses_of(actors), cameras, backdrop)


def _people_seen(actors: list[HumanActor], camera: CameraFrame, t: int, tracked: bool) -> list[Person]:
    """Every actor's exact BODY_25 + hands in frame ``t``, track k for actor k (untracked in a single-person near
    clip, as before tracks existed)."""
    return [Person(body=pixel_joints(camera, actor.body_points[t]),
                   left_hand=pixel_joints(camera, actor.hand_points[t, 0]),
                   right_hand=pixel_joints(camera, actor.hand_points[t, 1]), track=k if tracked else UNTRACKED)
            for k, actor in enumerate(actors)]


@functools.lru_cache(maxsize=None)
def motion_at_gt_rate(name: str) -> deepmimic.MotionClip:
    """A DeepMimic motion by name resampled to :data:`GT_FPS` (cached: extra people reuse a few)."""
    return deepmimic.resample(deepmimic.read_clip(deepmimic.clip_paths()[name]), GT_FPS)


def load_motions(settings: Settings) -> dict[str, tuple[deepmimic.MotionClip, np.ndarray]]:
    """The selected DeepMimic motions at 60 fps with their J19 joints (y up)."""
    paths = deepmimic.clip_paths()
    names = settings.motions or list(paths)
    unknown = sorted(set(names) - set(paths))
    if unknown:
        raise RIBError(f"unknown motion(s) {', '.join(unknown)}; choose from {', '.join(paths)}")
    motions = {}
    for name in names:
        clip = deepmimic.resample(deepmimic.read_clip(paths[name]), GT_FPS)
        motions[name] = (clip, deepmimic.clip_j19(clip))
    return motions


def generate(out: Path, settings: Settings, overwrite: bool = False) -> dict:
    """Render every planned clip under ``out`` and write ``out/manifest.json``; returns the manifest."""
    if settings.rate < 2:
        raise RIBError(f"rate must be at least 2, got {settings.rate}")
    if settings.actor not in ACTORS:
        raise RIBError(f"unknown actor '{settings.actor}'; choose from {', '.join(ACTORS)}")
    if not 1 <= settings.people <= cast.MAX_PEOPLE:
        raise RIBError(f"people must be 1 to {cast.MAX_PEOPLE}, got {settings.people}")
    if settings.camera not in cast.CAMERAS:
        raise RIBError(f"unknown camera '{settings.camera}'; choose from {', '.join(cast.CAMERAS)}")
    if settings.variant and settings.actor != "human":
        raise RIBError("several people and the far camera need the human actor (--actor human)")
    if settings.actor == "human":
        load_pool(settings.bodies)  # a missing or broken pool fails before anything is written
    manifest_path = out / "manifest.json"
    if manifest_path.exists() and not overwrite:
        raise RIBError(f"{out}: already holds a generated dataset; pass --overwrite to replace its clips")
    motions = load_motions(settings)
    plans = plan_clips(settings, {name: len(clip) for name, (clip, _) in motions.items()})
    if not plans:
        raise RIBError(f"{out}: nothing to generate (no clip of the chosen motions and splits is long enough)")
    clips = {}
    for plan in tqdm(plans, desc="clips", unit="clip"):
        clip, joints = motions[plan.motion]
        clips[plan.name] = render_clip(plan, clip, joints, out, settings, overwrite)
    manifest = {
        "generator": "HumanSloMo_Dataset/gen_synthetic.py", "fps": GT_FPS, "rate": settings.rate,
        "width": settings.width, "height": settings.height, "seed": settings.seed,
        "layout": "example" if settings.example else "dataset", "actor": ACTOR_DESCRIPTIONS[settings.actor],
        "test_motions": list(deepmimic.TEST_CLIPS), "clips": clips,
    }
    if settings.variant:
        manifest.update(people=settings.people, camera=settings.camera)
    write_text(manifest_path, json.dumps(manifest, indent=1))
    return manifest

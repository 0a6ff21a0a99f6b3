"""``rib interpolate --people all|main`` on a tiny clip of two walkers, from hand-made untracked OpenPose files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from Pose_Guided_Neural_Rendering.spade_gan.data.labels import human_mask
from rib.frames import background_name, list_poses, read_image, write_image
from rib.joints import j19_to_person
from rib.openpose import keypoint_filename, read_people, write_people
from rib_pipeline.cli import main
from tests.common.test_tracks import STANDING

HEIGHT, WIDTH = 160, 320
COUNT = 6
RATE = 2
NOBODY = 3
"""The input frame whose pose file holds nobody: the in-betweens on both sides of it stay the background."""
NEAR = dict(x=90.0, scale=0.5, speed=6.0, colour=(200, 40, 60))
"""The main walker: larger, feet lower in the image (nearer), moving right."""
FAR = dict(x=240.0, scale=0.3, speed=-6.0, colour=(40, 60, 200))


def pose(walker: dict, t: float) -> np.ndarray:
    xy = (STANDING - (240, 0)) * walker["scale"] + (walker["x"] + walker["speed"] * t, 10.0)
    return np.concatenate([xy, np.full((19, 1), 0.9)], axis=1)


def frame(t: float) -> np.ndarray:
    """A still striped background with both walkers, the far one drawn first; each body has a moving texture."""
    rows, cols = np.mgrid[:HEIGHT, :WIDTH]
    image = np.stack([(rows * 3) % 256, (cols * 2) % 256, ((rows + cols) * 5) % 256], axis=2).astype(np.uint8)
    for walker in (FAR, NEAR):
        body = human_mask(pose(walker, t), HEIGHT, WIDTH).astype(bool)
        stripes = ((cols - int(walker["speed"] * t)) // 3) % 2 == 0
        image[body] = walker["colour"]
        image[body & stripes] //= 2
    return image


def box(pose_: np.ndarray, margin: int = 4) -> tuple[slice, slice]:
    x0, y0 = np.floor(pose_[:, :2].min(axis=0)).astype(int) - margin
    x1, y1 = np.ceil(pose_[:, :2].max(axis=0)).astype(int) + margin
    return slice(max(y0, 0), y1), slice(max(x0, 0), x1)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> tuple[Path, Path]:
    """Input frames and their OpenPose files (both people untracked, the far one listed first)."""
    root = tmp_path_factory.mktemp("two_walkers")
    for k in range(COUNT):
        write_image(root / "walkers" / f"frame{k:05d}.png", frame(k * RATE))
        people = [] if k == NOBODY else [j19_to_person(pose(FAR, k * RATE)), j19_to_person(pose(NEAR, k * RATE))]
        write_people(root / "poses" / keypoint_filename(k), people)
    return root / "walkers", root / "poses"


def interpolate(clip: tuple[Path, Path], work: Path, capsys, *extra: str) -> str:
    frames, poses = clip
    main(["interpolate", str(frames), "--input-fps", "10", "-o", str(work.parent / f"{work.name}.mp4"), "--rate",
          str(RATE), "--poses", str(poses), "--background", "blend", "--keep-work", str(work), *extra])
    return capsys.readouterr().out


def changed(work: Path, index: int, walker: dict, outside: dict | None = None) -> bool:
    """Whether in-between ``index`` differs from its background interpolation around ``walker``'s pose (only
    outside the render crop of the ``outside`` walker, whose drawing may reach there)."""
    from Pose_Guided_Neural_Rendering.warp_blend.warping import person_crop

    name = background_name(f"frame{index // RATE:05d}", (index % RATE) / RATE)
    generated = read_image(work / "Generated_frames" / "walkers" / name).astype(int)
    difference = np.abs(generated - read_image(work / "DAIN" / "walkers" / name).astype(int)).mean(-1)
    keep = np.zeros(difference.shape, bool)
    keep[box(pose(walker, index))] = True
    if outside is not None:
        key = index - index % RATE
        crop = person_crop([pose(outside, t) for t in (key, key + RATE, index)], frame_hw=difference.shape)
        x0, y0, x1, y1 = crop.paste_box()
        keep[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = False
    return bool(keep.any() and difference[keep].mean() > 1.0)


def test_every_tracked_person_is_rendered(clip, renderer_dir, tmp_path, capsys):
    work = tmp_path / "all"
    summary = interpolate(clip, work, capsys)

    assert "people: 2 tracked, 2 rendered" in summary
    assert all(changed(work, index, walker) for index in (1, 3, 9) for walker in (NEAR, FAR))
    files = list_poses(work / "input_poses" / "walkers")
    main_track = {read_people(path)[0].track for path in files if read_people(path)}
    assert len(main_track) == 1 and len(read_people(files[0])) == 2
    assert (work / "Predict_motion" / "walkers").is_dir()
    assert len(list(work.glob("Predict_motion/walkers__person*"))) == 1
    for index in (NOBODY * RATE - 1, NOBODY * RATE + 1):  # both in-betweens next to the frame with nobody
        name = background_name(f"frame{index // RATE:05d}", 0.5)
        assert ((work / "Generated_frames" / "walkers" / name).read_bytes()
                == (work / "DAIN" / "walkers" / name).read_bytes())


def test_people_main_renders_the_main_person_alone(clip, renderer_dir, tmp_path, capsys):
    work = tmp_path / "main"
    summary = interpolate(clip, work, capsys, "--people", "main")

    assert "people: 2 tracked, 1 rendered" in summary and "--people main renders" in summary
    assert all(changed(work, index, NEAR) and not changed(work, index, FAR, outside=NEAR) for index in (1, 3, 9))
    assert not list(work.glob("Predict_motion/walkers__person*"))


def test_the_nearer_person_is_drawn_last():
    from rib_pipeline.layers import back_to_front

    inputs = np.stack([np.stack([pose(NEAR, k * RATE) for k in range(3)]),
                       np.stack([pose(FAR, k * RATE) for k in range(3)])])
    drawn = np.ones((2, 2 * RATE + 1), dtype=bool)
    assert back_to_front(inputs, drawn, RATE) == [[1, 0], [1, 0]]
    drawn[1] = False
    assert back_to_front(inputs, drawn, RATE) == [[0], [0]]


def test_a_person_is_drawn_only_between_two_input_frames_that_show_them():
    from rib_pipeline.compose import Kind, drawn_people, kinds_of_drawn

    person, nobody = np.ones((19, 3)), np.zeros((19, 3))
    inputs = np.stack([np.stack([person, person, nobody]), np.stack([nobody, person, person])])
    predicted = np.ones((2, 5, 19, 3))
    drawn = drawn_people(inputs, predicted, RATE, cuts=[])
    assert drawn.tolist() == [[False, True, False, False, False], [False, False, False, True, False]]
    assert kinds_of_drawn(drawn, RATE, cuts=[1]) == [Kind.KEYFRAME, Kind.RENDERED, Kind.KEYFRAME, Kind.REPEATED,
                                                     Kind.KEYFRAME]


def test_people_tracked_but_not_rendered_crowd_only_the_intervals_they_are_in():
    """With --people main, only the intervals whose input frames show another tracked person lose the unmoved
    keyframes."""
    from rib_pipeline.layers import intervals_showing

    person, nobody = np.ones((19, 3)), np.zeros((19, 3))
    walker = np.stack([nobody, nobody, person, nobody, nobody, nobody])
    passer = np.stack([nobody, nobody, nobody, nobody, nobody, person])
    assert intervals_showing([walker]) == {1, 2}
    assert intervals_showing([walker, passer]) == {1, 2, 4}
    assert intervals_showing([]) == frozenset()


def test_renderers_are_told_where_other_people_share_the_keyframes(tmp_path):
    """A renderer that may paste unmoved keyframe pixels must not where the keyframes hold other people too."""
    from Pose_Guided_Neural_Rendering.clips import ClipPlan
    from rib.frames import write_image
    from rib_pipeline.layers import render_layers

    keyframes = []
    for k in range(3):
        keyframes.append(tmp_path / f"key{k}.png")
        write_image(keyframes[-1], np.full((8, 8, 3), 40 * k, np.uint8))
    count = 2 * RATE + 1
    plan = ClipPlan("clip", keyframes, np.zeros((count, 19, 3)), RATE,
                    [None if i % RATE == 0 else keyframes[0] for i in range(count)], [f"{i}.png" for i in range(count)])
    seen = {}

    class Recording:
        NO_PERSON = "background"

        def segments(self, plan, starts, images):
            for k in starts:
                seen.setdefault(k, set()).add(plan.crowded)
                yield k * RATE + 1, images[k]

    drawn = np.ones((2, count), dtype=bool)
    render_layers(Recording(), [plan, plan], drawn, [[0, 1], [1]], tmp_path / "out", batch_size=4)
    assert seen == {0: {frozenset({0})}, 1: {frozenset({0})}}
    seen.clear()
    render_layers(Recording(), [plan, plan], drawn, [[0], [1]], tmp_path / "out2", batch_size=4, shared=frozenset({1}))
    assert seen == {0: {frozenset({1})}, 1: {frozenset({1})}}, "an unrendered person's interval is crowded too"

"""The synthetic HumanSlomo-format generator: layout, counts, pose files, masks, projection and determinism.

The module's dataset uses the default (human) actor; the capsule actor has its own pose-file test.
"""
import json
import subprocess
import sys

import cv2
import numpy as np
import pybullet
import pytest

from HumanSloMo_Dataset import gen_synthetic
from HumanSloMo_Dataset.synth import appearance
from HumanSloMo_Dataset.synth.camera import camera_frames, project, sample_path
from HumanSloMo_Dataset.synth.dataset import Settings, plan_clips
from HumanSloMo_Dataset.synth.scene import Backdrop, Scene
from rib import deepmimic
from rib.frames import list_frames, list_poses, read_image
from rib.openpose import read_people
from rib.paths import REPO_ROOT
from rib.poses import read_pose_files

TINY = ["--width", "192", "--height", "128", "--motions", "jump", "walk", "--max-pieces", "1", "--max-frames", "3",
        "--train-views", "1", "--rate", "2"]


def generate(out, *extra):
    gen_synthetic.main(["--out", str(out), *TINY, *extra])
    return json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic")
    return out, generate(out)


def test_layout_and_frame_counts(dataset):
    out, manifest = dataset
    assert set(manifest["clips"]) == {"jump_00_v0", "walk_00_v0"}
    test, train = manifest["clips"]["jump_00_v0"], manifest["clips"]["walk_00_v0"]
    assert test["split"] == "test" and train["split"] == "train"
    assert test["num_inputs"] == 3 and test["num_frames"] == (3 - 1) * 2 + 1
    for folder, count in (("test/gt", 5), ("test/masks", 5), ("test/inputs", 3)):
        assert len(list_frames(out / folder / "jump_00_v0")) == count, folder
    for folder, count in (("test/poses", 5), ("test/input_poses", 3)):
        assert len(list_poses(out / folder / "jump_00_v0")) == count, folder
    for folder in ("train/frames", "train/masks"):
        assert [p.name for p in list_frames(out / folder / "walk_00_v0")] == [
            "frame00000.png", "frame00002.png", "frame00004.png"]
    assert len(list_poses(out / "train/poses/walk_00_v0")) == 3
    assert not (out / "test/gt/walk_00_v0").exists() and not (out / "train/frames/jump_00_v0").exists()
    gt = sorted(p.name for p in list_frames(out / "test/gt/jump_00_v0"))
    assert sorted(p.name for p in list_frames(out / "test/inputs/jump_00_v0")) == gt[::2]
    assert read_image(out / "test/gt/jump_00_v0/frame00000.png").shape == (128, 192, 3)
    assert test["camera"]["fov"] > 0 and test["seed"][0] == 0 and train["stride"] == 2


def test_inputs_are_copies_of_ground_truth(dataset):
    out, _ = dataset
    for stem in ("frame00000", "frame00002", "frame00004"):
        assert np.array_equal(read_image(out / f"test/inputs/jump_00_v0/{stem}.png"),
                              read_image(out / f"test/gt/jump_00_v0/{stem}.png"))
        assert ((out / f"test/input_poses/jump_00_v0/{stem}_keypoints.json").read_text()
                == (out / f"test/poses/jump_00_v0/{stem}_keypoints.json").read_text())


def joints_on_masks(out, clips, min_pixels=100, check=None, reach=1):
    """Every clip's J19 joints lie within ``reach`` pixels of its person mask; ``check(person)`` runs on each file."""
    for masks, poses in clips:
        for mask_path, pose_path in zip(list_frames(out / masks), list_poses(out / poses)):
            people = read_people(pose_path)
            assert len(people) == 1
            if check is not None:
                check(people[0])
            pose = read_pose_files([pose_path])[0]
            assert (pose[:, 2] > 0).all(), "every joint inside the frame"
            mask = cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE) > 0
            assert min_pixels < mask.sum() < mask.size / 4
            near = cv2.dilate(mask.astype(np.uint8), np.ones((2 * reach + 1,) * 2, np.uint8)) > 0  # on a limb's edge
            x, y = np.round(pose[:, 0]).astype(int), np.round(pose[:, 1]).astype(int)
            assert near[y, x].all(), (pose_path.name, np.flatnonzero(~near[y, x]))


def test_human_pose_files_have_every_body25_and_hand_point_on_the_person(dataset):
    def check(person):
        assert (person.body[:, 2] > 0).all(), "BODY_25 in full: eyes, ears, heels, small toes too"
        assert (person.left_hand[:, 2] > 0).all() and (person.right_hand[:, 2] > 0).all()
        assert len({tuple(point) for point in person.left_hand[:, :2].round(3)}) == 21, "21 distinct hand points"

    out, _ = dataset
    joints_on_masks(out, (("test/masks/jump_00_v0", "test/poses/jump_00_v0"),
                          ("train/masks/walk_00_v0", "train/poses/walk_00_v0")), min_pixels=20, check=check,
                    reach=2)  # toe tips are surface points of people a few dozen pixels tall


def test_capsule_actor_pose_files(tmp_path):
    def check(person):
        assert np.all(person.body[[15, 16, 17, 18, 20, 21, 23, 24], 2] == 0), "no eyes/ears/heels/small toes"

    out = tmp_path / "capsule"
    manifest = generate(out, "--actor", "capsule")
    assert manifest["clips"]["jump_00_v0"]["actor"] == "capsule" and "identity" not in manifest["clips"]["jump_00_v0"]
    joints_on_masks(out, (("test/masks/jump_00_v0", "test/poses/jump_00_v0"),
                          ("train/masks/walk_00_v0", "train/poses/walk_00_v0")), check=check)


@pytest.mark.slow  # several full runs (3-4 s): run by make test
def test_same_seed_same_bytes_other_seed_other_camera(dataset, tmp_path):
    out, manifest = dataset
    again = generate(tmp_path / "again")
    assert again["clips"] == manifest["clips"]
    name = "test/gt/jump_00_v0/frame00002.png"
    assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes()
    other = generate(tmp_path / "other", "--seed", "1")
    assert other["clips"]["jump_00_v0"]["camera"] != manifest["clips"]["jump_00_v0"]["camera"]


def test_example_layout(tmp_path):
    out = tmp_path / "example"
    gen_synthetic.main(["--out", str(out), *TINY, "--example", "--format", "jpg"])
    assert sorted(p.name for p in out.iterdir()) == ["gt", "input_poses", "inputs", "manifest.json", "poses"]
    assert [p.name for p in out.glob("gt/*")] == ["jump_00_v0"]
    assert len(list_frames(out / "gt/jump_00_v0")) == 5 and len(list_frames(out / "inputs/jump_00_v0")) == 3
    assert list_frames(out / "gt/jump_00_v0")[0].suffix == ".jpg"


def test_dense_train_layout_holds_every_frame_and_inputs(tmp_path):
    """--dense-train: training motions at every 60-fps frame in the test layout, for the renderer's in-betweens."""
    out = tmp_path / "dense"
    manifest = generate(out, "--splits", "train", "--dense-train", "--motions", "walk")
    assert sorted(p.name for p in (out / "train_dense").iterdir()) == ["gt", "input_poses", "inputs", "masks",
                                                                        "poses"]
    gt, inputs = list_frames(out / "train_dense/gt/walk_00_v0"), list_frames(out / "train_dense/inputs/walk_00_v0")
    assert len(gt) == 5 and [p.name for p in inputs] == [gt[0].name, gt[2].name, gt[4].name]
    assert manifest["clips"]["walk_00_v0"]["stride"] == 1 and not (out / "train" / "frames").exists()


def test_existing_output_refused_then_overwritten(dataset, capsys):
    out, _ = dataset
    with pytest.raises(SystemExit) as exit_info:
        generate(out)
    assert exit_info.value.code == 2 and "--overwrite" in capsys.readouterr().err
    generate(out, "--overwrite", "--splits", "test")


@pytest.mark.parametrize("args", [["--rate", "3"], ["--motions", "moonwalk"], ["--width", "4"],
                                  ["--clip-seconds", "0"], ["--splits", "val"], ["--actor", "robot"]])
def test_bad_arguments_exit_2(tmp_path, args):
    with pytest.raises(SystemExit) as exit_info:
        gen_synthetic.main(["--out", str(tmp_path / "x"), *args])
    assert exit_info.value.code == 2


def test_cli_help_as_script():
    script = REPO_ROOT / "HumanSloMo_Dataset" / "gen_synthetic.py"
    result = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, cwd=script.parent)
    assert result.returncode == 0 and "--rate" in result.stdout


def test_plan_splits_motions_into_clips():
    settings = Settings(rate=4, clip_seconds=2.0, train_views=2, test_views=1)
    plans = plan_clips(settings, {"walk": 76, "jump": 300})
    train = [p for p in plans if p.motion == "walk"]
    test = [p for p in plans if p.motion == "jump"]
    assert [p.name for p in train] == ["walk_00_v0", "walk_00_v1"] and train[0].frames == list(range(0, 76, 4))
    assert len(test) == 2 and all(p.split == "test" for p in test)
    for plan in test:
        assert (len(plan.frames) - 1) % 4 == 0 and plan.frames == list(range(plan.frames[0], plan.frames[-1] + 1))
    assert train[0].seed != train[1].seed
    eight = plan_clips(Settings(rate=8, clip_seconds=2.0, test_views=1), {"walker_turn_left0": 75})
    assert len(eight) == 1 and len(eight[0].frames) == 9 * 8 + 1


def test_projection_matches_rendered_link_centres():
    """Project link sphere centres and compare with the centroids of those links in pybullet's segmentation."""
    clip = deepmimic.resample(deepmimic.read_clip(deepmimic.clip_paths()["walk"]), 60.0)
    pose = deepmimic.forward_kinematics(clip)
    spheres = deepmimic.load_skeleton().spheres
    cameras = camera_frames(sample_path(np.random.default_rng(3)), clip.root_position, 60.0, 384, 256)
    errors = []
    with Scene("gravel.png") as scene:
        for t in (0, 20, 40):
            scene.set_pose(clip, t)
            camera = cameras[t]
            segmentation = np.asarray(pybullet.getCameraImage(
                camera.width, camera.height, camera.view, camera.projection, renderer=pybullet.ER_TINY_RENDERER,
                flags=pybullet.ER_SEGMENTATION_MASK_OBJECT_AND_LINKINDEX, physicsClientId=scene.client)[4])
            segmentation = segmentation.reshape(camera.height, camera.width)
            for link in ("neck", "chest"):
                ys, xs = np.nonzero((segmentation >= 0) & ((segmentation >> 24) - 1 == scene.joints[link]))
                if len(xs) < 50:
                    continue
                centre, _ = project(camera, pose.point(link, spheres[link][0])[t][None])
                errors.append([xs.mean() - centre[0, 0], ys.mean() - centre[0, 1]])
    # a partly hidden sphere shifts its centroid; the median over links and frames is the renderer's offset
    assert len(errors) >= 4 and np.all(np.abs(np.median(errors, axis=0)) < 0.35), errors


def test_backdrop_moves_with_the_camera():
    clip = deepmimic.resample(deepmimic.read_clip(deepmimic.clip_paths()["walk"]), 60.0)
    path = sample_path(np.random.default_rng(0))
    cameras = camera_frames(path, clip.root_position, 60.0, 192, 128)
    backdrop = Backdrop(appearance.read_photo("rocket.jpg"), path.backdrop_azimuth)
    first, last = backdrop.render(cameras[0]), backdrop.render(cameras[-1])
    assert first.shape == (128, 192, 3)
    assert np.abs(first.astype(int) - last).mean() > 5

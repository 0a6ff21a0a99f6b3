"""The renderer's self-check (rib_pipeline/self_check.py): which input frames are held out, how the renderer and the
background interpolation are scored on them, and what the pipeline makes of a renderer that fails."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from HumanSloMo_Dataset import backgrounds
from Pose_Guided_Neural_Rendering.api import kept_out_frames, load_renderer
from rib.frames import list_clips, list_frames, read_image
from rib.paths import CHECKPOINTS_DIR, EXAMPLE_DIR
from rib.poses import read_pose_folder
from rib_pipeline.compose import Kind, count_kinds, self_check_failed
from rib_pipeline.finetune import KEPT_OUT_SHARE, self_check_frames
from rib_pipeline.self_check import (MAX_SAMPLES, MIN_SAMPLES, PSNR_CAP, VERDICT, SelfCheck, held_out_frames, psnr_of,
                                     run_self_check)
from rib_pipeline.stages import half_rate_poses, load_motion_model


def person(x: float = 50.0) -> np.ndarray:
    """A (19, 3) pose with every joint seen around ``x``."""
    pose = np.zeros((19, 3))
    pose[:, 0], pose[:, 1], pose[:, 2] = x + np.arange(19), 40 + 3 * np.arange(19), 0.9
    return pose


def example_clip() -> tuple[list, np.ndarray]:
    """The example's 25 ground-truth frames (60 fps) and their exact poses."""
    (clip,) = list_clips(EXAMPLE_DIR / "gt")
    files = list_frames(clip)
    return files, read_pose_folder(EXAMPLE_DIR / "poses" / clip.name, read_image(files[0]).shape[:2])


def triples_of(found: list[bool]) -> np.ndarray:
    """(N, 3, 19, 3) poses of frames k-1, k, k+1 for each k: a person where ``found`` (all three of k's poses)."""
    return np.stack([[person() if seen else np.zeros((19, 3))] * 3 for seen in found])


def test_held_out_frames_need_the_person_in_all_three_poses():
    found = [False, True, True, False, True, True, True, False]
    assert held_out_frames(triples_of(found), cuts=set()) == [1, 2, 4, 5, 6]


def test_held_out_frames_skip_a_scene_cut_on_either_side():
    assert held_out_frames(triples_of([True] * 12), cuts={3}) == [1, 2, 5, 6, 7, 8, 9, 10]


def test_held_out_frames_are_bounded_and_spread_over_the_clip():
    frames = held_out_frames(triples_of([True] * 200), cuts=set())
    assert len(frames) == MAX_SAMPLES and frames[0] == 1 and frames[-1] == 198
    gaps = np.diff(frames)
    assert gaps.min() >= 12 and gaps.max() <= 14


def test_half_rate_poses_drop_each_frame_between_its_neighbours():
    files, poses = example_clip()
    triples = half_rate_poses(poses, load_motion_model(torch.device("cpu")))
    assert triples.shape == (25, 3, 19, 3) and not triples[[0, -1]].any()
    for k in range(1, 24):
        for offset in (-1, 1):  # the neighbours are keyframes of the half-rate clip: their own poses, unless the
            seen = poses[k + offset, :, 2] > 0  # motion model undid a left/right swap
            assert np.abs(triples[k, 1 + offset, seen, :2] - poses[k + offset, seen, :2]).max() < 0.05
        middle = triples[k, 1, :, :2]  # the dropped frame: the model's guess, near the truth
        assert 0 < np.abs(middle - poses[k, :, :2]).mean() < 40


def test_psnr_of_a_summed_error():
    assert psnr_of(0.0, 10) == PSNR_CAP
    assert psnr_of(100.0 * 255 ** 2, 100) == pytest.approx(0.0)


def test_too_few_frames_leave_the_renderer_drawing():
    check = SelfCheck(MIN_SAMPLES - 1, math.nan, math.nan)
    assert check.passed and "too few to judge" in check.note()


def test_the_verdict_follows_the_scores():
    assert SelfCheck(5, 30.1, 30.0).passed and "passed" in SelfCheck(5, 30.1, 30.0).note()
    failed = SelfCheck(5, 29.9, 30.0)
    assert not failed.passed and "every in-between is the background interpolation" in failed.note()


def test_a_tie_keeps_the_background():
    """Equal scores mean the renderer drew none of the held-out frames: nothing shows it helps, so it draws nothing."""
    tie = SelfCheck(5, 30.0, 30.0)
    assert tie.tied and not tie.passed
    assert "drew none of the 5 held-out input frames" in tie.note()
    assert "every in-between is the background interpolation" in tie.note()
    assert not SelfCheck(5, 29.9, 30.0).tied and not SelfCheck(MIN_SAMPLES - 1, math.nan, math.nan).tied


def exact_triples(poses: np.ndarray) -> np.ndarray:
    """The exact poses of frames k-1, k and k+1 for each k (zeros at both ends)."""
    triples = np.zeros((len(poses), 3, *poses.shape[1:]))
    for k in range(1, len(poses) - 1):
        triples[k] = poses[k - 1:k + 2]
    return triples


class BlackRenderer:
    """A renderer that draws every in-between black: the background interpolation must win against it."""

    NO_PERSON = "background"

    def segments(self, plan, starts, keyframes):
        for k in starts:
            for step in range(1, plan.rate):
                yield k * plan.rate + step, np.zeros_like(keyframes[0])


def test_a_renderer_worse_than_the_background_fails(tmp_path):
    files, poses = example_clip()
    check = run_self_check(BlackRenderer(), backgrounds.build("blend"), files, exact_triples(poses), set(),
                           tmp_path / "check")
    assert check.samples == MAX_SAMPLES and not check.passed
    assert check.renderer_psnr < 10 < check.background_psnr
    assert len(list((tmp_path / "check").glob("*_rendered.png"))) == check.samples
    verdict = json.loads((tmp_path / "check" / VERDICT).read_text())
    assert verdict["passed"] is False and verdict["samples"] == check.samples


class BackgroundOnlyRenderer:
    """A renderer whose keyframe check leaves every in-between to the background: it draws nobody."""

    def segments(self, plan, starts, keyframes):
        for k in starts:
            for step in range(1, plan.rate):
                yield k * plan.rate + step, read_image(plan.backgrounds[k * plan.rate + step])


def test_a_renderer_that_draws_nobody_ties_and_fails(tmp_path):
    files, poses = example_clip()
    check = run_self_check(BackgroundOnlyRenderer(), backgrounds.build("blend"), files, exact_triples(poses), set(),
                           tmp_path / "check")
    assert check.samples == MAX_SAMPLES and check.tied and not check.passed
    assert json.loads((tmp_path / "check" / VERDICT).read_text())["passed"] is False


def test_a_fine_tuned_renderer_is_judged_on_the_frames_kept_out_that_qualify(tmp_path):
    files, poses = example_clip()
    triples = exact_triples(poses)
    triples[5] = 0.0  # nobody in frame 5's poses: it cannot be judged; a cut after frame 8 rules out 8 and 9
    check = run_self_check(BlackRenderer(), backgrounds.build("blend"), files, triples, {8}, tmp_path / "check",
                           kept_out=[3, 5, 8, 9, 12, 15, 40])
    assert check.samples == 3 and not check.passed
    assert {path.name for path in (tmp_path / "check").glob("*_rendered.png")} == {
        f"{files[k].stem}_rendered.png" for k in (3, 12, 15)}


def test_kept_out_frames_are_read_from_a_fine_tuned_renderer(tmp_path):
    state = torch.load(CHECKPOINTS_DIR / "render" / "model.pt", map_location="cpu", weights_only=True)
    assert kept_out_frames(CHECKPOINTS_DIR / "render") is None, "the shipped renderer was trained on no clip's frames"
    one_clip = {"root": "work", "frames": "inputs", "poses": "input_poses", "backgrounds": "train_backgrounds",
                "rate": 2, "layout": "train", "held_out": [4, 9]}
    state["config"] = {**state["config"], "data": {**state["config"]["data"], "sets": [one_clip]}}
    torch.save(state, tmp_path / "model.pt")
    assert kept_out_frames(tmp_path) == [4, 9]


def test_nothing_to_judge_is_written_as_null_scores(tmp_path):
    files, poses = example_clip()
    check = run_self_check(BlackRenderer(), backgrounds.build("blend"), files[:4], exact_triples(poses[:4]), set(),
                           tmp_path / "c")
    assert json.loads((tmp_path / "c" / VERDICT).read_text()) == {
        "samples": 2, "renderer_psnr": None, "background_psnr": None, "passed": True}


def test_the_shipped_renderer_is_scored_on_the_frames_it_wrote(tmp_path):
    files, poses = example_clip()
    renderer = load_renderer(CHECKPOINTS_DIR / "render", torch.device("cpu"), "auto")
    triples = half_rate_poses(poses, load_motion_model(torch.device("cpu")))
    check = run_self_check(renderer, backgrounds.build("dis"), files, triples, set(), tmp_path / "check")
    frames = held_out_frames(triples, set())
    assert check.samples == len(frames) == MAX_SAMPLES
    for kind, reported in (("rendered", check.renderer_psnr), ("background", check.background_psnr)):
        error = sum(np.square(read_image(tmp_path / "check" / f"{files[k].stem}_{kind}.png").astype(float)
                              - read_image(files[k]).astype(float)).sum() for k in frames)
        assert psnr_of(error, read_image(files[0]).size * check.samples) == pytest.approx(reported)


def test_a_failed_check_leaves_every_in_between_to_the_background():
    kinds = [Kind.KEYFRAME, Kind.RENDERED, Kind.BACKGROUND, Kind.KEYFRAME, Kind.REPEATED, Kind.RENDERED]
    assert count_kinds(self_check_failed(kinds)) == {
        "keyframe": 2, "background only (no person)": 1, "background (the renderer failed the self-check)": 2,
        "repeated across a scene cut": 1}


def test_finetune_keeps_the_frames_the_check_judges_out_of_training():
    cpu = torch.device("cpu")
    poses = np.stack([person(50 + 2 * k) for k in range(40)])
    triples = half_rate_poses(poses, load_motion_model(cpu))
    judged = held_out_frames(triples, set())
    frames, note = self_check_frames(poses, triples, [])
    assert len(judged) == MAX_SAMPLES and len(frames) == 38 // KEPT_OUT_SHARE
    assert set(frames) <= set(judged) and frames == sorted(frames)
    assert frames[0] == judged[0] and frames[-1] == judged[-1]  # spread over the clip
    assert f"kept {len(frames)} of 38 training frames out of training" in note


def test_finetune_keeps_enough_out_of_a_short_clip_for_the_check():
    poses = np.stack([person(50 + 2 * k) for k in range(9)])
    triples = half_rate_poses(poses, load_motion_model(torch.device("cpu")))
    frames, note = self_check_frames(poses, triples, [])  # 7 training frames (bikes at x4 has as few)
    assert len(frames) == MIN_SAMPLES and "kept 3 of 7 training frames out of training" in note
    frames, note = self_check_frames(poses[:7], triples[:7], [])  # 5 training frames: 3 out would leave 2
    assert frames == [] and "would leave 2, so the check will judge the fine-tuned renderer on frames it" in note


def test_finetune_trains_on_every_frame_when_too_few_would_be_judged():
    files, poses = example_clip()
    frames, note = self_check_frames(poses[:4], half_rate_poses(poses[:4], load_motion_model(torch.device("cpu"))),
                                     [])
    assert frames == [] and "trained on all 2 training frames: too few" in note

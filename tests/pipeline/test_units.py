"""Pure parts of ``rib interpolate``: the timeline, exact frame rates, scene cuts and frame kinds."""
from fractions import Fraction

import numpy as np
import pytest

from rib.errors import RIBError
from rib_pipeline.compose import Kind, frame_kinds
from rib_pipeline.media import exact_rate
from rib_pipeline.scenes import pair_change, is_cut
from rib_pipeline.timeline import plan_timeline


def test_integer_rate_holds_the_last_frame_so_the_duration_matches():
    timeline = plan_timeline(10, Fraction(24), rate=2)
    assert (timeline.upsampled_count, timeline.output_count, timeline.output_fps) == (19, 20, 48)
    assert timeline.source_indices() == list(range(19)) + [18]
    assert not timeline.resampled


def test_non_integer_factor_upsamples_by_the_next_integer_and_picks_the_nearest_frame():
    timeline = plan_timeline(5, Fraction(24), fps=Fraction(60))
    assert timeline.rate == 3 and timeline.output_count == 13 and timeline.resampled
    assert timeline.source_indices() == [0, 1, 2, 4, 5, 6, 7, 8, 10, 11, 12, 12, 12]


@pytest.mark.parametrize("kwargs", [dict(rate=1), dict(fps=Fraction(20)), dict(), dict(rate=2, fps=Fraction(60))])
def test_bad_rates_are_refused(kwargs):
    with pytest.raises(RIBError):
        plan_timeline(5, Fraction(24), **kwargs)


def test_ntsc_rates_are_exact():
    assert exact_rate("29.97") == Fraction(30000, 1001)
    assert exact_rate(23.976) == Fraction(24000, 1001)
    assert exact_rate("25") == 25


def test_a_cut_is_found_and_motion_is_not():
    rng = np.random.default_rng(0)
    scene = rng.integers(0, 255, (64, 96, 3), dtype=np.uint8)
    assert not is_cut(pair_change(0, scene, np.roll(scene, 3, axis=1)))
    other = np.full_like(scene, (200, 30, 30))
    assert is_cut(pair_change(0, scene, other))


def test_frame_kinds():
    person = np.ones((19, 3))
    inputs = np.stack([person, person, np.zeros((19, 3)), person])
    predicted = np.ones((7, 19, 3))
    kinds = frame_kinds(inputs, predicted, 2, cuts=[0])
    assert kinds == [Kind.KEYFRAME, Kind.REPEATED, Kind.KEYFRAME, Kind.BACKGROUND, Kind.KEYFRAME, Kind.BACKGROUND,
                     Kind.KEYFRAME]


def test_a_frame_is_rendered_only_where_the_renderer_draws_a_person():
    """A pose with fewer than rib.person.MIN_JOINTS joints is the background, as the warp-blend renderer returns it."""
    from Pose_Guided_Neural_Rendering.warp_blend.config import parse
    from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer
    from rib.person import MIN_JOINTS

    person, few = np.ones((19, 3)), np.zeros((19, 3))
    few[:MIN_JOINTS - 1, 2] = 1
    kinds = frame_kinds(np.stack([person, person]), np.stack([person, few, person]), 2, cuts=[])
    assert kinds == [Kind.KEYFRAME, Kind.BACKGROUND, Kind.KEYFRAME]
    background = np.full((32, 32, 3), 7, np.uint8)
    frame, alpha = BlendRenderer(None, parse({}), None).frame(background, background, background,
                                                             np.stack([person, person, few]), 0.5)
    assert frame is background and not alpha.any()


def test_several_people_are_counted_and_reported(tmp_path):
    from pathlib import Path

    from rib.joints import j19_to_person
    from rib.openpose import write_people
    from rib_pipeline.stages import people_per_frame
    from rib_pipeline.summary import RunSummary

    pose = np.concatenate([np.random.default_rng(0).uniform(10, 90, (19, 2)), np.full((19, 1), 0.9)], axis=1)
    for index, count in enumerate([1, 2, 0, 3]):
        write_people(tmp_path / f"frame{index:05d}_keypoints.json", [j19_to_person(pose)] * count)
    counts = people_per_frame(tmp_path)
    assert counts == [1, 2, 0, 3]
    summary = RunSummary(Path("clip.mp4"), num_inputs=4, person_found=[True, True, False, True], people=counts,
                         tracks_found=3, tracks_rendered=2)
    lines = "\n".join(summary.person_lines())
    assert "several people in 2 input frame(s) (1, 3)" in lines and "people: 3 tracked, 2 rendered" in lines
    assert "tracked main person" not in lines
    summary.people_choice = "main"
    assert "--people main renders the tracked main person" in "\n".join(summary.person_lines())


@pytest.mark.parametrize("found, warning", [
    (0, "warning: no person detected in any frame; the output is the background interpolation alone"),
    (2, "warning: a person was detected in only 2 of 10 frames; frames without a person are rendered as the "
        "untouched background interpolation; check the pose step's output"),
    (5, None)])
def test_summary_warns_when_few_input_frames_show_a_person(found, warning):
    from pathlib import Path

    from rib_pipeline.summary import RunSummary

    summary = RunSummary(Path("bikes.mp4"), num_inputs=10, person_found=[i < found for i in range(10)])
    lines = summary.person_lines()
    warned = [line.strip() for line in lines if "warning" in line]
    assert warned == ([] if warning is None else [warned[0]]) and (warning is None or warned[0].startswith(warning))

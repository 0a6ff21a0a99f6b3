"""Finding every person without MediaPipe: windows and crops, mapping back to frame pixels, detections, duplicate
merging and track ids (crossing people keep theirs)."""
from __future__ import annotations

import numpy as np

from HumanSloMo_Dataset.poses.mediapipe_backend import fits_track, is_misfit
from HumanSloMo_Dataset.poses.person_detector import Detection, detection_in, merge_detections
from HumanSloMo_Dataset.poses.person_tracks import (FACE, MAX_MISSED, Tracker, body_box, colours, look_distance,
                                                      merge_duplicates, overlap)
from HumanSloMo_Dataset.poses.windows import Window, around, around_box, grow, joint_box, square, tiles
from rib.openpose import NUM_BODY, Person


def _person(x0: float, y0: float, height: float, confidence: float = 0.9) -> Person:
    """An upright stick person: 15 body joints spread over a box ``height`` tall and a third as wide."""
    body = np.zeros((NUM_BODY, 3))
    body[:15, 0] = x0 + np.linspace(0, height / 3, 15)
    body[:15, 1] = y0 + np.linspace(0, height, 15)
    body[:15, 2] = confidence
    return Person(body=body)


def test_tiles_cover_the_frame_largest_first() -> None:
    windows = tiles(512, 768, (1.0, 0.5))
    assert windows[0] == Window(0, 0, 512, 512) and {w.width for w in windows} == {512, 256}
    covered = np.zeros((512, 768), bool)
    for window in windows:
        assert window.x0 + window.width <= 768 and window.y0 + window.height <= 512
        covered[window.y0:window.y0 + window.height, window.x0:window.x0 + window.width] = True
    assert covered.all()
    small = tiles(272, 640, (1.0, 0.5), min_side=224)  # bikes: 224-px tiles would find what 272-px ones find
    assert small == [Window(x0, 0, 272, 272) for x0 in (0, 123, 245, 368)]
    assert {w.width for w in tiles(576, 768, (1.0, 0.5), min_side=224)} == {576, 288}  # vtest


def test_windows_around_people_stay_in_the_frame() -> None:
    points = np.array([[100.0, 50.0, 1.0], [140.0, 130.0, 1.0], [900.0, 900.0, 0.0]])
    assert around(points, 512, 768) == Window(40, 10, 160, 160)  # twice the 80 px box around its centre
    assert around(points - [[90.0, 45.0, 0.0]], 512, 768) == Window(0, 0, 160, 160)  # kept in the frame
    assert around(points[2:], 512, 768) is None
    np.testing.assert_array_equal(joint_box(points), [100, 50, 140, 130])
    assert around_box(np.array([100.0, 50.0, 140.0, 130.0]), 512, 768) == Window(40, 10, 160, 160)
    assert square(5.0, 5.0, 10.0, 100, 200) == Window(0, 0, 64, 64)  # at least MIN_WINDOW
    assert square(150.0, 50.0, 500.0, 100, 200) == Window(100, 0, 100, 100)  # at most the frame


def test_small_crops_are_upscaled_and_map_back_to_frame_pixels() -> None:
    image = np.zeros((576, 768, 3), np.uint8)
    image[300:310, 420:430] = 255  # a white square at frame (420..430, 300..310)
    window = Window(400, 260, 96, 96)
    crop = window.upscaled_crop(image)
    assert crop.shape == (256, 256, 3) and crop.dtype == np.uint8
    rows, cols = np.nonzero(crop[..., 0] > 127)
    normalised = np.array([[cols.mean() / 256, rows.mean() / 256]])
    np.testing.assert_allclose(window.to_frame(normalised), [[425.0, 305.0]], atol=1.0)
    assert Window(0, 0, 300, 400).upscaled_crop(image).shape == (400, 300, 3)  # big enough: left as it is


def test_people_already_found_are_hidden_except_the_one_looked_for() -> None:
    image = np.zeros((100, 200, 3), np.uint8)
    image[:, 100:] = 200
    window = Window(50, 0, 100, 100)
    crop = window.upscaled_crop(image, min_side=100, hidden=[np.array([60.0, 10, 90, 90])],
                                kept=np.array([80.0, 0, 120, 100]))
    fill = 100  # the window's mean colour: half of it 0, half 200
    assert (crop[10:90, 10:30] == fill).all()  # frame x 60..80: hidden
    assert (crop[10:90, 30:50] == 0).all() and (crop[:10, 10:30] == 0).all()  # the kept box and outside: as is
    assert (crop[:, 50:] == 200).all()
    np.testing.assert_allclose(grow(np.array([10.0, 20, 30, 60]), 0.1), [8, 16, 32, 64])


def test_people_are_hidden_by_their_silhouette_leaving_someone_behind_them_visible() -> None:
    image = np.full((200, 200, 3), 90, np.uint8)
    image[50:150, 60:140] = 250  # someone behind, wider than the person in front
    body = np.zeros((19, 3))
    body[[0, 1, 8, 9, 10, 12, 13], :] = [[100, 40, 1], [100, 60, 1], [100, 110, 1], [95, 110, 1], [95, 160, 1],
                                         [105, 110, 1], [105, 160, 1]]  # nose, neck, hips, knees
    window = Window(0, 0, 200, 200)
    mask = window.silhouettes([body])
    assert mask[110, 100] and mask[40, 100] and mask[150, 97]  # along the spine, on the head, a shin
    assert not mask[110, 70] and not mask[110, 130] and not mask[10, 10]  # beside the body: left as is
    assert mask[130, 90:111].all() and not mask[130, 80]  # limbs LIMB_WIDTH (0.12) of the 120-px height wide
    crop = window.upscaled_crop(image, min_side=100, hidden_mask=mask)
    assert (crop[110, 100] == 122).all() and (crop[110, 70] == 250).all()  # filled with the mean colour
    assert (image[110, 100] == 250).all()  # the frame itself is left as it was, even by a window over all of it
    on_body = np.array([[100.0, 100, 1], [100, 60, 1], [70, 110, 1], [0, 0, 0]])
    assert window.share_inside(mask, on_body) == 2 / 3  # the missing point does not count
    assert Window(150, 150, 50, 50).share_inside(mask[:50, :50], on_body) == 0.0  # points outside the window


def test_detections_in_tiles_become_windows_around_each_person() -> None:
    tile = Window(288, 144, 288, 288)
    detection = detection_in(tile, (0.5, 0.5), (0.5, 0.25), 0.9)
    assert (detection.x, detection.y) == (432.0, 288.0) and detection.side == 2.5 * 72
    assert detection.window(576, 768) == Window(342, 198, 180, 180)
    np.testing.assert_allclose(detection.core(), [360, 216, 504, 360])  # the body circle's square
    twin = Detection(440.0, 280.0, 170.0, 0.7)  # the same person from an overlapping tile
    other = Detection(600.0, 288.0, 180.0, 0.8)
    assert merge_detections([twin, detection, other]) == [detection, other]


def test_duplicates_are_merged_keeping_the_most_confident() -> None:
    first, same, other = _person(100, 100, 90, 0.6), _person(104, 98, 92, 0.9), _person(300, 100, 90)
    merged = merge_duplicates([first, same, other, Person()])  # a person without joints is dropped
    assert [person.body[0, 0] for person in merged] == [104, 300]
    beside = _person(118, 100, 90)  # walking side by side: boxes overlap, joints do not
    assert overlap(body_box(first), body_box(beside)) > 0.2 and len(merge_duplicates([first, beside])) == 2
    upper = _person(100, 100, 90)
    upper.body[5:] = 0.0  # the same person's upper body only (from a tight window): still one person
    assert merge_duplicates([upper, first]) == [first]
    assert overlap(np.array([0.0, 0, 10, 10]), np.array([5.0, 5, 30, 30])) == 0.25
    assert overlap(np.array([0.0, 0, 10, 10]), np.array([20.0, 0, 30, 10])) == 0.0


def test_crossing_people_keep_their_track_ids() -> None:
    """Two pedestrians walk towards each other, pass (boxes overlapping) and go on; a third appears later."""
    tracker = Tracker()
    ids = []
    for step in range(12):
        left = _person(100 + 20 * step, 200, 90)
        right = _person(340 - 20 * step, 204, 96)
        people = [right, left] if step % 2 else [left, right]  # the order found is no clue
        if step >= 8:
            people.append(_person(600, 300, 80))
        tracked = tracker.update(people)
        ids.append({round(p.body[0, 1]): p.track for p in tracked})  # keyed by the head's height: 200, 204, 300
        assert (ids[-1][200], ids[-1][204]) == (0, 1)
    assert [i.get(300) for i in ids[7:]] == [None, 2, 2, 2, 2]


def _boxed(x0: float, y0: float, x1: float, y1: float, face: tuple[float, float] | None = None) -> Person:
    """A person whose 15 body joints run from one corner of the box to the other, the face (nose, eyes, ears) at
    ``face`` (default: the top corner)."""
    body = np.zeros((NUM_BODY, 3))
    body[:15, 0], body[:15, 1], body[:15, 2] = np.linspace(x0, x1, 15), np.linspace(y0, y1, 15), 0.9
    body[FACE] = (*(face or (x0, y0)), 0.9)
    return Person(body=body)


def test_a_whole_frame_pose_with_a_tracked_persons_face_that_fits_no_track_is_a_misfit() -> None:
    """walker_turn_right1 at x8, input 1: Holistic on the whole frame turned the walker on their side (the face in
    place); the track's window found them upright. Boxes and faces from that frame."""
    expected = [np.array([292.0, 153.0, 422.0, 395.0])]
    on_side, upright = _boxed(108, 126, 403, 359, face=(401, 164)), _boxed(291, 166, 418, 400, face=(397, 154))
    assert not fits_track(body_box(on_side), expected[0]) and fits_track(body_box(upright), expected[0])
    assert is_misfit(on_side, expected, [upright])
    assert not is_misfit(on_side, expected, []), "nothing found in a track window: kept"
    assert not is_misfit(_boxed(300, 150, 420, 390, face=(397, 154)), expected, [upright]), "it fits the track"


def test_a_second_person_over_a_tracked_one_is_no_misfit() -> None:
    """Someone standing within a tracked person's box, or a tracked person who moved far from where expected, keeps
    their whole-frame pose: their face is elsewhere."""
    spread = _boxed(100, 100, 270, 280, face=(185, 105))  # the tracked person, arms spread, found in their window
    newcomer = _boxed(200, 110, 260, 290, face=(230, 115))
    assert overlap(body_box(newcomer), body_box(spread)) > 0.9
    assert not is_misfit(newcomer, [np.array([100.0, 100, 270, 280])], [spread])
    moved = _boxed(130, 110, 190, 280, face=(160, 115))  # tracked, expected at (160, 110)-(220, 280)
    assert not fits_track(body_box(moved), np.array([160.0, 110, 220, 280]))
    assert not is_misfit(moved, [np.array([160.0, 110, 220, 280])], [_boxed(100, 100, 200, 280, face=(120, 105))])


def test_a_partial_pose_does_not_fit_a_track() -> None:
    """walker_turn_left0 at x4, input 5: Holistic on the whole frame fitted the walker's legs alone, inside where the
    walker was expected; that does not stand for the walker, so the track's window looks for them."""
    expected = np.array([333.0, 171, 408, 352])
    assert not fits_track(np.array([352.0, 232, 393, 336]), expected)
    assert fits_track(np.array([346.0, 171, 413, 354]), expected), "the whole walker, found in the track's window"
    assert not fits_track(np.array([100.0, 200, 200, 280]), np.array([100.0, 100, 200, 300])), "short and wide"


def test_a_person_unseen_for_a_few_frames_keeps_the_id_then_the_track_ends() -> None:
    tracker = Tracker()
    assert tracker.update([_person(100, 100, 90)])[0].track == 0
    for _ in range(MAX_MISSED - 1):
        tracker.update([])
    assert tracker.update([_person(100, 100, 90)])[0].track == 0  # back in time: the same id
    for _ in range(MAX_MISSED):
        tracker.update([])
    assert tracker.tracks == [] and tracker.update([_person(100, 100, 90)])[0].track == 1  # ids are never reused
    tracker.reset()
    assert tracker.update([_person(100, 100, 90)])[0].track == 0


def _painted(people: list[tuple[Person, tuple[int, int, int]]]) -> np.ndarray:
    """A grey frame with each person's joint box filled with their clothes' colour."""
    image = np.full((400, 600, 3), 128, np.uint8)
    for person, colour in people:
        x0, y0, x1, y1 = body_box(person).astype(int)
        image[y0:y1 + 1, x0:x1 + 1] = colour
    return image


def test_people_passing_between_frames_are_told_apart_by_their_colours() -> None:
    """Red and black swap sides from one frame to the next: by position alone their ids would swap."""
    red, black = (200, 30, 30), (20, 20, 20)
    first = [(_person(100, 100, 90), red), (_person(160, 100, 90), black)]
    second = [(_person(140, 100, 90), red), (_person(120, 100, 90), black)]
    by_position, by_look = Tracker(), Tracker()
    for frame in (first, second):
        people = [person for person, _ in frame]
        blind = by_position.update(people)
        seeing = by_look.update(people, _painted(frame))
    assert [person.track for person in seeing] == [0, 1]
    assert [person.track for person in blind] == [1, 0]  # what the colours prevent
    assert look_distance(colours(_painted(first), body_box(first[0][0])), None) == 0.0

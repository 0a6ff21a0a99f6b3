"""The human actor: the shipped body pool, linear blend skinning, retargeting DeepMimic, identities, rendering."""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from HumanSloMo_Dataset.synth import human_scene
from HumanSloMo_Dataset.synth.actor import HumanActor
from HumanSloMo_Dataset.synth.body import load_pool
from HumanSloMo_Dataset.synth.camera import camera_frames, project, sample_path
from HumanSloMo_Dataset.synth.identity import HAIR_STYLES, paint_atlas, sample_identity, vertex_regions
from HumanSloMo_Dataset.synth.retarget import DOWN, bone_rotations, rest_pose, retarget, sole_offset
from HumanSloMo_Dataset.synth.scene import Backdrop
from HumanSloMo_Dataset.synth import appearance
from rib import deepmimic
from rib.errors import RIBError
from rib.openpose import BODY25_NAMES

POOL = load_pool()
BODY = POOL.bodies[0]


def rest_keypoint(name):
    body, _ = BODY.keypoints(BODY.rest_vertices, BODY.rest_heads)
    return body[BODY25_NAMES.index(name)]


def test_pool_holds_disjoint_train_and_test_bodies_of_varied_shape():
    train, test = POOL.indices("train"), POOL.indices("test")
    assert len(train) >= 30 and len(test) >= 10 and not set(train) & set(test)
    heights = [np.ptp(body.rest_vertices[:, 1]) for body in POOL.bodies]
    assert 1.3 < min(heights) and max(heights) < 2.1 and max(heights) - min(heights) > 0.2
    assert set(BODY.phenotype) == {"gender", "age", "muscle", "weight", "height", "proportions"}
    assert BODY.rest_vertices.shape == (13718, 3) and len(POOL.topology.labels) == 104


def test_rest_keypoints_sit_where_a_person_has_them():
    """y up, facing +x, right side +z: nose in front of the eyes, ears behind them, heels behind the toes."""
    assert rest_keypoint("Nose")[0] > rest_keypoint("REye")[0] > rest_keypoint("REar")[0]
    assert rest_keypoint("REar")[2] > 0.05 > -0.05 > rest_keypoint("LEar")[2]
    assert rest_keypoint("RHeel")[0] < rest_keypoint("RAnkle")[0] < rest_keypoint("RBigToe")[0]
    assert rest_keypoint("Nose")[1] > rest_keypoint("Neck")[1] > rest_keypoint("MidHip")[1] > rest_keypoint(
        "RKnee")[1] > rest_keypoint("RAnkle")[1]
    body, hands = BODY.keypoints(BODY.rest_vertices, BODY.rest_heads)
    assert np.isfinite(body).all() and np.isfinite(hands).all()
    assert np.allclose(body[BODY25_NAMES.index("Neck")], (body[2] + body[5]) / 2)


def test_skinning_is_exact_at_rest_and_rigid_under_one_rotation():
    count = len(POOL.topology.labels)
    vertices, heads = BODY.pose(np.broadcast_to(np.eye(3), (count, 3, 3)), np.zeros(3))
    assert np.allclose(vertices, BODY.rest_vertices) and np.allclose(heads, BODY.rest_heads)
    turn = Rotation.from_euler("xyz", [0.3, -1.2, 0.7]).as_matrix()
    shift = np.array([0.5, 1.0, -2.0])
    vertices, heads = BODY.pose(np.broadcast_to(turn, (count, 3, 3)), shift)
    assert np.allclose(vertices, BODY.rest_vertices @ turn.T + shift, atol=1e-9)


def test_rest_correction_hangs_limbs_straight_down_and_puts_soles_on_deepmimics():
    rotations = bone_rotations(BODY, rest_pose().rotations)[0]
    _, heads = BODY.pose(rotations, np.zeros(3))
    bone = POOL.topology.bone
    for first, last in (("upperarm01.L", "lowerarm01.L"), ("lowerarm01.R", "wrist.R"), ("upperleg01.L", "lowerleg01.L"),
                        ("lowerleg01.R", "foot.R")):
        direction = heads[bone(last)] - heads[bone(first)]
        assert np.dot(direction / np.linalg.norm(direction), DOWN) > 0.999, (first, last)
    vertices, _ = BODY.pose(rotations, np.array([0.0, sole_offset(BODY), 0.0]))
    assert vertices[:, 1].min() == pytest.approx(-0.831 - 0.03, abs=0.03)  # DeepMimic's sole, 3 cm under its ankle


@pytest.mark.parametrize("motion", ["spinkick", "cartwheel"])
def test_retargeted_limbs_point_where_deepmimics_point(motion):
    clip = deepmimic.resample(deepmimic.read_clip(deepmimic.clip_paths()[motion]), 30.0)
    frames = list(range(0, len(clip), 5))
    rotations, roots = retarget(BODY, clip, frames)
    pose = deepmimic.forward_kinematics(clip)
    bone = POOL.topology.bone
    worst = 0.0
    for index, t in enumerate(frames):
        _, heads = BODY.pose(rotations[index], roots[index])
        for side in ("left", "right"):
            suffix = side[0].upper()
            for (first, last), (link_a, link_b) in (
                    (("upperarm01", "lowerarm01"), ("shoulder", "elbow")), (("lowerarm01", "wrist"), ("elbow", "wrist")),
                    (("upperleg01", "lowerleg01"), ("hip", "knee")), (("lowerleg01", "foot"), ("knee", "ankle"))):
                ours = heads[bone(f"{last}.{suffix}")] - heads[bone(f"{first}.{suffix}")]
                theirs = pose.positions[f"{side}_{link_b}"][t] - pose.positions[f"{side}_{link_a}"][t]
                cosine = ours @ theirs / np.linalg.norm(ours) / np.linalg.norm(theirs)
                worst = max(worst, np.degrees(np.arccos(np.clip(cosine, -1, 1))))
    assert worst < 2.0


def test_identities_come_from_their_splits_pool_and_vary():
    rng = np.random.default_rng(0)
    test = [sample_identity(rng, POOL, "test") for _ in range(40)]
    train = [sample_identity(rng, POOL, "train") for _ in range(40)]
    assert {i.body for i in test} <= set(POOL.indices("test")) and {i.body for i in train} <= set(POOL.indices("train"))
    assert len({i.skin for i in test}) == 40 and len({i.top for i in test}) == 40
    assert {i.hair_style for i in test + train} == set(HAIR_STYLES)
    assert {"trousers", "shorts", "skirt"} == {i.bottoms for i in test + train}
    entry = test[0].to_dict(POOL)
    assert entry["phenotype"] == POOL.bodies[test[0].body].phenotype and entry["body"] == test[0].body
    with pytest.raises(RIBError, match="no body for the val split"):
        sample_identity(rng, POOL, "val")


def test_regions_follow_the_clothes_and_the_atlas_shows_them():
    rng = np.random.default_rng(1)
    identity = sample_identity(rng, POOL, "train")
    long_clothes = identity.__class__(**{**identity.__dict__, "sleeves": "long", "bottoms": "trousers",
                                         "hair_style": "none", "top_pattern": "plain"})
    short_clothes = identity.__class__(**{**long_clothes.__dict__, "sleeves": "short", "bottoms": "shorts",
                                          "hair_style": "long"})
    body = POOL.bodies[identity.body]
    long_regions, short_regions = vertex_regions(body, long_clothes), vertex_regions(body, short_clothes)
    assert long_regions["top"].sum() > short_regions["top"].sum()
    assert long_regions["bottom"].sum() > short_regions["bottom"].sum()
    assert not long_regions["hair"].any() and short_regions["hair"].sum() > 200
    assert not (long_regions["top"] & long_regions["bottom"]).any()
    atlas = paint_atlas(body, long_clothes, size=256)
    colours = {tuple(c) for c in atlas.reshape(-1, 3)[::7]}
    assert tuple(long_clothes.skin) in colours and tuple(long_clothes.shoes) in colours


def test_human_scene_renders_the_body_where_its_keypoints_project(monkeypatch):
    """Several worker processes (2 frames each): every frame shows the person under its projected keypoints."""
    monkeypatch.setattr(human_scene, "FRAMES_PER_WORKER", 2)
    clip = deepmimic.resample(deepmimic.read_clip(deepmimic.clip_paths()["jump"]), 60.0)
    frames = [0, 10, 20, 30, 40]
    actor = HumanActor.draw(np.random.default_rng(2), POOL, "test", clip, frames)
    path = sample_path(np.random.default_rng(3))
    cameras = camera_frames(path, actor.roots, 6.0, 160, 120)
    backdrop = Backdrop(appearance.read_photo("rocket.jpg"), path.backdrop_azimuth)
    with actor.scene("gravel.png") as scene:
        rendered = list(scene.render(actor.poses(), cameras, backdrop))
    assert len(rendered) == 5
    for (image, mask), camera, points in zip(rendered, cameras, actor.body_points):
        assert image.shape == (120, 160, 3) and image.dtype == np.uint8 and 150 < mask.sum() < 6000
        pixels, _ = project(camera, points[[BODY25_NAMES.index(n) for n in ("Neck", "MidHip", "RKnee", "LKnee")]])
        x, y = np.round(pixels).astype(int).T
        assert mask[y, x].all()


def test_render_workers_are_never_forked_from_the_caller():
    """A worker forked from this multi-threaded process inherits the locks its threads hold (one waited for ever on
    cv2's), so workers start from a fork server or fresh."""
    assert human_scene.worker_context().get_start_method() in {"forkserver", "spawn"}

"""Who the human actor is in a clip: a body from the pool, skin, hair and clothes, painted into the UV atlas.

An :class:`Identity` is drawn per clip from the clip's random generator. Its body comes from the pool bodies
reserved for the clip's split, so test clips show bodies never seen in training. Skin tone, hair (colour; short,
long, cropped or none), top (colour, plain / stripes / checks, sleeveless to long sleeves), bottoms (trousers,
shorts or a skirt-like colour split; length), and shoes vary freely. The manifest records every parameter.

Regions are decided per vertex on the body's rest mesh (which bone moves it most, how far along the arm or leg it
lies, its height on the head) and painted triangle by triangle into the body's UV atlas; patterns are drawn in
atlas space, where the body's one big UV island runs head-up, so stripes read as horizontal.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from HumanSloMo_Dataset.synth.body import BodyPool, PosableBody

ATLAS_SIZE = 1024
SKIN_TONES = ((255, 224, 196), (241, 194, 167), (224, 172, 140), (198, 134, 100), (161, 102, 72), (120, 76, 52),
              (88, 58, 42))
"""Light to dark skin colours (RGB); each identity jitters one of them."""
HAIR_COLOURS = ((20, 16, 14), (48, 32, 22), (92, 60, 36), (170, 130, 80), (210, 180, 120), (140, 60, 30),
                (150, 150, 150))
"""Black, dark brown, brown, dark blond, blond, red, grey."""
HAIR_STYLES = ("short", "long", "cropped", "none")
PATTERNS = ("plain", "stripes", "checks")
SLEEVES = {"none": 0.05, "short": 0.3, "elbow": 0.55, "long": 0.97}
"""Sleeve length as the fraction of the shoulder-to-wrist line it covers."""
BOTTOMS = {"trousers": 0.97, "shorts": 0.42, "skirt": 0.55}
"""How far down the hip-to-ankle line the bottoms reach."""
EYE_WHITE, IRIS = (235, 232, 225), (60, 40, 30)
HEAD_BONES = ("head", "neck01", "neck02", "neck03", "eye.L", "eye.R")


@dataclass(frozen=True)
class Identity:
    """Everything that makes a clip's actor look like a particular person."""

    body: int
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    hair_style: str
    top: tuple[int, int, int]
    top_second: tuple[int, int, int]
    top_pattern: str
    sleeves: str
    bottoms: str
    bottom: tuple[int, int, int]
    shoes: tuple[int, int, int]

    def to_dict(self, pool: BodyPool) -> dict:
        """The manifest entry: every parameter plus the body's shape sliders."""
        return {**asdict(self), "phenotype": pool.bodies[self.body].phenotype}


def _colour(rng: np.random.Generator, saturation: tuple[float, float], value: tuple[float, float]
            ) -> tuple[int, int, int]:
    hsv = np.uint8([[[rng.integers(0, 180), rng.uniform(*saturation) * 255, rng.uniform(*value) * 255]]])
    return tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0])


def _jitter(rng: np.random.Generator, colour: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    return tuple(int(np.clip(c * rng.uniform(1 - amount, 1 + amount), 0, 255)) for c in colour)


def sample_identity(rng: np.random.Generator, pool: BodyPool, split: str) -> Identity:
    """A random person whose body is one of the pool's ``split`` bodies."""
    return Identity(
        body=int(rng.choice(pool.indices(split))),
        skin=_jitter(rng, SKIN_TONES[rng.integers(len(SKIN_TONES))], 0.06),
        hair=_jitter(rng, HAIR_COLOURS[rng.integers(len(HAIR_COLOURS))], 0.1),
        hair_style=str(rng.choice(HAIR_STYLES, p=[0.45, 0.3, 0.15, 0.1])),
        top=_colour(rng, (0.2, 0.9), (0.25, 0.95)), top_second=_colour(rng, (0.0, 0.6), (0.3, 1.0)),
        top_pattern=str(rng.choice(PATTERNS, p=[0.5, 0.3, 0.2])), sleeves=str(rng.choice(list(SLEEVES))),
        bottoms=str(rng.choice(list(BOTTOMS), p=[0.6, 0.25, 0.15])), bottom=_colour(rng, (0.1, 0.8), (0.15, 0.8)),
        shoes=_colour(rng, (0.0, 0.7), (0.1, 0.9)))


def vertex_regions(body: PosableBody, identity: Identity) -> dict[str, np.ndarray]:
    """Boolean (V,) masks of the vertices each garment or feature covers, on the body's rest mesh."""
    topology, rest, heads = body.topology, body.rest_vertices, body.rest_heads
    labels = np.asarray(topology.labels)[topology.dominant_bone()]
    stem = np.asarray([label.partition(".")[0] for label in labels])
    side = np.asarray([label.partition(".")[2] for label in labels])

    def along(first: str, last: str) -> np.ndarray:
        """Fraction of the way from bone head ``first`` to ``last`` (per side) of every vertex."""
        fraction = np.zeros(len(rest))
        for suffix in ("L", "R"):
            start, end = heads[topology.bone(f"{first}.{suffix}")], heads[topology.bone(f"{last}.{suffix}")]
            axis = end - start
            mine = side == suffix
            fraction[mine] = (rest[mine] - start) @ axis / (axis @ axis)
        return fraction

    is_head = np.isin(labels, HEAD_BONES)
    is_hand = np.char.startswith(stem, "finger") | np.char.startswith(stem, "metacarpal") | (stem == "wrist")
    is_foot = (stem == "foot") | np.char.startswith(stem, "toe")
    is_arm = np.isin(stem, ("upperarm01", "upperarm02", "lowerarm01", "lowerarm02"))
    is_leg = np.isin(stem, ("upperleg01", "upperleg02", "lowerleg01", "lowerleg02"))
    trunk = ~(is_head | is_hand | is_foot | is_arm | is_leg)
    waist = heads[topology.bone("spine04"), 1]
    shoulder = heads[topology.bone("upperarm01.L"), 1]
    neckline = shoulder + 0.04 * (1.0 if identity.sleeves != "none" else 0.5)
    arm = along("upperarm01", "wrist")
    leg = along("upperleg01", "foot")
    regions = {
        "top": (trunk & (rest[:, 1] >= waist) & (rest[:, 1] <= neckline))
        | (is_arm & (arm <= SLEEVES[identity.sleeves])),
        "bottom": (trunk & (rest[:, 1] < waist)) | (is_leg & (leg <= BOTTOMS[identity.bottoms])),
        "shoes": is_foot | (is_leg & (leg > 0.97)),
    }
    eyes = np.isin(labels, ("eye.L", "eye.R"))
    eye_centre = heads[[topology.bone("eye.L"), topology.bone("eye.R")]]
    eye_front = eyes & (rest[:, 0] > eye_centre[:, 0].mean() + 0.008)
    regions["eye_white"], regions["iris"] = eyes & ~eye_front, eye_front
    regions["hair"] = is_head & _hair(rest, heads, topology, identity.hair_style) & ~eyes
    return regions


def _hair(rest: np.ndarray, heads: np.ndarray, topology, style: str) -> np.ndarray:
    """Head vertices under the hair for ``style`` (rest mesh, y up, facing +x)."""
    if style == "none":
        return np.zeros(len(rest), bool)
    eye_y = heads[topology.bone("eye.L"), 1]
    eye_x = heads[topology.bone("eye.L"), 0]
    top = heads[topology.bone("head"), 1]
    forehead = eye_y + (0.075 if style == "cropped" else 0.05)
    front = rest[:, 0] > eye_x - 0.035
    crown = (rest[:, 1] > forehead) & ~(front & (rest[:, 1] < forehead + 0.015))
    back_limit = {"short": eye_y - 0.03, "long": top - 0.16, "cropped": eye_y + 0.0}[style]
    back = (rest[:, 0] < eye_x - 0.07) & (rest[:, 1] > back_limit)
    return crown | back


def paint_atlas(body: PosableBody, identity: Identity, size: int = ATLAS_SIZE) -> np.ndarray:
    """The (size, size, 3) RGB UV atlas of ``identity`` on ``body``."""
    topology = body.topology
    atlas = np.empty((size, size, 3), np.uint8)
    atlas[:] = identity.skin
    regions = vertex_regions(body, identity)
    corners = topology.uvs[topology.face_uvs] * [size, -size] + [0.0, size]  # (F, 3, 2) pixels, v up
    polygons = np.round(corners * 4).astype(np.int32)  # 2 fractional bits for cv2.fillPoly's shift
    rng = np.random.default_rng(0)
    for name in ("bottom", "top", "shoes", "hair", "eye_white", "iris"):
        faces = regions[name][topology.faces].sum(axis=1) >= 2
        if not faces.any():
            continue
        mask = np.zeros((size, size), np.uint8)
        cv2.fillPoly(mask, list(polygons[faces]), 255, lineType=cv2.LINE_8, shift=2)
        mask = cv2.dilate(mask, np.ones((3, 3), np.uint8)) > 0
        atlas[mask] = _fabric(name, identity, size, rng)[mask]
    return atlas


def _fabric(name: str, identity: Identity, size: int, rng: np.random.Generator) -> np.ndarray:
    """A full-size texture for region ``name`` (only the region's pixels are used)."""
    colour = {"bottom": identity.bottom, "top": identity.top, "shoes": identity.shoes, "hair": identity.hair,
              "eye_white": EYE_WHITE, "iris": IRIS}[name]
    texture = np.empty((size, size, 3), np.float64)
    texture[:] = colour
    rows, cols = np.mgrid[:size, :size]
    if name == "top" and identity.top_pattern != "plain":
        period = size // 40
        band = (rows // period) % 2 == 0
        if identity.top_pattern == "checks":
            band ^= (cols // period) % 2 == 0
        texture[band] = identity.top_second
    if name in ("bottom", "top", "hair"):
        grain = cv2.GaussianBlur(rng.normal(0.0, 1.0, (size // 8, size // 8)), (0, 0), 1.0)
        texture *= 1.0 + 0.08 * cv2.resize(grain, (size, size))[..., None]
    return np.clip(texture, 0, 255).astype(np.uint8)

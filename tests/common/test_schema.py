"""rib.schema, the one config schema: numbers from YAML or --set converted once, bad types one-line errors, the same
--set on every script."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pytest

from Human_Motion_Modelling import evaluate as motion_evaluate
from Pose_Guided_Neural_Rendering import train as render_train
from Pose_Guided_Neural_Rendering.warp_blend.train import configure as warp_blend_config
from rib.errors import RIBError
from rib.paths import REPO_ROOT
from rib.schema import Section, parse_sections

WARP_BLEND = REPO_ROOT / "Pose_Guided_Neural_Rendering" / "configs" / "warp_blend.yaml"


@dataclass
class Inner(Section):
    WHERE: ClassVar[str] = "outer.inner"
    rate: int = 2
    sizes: tuple[float, ...] = (1.0,)


def strict_inner() -> Inner:
    return Inner(rate=5)


@dataclass
class Outer:
    inner: Inner = field(default_factory=Inner)
    strict: Inner = field(default_factory=strict_inner)
    many: list[Inner] = field(default_factory=list)


def test_warp_blend_set_lr_is_a_number():
    args = render_train.parse_args(["--config", str(WARP_BLEND), "--set", "train.lr=2e-4", "--set", "train.seed=7"])
    config = warp_blend_config(args, render_train.build_config(args))
    assert config.train.lr == 2e-4 and isinstance(config.train.lr, float) and config.train.seed == 7


def test_numbers_in_sequences_and_nested_sections_are_converted():
    parsed = parse_sections(Outer, {"inner": {"rate": "3", "sizes": ["1e-1", 2]}, "strict": {"sizes": [4]},
                                    "many": [{"rate": 6.0}]}, "x.yaml")
    assert parsed.inner == Inner(rate=3, sizes=(0.1, 2.0)) and isinstance(parsed.inner.rate, int)
    assert parsed.strict == Inner(rate=5, sizes=(4.0,))  # a field's own default keeps its values
    assert parsed.many == [Inner(rate=6)]


@pytest.mark.parametrize("values, message", [
    ({"inner": {"rate": "fast"}}, r"^outer\.inner\.rate: expected a number, got 'fast'$"),
    ({"inner": {"rate": 2.5}}, r"^outer\.inner\.rate: expected an integer, got 2\.5$"),
    ({"inner": {"sizes": ["big"]}}, r"^outer\.inner\.sizes\[0\]: expected a number, got 'big'$"),
    ({"many": [{"rat": 1}]}, r"^x\.yaml: many\[0\]: unknown key\(s\) rat; known: rate, sizes$"),
    ({"many": {"rate": 1}}, r"^x\.yaml: many: expected a list of sections, got dict$"),
])
def test_bad_values_are_one_line_errors(values, message):
    with pytest.raises(RIBError, match=message):
        parse_sections(Outer, values, "x.yaml")


def test_every_script_keeps_every_set():
    args = motion_evaluate.parse_args(["--set", "evaluate.rate=8", "--set", "data.fps=30", "evaluate.noise=false"])
    assert args.overrides == ["evaluate.rate=8", "data.fps=30", "evaluate.noise=false"]

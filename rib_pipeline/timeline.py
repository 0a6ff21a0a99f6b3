"""The output timeline: upsampling rate R, exact output frame rate, and which upsampled frame each output shows.

The upsampled sequence has (N-1)R+1 frames at R times the input rate; the last input frame is held for its whole
duration, so the output lasts as long as the input (and its audio): N * F / f frames at F fps. With ``--fps F``
and a non-integer factor F/f, R is the next integer above it and every output frame shows the *nearest*
upsampled frame in time (no blending, so no ghosting; the motion is sampled at most 1/(2 f R) s off).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from rib.errors import RIBError

MAX_RATE = 64
"""Most frames per input interval (``--rate``, or the R of ``--fps``): 2 s at 30 fps become 3840 frames."""
MAX_FPS = 10_000
"""Highest output frame rate (``--fps``, or R times the input's rate)."""
MAX_INPUT_FPS = MAX_FPS // 2
"""Highest input frame rate (``--input-fps`` or a video's own): the output needs at least twice it."""


@dataclass(frozen=True)
class Timeline:
    """How N input frames at ``input_fps`` become the output at ``output_fps``."""

    num_inputs: int
    input_fps: Fraction
    rate: int
    output_fps: Fraction

    @property
    def upsampled_count(self) -> int:
        """Frames of the upsampled sequence: (N-1)R+1."""
        return (self.num_inputs - 1) * self.rate + 1

    @property
    def output_count(self) -> int:
        """Output frames: the input's duration at the output rate, N * F / f (rounded to the nearest frame)."""
        return max(1, _round_half_up(self.num_inputs * self.output_fps / self.input_fps))

    def source_index(self, output_index: int) -> int:
        """The upsampled frame nearest in time to output frame ``output_index`` (the last one is held)."""
        position = output_index * self.input_fps * self.rate / self.output_fps
        return min(_round_half_up(position), self.upsampled_count - 1)

    def source_indices(self) -> list[int]:
        """:meth:`source_index` of every output frame."""
        return [self.source_index(j) for j in range(self.output_count)]

    @property
    def resampled(self) -> bool:
        """Whether the output rate is not R times the input rate (frames are picked by nearest time)."""
        return self.output_fps != self.input_fps * self.rate


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def plan_timeline(num_inputs: int, input_fps: Fraction, rate: int | None = None,
                  fps: Fraction | None = None) -> Timeline:
    """The timeline of ``--rate R`` (output at R f) or of ``--fps F`` (R = ceil(F / f), which must be >= 2)."""
    if (rate is None) == (fps is None):
        raise RIBError("give exactly one of --rate and --fps")
    check_input_rate(input_fps)
    if rate is not None:
        if not 2 <= rate <= MAX_RATE:
            raise RIBError(f"--rate {rate}: must be an integer from 2 to {MAX_RATE}")
        return _bounded(Timeline(num_inputs, input_fps, rate, input_fps * rate), f"--rate {rate}")
    if fps > MAX_FPS:
        raise RIBError(f"--fps {float(fps):g}: at most {MAX_FPS} fps")
    rate = math.ceil(fps / input_fps)
    if rate < 2:
        raise RIBError(f"--fps {float(fps):g}: not above the input's {float(input_fps):g} fps; nothing to "
                       "interpolate")
    if rate > MAX_RATE:
        raise RIBError(f"--fps {float(fps):g}: {rate} times the input's {float(input_fps):g} fps; at most "
                       f"{MAX_RATE} times")
    return Timeline(num_inputs, input_fps, rate, fps)


def check_input_rate(input_fps: Fraction, what: str = "input frame rate") -> None:
    """Refuse an input frame rate (``what`` names it) that is not positive or above :data:`MAX_INPUT_FPS`."""
    if not 0 < input_fps <= MAX_INPUT_FPS:
        raise RIBError(f"{what} {float(input_fps):g} fps: must be above 0 and at most {MAX_INPUT_FPS}")


def _bounded(timeline: Timeline, option: str) -> Timeline:
    if timeline.output_fps > MAX_FPS:
        raise RIBError(f"{option}: {float(timeline.output_fps):g} fps output; at most {MAX_FPS} fps")
    return timeline

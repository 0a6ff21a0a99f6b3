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
    if input_fps <= 0:
        raise RIBError(f"input frame rate {input_fps}: must be positive")
    if rate is not None:
        if rate < 2:
            raise RIBError(f"--rate {rate}: must be an integer of at least 2")
        return Timeline(num_inputs, input_fps, rate, input_fps * rate)
    rate = math.ceil(fps / input_fps)
    if rate < 2:
        raise RIBError(f"--fps {float(fps):g}: not above the input's {float(input_fps):g} fps; nothing to "
                       "interpolate")
    return Timeline(num_inputs, input_fps, rate, fps)

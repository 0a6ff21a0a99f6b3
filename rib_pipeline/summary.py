"""What a run did, said at its end: frames, persons found, scene cuts, seconds per stage."""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterator

from rib.person import BACKGROUND_ONLY, few_people_warning

SHOWN = 8
"""Frame numbers listed before ``...``."""


def _some(values: list[int]) -> str:
    return ", ".join(str(v) for v in values[:SHOWN]) + (", ..." if len(values) > SHOWN else "")


@dataclass
class RunSummary:
    """Counts and timings of one run of ``rib interpolate`` or ``rib finetune``."""

    input_path: Path
    num_inputs: int = 0
    input_fps: Fraction = Fraction(0)
    person_found: list[bool] = field(default_factory=list)
    people: list[int] = field(default_factory=list)
    """People in each input frame's pose file."""
    tracks_found: int = 0
    """Tracked people in the pose files (each seen in enough frames, see rib.tracks)."""
    tracks_rendered: int | None = None
    """Tracked people drawn in at least one upsampled frame (None: the run renders nobody, e.g. rib finetune)."""
    people_choice: str = "all"
    """``--people``: all tracked people rendered, or the main one."""
    cuts: list[int] = field(default_factory=list)
    """``i`` for a cut between input frames i and i+1."""
    kinds: dict[str, int] = field(default_factory=dict)
    """Upsampled frames by how they were made (keyframe, rendered, background, repeated)."""
    output_path: Path | None = None
    output_frames: int = 0
    output_fps: Fraction = Fraction(0)
    rate: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Add the wall time of the block to ``stage``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start

    def person_lines(self) -> list[str]:
        """Where a person was found, and where not (with the warning of every stage when few frames show one)."""
        found = sum(self.person_found)
        lines = [f"person found in {found} of {self.num_inputs} input frames"]
        missing = [i for i, seen in enumerate(self.person_found) if not seen]
        if missing and found:
            lines.append(f"  no person in input frame(s) {_some(missing)}: their in-betweens are the background "
                         "interpolation, untouched")
        warning = few_people_warning(found, self.num_inputs, if_none="the output is the background interpolation alone",
                                     if_few=BACKGROUND_ONLY)
        if warning is not None:
            lines.append(f"  warning: {warning}")
        crowded = [i for i, count in enumerate(self.people) if count > 1]
        if crowded:
            lines.append(f"  several people in {len(crowded)} input frame(s) ({_some(crowded)})"
                         + ("" if self.people_choice == "all" else ": --people main renders the tracked main person, "
                            "the others are left as the background interpolation shows them"))
        if self.tracks_found:
            rendered = "" if self.tracks_rendered is None else f", {self.tracks_rendered} rendered"
            lines.append(f"people: {self.tracks_found} tracked{rendered}")
        return lines

    def cut_lines(self) -> list[str]:
        """Where the scene cuts are."""
        if not self.cuts:
            return ["scene cuts: none"]
        fps = float(self.input_fps) or 1.0
        where = ", ".join(f"{i}|{i + 1} ({(i + 1) / fps:.2f} s)" for i in self.cuts[:SHOWN])
        return [f"scene cuts: {len(self.cuts)}, between input frames {where}: not interpolated across (the nearer "
                "frame is repeated)"]

    def lines(self) -> list[str]:
        """The summary, one fact a line."""
        lines = [f"input: {self.input_path} ({self.num_inputs} frames at {float(self.input_fps):g} fps)"]
        lines += self.person_lines() + self.cut_lines() + self.notes
        if self.kinds:
            lines.append("upsampled frames: " + ", ".join(f"{count} {kind}" for kind, count in self.kinds.items()))
        if self.output_path is not None:
            lines.append(f"output: {self.output_path} ({self.output_frames} frames at {float(self.output_fps):g} fps "
                         f"= {self.output_fps}, upsampled x{self.rate})")
        total = sum(self.seconds.values())
        lines.append("seconds: " + ", ".join(f"{stage} {s:.1f}" for stage, s in self.seconds.items())
                     + f"; total {total:.1f}")
        return lines

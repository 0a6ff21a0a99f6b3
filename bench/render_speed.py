"""Speed of the pose-guided renderer on this machine: label maps, the generator, and inference.py end to end.

Measures, with ``torch.set_num_threads(--threads)``: label-map ms/frame at 480x320 (render-data's render_label), the
reference-config generator's ms/frame at 480x320 for batch 1 and 4 in its training form (spectral norm
parametrised) and in the inference forms (spectral norm folded, contiguous or channels-last, fp32 or bf16), the
bf16 error against fp32, frames/s of inference.py on a generated clip, and peak memory (getrusage). The weights are
random (timing does not depend on them). Writes a Markdown report.
Example:
    python bench/render_speed.py --output bench/reports/render_speed.md
"""
from __future__ import annotations

import argparse
import logging
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch

from Pose_Guided_Neural_Rendering.data.labels import human_mask, render_label
from Pose_Guided_Neural_Rendering.models import generator as generator_model
from rib.atomic import write_text
from rib.checkpoint import save_checkpoint
from rib.config import load_config
from rib.errors import cli_entry
from rib.frames import background_name, write_image
from rib.machine import describe_machine
from rib.names import BACKGROUNDS, INPUTS, PREDICT_MOTION
from rib.paths import REPO_ROOT
from rib.poses import write_pose_folder

LOG = logging.getLogger("bench.render_speed")
REFERENCE_MS = 890.0
"""The reference generator's forward time per 480x320 frame on 2 threads of this machine (issue 6)."""
TARGET_MS = 0.6 * REFERENCE_MS
LABEL_TARGET_MS = 8.0
WIDTH, HEIGHT = 480, 320
POSE = np.array([
    [240, 60], [240, 100], [210, 100], [195, 140], [190, 180], [270, 100], [285, 140], [290, 180], [240, 180],
    [220, 180], [215, 240], [212, 290], [260, 180], [265, 240], [268, 290], [272, 298], [208, 298], [292, 190],
    [188, 190]], dtype=np.float64)
"""A standing person in a 480x320 frame (J19 x, y)."""
PEAK_WRAPPER = (
    "import runpy, sys\n"
    "sys.argv = sys.argv[1:]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))\n"
)
"""Runs a script and prints its peak resident memory in KiB (VmHWM restarts at exec, unlike ru_maxrss)."""


def pose_at(t: float, scale: float = 1.0) -> np.ndarray:
    """The standing pose moved right by ``t`` pixels, its right wrist rising, scaled; confidence 0.9."""
    xy = (POSE + (t, 0.0)) * scale
    xy[4, 1] -= 2.0 * t * scale
    return np.concatenate([xy, np.full((19, 1), 0.9)], axis=1)


def timed(fn: Callable[[], object], repeats: int, warmup: int = 1) -> tuple[list[float], list[float]]:
    """Wall-clock and process CPU seconds of each of ``repeats`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def bench_labels(repeats: int) -> list[tuple[str, float]]:
    """Median ms per label map, test mode and training mode (random sigma and drops)."""
    rng = np.random.default_rng(0)
    poses = [pose_at(t) for t in range(repeats)]
    rows = []
    for name, kwargs in (("test mode", {}), ("training mode (random drops)", {"rng": rng})):
        times = [timed(lambda p=p: render_label(p, HEIGHT, WIDTH, **kwargs), 1, warmup=0)[0][0] for p in poses]
        rows.append((name, 1000 * float(np.median(times))))
    return rows


def generator_forms(seed: int = 0) -> dict[str, tuple[torch.nn.Module, torch.memory_format, bool]]:
    """The reference-config generator in its training form and its inference forms: (model, layout, bf16)."""
    torch.manual_seed(seed)
    config = load_config(REPO_ROOT / "Pose_Guided_Neural_Rendering" / "configs" / "HSM.yaml")
    trained = generator_model.build(config).eval()
    folded = generator_model.for_inference(trained)
    return {
        "spectral norm parametrised (training form), fp32": (trained, torch.contiguous_format, False),
        "folded, fp32, contiguous": (folded, torch.contiguous_format, False),
        "folded, fp32, channels-last": (folded, torch.channels_last, False),
        "folded, bf16, channels-last (inference.py on bf16 CPUs)": (folded, torch.channels_last, True),
    }


def run_form(model: torch.nn.Module, layout: torch.memory_format, bf16: bool,
             inputs: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    model.to(memory_format=layout)
    inputs = [x.contiguous(memory_format=layout) for x in inputs]
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        generated, alpha = model(*inputs)
    return generated.float(), alpha.float()


def bench_generator(repeats: int) -> tuple[list[tuple[str, int, float, float, float]], str]:
    """(form, batch, min ms/frame, median ms/frame, min CPU ms/frame) rows, and the bf16-vs-fp32 error line."""
    rows = []
    forms = generator_forms()
    torch.manual_seed(1)
    for batch in (1, 4):
        inputs = [torch.rand(batch, c, HEIGHT, WIDTH) * 2 - 1 for c in (22, 3, 3)]
        for name, (model, layout, bf16) in forms.items():
            wall, cpu = timed(lambda: run_form(model, layout, bf16, inputs), repeats if batch == 1 else
                              max(1, repeats // 2))
            rows.append((name, batch, 1000 * min(wall) / batch, 1000 * float(np.median(wall)) / batch,
                         1000 * min(cpu) / batch))
            LOG.info("%s, batch %d: %.0f ms/frame", name, batch, rows[-1][2])
    inputs = [torch.rand(1, c, HEIGHT, WIDTH) * 2 - 1 for c in (22, 3, 3)]
    folded = forms["folded, fp32, contiguous"][0]
    exact = run_form(folded, torch.contiguous_format, False, inputs)
    fast = run_form(folded, torch.channels_last, True, inputs)
    levels = [(a - b).abs() * 127.5 for a, b in zip(fast, exact)]
    error = (f"bf16 vs fp32 (random weights): generated frame mean |diff| {levels[0].mean():.2f}, max "
             f"{levels[0].max():.1f} grey levels; mask mean |diff| {levels[1].mean() / 127.5:.4f}")
    return rows, error


def write_clip(root: Path, num_inputs: int, rate: int, size: tuple[int, int]) -> None:
    """A clip in inference.py's layout at ``size`` (W, H): a person (flat colour) over a panning texture."""
    width, height = size
    scale = height / HEIGHT
    texture = np.random.default_rng(0).integers(30, 220, (height // 8 + 1, width // 8 + 8, 3)).astype(np.uint8)
    big = np.kron(texture, np.ones((8, 8, 1), np.uint8))

    def scene(t: float) -> tuple[np.ndarray, np.ndarray]:
        background = big[:height, int(t):int(t) + width].copy()
        frame = background.copy()
        frame[human_mask(pose_at(t, scale), height, width).astype(bool)] = (200, 40, 60)
        return frame, background

    count = (num_inputs - 1) * rate + 1
    for t in range(count):
        key, step = divmod(t, rate)
        frame, background = scene(t)
        if step == 0:
            write_image(root / INPUTS / "clip" / f"frame{key:05d}.png", frame)
        write_image(root / BACKGROUNDS / "clip" / background_name(f"frame{key:05d}", step / rate), background)
    write_pose_folder(root / PREDICT_MOTION / "clip", np.stack([pose_at(t, scale) for t in range(count)]))


def bench_inference(threads: int, num_inputs: int, rate: int, size: tuple[int, int],
                    precision: str) -> tuple[str, float, float, float]:
    """Run inference.py in a child process: (command, seconds, in-between frames/s, its peak RSS in MiB)."""
    with tempfile.TemporaryDirectory(prefix="render_speed_") as tmp:
        root = Path(tmp)
        write_clip(root, num_inputs, rate, size)
        torch.manual_seed(0)
        config = load_config(REPO_ROOT / "Pose_Guided_Neural_Rendering" / "configs" / "HSM.yaml")
        save_checkpoint(root / "generator.pt", generator_model.inference_state(generator_model.build(config),
                                                                               (WIDTH, HEIGHT)))
        command = [str(REPO_ROOT / "Pose_Guided_Neural_Rendering" / "inference.py"), "--input-dir", str(root),
                   "--checkpoint", str(root / "generator.pt"), "--device", "cpu", "--batch-size", "4", "--precision",
                   precision]
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, *command], check=True, env=env,
                                capture_output=True, text=True)
        seconds = time.perf_counter() - start
        peak = int(result.stdout.strip().splitlines()[-1]) / 1024
    in_betweens = (num_inputs - 1) * (rate - 1)
    shown = " ".join(shlex.quote(part) for part in command).replace(str(root), "<clip>").replace(f"{REPO_ROOT}/", "")
    return f"python {shown}", seconds, in_betweens / seconds, peak


def report(args: argparse.Namespace, labels, generator_rows, bf16_error, inference_rows, loads,
           own_peak: float) -> str:
    lines = [
        "# Renderer speed (bench/render_speed.py)", "",
        f"Command: `python bench/render_speed.py {' '.join(sys.argv[1:])}`".replace("  ", " "), "",
        f"Machine: {describe_machine()}; load average before/after: {loads[0]} / {loads[1]} "
        "(the CPU is shared: times are inflated when the load exceeds the core count).", "",
        f"## Label maps (480x320, 22 channels; target <= {LABEL_TARGET_MS:.0f} ms)", "",
        "| mode | ms/frame (median) |", "|---|---|",
        *[f"| {name} | {ms:.2f} |" for name, ms in labels], "",
        f"## Generator forward, reference config (30.6 M parameters), 480x320 (target <= {TARGET_MS:.0f} ms = "
        f"0.6 x the reference's {REFERENCE_MS:.0f} ms)", "",
        "The last column compares each form with the training form (the reference's architecture and arithmetic) "
        "timed in the same run, which stays meaningful when other jobs share the CPU.", "",
        "| form | batch | ms/frame (min) | ms/frame (median) | CPU ms/frame (min) | time vs training form |",
        "|---|---|---|---|---|---|",
        *[f"| {name} | {batch} | {best:.0f} | {median:.0f} | {cpu:.0f} | "
          f"{best / next(r[2] for r in generator_rows if r[1] == batch):.2f}x |"
          for name, batch, best, median, cpu in generator_rows], "",
        bf16_error + ".", "",
        "## inference.py end to end", "",
        "| command | input size | R | precision | seconds | in-between frames/s | peak RSS (MiB) |",
        "|---|---|---|---|---|---|---|",
        *[f"| `{command}` | {args.size[0]}x{args.size[1]} | {args.rate} | {precision} | {seconds:.1f} | {fps:.2f} | "
          f"{peak:.0f} |" for precision, (command, seconds, fps, peak) in inference_rows], "",
        f"Peak RSS of the benchmark process itself (four generator forms at batch 4): {own_peak:.0f} MiB.",
    ]
    return "\n".join(lines) + "\n"


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the reference timing used 2)")
    parser.add_argument("--repeats", type=int, default=3, help="timed generator calls per form at batch 1")
    parser.add_argument("--label-repeats", type=int, default=50, help="label maps timed per mode")
    parser.add_argument("--inputs", type=int, default=3, help="input frames of the inference.py clip")
    parser.add_argument("--rate", type=int, default=4, help="upsampling rate of the inference.py clip")
    parser.add_argument("--size", type=int, nargs=2, default=(768, 512), metavar=("W", "H"),
                        help="input frame size of the inference.py clip")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "reports" / "render_speed.md",
                        help="Markdown report to write")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    before = load_average()
    labels = bench_labels(args.label_repeats)
    LOG.info("labels: %s", labels)
    generator_rows, bf16_error = bench_generator(args.repeats)
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    inference_rows = [(p, bench_inference(args.threads, args.inputs, args.rate, tuple(args.size), p))
                      for p in ("fp32", "bf16")]
    text = report(args, labels, generator_rows, bf16_error, inference_rows, (before, load_average()), own_peak)
    write_text(args.output, text)
    print(text)


if __name__ == "__main__":
    main()

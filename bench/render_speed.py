"""Speed of the pose-guided renderer on this machine: label maps, the generator, and inference.py end to end.

Measures, with ``torch.set_num_threads(--threads)``: label-map ms/frame at 480x320 (render-data's render_label), the
generator of ``--config`` (default the reference's HSM.yaml, 30.6 M parameters) in ms/frame at the config's model
size (480x320 for HSM.yaml) for batch 1 and 4 in its training form (spectral norm parametrised, fp32: the reference's
architecture and arithmetic) and in the inference forms (spectral norm folded, contiguous or channels-last, fp32 or
bf16), the bf16 error against fp32, frames/s of inference.py on a generated clip, and peak memory (getrusage). The
reference's time, which issue 6's target (an inference form at most 0.6 x the reference) is measured against, is the
training form at batch 1 timed in the same run. The weights are random (timing does not depend on them). Writes a
Markdown report and a JSON file with the same numbers beside it.
Example (the full run; about 5 minutes on an idle 2-core CPU):
    python bench/render_speed.py --output bench/reports/render_speed.md
Tiny check that it works (under a minute):
    python bench/render_speed.py --config Pose_Guided_Neural_Rendering/configs/tiny.yaml --repeats 1 \\
        --label-repeats 2 --inputs 2 --rate 2 --size 96 64 --output /tmp/render_speed.md
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

from Pose_Guided_Neural_Rendering.spade_gan.config import parse_config
from Pose_Guided_Neural_Rendering.spade_gan.data.labels import human_mask, render_label
from Pose_Guided_Neural_Rendering.spade_gan.models import generator as generator_model
from rib.checkpoint import save_checkpoint
from rib.cli import positive_int, upsample_rate
from rib.config import load_config
from rib.errors import cli_entry
from rib.frames import FRAME_SIZE, background_name, write_image
from rib.machine import describe_machine
from rib.names import BACKGROUNDS, INPUTS, PREDICT_MOTION
from rib.paths import REPO_ROOT, display_path
from rib.poses import write_pose_folder
from rib.reports import command_line, write_report

LOG = logging.getLogger("bench.render_speed")
REFERENCE_CONFIG = REPO_ROOT / "Pose_Guided_Neural_Rendering" / "configs" / "HSM.yaml"
REFERENCE_FORM = "spectral norm parametrised (training form), fp32"
"""The reference's architecture and arithmetic: its batch-1 time, taken in the same run, is the reference's time."""
TARGET_SHARE = 0.6
"""Issue 6's target: an inference form takes at most this share of the reference's time per frame."""
LABEL_TARGET_MS = 8.0
WIDTH, HEIGHT = 480, 320
"""The label maps' frame size (the reference's model size)."""
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
Form = tuple[torch.nn.Module, torch.memory_format, bool]
"""A generator form: (model, memory layout, bf16 autocast)."""


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


def bench_labels(repeats: int) -> dict:
    """Median ms per 480x320 label map in test mode and in training mode (random sigma and drops)."""
    rng = np.random.default_rng(0)
    poses = [pose_at(t) for t in range(repeats)]
    median_ms = {}
    for name, kwargs in (("test mode", {}), ("training mode (random drops)", {"rng": rng})):
        times = [timed(lambda p=p: render_label(p, HEIGHT, WIDTH, **kwargs), 1, warmup=0)[0][0] for p in poses]
        median_ms[name] = 1000 * float(np.median(times))
    return {"size": [WIDTH, HEIGHT], "target_ms": LABEL_TARGET_MS, "median_ms": median_ms}


def model_size(config: dict) -> tuple[int, int]:
    """The generator's frame size (W, H) in ``config`` (480x320 for the reference's HSM.yaml)."""
    data = parse_config(config).data
    return data.model_width, data.model_height


def generator_forms(config: dict, seed: int = 0) -> dict[str, Form]:
    """The generator of ``config`` in its training form and its inference forms."""
    torch.manual_seed(seed)
    trained = generator_model.build(config).eval()
    folded = generator_model.for_inference(trained)
    return {
        REFERENCE_FORM: (trained, torch.contiguous_format, False),
        "folded, fp32, contiguous": (folded, torch.contiguous_format, False),
        "folded, fp32, channels-last": (folded, torch.channels_last, False),
        "folded, bf16, channels-last (inference.py on bf16 CPUs)": (folded, torch.channels_last, True),
    }


def generator_inputs(batch: int, size: tuple[int, int]) -> list[torch.Tensor]:
    """Random label map, reference frame and background in [-1, 1] of ``batch`` frames of ``size`` (W, H)."""
    return [torch.rand(batch, c, size[1], size[0]) * 2 - 1 for c in (22, 3, 3)]


def run_form(form: Form, inputs: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """One forward pass of a generator form: (generated frame, mask) in fp32."""
    model, layout, bf16 = form
    model.to(memory_format=layout)
    inputs = [x.contiguous(memory_format=layout) for x in inputs]
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        generated, alpha = model(*inputs)
    return generated.float(), alpha.float()


def time_form(name: str, form: Form, inputs: Sequence[torch.Tensor], repeats: int) -> dict:
    """ms per frame of one form on ``inputs``: min and median wall-clock, min process CPU."""
    batch = len(inputs[0])
    wall, cpu = timed(lambda: run_form(form, inputs), repeats)
    row = {"form": name, "batch": batch, "min_ms": 1000 * min(wall) / batch,
           "median_ms": 1000 * float(np.median(wall)) / batch, "cpu_min_ms": 1000 * min(cpu) / batch}
    LOG.info("%s, batch %d: %.0f ms/frame", name, batch, row["min_ms"])
    return row


def bf16_error(forms: dict[str, Form], size: tuple[int, int]) -> dict:
    """How far the bf16 form is from folded fp32 on one random input: frame in grey levels, mask in [0, 1]."""
    inputs = generator_inputs(1, size)
    exact = run_form(forms["folded, fp32, contiguous"], inputs)
    fast = run_form(forms["folded, bf16, channels-last (inference.py on bf16 CPUs)"], inputs)
    frame, mask = ((a - b).abs() for a, b in zip(fast, exact))
    return {"frame_mean_levels": float(frame.mean() * 127.5), "frame_max_levels": float(frame.max() * 127.5),
            "mask_mean": float(mask.mean())}


def training_form_ms(rows: list[dict], batch: int) -> float:
    """The training form's min ms/frame at ``batch`` among the timing rows."""
    return next(row["min_ms"] for row in rows if row["form"] == REFERENCE_FORM and row["batch"] == batch)


def fastest_inference_form(rows: list[dict], reference_ms: float) -> dict:
    """The fastest folded form at any batch, its share of the reference's time and whether it meets the target."""
    best = min((row for row in rows if row["form"] != REFERENCE_FORM), key=lambda row: row["min_ms"])
    share = best["min_ms"] / reference_ms
    return {"form": best["form"], "batch": best["batch"], "min_ms": best["min_ms"], "vs_reference": share,
            "target_met": share <= TARGET_SHARE}


def bench_generator(config_path: Path, repeats: int) -> dict:
    """Every form of the generator at batch 1 and 4 (``repeats`` and half as many timed calls), the reference's
    time (the training form at batch 1), the target derived from it, and the bf16 error."""
    config = load_config(config_path)
    size = model_size(config)
    forms = generator_forms(config)
    torch.manual_seed(1)
    rows = []
    for batch in (1, 4):
        inputs = generator_inputs(batch, size)
        rows += [time_form(name, form, inputs, repeats if batch == 1 else max(1, repeats // 2))
                 for name, form in forms.items()]
    for row in rows:
        row["vs_training_form"] = row["min_ms"] / training_form_ms(rows, row["batch"])
    reference_ms = training_form_ms(rows, 1)
    return {"config": display_path(config_path),
            "parameters": sum(p.numel() for p in forms[REFERENCE_FORM][0].parameters()),
            "size": list(size), "reference_ms": reference_ms, "target_share": TARGET_SHARE,
            "target_ms": TARGET_SHARE * reference_ms, "rows": rows,
            "fastest": fastest_inference_form(rows, reference_ms), "bf16_error": bf16_error(forms, size)}


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


def bench_inference(args: argparse.Namespace, precision: str) -> dict:
    """Run inference.py with ``--config``'s generator (random weights) in a child process on a generated clip:
    its command, seconds, in-between frames/s and peak RSS in MiB."""
    with tempfile.TemporaryDirectory(prefix="render_speed_") as tmp:
        root = Path(tmp)
        write_clip(root, args.inputs, args.rate, tuple(args.size))
        torch.manual_seed(0)
        config = load_config(args.config)
        save_checkpoint(root / "generator.pt",
                        generator_model.inference_state(generator_model.build(config), model_size(config)))
        command = [str(REPO_ROOT / "Pose_Guided_Neural_Rendering" / "inference.py"), "--input-dir", str(root),
                   "--checkpoint", str(root / "generator.pt"), "--device", "cpu", "--batch-size", "4", "--precision",
                   precision]
        env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, *command], check=True, env=env,
                                capture_output=True, text=True)
        seconds = time.perf_counter() - start
        peak = int(result.stdout.strip().splitlines()[-1]) / 1024
    in_betweens = (args.inputs - 1) * (args.rate - 1)
    shown = " ".join(shlex.quote(part) for part in command).replace(str(root), "<clip>").replace(f"{REPO_ROOT}/", "")
    return {"precision": precision, "command": f"python {shown}", "seconds": seconds,
            "frames_per_second": in_betweens / seconds, "peak_rss_mib": peak}


def generator_section(generator: dict) -> list[str]:
    """The Markdown of the generator timings."""
    width, height = generator["size"]
    fastest = generator["fastest"]
    return [
        f"## Generator forward, `{generator['config']}` ({generator['parameters'] / 1e6:.1f} M parameters), "
        f"{width}x{height}", "",
        "The reference's time is the training form (the reference's architecture and arithmetic) at batch 1, timed "
        f"in this run: {generator['reference_ms']:.0f} ms/frame; issue 6's target is <= {generator['target_share']} x "
        f"that = {generator['target_ms']:.0f} ms/frame. The last column compares each form with the training form at "
        "the same batch, timed in the same run, which stays meaningful when other jobs share the CPU.", "",
        "| form | batch | ms/frame (min) | ms/frame (median) | CPU ms/frame (min) | time vs training form |",
        "|---|---|---|---|---|---|",
        *[f"| {row['form']} | {row['batch']} | {row['min_ms']:.0f} | {row['median_ms']:.0f} | {row['cpu_min_ms']:.0f} "
          f"| {row['vs_training_form']:.2f}x |" for row in generator["rows"]], "",
        f"Fastest inference form: {fastest['form']}, batch {fastest['batch']}, {fastest['min_ms']:.0f} ms/frame = "
        f"{fastest['vs_reference']:.2f} x the reference's time: target "
        f"{'met' if fastest['target_met'] else '**not met**'}.", "",
        "bf16 vs fp32 (random weights): generated frame mean |diff| {frame_mean_levels:.2f}, max "
        "{frame_max_levels:.1f} grey levels; mask mean |diff| {mask_mean:.4f}.".format(**generator["bf16_error"]),
    ]


def markdown(report: dict) -> str:
    """The Markdown report of the numbers in ``report`` (the JSON written beside it)."""
    labels, inference = report["labels"], report["inference"]
    lines = [
        "# Renderer speed (bench/render_speed.py)", "",
        f"Command: `{report['command']}`", "",
        f"Machine: {report['machine']}; load average before/after: {report['load_average']['before']} / "
        f"{report['load_average']['after']} (the CPU is shared: times are inflated when the load exceeds the core "
        "count).", "",
        f"## Label maps ({labels['size'][0]}x{labels['size'][1]}, 22 channels; target <= {labels['target_ms']:.0f} "
        "ms)", "",
        "| mode | ms/frame (median) |", "|---|---|",
        *[f"| {name} | {ms:.2f} |" for name, ms in labels["median_ms"].items()], "",
        *generator_section(report["generator"]), "",
        "## inference.py end to end", "",
        "| command | input size | R | precision | seconds | in-between frames/s | peak RSS (MiB) |",
        "|---|---|---|---|---|---|---|",
        *[f"| `{run['command']}` | {inference['size'][0]}x{inference['size'][1]} | {inference['rate']} | "
          f"{run['precision']} | {run['seconds']:.1f} | {run['frames_per_second']:.2f} | {run['peak_rss_mib']:.0f} |"
          for run in inference["runs"]], "",
        f"Peak RSS of the benchmark process itself (four generator forms at batch 4): {report['own_peak_rss_mib']:.0f} "
        "MiB.",
    ]
    return "\n".join(lines) + "\n"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=positive_int, default=2, help="torch threads (default: 2)")
    parser.add_argument("--config", type=Path, default=REFERENCE_CONFIG,
                        help="generator config timed, and its model size (default: the reference's HSM.yaml, "
                             "480x320; configs/tiny.yaml for a quick check)")
    parser.add_argument("--repeats", type=positive_int, default=3,
                        help="timed generator calls per form at batch 1; half as many at batch 4 (default: 3)")
    parser.add_argument("--label-repeats", type=positive_int, default=50,
                        help="label maps timed per mode (default: 50)")
    parser.add_argument("--inputs", type=positive_int, default=3,
                        help="input frames of the inference.py clip (default: 3)")
    parser.add_argument("--rate", type=upsample_rate, default=4,
                        help="upsampling rate of the inference.py clip (default: 4)")
    parser.add_argument("--size", type=positive_int, nargs=2, default=FRAME_SIZE, metavar=("W", "H"),
                        help="input frame size of the inference.py clip (default: %d %d)" % FRAME_SIZE)
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "reports" / "render_speed.md",
                        help="Markdown report to write; the JSON with the same numbers goes beside it "
                             "(default: bench/reports/render_speed.md)")
    return parser


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    before = load_average()
    report = {"command": command_line(__file__, argv), "labels": bench_labels(args.label_repeats)}
    LOG.info("labels: %s", report["labels"]["median_ms"])
    report["generator"] = bench_generator(args.config, args.repeats)
    report["own_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["inference"] = {"size": list(args.size), "rate": args.rate, "inputs": args.inputs,
                           "runs": [bench_inference(args, precision) for precision in ("fp32", "bf16")]}
    report["machine"] = describe_machine()
    report["load_average"] = {"before": before, "after": load_average()}
    print(write_report(args.output, report, markdown))


if __name__ == "__main__":
    main()

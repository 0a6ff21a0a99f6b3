"""Cut the clips of a HumanSlomo clip list out of the source videos: 3:2 centre crop, 768x512 PNG frames.

Example (what gen_dataset.sh does for one list):
    python gen_dataset.py -i videos/ -j metadata/train_list.json -o HumanSloMo/train/frames
    python gen_dataset.py --check-leakage --fetch-metadata
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from HumanSloMo_Dataset import metadata
from HumanSloMo_Dataset.batch import raise_if_failed, run_each
from HumanSloMo_Dataset.cutting import (Source, centre_crop_box, crop_and_resize, exact_fps, find_source,
                                        read_folder_frames, read_video_frames)
from HumanSloMo_Dataset.leakage import clean_training, leakage_report
from HumanSloMo_Dataset.manifest import clip_record, update_manifest
from HumanSloMo_Dataset.metadata import Clip
from rib.cli import parse_size
from rib.atomic import prepare_output_dir, write_text
from rib.errors import RIBError, cli_entry
from rib.frames import FRAME_SIZE, write_image
from rib.safety import refuse_overlap
from rib.video import video_info

log = logging.getLogger(__name__)


def add_metadata_arguments(parser: argparse.ArgumentParser) -> None:
    """``--fetch-metadata`` and ``--metadata-url``, shared by every script reading the reference's metadata."""
    parser.add_argument("--fetch-metadata", action="store_true",
                        help="download missing metadata files from the reference repository to the given paths")
    parser.add_argument("--metadata-url", default=metadata.REFERENCE_URL,
                        help="base URL the metadata files are fetched from (file:// and http:// work too)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("-i", "--input-path", "--input_path", default="videos/",
                        help="folder of source videos (<name>.mp4) and EDN image folders (<name>/)")
    parser.add_argument("-j", "--json-path", "--json_path", default="metadata/train_list.json",
                        help="clip list to cut (train_list.json, test_list.json or test_input.json)")
    parser.add_argument("-o", "--output-path", "--output_path", default="HumanSloMo/train/frames",
                        help="output root; each clip goes to <root>/<clip>/ and a manifest.json is kept in <root>")
    parser.add_argument("--size", type=parse_size, default=FRAME_SIZE, help="output frame size WIDTHxHEIGHT")
    parser.add_argument("--clips", nargs="+", help="cut only these clips of the list")
    parser.add_argument("--no-seek", action="store_true",
                        help="decode every video from frame 0 instead of seeking (exact for variable frame rates)")
    parser.add_argument("--overwrite", action="store_true", help="replace frames already in an output clip folder")
    parser.add_argument("--skip-existing", action="store_true",
                        help="skip clips whose output folder already holds every frame")
    parser.add_argument("--check-leakage", action="store_true",
                        help="only report test frames found in training (needs the three lists below) and exit")
    parser.add_argument("--train-json", default="metadata/train_list.json", help="training list for --check-leakage")
    parser.add_argument("--test-json", default="metadata/test_list.json", help="test GT list for --check-leakage")
    parser.add_argument("--test-input-json", default="metadata/test_input.json",
                        help="test input list for --check-leakage")
    parser.add_argument("--report", help="also write the --check-leakage report (Markdown) to this file")
    parser.add_argument("--write-clean-train",
                        help="with --check-leakage: write a training list without test in-between frames (clips "
                             "cut around them) and without duplicate clips to this file")
    add_metadata_arguments(parser)
    return parser


class ClipCutter:
    """Cuts clips into ``output_root``, remembering each video's frame rate and size."""

    def __init__(self, videos_dir: Path, output_root: Path, size: tuple[int, int], seek: bool = True,
                 overwrite: bool = False, skip_existing: bool = False):
        self.videos_dir, self.output_root, self.size = videos_dir, output_root, size
        self.seek, self.overwrite, self.skip_existing = seek, overwrite, skip_existing
        self.records: dict[str, dict] = {}
        self._videos: dict[str, tuple[Source, float | None, tuple[int, int] | None]] = {}

    def _video(self, name: str) -> tuple[Source, float | None, tuple[int, int] | None]:
        if name not in self._videos:
            source = find_source(self.videos_dir, name)
            fps, size = None, None
            if source.is_video:
                info = video_info(source.path)
                fps, size = exact_fps(source.path), (info.width, info.height)
            self._videos[name] = (source, fps, size)
        return self._videos[name]

    def __call__(self, clip: Clip) -> None:
        folder = self.output_root / clip.name
        if self.skip_existing and all((folder / frame).is_file() for frame in clip.frames):
            log.info("%s: already cut, skipped", clip.name)
            return
        source, fps, size = self._video(clip.video_name)
        prepare_output_dir(folder, self.overwrite, pattern="*.png")
        if source.is_video:
            names = dict(zip(clip.indices, clip.frames))
            frames = ((names[i], image) for i, image in read_video_frames(source.path, clip.indices, fps, self.seek))
        else:
            frames = read_folder_frames(source.path, clip.frames)
        for name, image in frames:
            if size is None:
                size = (image.shape[1], image.shape[0])
            elif (image.shape[1], image.shape[0]) != size:
                raise RIBError(f"{source.path}: frame {name} is {image.shape[1]}x{image.shape[0]}, others {size[0]}x"
                               f"{size[1]}")
            write_image(folder / name, crop_and_resize(image, self.size))
        box = centre_crop_box(*size, self.size[0] / self.size[1])
        self.records[clip.name] = clip_record(clip.video_name, clip.indices, fps, size,
                                              (box.x, box.y, box.width, box.height))


def check_leakage(args: argparse.Namespace) -> None:
    """Print (and optionally save) the leakage tables of the three reference lists."""
    inputs = (args.train_json, args.test_json, args.test_input_json)
    for output in (args.report, args.write_clean_train):
        if output:
            refuse_overlap(inputs, output)
    lists = [metadata.read_clip_list(metadata.resolve(path, args.fetch_metadata, args.metadata_url))
             for path in inputs]
    report = leakage_report(*lists)
    if args.write_clean_train:
        clean, notes = clean_training(*lists)
        metadata.write_clip_list(args.write_clean_train, clean)
        report += (f"\n## Clean training list\n\n{args.write_clean_train}: {len(clean)} clips, "
                   f"{sum(len(c.frames) for c in clean.values())} frames.\n\n" + "".join(f"- {n}\n" for n in notes))
    print(report)
    if args.report:
        write_text(args.report, report)


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.check_leakage:
        check_leakage(args)
        return
    refuse_overlap((args.input_path, args.json_path), args.output_path)
    json_path = metadata.resolve(args.json_path, args.fetch_metadata, args.metadata_url)
    clips = metadata.read_clip_list(json_path)
    if args.clips:
        unknown = sorted(set(args.clips) - clips.keys())
        if unknown:
            raise RIBError(f"{json_path}: no clip named {', '.join(unknown)}")
        clips = {name: clips[name] for name in args.clips}
    output_root = Path(args.output_path)
    cutter = ClipCutter(Path(args.input_path), output_root, args.size, not args.no_seek, args.overwrite,
                        args.skip_existing)
    try:
        failures = run_each(clips.values(), cutter, name=lambda clip: clip.name, desc="clips")
    finally:
        if cutter.records:
            update_manifest(output_root, cutter.records, clip_list=str(json_path), size=list(args.size))
    log.info("cut %d of %d clips into %s", len(clips) - len(failures), len(clips), output_root)
    raise_if_failed(failures, len(clips))


if __name__ == "__main__":
    main()

"""Download the HumanSlomo source videos listed in video.csv with yt-dlp (video only, <= 720p, fps capped per row).

Finished videos are skipped, partial ones resumed (yt-dlp's .part files), and a failing video does not stop the
others: a summary lists the failures and the exit code is non-zero. The two Everybody Dance Now folders (00_Dance,
01_Dance) come from Google Drive: instructions are printed, or they are fetched with gdown if asked.
Example:
    python download.py -o videos -c metadata/video.csv --fetch-metadata
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
import tarfile
from pathlib import Path
from typing import Callable, Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from HumanSloMo_Dataset import metadata
from HumanSloMo_Dataset.batch import raise_if_failed, run_each
from HumanSloMo_Dataset.cutting import VIDEO_SUFFIXES
from HumanSloMo_Dataset.gen_dataset import add_metadata_arguments
from HumanSloMo_Dataset.metadata import VideoEntry
from rib.errors import RIBError, cli_entry
from rib.safety import refuse_overlap

log = logging.getLogger(__name__)
Downloader = Callable[[str, Path, str], None]
"""``downloader(url, output_stem, format_selector)`` writes ``<output_stem>.<ext>`` or raises."""
EDN_TARBALLS = (("00_Dance", "subject1", "1OlqoZumoeWyWmoGGrrf3AyHU7Rr1O55P"),
                ("01_Dance", "subject2", "1Fi0U27qA1RS2T5kCI0E4eg3nVdmTKNkj"))
"""(folder, tarball subject, Google Drive id) of the Everybody Dance Now frames."""


def format_selector(fps: float, max_height: int = 720) -> str:
    """yt-dlp format: the best video-only stream of at most ``max_height`` and ``fps``, mp4 preferred."""
    cap = f"[height<={max_height}][fps<={fps:g}]"
    return f"bestvideo{cap}[ext=mp4]/bestvideo{cap}"


def yt_dlp_download(url: str, output_stem: Path, selector: str) -> None:
    """Download with yt-dlp's Python API, continuing a partial ``.part`` file if one is there."""
    try:
        import yt_dlp
    except ImportError:
        raise RIBError("yt-dlp is not installed: pip install yt-dlp (or the 'download' extra)") from None
    options = {"format": selector, "outtmpl": f"{output_stem}.%(ext)s", "continuedl": True, "noplaylist": True,
               "quiet": True, "no_warnings": True, "noprogress": True, "retries": 10}
    with yt_dlp.YoutubeDL(options) as ydl:
        if ydl.download([url]) != 0:
            raise RIBError(f"{url}: yt-dlp reported an error")


def load_downloader(spec: str) -> Downloader:
    """Import ``package.module:function`` (how tests and other tools plug in their own downloader)."""
    module_name, _, function = spec.partition(":")
    try:
        return getattr(importlib.import_module(module_name), function or "download")
    except (ImportError, AttributeError) as error:
        raise RIBError(f"downloader '{spec}': cannot load ({error})") from None


def finished_video(output_dir: Path, name: str) -> Path | None:
    """The complete video file of ``name`` if one was downloaded already."""
    return next((output_dir / f"{name}{s}" for s in VIDEO_SUFFIXES if (output_dir / f"{name}{s}").is_file()), None)


def download_videos(entries: Sequence[VideoEntry], output_dir: Path, downloader: Downloader,
                    max_height: int = 720) -> list[str]:
    """Download every entry not yet present; returns one ``"<name>: <problem>"`` line per failed video."""
    output_dir.mkdir(parents=True, exist_ok=True)

    def fetch_one(entry: VideoEntry) -> None:
        done = finished_video(output_dir, entry.name)
        if done is not None:
            log.info("%s: already downloaded (%s), skipped", entry.name, done.name)
            return
        try:
            downloader(entry.url, output_dir / entry.name, format_selector(entry.fps, max_height))
        except RIBError:
            raise
        except Exception as error:  # a downloader may raise anything; report it against this video
            raise RIBError(f"{entry.url}: download failed ({type(error).__name__}: {error})") from None
        if finished_video(output_dir, entry.name) is None:
            raise RIBError(f"{entry.url}: the downloader wrote no {entry.name}.mp4")

    return run_each(entries, fetch_one, name=lambda entry: entry.name, desc="videos")


def edn_instructions(output_dir: Path) -> str:
    """How to get the Everybody Dance Now frames by hand."""
    lines = ["The Everybody Dance Now frames (00_Dance, 01_Dance) are on Google Drive:"]
    for folder, subject, drive_id in EDN_TARBALLS:
        lines.append(f"  gdown {drive_id} -O {output_dir / subject}.tar && tar -xf {output_dir / subject}.tar "
                     f"-C {output_dir} && mv {output_dir / subject} {output_dir / folder}")
    return "\n".join(lines + ["(or rerun with --edn gdown after pip install gdown)"])


def download_edn(output_dir: Path, folder: str, subject: str, drive_id: str) -> None:
    """Fetch and unpack one EDN tarball with gdown into ``output_dir/folder`` (skipped if already there)."""
    if (output_dir / folder).is_dir():
        log.info("%s: already there, skipped", output_dir / folder)
        return
    try:
        import gdown
    except ImportError:
        raise RIBError("gdown is not installed: pip install gdown, or follow the printed instructions") from None
    tarball = output_dir / f"{subject}.tar"
    if not tarball.is_file() and not gdown.download(id=drive_id, output=str(tarball), quiet=False):
        raise RIBError(f"{tarball}: gdown could not download Google Drive file {drive_id}")
    try:
        with tarfile.open(tarball) as archive:
            archive.extractall(output_dir, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise RIBError(f"{tarball}: cannot unpack ({error})") from None
    if not (output_dir / subject).is_dir():
        raise RIBError(f"{tarball}: expected a '{subject}/' folder inside")
    (output_dir / subject).rename(output_dir / folder)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("-o", "--output-path", "--output_path", default="videos", help="folder for the videos")
    parser.add_argument("-c", "--csv-file", "--csv_file", default="metadata/video.csv",
                        help="video list (File_name,Youtube_id,FPS)")
    parser.add_argument("--only", nargs="+", help="download only these File_name entries")
    parser.add_argument("--max-height", type=int, default=720, help="highest video resolution to download")
    parser.add_argument("--downloader", default="HumanSloMo_Dataset.download:yt_dlp_download",
                        help="module:function called as f(url, output_stem, format_selector)")
    parser.add_argument("--edn", choices=("instructions", "gdown", "skip"), default="instructions",
                        help="Everybody Dance Now folders: print how to get them, fetch them with gdown, or skip")
    add_metadata_arguments(parser)
    return parser


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    refuse_overlap((args.csv_file,), args.output_path)
    entries = metadata.read_video_csv(metadata.resolve(args.csv_file, args.fetch_metadata, args.metadata_url))
    if args.only:
        entries = [e for e in entries if e.name in args.only]
    output_dir = Path(args.output_path)
    failures = download_videos(entries, output_dir, load_downloader(args.downloader), args.max_height)
    total = len(entries)
    if args.edn == "gdown":
        failures += run_each(EDN_TARBALLS, lambda item: download_edn(output_dir, *item), name=lambda item: item[0],
                             desc="EDN folders")
        total += len(EDN_TARBALLS)
    elif args.edn == "instructions":
        print(edn_instructions(output_dir))
    log.info("%d of %d downloads present in %s", total - len(failures), total, output_dir)
    raise_if_failed(failures, total, "downloads")


if __name__ == "__main__":
    main()

"""The reference's metadata files: ``video.csv`` and the clip lists ``train_list/test_list/test_input.json``.

``video.csv`` has the header ``File_name,Youtube_id,FPS`` (FPS = the highest frame rate asked of YouTube). A clip
list maps a clip name to ``{"video_name", "video_frames", "num_frames"}``; ``video_frames`` are names such as
``frame02960.png`` whose number is the 0-based frame index in the source video (or the EDN image number).
The files are never shipped with this repository: pass their path, or fetch them from the reference repository.
"""
from __future__ import annotations

import csv
import json
import logging
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from rib.atomic import write_bytes, write_text
from rib.errors import RIBError
from rib.openpose import read_json
from rib.textio import read_text

REFERENCE_URL = "https://raw.githubusercontent.com/azuxmioy/Render-In-Between/main/HumanSloMo_Dataset/metadata/"
"""Where the reference repository publishes its metadata files (``<url><file name>``)."""
METADATA_FILES = ("video.csv", "extra.csv", "train_list.json", "test_list.json", "test_input.json")
CSV_HEADER = ("File_name", "Youtube_id", "FPS")
FRAME_NAME = re.compile(r"^(?P<prefix>\D*?)(?P<index>\d+)\.(?:png|jpe?g)$", re.IGNORECASE)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoEntry:
    """One row of ``video.csv``."""

    name: str
    youtube_id: str
    fps: float

    @property
    def url(self) -> str:
        return f"https://www.youtube.com/watch?v={self.youtube_id}"


@dataclass(frozen=True)
class Clip:
    """One clip of a clip list: consecutive (possibly strided) frames of one source video."""

    name: str
    video_name: str
    frames: tuple[str, ...]

    @property
    def indices(self) -> tuple[int, ...]:
        """Source frame numbers of :attr:`frames`."""
        return tuple(frame_index(f) for f in self.frames)


def frame_index(name: str) -> int:
    """The source frame number of a frame name (``frame02960.png`` -> 2960)."""
    match = FRAME_NAME.match(name)
    if match is None:
        raise RIBError(f"frame name '{name}': expected letters, a frame number and .png/.jpg (e.g. frame00012.png)")
    return int(match["index"])


def fetch(name: str, destination: str | os.PathLike, base_url: str = REFERENCE_URL, timeout: float = 30.0) -> Path:
    """Download metadata file ``name`` from ``base_url`` to ``destination`` (atomically) and return its path."""
    destination = Path(destination)
    url = base_url if base_url.endswith("/") else base_url + "/"
    url += name
    log.info("fetching %s", url)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read()
    except urllib.error.HTTPError as error:
        raise RIBError(f"{url}: cannot fetch metadata (HTTP {error.code} {error.reason})") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise RIBError(f"{url}: cannot fetch metadata ({getattr(error, 'reason', error)})") from None
    write_bytes(destination, data)
    return destination


def resolve(path: str | os.PathLike, fetch_missing: bool = False, base_url: str = REFERENCE_URL) -> Path:
    """Return ``path`` if it exists; with ``fetch_missing``, fetch it first (its file name names the file)."""
    path = Path(path)
    if path.is_file():
        return path
    if not fetch_missing:
        raise RIBError(f"{path}: metadata file not found (give its path, or pass --fetch-metadata to download it "
                       f"from {base_url})")
    return fetch(path.name, path, base_url)


def read_video_csv(path: str | os.PathLike) -> list[VideoEntry]:
    """Parse ``video.csv`` (or ``extra.csv``), checking the header, the fps values and unique names."""
    path = Path(path)
    try:
        rows = list(csv.reader(read_text(path).splitlines()))
    except csv.Error as error:
        raise RIBError(f"{path}: not a CSV file ({error})") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows or tuple(cell.strip() for cell in rows[0]) != CSV_HEADER:
        raise RIBError(f"{path}: expected the header {','.join(CSV_HEADER)}")
    entries, seen = [], set()
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 3:
            raise RIBError(f"{path}: line {line} has {len(row)} fields, expected 3")
        name, youtube_id, fps_text = (cell.strip() for cell in row)
        try:
            fps = float(fps_text)
        except ValueError:
            fps = -1.0
        if not name or not youtube_id or fps <= 0:
            raise RIBError(f"{path}: line {line}: need a name, a YouTube id and a positive FPS, got {row}")
        if name in seen:
            raise RIBError(f"{path}: line {line}: video '{name}' is listed twice")
        seen.add(name)
        entries.append(VideoEntry(name, youtube_id, fps))
    return entries


def read_clip_list(path: str | os.PathLike) -> dict[str, Clip]:
    """Parse a clip list JSON, checking every entry (``num_frames == len(video_frames)``, frame names)."""
    path = Path(path)
    data = read_json(path)
    if not isinstance(data, dict) or not data:
        raise RIBError(f"{path}: expected a non-empty object mapping clip names to clips")
    clips = {}
    for name, entry in data.items():
        where = f"{path}: clip '{name}'"
        if not isinstance(entry, dict) or not {"video_name", "video_frames", "num_frames"} <= entry.keys():
            raise RIBError(f"{where}: needs 'video_name', 'video_frames' and 'num_frames'")
        frames = entry["video_frames"]
        if not isinstance(entry["video_name"], str) or not entry["video_name"]:
            raise RIBError(f"{where}: 'video_name' must be a non-empty string")
        if not isinstance(frames, list) or not frames or not all(isinstance(f, str) for f in frames):
            raise RIBError(f"{where}: 'video_frames' must be a non-empty list of file names")
        if entry["num_frames"] != len(frames):
            raise RIBError(f"{where}: num_frames is {entry['num_frames']} but {len(frames)} frames are listed")
        try:
            indices = [frame_index(f) for f in frames]
        except RIBError as error:
            raise RIBError(f"{where}: {error}") from None
        if len(set(frames)) != len(frames) or indices != sorted(indices):
            raise RIBError(f"{where}: frames must be distinct and in increasing order")
        clips[name] = Clip(name, entry["video_name"], tuple(frames))
    return clips


def write_clip_list(path: str | os.PathLike, clips: dict[str, Clip]) -> None:
    """Write clips in the reference's clip-list schema, atomically."""
    data = {clip.name: {"video_name": clip.video_name, "video_frames": list(clip.frames),
                        "num_frames": len(clip.frames)} for clip in clips.values()}
    write_text(path, json.dumps(data, indent=1))

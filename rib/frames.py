"""Frame folders: sorted listing, image read/write, and the background-frame naming of every stage."""
from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Callable, Iterator

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from rib.atomic import atomic_path
from rib.errors import RIBError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
FRAME_SIZE = (768, 512)
"""(width, height) of HumanSlomo frames: gen_dataset.py's output and the benchmarks' default size."""
JPEG_START, JPEG_SCAN, JPEG_END = b"\xff\xd8", b"\xff\xda", b"\xff\xd9"
"""JPEG markers: start of image, start of scan, end of image."""
LIBJPEG_CORRUPT = (b"Corrupt JPEG data", b"Premature end of JPEG file")
"""Starts of libjpeg's warnings about damaged image data (bad Huffman code, premature end of data segment, ...)."""
_STDERR_LOCK = threading.Lock()
"""One redirect of file descriptor 2 at a time (see :func:`_stderr_to`)."""


def natural_key(path: str | os.PathLike) -> list:
    """Sort key that orders ``frame2`` before ``frame10`` (and zero-padded names as plain sorting does)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", Path(path).name)]


def _require_dir(folder: Path) -> None:
    if not folder.is_dir():
        raise RIBError(f"{folder}: folder not found")


def list_files(folder: str | os.PathLike, suffixes: tuple[str, ...], allow_empty: bool = False) -> list[Path]:
    """Files of ``folder`` with one of ``suffixes``, in natural order; an empty result is an error by default."""
    folder = Path(folder)
    _require_dir(folder)
    files = sorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes), key=natural_key)
    if not files and not allow_empty:
        raise RIBError(f"{folder}: no {'/'.join(suffixes)} files found")
    return files


def list_frames(folder: str | os.PathLike, allow_empty: bool = False) -> list[Path]:
    """Image files of a frame folder in frame order."""
    return list_files(folder, IMAGE_SUFFIXES, allow_empty)


def list_poses(folder: str | os.PathLike, allow_empty: bool = False) -> list[Path]:
    """OpenPose JSON files of a pose folder in frame order."""
    return list_files(folder, (".json",), allow_empty)


def list_clips(root: str | os.PathLike) -> list[Path]:
    """Clip sub-folders of ``root`` (e.g. ``inputs/<clip>``) in natural order."""
    root = Path(root)
    _require_dir(root)
    clips = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=natural_key)
    if not clips:
        raise RIBError(f"{root}: no clip folders found")
    return clips


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image as RGB uint8 (H, W, 3); a missing, corrupt or truncated file raises :class:`RIBError`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RIBError(f"{path}: cannot read image ({error.strerror or error})") from None
    return decode_image(data, str(path))


def read_mask(path: str | os.PathLike) -> np.ndarray:
    """Read a person mask (white on black) as a boolean (H, W) array; errors as :func:`read_image`."""
    return read_image(path)[..., 0] > 127


def is_truncated_jpeg(data: bytes) -> bool:
    """Whether ``data`` is a JPEG cut off before the end of its image data (no end-of-image marker after the last
    start-of-scan marker, or neither marker at all).

    Decoders only warn about such a file and fill the missing part with grey, so it must be caught here.
    Entropy-coded data never holds the end marker (0xFF is always followed by 0x00 or a restart marker there).
    """
    return data.startswith(JPEG_START) and data.rfind(JPEG_END) <= data.rfind(JPEG_SCAN)


@contextlib.contextmanager
def _stderr_to(sink: IO[bytes]) -> Iterator[None]:
    """Send file descriptor 2 (where libjpeg prints its warnings) to ``sink`` for the block; one thread at a time."""
    with _STDERR_LOCK:
        if sys.stderr is not None:
            sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


@contextlib.contextmanager
def held_stderr(is_held: Callable[[bytes], bool]) -> Iterator[list[bytes]]:
    """Capture file descriptor 2 (where C and C++ libraries print) for the block: the lines ``is_held`` picks are
    kept back in the yielded list, every other line is passed on to it unchanged afterwards."""
    held: list[bytes] = []
    with tempfile.TemporaryFile() as sink:
        try:
            with _stderr_to(sink):
                yield held
        finally:
            sink.seek(0)
            lines = sink.read().splitlines(keepends=True)
            held += [line for line in lines if is_held(line)]
            passed_on = b"".join(line for line in lines if not is_held(line))
            if passed_on:
                os.write(2, passed_on)


def _decode_jpeg(data: bytes, name: str) -> np.ndarray | None:
    """``cv2.imdecode`` of JPEG bytes, refusing data that libjpeg reports as corrupt.

    libjpeg only prints such a warning (to file descriptor 2) and decodes on with made-up pixels, so the descriptor is
    captured while decoding (:func:`held_stderr`).
    """
    with held_stderr(lambda line: line.startswith(LIBJPEG_CORRUPT)) as corrupt:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if corrupt:
        warning = corrupt[0].decode(errors="replace").strip()
        raise RIBError(f"{name}: cannot read image (the JPEG decoder reports: {warning})")
    return image


def decode_image(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode PNG/JPG bytes to RGB uint8; corrupt or truncated data (JPEG data that the decoder warns about
    included) raises :class:`RIBError` naming ``name``."""
    if is_truncated_jpeg(data):
        raise RIBError(f"{name}: cannot read image (truncated JPEG: no end-of-image marker after its image data)")
    if data.startswith(JPEG_START):
        image = _decode_jpeg(data, name)
    else:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise RIBError(f"{name}: cannot read image (corrupt or not an image)")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """(width, height) of an image file from its header; a file PIL cannot identify is fully decoded instead
    (which names the file if it is corrupt)."""
    try:
        with Image.open(path) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        height, width = read_image(path).shape[:2]
        return width, height


def check_one_size(clip: str, files: list[Path]) -> None:
    """Refuse a training clip whose frames, backgrounds and masks are not all one size (as every other stage does).

    Reads only each file's header, so it costs little next to decoding the clip.
    """
    if not files:
        return
    first = image_size(files[0])
    for path in files[1:]:
        size = image_size(path)
        if size != first:
            raise RIBError(f"clip {clip}: {path} is {size[0]}x{size[1]}, but {files[0]} is {first[0]}x{first[1]} "
                           "(all frames, backgrounds and masks of a training clip must have one size)")


def encode_png(image: np.ndarray) -> bytes:
    """Encode an RGB uint8 image as PNG bytes."""
    ok, data = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR))
    if not ok:
        raise RIBError("cannot encode image as PNG")
    return data.tobytes()


def write_image(path: str | os.PathLike, image: np.ndarray, jpeg_quality: int = 95) -> None:
    """Write an RGB uint8 image atomically; the format follows the suffix (``jpeg_quality`` for .jpg/.jpeg)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        bgr = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR)
        params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)] if path.suffix.lower() in (".jpg", ".jpeg") else []
        if not cv2.imwrite(str(tmp), bgr, params):
            raise RIBError(f"{path}: cannot write image")


def background_name(stem: str, t: float) -> str:
    """Name of the background frame at fraction ``t`` after keyframe ``stem``: ``frame00012_0.250000.png``.

    ``t = 0`` is the keyframe itself. This is the reference's DAIN naming, generalised to any rate.
    """
    return f"{stem}_{t:.6f}.png"


def train_background_name(stem: str) -> str:
    """Name of the training background of the frame after ``stem``, interpolated from its two neighbours."""
    return f"train-{stem}_0.500000.png"

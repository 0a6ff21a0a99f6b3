"""Issue 12, tracebacks: OSError and UnicodeDecodeError end every CLI with one ``error: <file>: <problem>`` line."""
from __future__ import annotations

import errno
import importlib
import json
import pathlib
import tempfile
import tomllib

import numpy as np
import pytest

from HumanSloMo_Dataset import download, gen_dataset, manifest, metadata
from Human_Motion_Modelling import train, visualize
from rib.atomic import prepare_output_dir, write_text
from rib.config import load_config
from rib.errors import RIBError, cli_entry
from rib.openpose import read_json
from rib.paths import REPO_ROOT
from rib.poses import write_pose_folder

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
UTF16_JSON = json.dumps({"people": []}).encode("utf-16")


def one_error_line(main, argv, capsys) -> str:
    """Run a CLI expecting exit code 2 and exactly one ``error:`` line (no traceback); return that line."""
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in argv])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert exit_info.value.code == 2 and len(errors) == 1 and "Traceback" not in err, err
    return errors[0]


@pytest.mark.parametrize("raised, line", [
    (PermissionError(errno.EACCES, "Permission denied", "/ro/out.png"), "error: /ro/out.png: Permission denied"),
    (FileExistsError(errno.EEXIST, "File exists", "/data/out"), "error: /data/out: File exists"),
    (OSError(errno.ENOSPC, "No space left on device"), "error: No space left on device"),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "error: an input file is not utf-8 text"),
    (RIBError("clip.json: bad"), "error: clip.json: bad"),
])
def test_cli_entry_turns_os_and_decode_errors_into_one_line(raised, line, capsys):
    @cli_entry
    def main(argv):
        raise raised

    assert one_error_line(main, [], capsys).startswith(line)



def test_every_console_script_is_wrapped_by_cli_entry():
    """So an OSError while writing (read-only folder, full disk, a file where a folder goes) or a non-UTF-8 input
    ends every CLI of pyproject.toml with the one line tested above, not a traceback."""
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    wrapper_code = cli_entry(lambda argv: None).__code__
    unwrapped = []
    for name, target in scripts.items():
        module, _, attribute = target.partition(":")
        if getattr(importlib.import_module(module), attribute).__code__ is not wrapper_code:
            unwrapped.append(name)
    assert len(scripts) >= 16 and unwrapped == []

@pytest.mark.parametrize("reader, name, content", [
    (read_json, "pose_keypoints.json", UTF16_JSON),
    (read_json, "renamed.json", PNG_BYTES),
    (metadata.read_clip_list, "train_list.json", PNG_BYTES),
    (load_config, "config.yaml", PNG_BYTES),
    (metadata.read_video_csv, "video.csv", PNG_BYTES),
    (lambda path: manifest.read_manifest(path.parent), "manifest.json", PNG_BYTES),
])
def test_readers_name_a_non_utf8_file(reader, name, content, tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RIBError, match=f"{name}: not UTF-8 text"):
        reader(path)


@pytest.mark.parametrize("main, argv", [
    (train.main, ["--config", "{bad}", "--save-root", "{tmp}/runs"]),
    (gen_dataset.main, ["-j", "{bad}", "-i", "{tmp}/videos", "-o", "{tmp}/frames"]),
    (download.main, ["-c", "{bad}", "-o", "{tmp}/videos"]),
])
def test_binary_config_or_list_is_one_line_naming_it(main, argv, tmp_path, capsys):
    bad = tmp_path / "binary.png"
    bad.write_bytes(PNG_BYTES)
    argv = [a.format(bad=bad, tmp=tmp_path) for a in argv]
    assert f"{bad}: not UTF-8 text" in one_error_line(main, argv, capsys)


def test_output_path_that_is_a_file_is_one_line(tmp_path, capsys):
    write_pose_folder(tmp_path / "poses", np.zeros((2, 19, 3)))
    taken = tmp_path / "animations"
    taken.write_text("a file, not a folder")
    line = one_error_line(visualize.main, ["--pose-dirs", tmp_path / "poses", "--out-dir", taken], capsys)
    assert f"{taken}: exists and is not a folder" in line
    with pytest.raises(RIBError, match="cannot write"):
        write_text(taken / "inside.txt", "x")


def test_full_disk_and_read_only_folder_name_the_output(tmp_path, monkeypatch):
    def disk_full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(pathlib.Path, "write_text", disk_full)
        with pytest.raises(RIBError, match=r"out.txt: cannot write \(No space left on device\)"):
            write_text(tmp_path / "out.txt", "x")
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind

    def read_only(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".out.tmp.txt"))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(RIBError, match=r"out.txt: cannot write \(Permission denied\)"):
        write_text(tmp_path / "out.txt", "x")


def test_prepare_output_dir_names_what_it_found(tmp_path):
    (tmp_path / "000000_keypoints.json").write_text("{}")
    with pytest.raises(RIBError, match=r"1 file\(s\) named like this command's outputs \(\*_keypoints.json\)"):
        prepare_output_dir(tmp_path, pattern="*_keypoints.json")

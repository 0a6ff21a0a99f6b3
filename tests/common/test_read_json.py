"""rib.openpose.read_json: one clear error line naming the file for every way a JSON file can be bad."""
from __future__ import annotations

import pytest

from rib.errors import RIBError
from rib.openpose import read_json, read_people


def test_read_json_decodes_and_names_bad_files(tmp_path) -> None:
    good = tmp_path / "good.json"
    good.write_text('{"people": [], "n": [1, 2]}')
    assert read_json(good) == {"people": [], "n": [1, 2]}
    assert read_people(good) == []
    broken = tmp_path / "broken.json"
    broken.write_text('{"people": [}')
    with pytest.raises(RIBError, match=r"broken.json: invalid JSON \(.* at line 1\)"):
        read_json(broken)
    with pytest.raises(RIBError, match="missing.json: cannot read"):
        read_json(tmp_path / "missing.json")

"""Test-wide settings: small thread counts (CI has 2 cores) and the optional ../shared reference data."""
from pathlib import Path

import pytest
import torch

from rib.paths import REPO_ROOT

torch.set_num_threads(2)

UPSTREAM_DATA = REPO_ROOT.parent / "shared" / "reference" / "upstream_data"


@pytest.fixture
def upstream_data() -> Path:
    """The reference's metadata files in ../shared (tests using it skip when it is absent)."""
    if not UPSTREAM_DATA.is_dir():
        pytest.skip("../shared/reference/upstream_data is not present")
    return UPSTREAM_DATA

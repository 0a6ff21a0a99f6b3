"""Where the repository's shipped files live."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CHECKPOINTS_DIR = REPO_ROOT / "checkpoints"
EXAMPLE_DIR = REPO_ROOT / "example"

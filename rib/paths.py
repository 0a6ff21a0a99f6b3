"""Where the repository's shipped files live."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CHECKPOINTS_DIR = REPO_ROOT / "checkpoints"
EXAMPLE_DIR = REPO_ROOT / "example"


def resolve_data_path(value: str) -> str:
    """A relative data path from a config: from the working directory, else from the repository root."""
    if Path(value).is_absolute() or Path(value).exists() or not (REPO_ROOT / value).exists():
        return value
    return str(REPO_ROOT / value)

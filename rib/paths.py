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


def display_path(path: str | Path) -> str:
    """A path as reports show it: relative to the repository where it lies inside it, else absolute."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)

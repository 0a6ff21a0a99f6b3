"""The package diagram of ARCHITECTURE.md holds: every import of every module (function-local ones included) is
read with ast and checked against which package may import which."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rib.paths import REPO_ROOT

STAGES = ("HumanSloMo_Dataset", "Human_Motion_Modelling", "Pose_Guided_Neural_Rendering")
PIPELINE = "rib_pipeline"
RENDERERS = ("Pose_Guided_Neural_Rendering.warp_blend", "Pose_Guided_Neural_Rendering.spade_gan")
RENDER_API = "Pose_Guided_Neural_Rendering.api"
ENTRY_SHIM = REPO_ROOT / "rib" / "__main__.py"
"""``python -m rib`` must run the pipeline's command: the one module of rib/ allowed to import it."""


def module_name(path: Path) -> str:
    """The dotted name of a source file of the repository."""
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, source: str) -> set[str]:
    """Every module the ``source`` of ``path`` imports (relative imports resolved against its package)."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names = set()
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package[:len(package) - node.level + 1] if node.level else []
            base = ".".join(parts + ([node.module] if node.module else []))
            names.update({base, *(f"{base}.{alias.name}" for alias in node.names)})
    return names


def within(name: str, package: str) -> bool:
    """Whether module ``name`` is ``package`` or inside it."""
    return name == package or name.startswith(package + ".")


def forbidden(importer: str, name: str, path: Path) -> bool:
    """Whether module ``importer`` may not import ``name``."""
    top = importer.split(".")[0]
    if top == PIPELINE:  # the rendering stage through its API module only
        return within(name, "Pose_Guided_Neural_Rendering") and not within(name, RENDER_API) and name != STAGES[2]
    if top == "rib":
        allowed = {PIPELINE} if path == ENTRY_SHIM else set()
        return any(within(name, package) for package in (*STAGES, PIPELINE) if package not in allowed)
    if top in STAGES:
        if within(name, PIPELINE) or any(within(name, stage) for stage in STAGES if stage != top):
            return True
        mine = next((r for r in RENDERERS if within(importer, r)), None)
        return mine is not None and any(within(name, r) for r in RENDERERS if r != mine)
    return False


def sources() -> list[Path]:
    """Every module of rib/, the pipeline and the stages."""
    return sorted(path for package in ("rib", PIPELINE, *STAGES) for path in (REPO_ROOT / package).rglob("*.py"))


def violations(path: Path, source: str) -> list[str]:
    """The imports of ``source`` (the text of ``path``) the package diagram forbids."""
    return [f"{path.relative_to(REPO_ROOT)} imports {name}" for name in sorted(imported(path, source))
            if forbidden(module_name(path), name, path)]


def test_every_import_follows_the_package_diagram():
    assert not [line for path in sources() for line in violations(path, path.read_text())]


@pytest.mark.parametrize("where, line", [
    ("rib/bad.py", "from Pose_Guided_Neural_Rendering.api import load_renderer"),
    ("rib/bad.py", "import rib_pipeline.cli"),
    ("Human_Motion_Modelling/bad.py", "from HumanSloMo_Dataset import backgrounds"),
    ("Pose_Guided_Neural_Rendering/warp_blend/bad.py", "from Pose_Guided_Neural_Rendering.spade_gan import config"),
    ("Pose_Guided_Neural_Rendering/spade_gan/bad.py", "from ..warp_blend.render import WEIGHTS"),
    ("Pose_Guided_Neural_Rendering/bad.py", "def late():\n    from rib_pipeline import stages"),
    ("rib_pipeline/bad.py", "from Pose_Guided_Neural_Rendering.inference import load_renderer"),
])
def test_a_forbidden_import_is_caught(where, line):
    assert violations(REPO_ROOT / where, line)


def test_the_allowed_imports_pass():
    assert not violations(ENTRY_SHIM, "from rib_pipeline.cli import main")
    assert not violations(REPO_ROOT / "rib_pipeline" / "x.py",
                          "from Pose_Guided_Neural_Rendering.api import render_clip")
    assert not violations(REPO_ROOT / "Pose_Guided_Neural_Rendering" / "warp_blend" / "x.py",
                          "from ..clips import ClipPlan\nfrom rib.person import has_person")

"""bench/ scripts imported as modules by the tests (bench/ is a folder of scripts, not a package)."""
from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from rib.paths import REPO_ROOT


def load_bench_script(name: str) -> ModuleType:
    """``bench/<name>.py`` as the module ``bench_<name>``, registered in ``sys.modules`` (dataclasses look their
    module up there)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO_ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module

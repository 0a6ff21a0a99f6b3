"""YAML configs: load with clear errors, override from the command line (one ``--set`` for every script), save
beside outputs."""
from __future__ import annotations

import argparse
import copy
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml

from rib.atomic import write_text
from rib.errors import RIBError
from rib.textio import read_text


def load_config(path: str | os.PathLike) -> dict:
    """Load a YAML config file as a nested dict."""
    path = Path(path)
    text = read_text(path)
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RIBError(f"{path}: invalid YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(config, dict):
        raise RIBError(f"{path}: a config must be a mapping of keys to values")
    return config


def add_set_argument(parser: argparse.ArgumentParser) -> None:
    """``--set KEY=VALUE`` config overrides into ``args.overrides``: repeat the flag, or give several values to one."""
    parser.add_argument("--set", dest="overrides", action="extend", nargs="+", default=[], metavar="KEY=VALUE",
                        help="override a config value, e.g. --set train.lr=2e-4 --set data.rates=[8] (repeatable)")


def apply_overrides(config: dict, overrides: Sequence[str]) -> dict:
    """Return a copy of ``config`` with ``a.b.c=value`` overrides applied (values parsed as YAML)."""
    config = copy.deepcopy(config)
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep:
            raise RIBError(f"override '{item}': expected key=value")
        node = config
        *parents, leaf = key.split(".")
        for name in parents:
            node = node.setdefault(name, {})
            if not isinstance(node, dict):
                raise RIBError(f"override '{item}': '{name}' is not a section")
        node[leaf] = yaml.safe_load(raw)
    return config


def configure(base: dict, overrides: Sequence[str], parse: Callable[[dict, str], Any], source: str) -> Any:
    """``base`` with the ``--set`` overrides applied, checked by the stage's strict ``parse(config, source)``.

    An unknown or ill-typed key, from the file or from ``--set``, is a :class:`RIBError` before anything is written.
    """
    if overrides:
        source = f"{source} with --set {' '.join(overrides)}"
    return parse(apply_overrides(base, overrides), source)


def save_config(path: str | os.PathLike, config: dict) -> None:
    """Write ``config`` as YAML atomically."""
    write_text(path, yaml.safe_dump(config, sort_keys=False))


def require(config: dict, key: str, source: str = "config") -> Any:
    """Look up a dotted key, raising a clear error naming it when absent."""
    node: Any = config
    for name in key.split("."):
        if not isinstance(node, dict) or name not in node:
            raise RIBError(f"{source}: missing key '{key}'")
        node = node[name]
    return node

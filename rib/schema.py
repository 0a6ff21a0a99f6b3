"""Strict config sections: a dataclass per section, unknown keys are an error, defaults live in the dataclass."""
from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

from rib.errors import RIBError

T = TypeVar("T")


def from_section(cls: type[T], values: dict | None, where: str) -> T:
    """Build dataclass ``cls`` from a config mapping; unknown keys raise a RIBError naming ``where``."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise RIBError(f"{where}: expected a mapping, got {type(values).__name__}")
    known = {field.name for field in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise RIBError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return cls(**values)


def to_dict(instance: Any) -> dict:
    """A dataclass (possibly nested in lists) as plain dicts and lists, for saving beside outputs."""
    if is_dataclass(instance):
        return {field.name: to_dict(getattr(instance, field.name)) for field in fields(instance)}
    if isinstance(instance, (list, tuple)):
        return [to_dict(item) for item in instance]  # tuples become lists (YAML and JSON friendly)
    return instance

"""The one config schema of every model (motion, warp-blend, SPADE GAN): a dataclass per section, defaults written
once in the dataclass, unknown keys and ill-typed values one-line RIBErrors, and numbers converted once, when the
config is parsed (YAML and ``--set`` give values such as ``2e-4`` as text), then range-checked where a field
declares bounds (:func:`at_least`, :func:`positive`, :func:`fraction`).
"""
from __future__ import annotations

import types
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import Any, ClassVar, Sequence, TypeVar, Union, get_args, get_origin, get_type_hints

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


def _bounded(default: Any, low: float | None = None, high: float | None = None, *, low_open: bool = False,
             high_open: bool = False) -> Any:
    """A dataclass field whose value must lie between ``low`` and ``high`` (inclusive unless ``*_open``)."""
    return field(default=default, metadata={"low": low, "high": high, "low_open": low_open, "high_open": high_open})


def at_least(default: float | None, low: float) -> Any:
    """A field that must be ``>= low``."""
    return _bounded(default, low)


def positive(default: float) -> Any:
    """A field that must be ``> 0``."""
    return _bounded(default, 0, low_open=True)


def fraction(default: float, *, below_one: bool = False) -> Any:
    """A field in [0, 1] (or [0, 1) with ``below_one``)."""
    return _bounded(default, 0, 1, high_open=below_one)


def _check_bounds(where: str, value: float | None, bounds: dict) -> None:
    """RIBError unless ``value`` (None: unset, always fine) lies within the field's ``bounds`` metadata."""
    if value is None:
        return
    low, high = bounds.get("low"), bounds.get("high")
    if low is not None and (value < low or (bounds["low_open"] and value == low)):
        raise RIBError(f"{where}: must be {'>' if bounds['low_open'] else '>='} {low}, got {value}")
    if high is not None and (value > high or (bounds["high_open"] and value == high)):
        raise RIBError(f"{where}: must be {'<' if bounds['high_open'] else '<='} {high}, got {value}")


def _union_members(hint: Any) -> tuple[Any, ...]:
    """The members of a ``X | None`` hint, or ``(hint,)`` for any other hint."""
    return get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)


def _number(where: str, value: Any, kind: type) -> int | float:
    """``value`` as an int or a float (YAML text such as ``1e-4`` included); a RIBError if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RIBError(f"{where}: expected a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise RIBError(f"{where}: expected a number, got {value!r}") from None
    if kind is float:
        return number
    if not number.is_integer():
        raise RIBError(f"{where}: expected an integer, got {value!r}")
    return int(number)


def _convert(where: str, value: Any, hint: Any) -> Any:
    """``value`` converted to a field's type: int, float and bool scalars, and the numbers in a tuple or list of
    them; other values are returned as they are."""
    members = _union_members(hint)
    if value is None and type(None) in members:
        return None
    kind = next(member for member in members if member is not type(None))
    if kind is bool:
        if not isinstance(value, bool):
            raise RIBError(f"{where}: expected true or false, got {value!r}")
        return value
    if kind in (int, float):
        return _number(where, value, kind)
    if get_origin(kind) in (tuple, list) and get_args(kind) and isinstance(value, (tuple, list)):
        items = get_args(kind)
        items = [items[0]] * len(value) if len(items) == 1 or items[1:] == (Ellipsis,) else items
        if len(items) != len(value):
            raise RIBError(f"{where}: expected {len(items)} values, got {len(value)}")
        converted = (_convert(f"{where}[{i}]", item, hint) for i, (item, hint) in enumerate(zip(value, items)))
        return get_origin(kind)(converted)
    return value


@dataclass
class Section:
    """Base of every section: converts its scalar fields to their types and checks their declared bounds."""

    WHERE: ClassVar[str] = ""
    """The section's dotted name in a config file, for error messages."""

    def __post_init__(self) -> None:
        hints = get_type_hints(type(self))
        for spec in fields(self):
            where = f"{self.WHERE}.{spec.name}"
            value = _convert(where, getattr(self, spec.name), hints[spec.name])
            if spec.metadata:
                _check_bounds(where, value, spec.metadata)
            setattr(self, spec.name, value)


def _nested_section(hint: Any) -> type | None:
    """The dataclass a field holds (``X``, ``X | None`` or ``list[X]``), or None for a plain value."""
    members = [get_args(member)[0] if get_origin(member) is list else member for member in _union_members(hint)]
    return next((member for member in members if is_dataclass(member)), None)


def _default_values(spec: Any, nested: type) -> dict:
    """The values of a section field's own default, when it is not just the section's defaults (e.g. another
    corruption for evaluation than for training); derived defaults are left to the section."""
    if spec.default_factory in (MISSING, nested):
        return {}
    return to_dict(spec.default_factory())


def parse_sections(cls: type[T], values: Any, source: str, path: str = "") -> T:
    """Build ``cls`` and its nested sections (``list[Section]`` fields included) from a mapping; unknown keys raise
    a RIBError naming ``source`` and the section's dotted ``path``. A nested section's missing keys keep the
    values of its field's default (e.g. another default corruption for evaluation than for training)."""
    where = f"{source}: {path}" if path else source
    if not isinstance(values, (dict, type(None))):
        raise RIBError(f"{where}: expected a mapping, got {type(values).__name__}")
    values = dict(values or {})
    hints = get_type_hints(cls)
    for spec in fields(cls):
        nested, value = _nested_section(hints[spec.name]), values.get(spec.name)
        if nested is None or value is None:  # a plain value, a section left out, or null: switched off if optional
            if nested is not None and spec.name in values and type(None) not in _union_members(hints[spec.name]):
                del values[spec.name]  # null for a section that cannot be off: its default
            continue
        name = f"{path}.{spec.name}" if path else spec.name
        if get_origin(hints[spec.name]) is list:
            if not isinstance(value, list):
                raise RIBError(f"{where}: {spec.name}: expected a list of sections, got {type(value).__name__}")
            values[spec.name] = [item if isinstance(item, nested) else parse_sections(nested, item, source,
                                                                                      f"{name}[{i}]")
                                 for i, item in enumerate(value)]
        elif not isinstance(value, nested):
            base = _default_values(spec, nested) if isinstance(value, dict) else {}
            values[spec.name] = parse_sections(nested, {**base, **value} if base else value, source, name)
    return from_section(cls, values, where)


def check_sections(config: Any, sections: Sequence[str], source: str) -> None:
    """A RIBError unless ``config`` is a mapping of only the known ``sections``."""
    if not isinstance(config, dict):
        raise RIBError(f"{source}: a config must be a mapping of sections")
    unknown = sorted(map(str, set(config) - set(sections)))
    if unknown:
        raise RIBError(f"{source}: unknown section(s) {', '.join(unknown)}; known: {', '.join(sections)}")

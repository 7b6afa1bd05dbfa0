"""The shape contract between recorded Vectra answers and the emulator's: key paths and JSON value types.

A document's shape is its key paths (`a.b[].c`: `[]` for the elements of an array, whatever their index) with the
JSON types seen at each, and for every object path the key set of each object found there. Objects whose keys are
names rather than fields (interfaces by name, sensors by luid) are declared as maps: their keys compare as `*`.

What the emulator owes a recording (`compare`):
- every recorded path is served, with each JSON type it was recorded with (a path recorded only as null may be
  served with any type);
- a path is not served with a type it was never recorded with (null is always allowed: no value);
- a key that every recorded object at a path has is in every served object at that path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path
from typing import Any

ROOT_PATH = ""
RECORDED = Path(__file__).parent / "test_data" / "recorded"


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    if value is None:
        return "null"
    raise TypeError(f"not a JSON value: {value!r}")


def shown(path: str) -> str:
    return path or "(the answer)"


@dataclass
class Shape:
    types: dict[str, set[str]] = field(default_factory=dict)  # path -> JSON types seen there
    objects: dict[str, list[frozenset[str]]] = field(default_factory=dict)  # object path -> each one's key paths

    def add(self, value: Any, maps: frozenset[str], path: str = ROOT_PATH) -> Shape:
        self.types.setdefault(path, set()).add(json_type(value))
        if isinstance(value, dict):
            children = {key: (f"{path}.*" if path in maps else f"{path}.{key}" if path else key) for key in value}
            self.objects.setdefault(path, []).append(frozenset(children.values()))
            for key, item in value.items():
                self.add(item, maps, children[key])
        elif isinstance(value, list):
            for item in value:
                self.add(item, maps, f"{path}[]")
        return self


def shape_of(documents: list[Any], maps: list[str] | tuple[str, ...] = ()) -> Shape:
    shape, names = Shape(), frozenset(maps)
    for document in documents:
        shape.add(document, names)
    return shape


def compare(recorded: list[Any], served: list[Any], maps: list[str] | tuple[str, ...] = ()) -> list[str]:
    """What of the recorded answers' shape the served answers lack or contradict, one line per path."""
    want, have = shape_of(recorded, maps), shape_of(served, maps)
    problems: list[str] = []
    absent = set()
    for path, types in sorted(want.types.items()):
        if path not in have.types:
            absent.add(path)
            problems.append(f"{shown(path)}: absent")
            continue
        wanted, got = types - {"null"}, have.types[path]
        if wanted - got:
            problems.append(f"{shown(path)}: recorded as {sorted(wanted - got)}, never served as such "
                            f"(served as {sorted(got)})")
        if wanted and got - types - {"null"}:
            problems.append(f"{shown(path)}: served as {sorted(got - types - {'null'})}, recorded only as {sorted(types)}")
    for path, instances in sorted(want.objects.items()):
        always: frozenset[str] = reduce(frozenset.intersection, instances)
        served_objects = have.objects.get(path, [])
        for key_path in sorted(always - absent):
            lacking = sum(1 for keys in served_objects if key_path not in keys)
            if lacking:
                problems.append(f"{shown(key_path)}: missing from {lacking} of {len(served_objects)} served objects "
                                f"at {shown(path)} (every recorded one has it)")
    return problems


@dataclass(frozen=True)
class Recording:
    """One recorded file: the real answers of one endpoint (one or more), where they come from, which objects are
    maps. Files copied from the project's reference samples are a bare answer with no `_source`."""

    name: str
    answers: list[Any]
    maps: tuple[str, ...] = ()
    source: str | None = None
    endpoint: str | None = None


def load(name: str, folder: Path = RECORDED) -> Recording:
    data = json.loads((folder / name).read_text())
    if isinstance(data, dict) and "_source" in data and "answers" in data:
        return Recording(name, list(data["answers"]), tuple(data.get("_maps", ())), data["_source"], data.get("_endpoint"))
    return Recording(name, [data])

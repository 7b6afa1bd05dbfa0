"""Incident context as XSOAR keeps it: entry contexts merged under their paths, records with the same key fields
updated in place instead of appended (`Vectra.Detection(val.id && val.id == obj.id)`), and `${path}` lookups."""

from __future__ import annotations

import re
from typing import Any

_KEY = re.compile(r"^(?P<path>[^(]+)(\((?P<condition>.*)\))?$")
_KEY_FIELD = re.compile(r"val\.([\w.]+) && val\.\1 == obj\.\1")


def split_key(key: str) -> tuple[list[str], list[str], bool]:
    """(path parts, key fields, replace) of an EntryContext key."""
    match = _KEY.match(key)
    assert match is not None
    condition = match.group("condition") or ""
    return match.group("path").split("."), _KEY_FIELD.findall(condition), condition.strip() == "true"


def merge(context: dict, entry_context: dict) -> dict:
    for key, value in (entry_context or {}).items():
        path, key_fields, replace = split_key(key)
        parent = context
        for part in path[:-1]:
            node = parent.get(part)
            if not isinstance(node, dict):
                # A path under a list (Vectra.Entity.Notes under a list of Vectra.Entity): this engine keeps the
                # deeper path and drops the list, a simplification of the platform's own handling.
                node = {}
                parent[part] = node
            parent = node
        leaf = path[-1]
        if replace or leaf not in parent:
            parent[leaf] = value
        elif isinstance(parent[leaf], dict) and isinstance(value, dict) and not key_fields:
            parent[leaf] = {**parent[leaf], **value}
        else:
            parent[leaf] = _merge_records(parent[leaf], value, key_fields)
    return context


def _merge_records(existing: Any, new: Any, key_fields: list[str]) -> Any:
    records = existing if isinstance(existing, list) else [existing]
    for item in new if isinstance(new, list) else [new]:
        same = [i for i, old in enumerate(records) if key_fields and isinstance(old, dict) and isinstance(item, dict)
                and all(lookup(old, f) == lookup(item, f) for f in key_fields)]
        if same:
            records[same[0]] = item
        else:
            records.append(item)
    return records if len(records) != 1 else records[0]


def lookup(obj: Any, path: str, flatten: bool = True) -> Any:
    """A dotted path; through lists, the path is applied to every item (list values flattened unless `flatten` is
    off, as the incoming mapper keeps them)."""
    value = obj
    for part in path.split("."):
        if isinstance(value, list):
            items = [item.get(part) if isinstance(item, dict) else None for item in value]
            gathered: list = []
            for item in items:
                if flatten and isinstance(item, list):
                    gathered.extend(item)
                elif item is not None:
                    gathered.append(item)
            value = gathered or None
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
        if value is None:
            return None
    return value


def delete(context: dict, path: str) -> None:
    parts = path.split(".")
    parent: Any = context
    for part in parts[:-1]:
        parent = parent.get(part)
        if not isinstance(parent, dict):
            return
    parent.pop(parts[-1], None)


def resolve(value: Any, context: dict, incident: dict, inputs: dict) -> Any:
    """`${path}` in an argument: from the context, `${incident.x}` from the incident, `${inputs.x}` from inputs."""
    if not isinstance(value, str):
        return value
    whole = re.fullmatch(r"\$\{([^}]+)\}", value.strip())
    if whole:
        return _source(whole.group(1), context, incident, inputs)

    def text(match: re.Match) -> str:
        found = _source(match.group(1), context, incident, inputs)
        return "" if found is None else ",".join(map(str, found)) if isinstance(found, list) else str(found)

    return re.sub(r"\$\{([^}]+)\}", text, value)


def _source(path: str, context: dict, incident: dict, inputs: dict) -> Any:
    if path.startswith("incident."):
        flat = {**incident, **(incident.get("CustomFields") or {})}
        return lookup(flat, path[len("incident."):])
    if path.startswith("inputs."):
        return lookup(inputs, path[len("inputs."):])
    return lookup(context, path)

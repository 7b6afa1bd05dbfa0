"""XSOAR's incoming mapper, reproduced for the transformers this pack uses.

A mapper entry says where a field's value comes from in the incoming object: `complex.root` (a dotted path),
optional `complex.accessor` (a path inside the root's value), then `complex.transformers` applied in order.
Supported operators: Stringify, join, SetIfEmpty, MapRangeValues, MapValuesTransformer, If-Then-Else. An unknown
operator is an error, so a mapper this engine cannot apply faithfully never passes silently.

Targets are field display names (resolved to cliNames through the pack's incident fields and the few common
fields listed in COMMON_FIELDS) or system keys (occurred, severity, dbotMirror*, Tags).
"""

from __future__ import annotations

import json
from typing import Any

from tools.xsoar_local.context import lookup

SYSTEM_KEYS = {"occurred": "occurred", "severity": "severity", "dbotMirrorId": "dbotMirrorId",
               "dbotMirrorDirection": "dbotMirrorDirection", "dbotMirrorInstance": "dbotMirrorInstance",
               "dbotMirrorTags": "dbotMirrorTags", "Tags": "tags", "details": "details", "name": "name"}
# Fields of the platform's Common Types pack that the mapper and layout use (this pack declares the dependency).
COMMON_FIELDS = {"Detection URL": "detectionurl", "Event ID": "eventid"}


class MapperError(ValueError):
    pass


def get_path(obj: Any, path: str | None) -> Any:
    """A dotted path, as the mapper reads it: through a list, applied to every item, list values kept whole."""
    return lookup(obj, path, flatten=False) if path else obj


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _arg(args: dict, name: str, obj: Any) -> Any:
    spec = args.get(name) or {}
    value = (spec.get("value") or {}).get("simple")
    if value is None:
        return None
    return get_path(obj, value) if spec.get("isContext") else value


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def transform(value: Any, transformer: dict, obj: Any) -> Any:
    operator, args = transformer.get("operator"), transformer.get("args") or {}
    if operator == "Stringify":
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value) if isinstance(value, (dict, list)) else _text(value)
    if operator == "join":
        separator = _arg(args, "separator", obj) or ","
        return separator.join(_text(item) for item in value) if isinstance(value, list) else value
    if operator == "SetIfEmpty":
        return _arg(args, "defaultValue", obj) if is_empty(value) else value
    if operator == "MapRangeValues":
        return _map_range(value, str(_arg(args, "map_from", obj)), str(_arg(args, "map_to", obj)),
                          _arg(args, "sep", obj) or ",")
    if operator == "MapValuesTransformer":
        inputs = str(_arg(args, "input_values", obj)).split(",")
        outputs = str(_arg(args, "mapped_values", obj)).split(",")
        mapping = dict(zip(inputs, outputs, strict=False))
        return mapping.get(_text(value), value)
    if operator == "If-Then-Else":
        lhs, rhs = _arg(args, "lhs", obj), _arg(args, "rhs", obj)
        return _arg(args, "then", obj) if _text(lhs) == _text(rhs) else _arg(args, "else", obj)
    raise MapperError(f"the local engine does not implement the transformer {operator!r}")


def _map_range(value: Any, ranges: str, targets: str, separator: str) -> Any:
    number = _number(value)
    if number is None:
        return value
    for span, target in zip(ranges.split(separator), targets.split(separator), strict=False):
        low, _, high = span.partition("-")
        if _number(low) is not None and (_number(low) or 0) <= number <= (_number(high or low) or 0):
            return _number(target) if _number(target) is not None else target
    return value


def map_entry(entry: dict, obj: Any) -> Any:
    if "simple" in entry:
        return get_path(obj, entry["simple"])
    complex_ = entry.get("complex") or {}
    value = get_path(get_path(obj, complex_.get("root")), complex_.get("accessor"))
    for transformer in complex_.get("transformers") or []:
        value = transform(value, transformer, obj)
    return value


class IncomingMapper:
    def __init__(self, definition: dict, field_cli_names: dict[str, str]):
        self.name = definition["name"]
        self.definition = definition
        self.cli_names = {**COMMON_FIELDS, **field_cli_names}

    def targets(self, incident_type: str) -> dict[str, dict]:
        mapping = self.definition.get("mapping", {})
        chosen = mapping.get(incident_type) or mapping.get("dbot_classification_incident_type_all") or {}
        return chosen.get("internalMapping", {})

    def cli_name(self, target: str) -> tuple[str, bool]:
        """(cliName, is_system) of a mapper target; unknown targets are an error."""
        if target in SYSTEM_KEYS:
            return SYSTEM_KEYS[target], True
        if target in self.cli_names:
            return self.cli_names[target], False
        raise MapperError(f"the mapper {self.name!r} targets {target!r}, which is neither a field nor a system key")

    def apply(self, obj: dict, incident_type: str) -> tuple[dict, dict]:
        """(system field values, custom field values by cliName) that the object maps to; empty values are skipped."""
        system: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        for target, entry in self.targets(incident_type).items():
            value = map_entry(entry, obj)
            if is_empty(value):
                continue
            name, is_system = self.cli_name(target)
            if name == "tags" and isinstance(value, str):
                value = [tag.strip() for tag in value.split(",") if tag.strip()]
            if name == "severity":
                value = _number(value) if _number(value) is not None else value
            (system if is_system else custom)[name] = value
        return system, custom

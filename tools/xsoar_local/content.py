"""The pack content the engine needs at run time: incident fields, incoming mappers, scripts, layout buttons."""

from __future__ import annotations

import json
from functools import cache, cached_property
from pathlib import Path

import yaml

from tools.xsoar_local.mapper import IncomingMapper


class PackContent:
    def __init__(self, pack_dir: Path):
        self.pack_dir = pack_dir
        self.fields = {doc["name"]: doc for doc in self._json("IncidentFields")}
        self.cli_names = {name: doc["cliName"] for name, doc in self.fields.items()}
        self.custom_cli_names = set(self.cli_names.values())
        self.mappers = {doc["name"]: doc for doc in self._json("Classifiers") if doc.get("type") == "mapping-incoming"}
        self.incident_types = {doc["name"]: doc for doc in self._json("IncidentTypes")}
        self.layouts = {doc["id"]: doc for doc in self._json("Layouts")}

    def _json(self, folder: str) -> list[dict]:
        return [json.loads(path.read_text()) for path in sorted((self.pack_dir / folder).glob("*.json"))]

    def incoming_mapper(self, name: str | None) -> IncomingMapper | None:
        if not name:
            return None
        if name not in self.mappers:
            raise KeyError(f"no incoming mapper named {name!r} in {self.pack_dir.name} (has: {', '.join(self.mappers)})")
        return IncomingMapper(self.mappers[name], self.cli_names)

    def buttons(self, incident_type: str) -> dict[str, dict]:
        """The buttons of the incident type's layout, by their label."""
        layout = self.layouts.get((self.incident_types.get(incident_type) or {}).get("layout", ""))
        if layout is None:
            raise KeyError(f"the incident type {incident_type!r} has no layout in {self.pack_dir.name}")
        return {item["name"]: item for tab in layout["detailsV2"]["tabs"] for section in tab.get("sections") or []
                for item in section.get("items") or [] if item.get("sectionItemType") == "button"}

    @cached_property
    def script_folders(self) -> dict[str, Path]:
        """Automation scripts by name: the folder holding <Name>.py and <Name>.yml."""
        found = {}
        for yml in sorted((self.pack_dir / "Scripts").glob("*/*.yml")):
            definition = yaml.safe_load(yml.read_text())
            found[definition["name"]] = yml.parent
        return found


@cache
def pack_content(pack_dir: Path) -> PackContent:
    return PackContent(pack_dir)

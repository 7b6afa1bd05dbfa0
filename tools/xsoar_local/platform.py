"""What a script reaches through `demisto.executeCommand`: the server's built-in commands over the engine's
SQLite state, other automation scripts, and integration commands (routed to an instance by `using-brand`).

Built-ins: getIncidents, SearchIncidentsV2, setIncident, linkIncidents, getContext, getEntries, mapObject,
IsIntegrationAvailable, Set, DeleteContext, PrintErrorEntry. Unknown commands answer an error entry, as the server does.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from tools.xsoar_local import context as ctx
from tools.xsoar_local.store import Store

STATUS_NAMES = {0: "pending", 1: "active", 2: "closed", 3: "archived"}


def entry(contents: Any, context: dict | None = None, readable: str | None = None) -> dict:
    return {"Type": 1, "ContentsFormat": "json" if not isinstance(contents, str) else "text", "Contents": contents,
            "EntryContext": context or {}, "HumanReadable": readable}


def error(message: str) -> dict:
    return {"Type": 4, "ContentsFormat": "text", "Contents": message}


# --- the incident query language getIncidents understands ----------------------------------------------------


def parse_query(query: str) -> list[tuple[bool, str, str]]:
    """`type:"X" -status:closed field:value` -> [(negated, field, value)]; terms are ANDed."""
    terms = []
    for token in shlex.split(query or ""):
        if token.upper() == "AND":
            continue
        negated = token.startswith("-")
        name, sep, value = token.lstrip("-").partition(":")
        if not sep:
            raise ValueError(f"cannot read the query term {token!r}: expected field:value")
        terms.append((negated, name, value))
    return terms


def _field(incident: dict, name: str) -> Any:
    if name == "status":
        return STATUS_NAMES.get(incident.get("status", 1))
    if name in incident:
        return incident[name]
    return (incident.get("CustomFields") or {}).get(name)


def matches(incident: dict, terms: list[tuple[bool, str, str]]) -> bool:
    for negated, name, value in terms:
        actual = _field(incident, name)
        values = actual if isinstance(actual, list) else [actual]
        hit = any(str(item).lower() == value.lower() for item in values if item is not None)
        if hit == negated:
            return False
    return True


class Server(Protocol):
    """What the built-ins need from the server that runs scripts and integration commands (the engine)."""

    store: Store

    def scripts(self) -> dict[str, Path]: ...

    def run_script(self, name: str, args: dict | None = None, incident_id: str | None = None,
                   war_room: bool = True) -> Any: ...

    def instance_for_command(self, command: str, brand: str | None = None, name: str | None = None) -> str | None: ...

    def run(self, instance_name: str, command: str, args: dict | None = None, incident_id: str | None = None,
            war_room: bool = True) -> Any: ...

    def edit_incident(self, incident_id: str, changes: dict) -> dict: ...

    def instance(self, name: str) -> Any: ...

    def instance_names(self) -> list[str]: ...


class Platform:
    def __init__(self, engine: Server, incident_id: str | None):
        self.engine = engine
        self.store = engine.store
        self.incident_id = incident_id
        self.builtins: dict[str, Callable[[dict], list[dict]]] = {
            "getIncidents": self.get_incidents,
            "SearchIncidentsV2": self.search_incidents,
            "setIncident": self.set_incident,
            "linkIncidents": self.link_incidents,
            "getContext": self.get_context,
            "getEntries": self.get_entries,
            "mapObject": self.map_object,
            "IsIntegrationAvailable": self.integration_available,
            "Set": self.set_context,
            "DeleteContext": self.delete_context,
            "PrintErrorEntry": lambda args: [error(str(args.get("message") or ""))],
        }

    def execute(self, command: str, args: dict) -> list[dict]:
        args = dict(args or {})
        brand = args.pop("using-brand", None)
        instance = args.pop("using", None)
        if command in self.builtins:
            try:
                return self.builtins[command](args)
            except (ValueError, KeyError) as problem:
                return [error(f"{command}: {problem}")]
        if command in self.engine.scripts():
            return self.engine.run_script(command, args, self.incident_id, war_room=False).entries
        chosen = self.engine.instance_for_command(command, brand, instance)
        if chosen is None:
            where = f" in an enabled instance of {brand}" if brand else ""
            return [error(f"Unsupported Command: {command} was not found{where}.")]
        return self.engine.run(chosen, command, args, incident_id=self.incident_id, war_room=False).entries

    # --- incidents ---------------------------------------------------------------------------------------------

    def _find(self, query: str, page: int, size: int) -> tuple[list[dict], int]:
        terms = parse_query(query)
        found = [incident for incident in self.store.incidents() if matches(incident, terms)]
        public = [{k: v for k, v in incident.items() if not k.startswith("_")} for incident in found]
        return public[page * size:(page + 1) * size], len(found)

    def get_incidents(self, args: dict) -> list[dict]:
        page, size = int(args.get("page") or 0), int(args.get("size") or 100)
        data, total = self._find(str(args.get("query") or ""), page, size)
        return [entry({"data": data or None, "total": total})]

    def search_incidents(self, args: dict) -> list[dict]:
        terms = [str(args.get("query") or "")]
        for name in ("id", "type", "status", "name"):
            if args.get(name):
                terms.append(f'{name}:"{args[name]}"')
        page, size = int(args.get("page") or 0), int(args.get("size") or 100)
        data, total = self._find(" ".join(t for t in terms if t), page, size)
        return [entry({"data": data or None, "total": total}, {"foundIncidents": data})]

    def set_incident(self, args: dict) -> list[dict]:
        incident_id = str(args.pop("id", None) or self.incident_id or "")
        if not incident_id:
            raise ValueError("setIncident needs an incident (run the script in one, or pass id)")
        custom = args.pop("customFields", None)
        changes = {**args, **(json.loads(custom) if isinstance(custom, str) else custom or {})}
        self.engine.edit_incident(incident_id, changes)
        return [entry("done")]

    def link_incidents(self, args: dict) -> list[dict]:
        incident_id = str(args.get("incidentId") or self.incident_id)
        linked = [str(i).strip() for i in re.split(r"[,\s]+", str(args.get("linkedIncidentIDs") or "")) if str(i).strip()]
        if str(args.get("action") or "link") == "unlink":
            self.store.unlink(incident_id, linked)
        else:
            self.store.link(incident_id, linked)
        return [entry(f"Incidents {', '.join(linked)} were {args.get('action') or 'link'}ed to incident {incident_id}.")]

    def get_context(self, args: dict) -> list[dict]:
        return [entry({"context": self.store.context(str(args.get("id") or self.incident_id))})]

    def get_entries(self, args: dict) -> list[dict]:
        return self.store.entries(str(args.get("id") or self.incident_id))

    def map_object(self, args: dict) -> list[dict]:
        for name in self.engine.instance_names():
            mapper = self.engine.instance(name).content.incoming_mapper(args.get("mapper"))
            if mapper is not None:
                obj = args.get("object")
                system, custom = mapper.apply(json.loads(obj) if isinstance(obj, str) else obj, args.get("incidentType") or "")
                return [entry({**system, **custom})]
        raise KeyError(f"no mapper named {args.get('mapper')!r}")

    def integration_available(self, args: dict) -> list[dict]:
        brand = str(args.get("brandname") or "")
        available = any(self.engine.instance(name).brand == brand for name in self.engine.instance_names())
        return [entry("yes" if available else "no")]

    # --- playbook context --------------------------------------------------------------------------------------

    def set_context(self, args: dict) -> list[dict]:
        key, value = str(args["key"]), args.get("value")
        current = self.store.context(self.incident_id)
        existing = ctx.lookup(current, key)
        if str(args.get("append", "false")).lower() == "true" and existing is not None:
            value = (existing if isinstance(existing, list) else [existing]) + (value if isinstance(value, list) else [value])
        self.store.merge_context(self.incident_id, {f"{key}(true)": value})
        return [entry("done")]

    def delete_context(self, args: dict) -> list[dict]:
        if str(args.get("all", "")).lower() in ("yes", "true"):
            self.store.set_context(self.incident_id, {})
        else:
            current = self.store.context(self.incident_id)
            for key in str(args.get("key") or "").split(","):
                ctx.delete(current, key.strip())
            self.store.set_context(self.incident_id, current)
        return [entry("done")]

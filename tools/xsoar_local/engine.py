"""The local engine: runs a pack's integration commands the way an XSOAR server does.

Each command gets a fresh load of the integration script (`runpy`, a new module namespace; with
`isolation="process"` also a new interpreter, as XSOAR runs every command in its own container process), the
instance's parameters (defaults from the integration YAML, overridden by the instance config), and the
instance's persisted state from SQLite. What the platform would persist is persisted the way the platform does:

* `fetch-incidents`: incidents are created and the last run is saved only when the fetch succeeds;
* every other command: its entries go to the war room of the incident it ran on, or the playground;
* the integration context is written through immediately (and versioned), whatever the command.

Instances live in a JSON config file (default `.state/instances.json`):
`{"instances": {"<name>": {"integration": "Packs/<Pack>/Integrations/<Name>", "params": {...}}}}`.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools.xsoar_local import collector
from tools.xsoar_local.content import PackContent, pack_content
from tools.xsoar_local.invocation import Invocation, serving
from tools.xsoar_local.mapper import IncomingMapper
from tools.xsoar_local.platform import Platform
from tools.xsoar_local.store import PLAYGROUND, Store, now_iso

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "Tests" / "runtime"
DEFAULT_STATE_DIR = ROOT / ".state"
FETCH = "fetch-incidents"
FETCH_EVENTS = "fetch-events"
ERROR_TYPE = 4
FILE_TYPES = (3, 9)


# What the platform puts before every script it runs: its runtime (a unified integration has these imports removed).
# The platform runs the script in CommonServerPython's own module, where `__line__` — the current line, which the
# API modules' `register_module_line` calls pass — is defined; a star import leaves it out, so the prelude has its own.
RUNTIME_PRELUDE = ("import demistomock as demisto\nfrom CommonServerPython import *\nfrom CommonServerUserPython import *\n"
                   "import inspect as _inspect\n\n\ndef __line__():\n    return _inspect.currentframe().f_back.f_lineno\n")


@dataclass
class Instance:
    """An integration instance. `integration_dir` is the integration's source folder (Packs/<Pack>/Integrations/<Name>)
    or a unified integration YAML (what `demisto-sdk prepare-content` builds and the platform runs)."""

    name: str
    integration_dir: Path
    params: dict
    brand: str
    mapper_name: str | None = None

    @property
    def unified(self) -> bool:
        return self.integration_dir.suffix == ".yml"

    @property
    def script(self) -> Path:
        return self.integration_dir / f"{self.integration_dir.name}.py"

    @property
    def content(self) -> PackContent:
        if self.unified:  # the pack holding the integration of the same id
            return pack_content(source_integration(self.brand).parents[1])
        return pack_content(self.integration_dir.parents[1])

    @property
    def mapper(self) -> IncomingMapper | None:
        return self.content.incoming_mapper(self.mapper_name)

    @property
    def incident_type(self) -> str:
        return str(self.params.get("incidentType") or "")


@dataclass
class RunResult:
    instance: str
    command: str
    ok: bool
    error: str = ""
    entries: list[dict] = field(default_factory=list)
    incidents: list[dict] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)
    printed: list[Any] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the integration script's own CPU time (loading it included), not the engine's


def integration_yaml(integration_dir: Path) -> dict:
    """The integration's YAML, parsed once per version of the file (every command routes through it)."""
    path = integration_dir if integration_dir.suffix == ".yml" else integration_dir / f"{integration_dir.name}.yml"
    return copy.deepcopy(_parsed_yaml(str(path), path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=16)
def source_integration(brand: str) -> Path:
    """The source folder of the integration whose id is `brand`, in this repository's packs."""
    for yml in sorted((ROOT / "Packs").glob("*/Integrations/*/*.yml")):
        if yml.stem == yml.parent.name and integration_yaml(yml.parent)["commonfields"]["id"] == brand:
            return yml.parent
    raise KeyError(f"no integration with id {brand!r} under Packs/")


@functools.lru_cache(maxsize=16)
def _parsed_yaml(path: str, mtime_ns: int) -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(Path(path).read_text(), Loader=loader)


def default_params(definition: dict) -> dict:
    """The parameters an instance starts with on the platform: each YAML `defaultvalue`, typed."""
    params: dict[str, Any] = {}
    for item in definition.get("configuration", []):
        if "defaultvalue" not in item:
            continue
        value = item["defaultvalue"]
        if item.get("type") == 8 and isinstance(value, str):
            value = value.lower() == "true"
        if item.get("type") == 16 and isinstance(value, str):
            value = [part for part in value.split(",") if part]
        params[item["name"]] = value
    return params


def normalise_entries(printed: list[Any]) -> list[dict]:
    """What a command printed through `demisto.results`, as war-room entries."""
    entries: list[dict] = []
    for value in printed:
        if value is None:
            continue
        if isinstance(value, list):
            entries.extend(normalise_entries(value))
        elif isinstance(value, dict) and "Type" in value:
            entries.append(value)
        elif isinstance(value, dict):
            entries.append({"Type": 1, "ContentsFormat": "json", "Contents": value})
        else:
            entries.append({"Type": 1, "ContentsFormat": "text", "Contents": str(value)})
    return entries


class Engine:
    def __init__(self, state_dir: str | Path = DEFAULT_STATE_DIR, config_path: str | Path | None = None,
                 isolation: str = "module"):
        if isolation not in ("module", "process"):
            raise ValueError("isolation must be 'module' or 'process'")
        self.state_dir = Path(state_dir).resolve()  # command processes run elsewhere: absolute paths only
        self.config_path = Path(config_path).resolve() if config_path else self.state_dir / "instances.json"
        self.isolation = isolation
        self.files_dir = self.state_dir / "files"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.state_dir / "xsoar_local.db")
        # Fault hook for the reliability suites: the server stops after taking a fetch's output (creating its
        # incidents, or XSIAM receiving its events) and before saving its last run.
        self.fail_before_last_run = False

    # --- instances ------------------------------------------------------------------------------------------

    def _config(self) -> dict:
        if not self.config_path.exists():
            return {"instances": {}}
        return json.loads(self.config_path.read_text())

    def set_instance(self, name: str, integration_dir: str | Path, params: dict, mapper: str | None = None) -> Instance:
        """Configure an instance; `mapper` overrides the integration's default incoming mapper ("" for none)."""
        config = self._config()
        directory = Path(integration_dir)
        stored_dir = os.path.relpath(directory.resolve(), ROOT) if directory.resolve().is_relative_to(ROOT) else str(directory)
        config["instances"][name] = {"integration": stored_dir, "params": params}
        if mapper is not None:
            config["instances"][name]["mapper"] = mapper
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(json.dumps(config, indent=2))
        return self.instance(name)

    def instance_names(self) -> list[str]:
        return sorted(self._config()["instances"])

    def instance_for_command(self, command: str, brand: str | None = None, name: str | None = None) -> str | None:
        """The instance that would run `command` (of `brand`, or the named instance), as XSOAR routes it."""
        for candidate in self.instance_names():
            instance = self.instance(candidate)
            if (brand and instance.brand != brand) or (name and candidate != name):
                continue
            declared = {c["name"] for c in integration_yaml(instance.integration_dir)["script"].get("commands", [])}
            if command in declared or command == "test-module":
                return candidate
        return None

    def scripts(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for pack in sorted((ROOT / "Packs").iterdir()):
            if pack.is_dir():
                found.update(pack_content(pack).script_folders)
        return found

    def run_script(self, name: str, args: dict | None = None, incident_id: str | None = None,
                   war_room: bool = True) -> RunResult:
        """Run an automation script in an incident (or the playground), as a button, a playbook or the CLI does."""
        if self.isolation == "process":  # in its own interpreter, as the platform runs scripts; it persists there
            spec = {"script": name, "args": args or {}, "incident_id": incident_id, "war_room": war_room}
            outcome = self._in_child(spec)
            if "script_result" not in outcome:
                return RunResult(instance="", command=name, ok=False, error=outcome["error"])
            return RunResult(**outcome["script_result"])
        folder = self.scripts()[name]
        incident = self.store.incident(incident_id) if incident_id else {}
        investigation = incident_id or PLAYGROUND
        invocation = Invocation(
            command=name, args=args or {}, incident=incident or {}, investigation_id=investigation,
            context=self.store.context(investigation), execute_command=Platform(self, incident_id).execute)
        clock, started = time.monotonic(), now_iso()
        ok, error = run_script(folder / f"{folder.name}.py", invocation, self.files_dir)
        entries = normalise_entries(invocation.printed)
        errors = [e for e in entries if e.get("Type") == ERROR_TYPE]
        if ok and errors:
            ok, error = False, str(errors[0].get("Contents"))
        result = RunResult(instance="", command=name, ok=ok, error=error, entries=entries, logs=invocation.logs,
                           printed=invocation.printed, seconds=time.monotonic() - clock)
        if war_room:
            self._record(investigation, entries, name, result)
        self.store.log_run("", name, started, ok, error, 0, invocation.logs)
        return result

    def press_button(self, incident_id: str, label: str) -> RunResult:
        """Click a layout button of the incident: its script runs with the button's arguments, `${incident.<field>}`
        resolved against the incident, its entries going to the War Room."""
        from tools.xsoar_local import context as ctx

        incident = self._incident(incident_id)
        buttons = self.instance(incident["sourceInstance"]).content.buttons(incident.get("type", ""))
        if label not in buttons:
            raise KeyError(f"the layout of {incident.get('type')!r} has no button {label!r} (has: {', '.join(buttons)})")
        button = buttons[label]
        context = self.store.context(incident_id)
        args = {name: ctx.resolve(value.get("simple"), context, incident, {})
                for name, value in (button.get("args") or {}).items()}
        return self.run_script(button["scriptId"], args, incident_id)

    def _record(self, investigation: str, entries: list[dict], source: str, result: RunResult) -> None:
        """Entries into the War Room, their entry context into the investigation's context."""
        result.entries = self.store.add_entries(investigation, entries, source=source)
        for stored in entries:
            if stored.get("EntryContext"):
                self.store.merge_context(investigation, stored["EntryContext"])

    def instance(self, name: str) -> Instance:
        instances = self._config()["instances"]
        if name not in instances:
            known = ", ".join(sorted(instances)) or "none"
            raise KeyError(f"no instance named {name!r} in {self.config_path} (configured: {known})")
        entry = instances[name]
        directory = Path(entry["integration"])
        directory = directory if directory.is_absolute() else ROOT / directory
        definition = integration_yaml(directory)
        params = {**default_params(definition), **entry.get("params", {})}
        return Instance(name=name, integration_dir=directory, params=params, brand=definition["commonfields"]["id"],
                        mapper_name=entry.get("mapper", definition.get("defaultmapperin")))

    # --- running commands -----------------------------------------------------------------------------------

    def run(self, instance_name: str, command: str, args: dict | None = None, incident_id: str | None = None,
            war_room: bool = True) -> RunResult:
        """Run one integration command and persist what the platform would persist (mirroring commands, run by the
        platform's job, pass `war_room=False`: their output is interpreted, not shown)."""
        instance = self.instance(instance_name)
        incident = self.store.incident(incident_id) if incident_id else {}
        spec = {
            "instance": instance_name,
            "command": command,
            "args": args or {},
            "incident": incident or {},
            "investigation_id": incident_id or PLAYGROUND,
            "last_run": self.store.last_run(instance_name) if command in (FETCH, FETCH_EVENTS) else {},
            "last_mirror_run": self.store.last_mirror_run(instance_name),
        }
        started = now_iso()
        clock = time.monotonic()
        outcome = self._execute_isolated(instance, spec, incident_id)
        result = RunResult(
            instance=instance_name,
            command=command,
            ok=outcome["ok"],
            error=outcome["error"],
            logs=[tuple(log) for log in outcome["logs"]],  # type: ignore[misc]
            printed=outcome["printed"],
            seconds=time.monotonic() - clock,
            cpu_seconds=outcome.get("cpu_seconds", 0.0),
        )
        self._persist(instance, spec, outcome, result, war_room)
        self.store.log_run(instance_name, command, started, result.ok, result.error, len(result.incidents), result.logs)
        return result

    def _persist(self, instance: Instance, spec: dict, outcome: dict, result: RunResult, war_room: bool = True) -> None:
        if spec["command"] == FETCH:
            self._persist_fetch(instance, outcome, result)
            return
        if spec["command"] == FETCH_EVENTS:  # a scheduled job: no War Room; XSIAM already has what it received
            result.entries = normalise_entries(outcome["printed"])
            self._save_last_run(instance, outcome, result)
            return
        entries = [self._keep_file(entry, spec["investigation_id"]) for entry in normalise_entries(outcome["printed"])]
        result.entries = entries
        if war_room:
            self._record(spec["investigation_id"], entries, spec["command"], result)
        if result.ok and outcome["last_mirror_run_set"]:
            self.store.set_last_mirror_run(instance.name, outcome["last_mirror_run"])

    def _persist_fetch(self, instance: Instance, outcome: dict, result: RunResult) -> None:
        if not result.ok:
            return
        result.incidents = [self.store.create_incident(instance.name, self._incident_doc(instance, incident))
                            for incident in outcome["created_incidents"]]
        self._save_last_run(instance, outcome, result)

    def _save_last_run(self, instance: Instance, outcome: dict, result: RunResult) -> None:
        if not result.ok:
            return
        if self.fail_before_last_run:
            result.ok = False
            result.error = "injected failure: the server stopped after taking the run's output, before saving its last run"
            return
        if outcome["last_run_set"]:
            self.store.set_last_run(instance.name, outcome["last_run"])

    def _incident_doc(self, instance: Instance, incident: dict) -> dict:
        """A fetched incident as XSOAR stores it: the incoming mapper applied to its rawJSON."""
        doc = dict(incident)
        doc.setdefault("type", instance.incident_type)
        doc["sourceBrand"] = instance.brand
        custom = dict(doc.get("CustomFields") or {})
        mapper = instance.mapper
        if mapper is not None and doc.get("rawJSON"):
            system, mapped = mapper.apply(json.loads(doc["rawJSON"]), doc["type"])
            doc.update(system)
            custom.update(mapped)
        doc["CustomFields"] = custom
        return doc

    # --- what an analyst does in XSOAR; recorded for outgoing mirroring ---------------------------------------

    def edit_incident(self, incident_id: str, changes: dict) -> dict:
        """Set fields (system or custom, by cliName) as an analyst would in the layout."""
        incident = self._incident(incident_id)
        custom_names = self.instance(incident["sourceInstance"]).content.custom_cli_names
        custom = {key: value for key, value in changes.items() if key in custom_names}
        system = {key: value for key, value in changes.items() if key not in custom_names}
        updated = self.store.update_incident(incident_id, {**system, "CustomFields": custom})
        return self._pend(updated, delta=changes)

    def add_note(self, incident_id: str, text: str, tags: list[str] | None = None, user: str = "analyst") -> dict:
        """A War Room note; with a mirror tag it also goes out to the remote system."""
        incident = self._incident(incident_id)
        entry = self.store.add_entries(incident_id, [{"Type": 1, "ContentsFormat": "text", "Contents": text, "Note": True,
                                                      "Tags": tags or [], "user": user}], source="analyst")[0]
        if set(tags or []) & set(incident.get("dbotMirrorTags") or []):
            self._pend(incident, entries=[{"id": entry["id"], "type": "note", "contents": text, "user": user,
                                           "tags": tags}])
        return entry

    def close_incident(self, incident_id: str, reason: str = "Resolved", notes: str = "", user: str = "analyst") -> dict:
        closing = {"closeReason": reason, "closeNotes": notes, "closingUserId": user}
        updated = self.store.update_incident(incident_id, {"status": 2, "closed": now_iso(), **closing})
        return self._pend(updated, delta=closing)

    def reopen_incident(self, incident_id: str, user: str = "analyst") -> dict:
        updated = self.store.update_incident(incident_id, {"status": 1, "closed": None, "closeReason": "",
                                                           "closeNotes": "", "closingUserId": ""})
        return self._pend(updated, delta={"closingUserId": "", "runStatus": ""})

    def _incident(self, incident_id: str) -> dict:
        incident = self.store.incident(incident_id)
        if incident is None:
            raise KeyError(f"no incident {incident_id}")
        return incident

    def _pend(self, incident: dict, delta: dict | None = None, entries: list | None = None) -> dict:
        """Queue a change for update-remote-system when the incident mirrors out."""
        if incident.get("dbotMirrorDirection") not in ("Out", "Both"):
            return incident
        return self.store.add_outgoing(incident["id"], delta, entries)

    def _keep_file(self, entry: dict, investigation_id: str) -> dict:
        """Move a file written by `fileResult` into the engine's file store and point the entry at it."""
        if entry.get("Type") not in FILE_TYPES or not entry.get("FileID"):
            return entry
        written = self.files_dir / f"{investigation_id}_{entry['FileID']}"
        if not written.exists():
            return entry
        kept = self.files_dir / entry["FileID"]
        shutil.move(written, kept)
        return {**entry, "FilePath": str(kept), "FileSize": kept.stat().st_size}

    def _execute_isolated(self, instance: Instance, spec: dict, incident_id: str | None = None) -> dict:
        if self.isolation == "module":
            return self.execute(instance, spec, Platform(self, incident_id).execute)
        outcome = self._in_child(spec)
        if "printed" not in outcome:
            return {"ok": False, "error": outcome["error"], "logs": [], "printed": [], "created_incidents": [],
                    "last_run_set": False, "last_run": {}, "last_mirror_run_set": False, "last_mirror_run": {}}
        return outcome

    def _in_child(self, spec: dict) -> dict:
        """Run `spec` with `python -m tools.xsoar_local.child` in a new interpreter; what it wrote back, or the
        error of a process that died."""
        with tempfile.TemporaryDirectory() as tmp:
            spec_path, outcome_path = Path(tmp) / "spec.json", Path(tmp) / "outcome.json"
            spec_path.write_text(json.dumps({**spec, "state_dir": str(self.state_dir), "config": str(self.config_path)}))
            env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(RUNTIME)]))
            completed = subprocess.run(
                [sys.executable, "-m", "tools.xsoar_local.child", str(spec_path), str(outcome_path)],
                cwd=self.files_dir, env=env, capture_output=True, text=True,
            )
            if not outcome_path.exists():
                return {"error": f"the process died: {completed.stderr[-2000:]}"}
            return json.loads(outcome_path.read_text())

    def _script_of(self, instance: Instance) -> Path:
        if not instance.unified:
            return instance.script
        return unified_script(integration_yaml(instance.integration_dir), self.state_dir / "unified" / f"{instance.name}.py")

    def execute(self, instance: Instance, spec: dict, execute_command: Callable[[str, dict], list] | None = None) -> dict:
        """Run the command in this interpreter with a fresh load of the script; return what it produced."""
        invocation = Invocation(
            command=spec["command"],
            params=json.loads(json.dumps(instance.params)),
            args=spec["args"],
            incident=spec["incident"],
            last_run=spec["last_run"],
            last_mirror_run=spec["last_mirror_run"],
            integration_context=self.store.integration_context(instance.name),
            integration_instance=instance.name,
            brand=instance.brand,
            investigation_id=spec["investigation_id"],
            execute_command=execute_command,
            license_fields=collector.license_fields(),
        )
        cpu = time.thread_time()
        with collector.intercepting(self.store):
            ok, error = run_script(self._script_of(instance), invocation, self.files_dir)
        cpu = time.thread_time() - cpu
        errors = [entry for entry in normalise_entries(invocation.printed) if entry.get("Type") == ERROR_TYPE]
        if ok and errors:
            ok, error = False, str(errors[0].get("Contents"))
        return {
            "ok": ok,
            "error": error,
            "logs": invocation.logs,
            "printed": invocation.printed,
            "created_incidents": invocation.created_incidents,
            "last_run_set": invocation.last_run_set,
            "last_run": invocation.last_run,
            "last_mirror_run_set": invocation.last_mirror_run_set,
            "last_mirror_run": invocation.last_mirror_run,
            "cpu_seconds": cpu,
        }


def unified_script(definition: dict, target: Path) -> Path:
    """The script of a unified integration YAML, written where it can run, behind the platform's runtime prelude."""
    code = RUNTIME_PRELUDE + definition["script"]["script"]
    if not target.exists() or target.read_text() != code:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code)
    return target


def run_script(script: Path, invocation: Invocation, workdir: Path) -> tuple[bool, str]:
    """Execute a script file as XSOAR does (`__name__ == '__main__'`), in a fresh module namespace."""
    previous_cwd = os.getcwd()
    os.chdir(workdir)
    sys.path.insert(0, str(script.parent))
    try:
        with serving(invocation):
            runpy.run_path(str(script), run_name="__main__")
        return True, ""
    except SystemExit:
        return True, ""  # return_error ends the script with sys.exit after writing its error entry
    except Exception as error:  # a server-handled command (fetch) failing: the platform records the message
        return False, str(error) or type(error).__name__
    finally:
        sys.path.remove(str(script.parent))
        os.chdir(previous_cwd)

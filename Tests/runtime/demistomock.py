"""The platform's `demisto` object, reproduced for local runs.

On XSOAR, `import demistomock as demisto` gives a script the server's API for the command being run: its
params and args, last run, integration context, and a way to hand back results and incidents. Here the same
module-level API reads from and writes to an `Invocation` — one command run — that the caller installs:

* unit tests install one through the pytest fixtures in the repository's `conftest.py`;
* the local engine (`tools/xsoar_local`) builds one from its SQLite store and persists what the run produced.

Nothing here knows about SQLite or pytest: the two seams are `Invocation` (plain data plus captured output) and
`IntegrationContextStore` (versioned read/write of the integration context, which the engine backs by SQLite so
that concurrent runs conflict the way they do on the platform).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from typing import Any


def _copy(value: Any) -> Any:
    """Values cross the platform boundary as JSON: callers never share mutable state with the store."""
    return json.loads(json.dumps(value))


VERSION_MISMATCH = "Version mismatch: the context was changed by another run"


class IntegrationContextStore:
    """In-memory, versioned integration context of one instance (the engine substitutes a SQLite-backed one).

    As the recorded platform does: a versioned write must name the stored version (or -1 for "whatever is
    stored") and bumps it; an unversioned write (servers before 6.0) replaces the context and keeps the version.
    `refuse_writes` makes the next versioned writes fail as conflicts, as when another run wrote in between.
    Values are stored as given: JSON objects stay objects, JSON strings stay strings.
    """

    def __init__(self, context: dict | None = None, version: int = 0, refuse_writes: int = 0):
        self._context = _copy(context or {})
        self._version = version
        self.refuse_writes = refuse_writes

    def read(self) -> tuple[dict, int]:
        return _copy(self._context), self._version

    def write(self, context: dict, version: int = -1, versioned: bool = True) -> int:
        """Replace the whole context. A versioned write with `version` other than -1 must match the stored one."""
        if versioned:
            if self.refuse_writes > 0:
                self.refuse_writes -= 1
                raise ValueError(VERSION_MISMATCH)
            if version not in (-1, self._version):
                raise ValueError(VERSION_MISMATCH)
        self._context = _copy(context)
        if versioned:
            self._version += 1
        return self._version


CommandExecutor = Callable[[str, dict], list]
ObjectMapper = Callable[[Any, str, str], Any]


class Invocation:
    """One command run: what the platform gives the script, and what the script gives back."""

    def __init__(
        self,
        command: str = "",
        params: dict | None = None,
        args: dict | None = None,
        incident: dict | None = None,
        last_run: dict | None = None,
        last_mirror_run: dict | None = None,
        integration_context: IntegrationContextStore | dict | None = None,
        integration_instance: str = "",
        brand: str = "",
        investigation_id: str = "1",
        context: dict | None = None,
        execute_command: CommandExecutor | None = None,
        map_object: ObjectMapper | None = None,
        demisto_version: str = "8.9.0",
        license_fields: dict | None = None,
        record_platform_calls: bool = False,
    ):
        self.command = command
        self.params = params or {}
        self.args = args or {}
        self.incident = incident or {}
        self.last_run = last_run or {}
        self.last_mirror_run = last_mirror_run  # None until a mirror run was stored, as on the platform
        if not isinstance(integration_context, IntegrationContextStore):
            integration_context = IntegrationContextStore(integration_context)
        self.integration_context = integration_context
        self.integration_instance = integration_instance
        self.brand = brand
        self.investigation_id = investigation_id
        self.context = context or {}
        self.execute_command = execute_command
        self.map_object = map_object
        self.demisto_version = demisto_version
        self.license_fields = license_fields or {}
        # Every call the script made to the platform, in order, with its arguments (`record_platform_calls`): what
        # the recorded platform transcripts list. Plain accessors, logging and demistoVersion are left out, as there.
        self.record_platform_calls = record_platform_calls
        self.platform_calls: list[list] = []
        self.module_health: list[dict] = []
        # What the run produced.
        self.results: list[Any] = []
        self.created_incidents: list[dict] = []
        self.incidents_called = False
        self.last_run_set = False
        self.last_mirror_run_set = False
        self.logs: list[tuple[str, str]] = []

    @property
    def calling_context(self) -> dict:
        return {
            "context": {
                "IntegrationBrand": self.brand,
                "IntegrationInstance": self.integration_instance,
                "ExecutedCommands": [{"name": self.command}] if self.command else [],
            },
            "args": self.args,
            "command": self.command,
        }


_current = Invocation()


def use(invocation: Invocation) -> Invocation:
    """Make `invocation` the one the module-level API serves; returns it for chaining."""
    global _current
    _current = invocation
    return invocation


def current() -> Invocation:
    return _current


def __getattr__(name: str) -> Any:
    # `demisto.callingContext` is a module attribute on the platform, so it is served dynamically here.
    if name == "callingContext":
        return _current.calling_context
    raise AttributeError(f"module 'demistomock' has no attribute {name!r}")


# --- invocation ---------------------------------------------------------------------------------------------


def command() -> str:
    return _current.command


def params() -> dict:
    return _current.params


def args() -> dict:
    return _current.args


def incident() -> dict:
    return _current.incident


def incidents(incidents: list | None = None) -> Any:
    """With a list: the fetched incidents to create. Without: the incidents the script runs on (a list of one)."""
    if incidents is None:
        return [_current.incident] if _current.incident else []
    _current.incidents_called = True
    _current.created_incidents.extend(_copy(incidents))
    return None


def investigation() -> dict:
    return {"id": _current.investigation_id, "type": 1}


def integrationInstance() -> str:
    return _current.integration_instance


def demistoVersion() -> dict:
    return {"version": _current.demisto_version, "buildNumber": "local"}


def context() -> dict:
    return _current.context


# --- persisted state ----------------------------------------------------------------------------------------


def _call(name: str, *args: Any) -> None:
    if _current.record_platform_calls:
        _current.platform_calls.append([name, *_copy(list(args))])


def getLastRun() -> dict:
    return _copy(_current.last_run)


def setLastRun(obj: dict) -> None:
    _current.last_run = _copy(obj)
    _current.last_run_set = True


def getLastMirrorRun() -> dict | None:
    _call("getLastMirrorRun")
    return _copy(_current.last_mirror_run)


def setLastMirrorRun(obj: dict) -> None:
    _call("setLastMirrorRun", obj)
    _current.last_mirror_run = _copy(obj)
    _current.last_mirror_run_set = True


def getIntegrationContext() -> dict:
    _call("getIntegrationContext")
    return _current.integration_context.read()[0]


def setIntegrationContext(context: dict) -> None:
    _call("setIntegrationContext", context)
    _current.integration_context.write(context, versioned=False)


def getIntegrationContextVersioned(refresh: bool = False) -> dict:
    _call("getIntegrationContextVersioned", refresh)
    context, version = _current.integration_context.read()
    return {"context": context, "version": version}


def setIntegrationContextVersioned(context: dict, version: int = -1, sync: bool = False) -> dict:
    _call("setIntegrationContextVersioned", context, version, sync)
    _current.integration_context.write(context, version)
    return {}


def getLicenseCustomField(key: str) -> Any:
    _call("getLicenseCustomField", key)
    return _current.license_fields.get(key)


def updateModuleHealth(data: Any, is_error: bool = False) -> None:
    _call("updateModuleHealth", data, is_error)
    _current.module_health.append({"data": _copy(data), "is_error": is_error})


# --- output -------------------------------------------------------------------------------------------------


def results(results: Any) -> None:
    _current.results.append(_copy(results))


def _log(level: str, msg: Any) -> None:
    _current.logs.append((level, str(msg)))


def debug(msg: Any) -> None:
    _log("debug", msg)


def info(msg: Any) -> None:
    _log("info", msg)


def error(msg: Any, *args: Any) -> None:
    _log("error", msg)


def log(msg: Any) -> None:
    _log("info", msg)


# --- server-side commands and helpers -----------------------------------------------------------------------


def executeCommand(command: str, args: dict | None = None) -> list:
    _call("executeCommand", command, args)
    if _current.execute_command is None:
        return [{"Type": 4, "ContentsFormat": "text", "Contents": f"Command {command} is not available here"}]
    return _current.execute_command(command, args or {})


def mapObject(obj: Any, mapper: str, mapper_type: str = "") -> Any:
    if _current.map_object is None:
        return obj
    return _current.map_object(obj, mapper, mapper_type)


def get(obj: Any, field: str, defaultParam: Any = None) -> Any:
    """Read a dotted path (`a.b.c`) from nested dicts."""
    parts = field.split(".")
    value = obj
    for part in parts:
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return defaultParam
    return value


def uniqueFile() -> str:
    return str(uuid.uuid4())


def getFilePath(entry_id: str) -> dict:
    path = os.path.join(os.getcwd(), f"{_current.investigation_id}_{entry_id}")
    return {"id": entry_id, "path": path, "name": entry_id}

"""One command run as the platform serves it, and the way the engine hands it to a script.

On XSOAR, `import demistomock as demisto` gives a script the server's API for the run: its params and args, last
run, integration context, and a way to hand back results and incidents. Locally, `Tests/runtime/demistomock.py` is
the platform's test mock (fixed answers, as demisto/content's is). The engine serves a run the way a unit test
does: for the run's duration it replaces the mock's functions — only names of the mock's recorded public surface
(`SERVED`) — with an `Invocation`'s, which reads from and writes to the engine's state. So the engine works with
any demistomock that has the platform's surface, ours or the platform's own.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
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

# The demistomock functions an invocation serves; each is a name of the platform mock's recorded surface
# (Tests/runtime/golden/demistomock-surface.json), which a test checks.
SERVED = (
    "command", "params", "args", "incident", "incidents", "investigation", "integrationInstance", "demistoVersion",
    "context", "getLastRun", "setLastRun", "getLastMirrorRun", "setLastMirrorRun", "getIntegrationContext",
    "setIntegrationContext", "getIntegrationContextVersioned", "setIntegrationContextVersioned",
    "getLicenseCustomField", "updateModuleHealth", "results", "debug", "info", "error", "log", "executeCommand",
    "mapObject", "uniqueFile", "getFilePath",
)
SERVED_ATTRIBUTES = ("callingContext",)


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
        self._command = command
        self._params = params or {}
        self._args = args or {}
        self._incident = incident or {}
        self.last_run = last_run or {}
        self.last_mirror_run = last_mirror_run  # None until a mirror run was stored, as on the platform
        if not isinstance(integration_context, IntegrationContextStore):
            integration_context = IntegrationContextStore(integration_context)
        self.integration_context = integration_context
        self.integration_instance = integration_instance
        self.brand = brand
        self.investigation_id = investigation_id
        self._context = context or {}
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
        self.printed: list[Any] = []
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
                "ExecutedCommands": [{"name": self._command}] if self._command else [],
            },
            "args": self._args,
            "command": self._command,
        }

    def _call(self, name: str, *args: Any) -> None:
        if self.record_platform_calls:
            self.platform_calls.append([name, *_copy(list(args))])

    # --- what the run is given --------------------------------------------------------------------------------

    def command(self) -> str:
        return self._command

    def params(self) -> dict:
        return self._params

    def args(self) -> dict:
        return self._args

    def incident(self) -> dict:
        return self._incident

    def incidents(self, incidents: list | None = None) -> Any:
        """With a list: the fetched incidents to create. Without: the incidents the script runs on (a list of one)."""
        if incidents is None:
            return [self._incident] if self._incident else []
        self.incidents_called = True
        self.created_incidents.extend(_copy(incidents))
        return None

    def investigation(self) -> dict:
        return {"id": self.investigation_id, "type": 1}

    def integrationInstance(self) -> str:  # noqa: N802 - the platform's name
        return self.integration_instance

    def demistoVersion(self) -> dict:  # noqa: N802
        return {"version": self.demisto_version, "buildNumber": "local"}

    def context(self) -> dict:
        return self._context

    # --- persisted state ----------------------------------------------------------------------------------------

    def getLastRun(self) -> dict:  # noqa: N802
        return _copy(self.last_run)

    def setLastRun(self, obj: dict) -> None:  # noqa: N802
        self.last_run = _copy(obj)
        self.last_run_set = True

    def getLastMirrorRun(self) -> dict | None:  # noqa: N802
        self._call("getLastMirrorRun")
        return _copy(self.last_mirror_run)

    def setLastMirrorRun(self, obj: dict) -> None:  # noqa: N802
        self._call("setLastMirrorRun", obj)
        self.last_mirror_run = _copy(obj)
        self.last_mirror_run_set = True

    def getIntegrationContext(self) -> dict:  # noqa: N802
        self._call("getIntegrationContext")
        return self.integration_context.read()[0]

    def setIntegrationContext(self, context: dict) -> None:  # noqa: N802
        self._call("setIntegrationContext", context)
        self.integration_context.write(context, versioned=False)

    def getIntegrationContextVersioned(self, refresh: bool = False) -> dict:  # noqa: N802
        self._call("getIntegrationContextVersioned", refresh)
        context, version = self.integration_context.read()
        return {"context": context, "version": version}

    def setIntegrationContextVersioned(self, context: dict, version: int = -1, sync: bool = False) -> dict:  # noqa: N802
        self._call("setIntegrationContextVersioned", context, version, sync)
        self.integration_context.write(context, version)
        return {}

    def getLicenseCustomField(self, key: str) -> Any:  # noqa: N802
        self._call("getLicenseCustomField", key)
        return self.license_fields.get(key)

    def updateModuleHealth(self, data: Any, is_error: bool = False) -> None:  # noqa: N802
        self._call("updateModuleHealth", data, is_error)
        self.module_health.append({"data": _copy(data), "is_error": is_error})

    # --- output -------------------------------------------------------------------------------------------------

    def results(self, results: Any) -> None:
        self.printed.append(_copy(results))

    def _log(self, level: str, msg: Any) -> None:
        self.logs.append((level, str(msg)))

    def debug(self, msg: Any, *args: Any) -> None:
        self._log("debug", msg)

    def info(self, msg: Any, *args: Any) -> None:
        self._log("info", msg)

    def error(self, msg: Any, *args: Any) -> None:
        self._log("error", msg)

    def log(self, msg: Any) -> None:
        self._log("info", msg)

    # --- server-side commands and files ---------------------------------------------------------------------

    def executeCommand(self, command: str, args: dict | None = None) -> list:  # noqa: N802
        self._call("executeCommand", command, args)
        if self.execute_command is None:
            return [{"Type": 4, "ContentsFormat": "text", "Contents": f"Command {command} is not available here"}]
        return self.execute_command(command, args or {})

    def mapObject(self, obj: Any, mapper: str, mapper_type: str = "") -> Any:  # noqa: N802
        if self.map_object is None:
            return obj
        return self.map_object(obj, mapper, mapper_type)

    def uniqueFile(self) -> str:  # noqa: N802
        return str(uuid.uuid4())

    def getFilePath(self, entry_id: str) -> dict:  # noqa: N802
        path = os.path.join(os.getcwd(), f"{self.investigation_id}_{entry_id}")
        return {"id": entry_id, "path": path, "name": entry_id}


def runtime_mock() -> Any:
    """The demistomock module the platform's runtime (CommonServerPython) and the scripts import."""
    import demistomock

    return sys.modules.get("demistomock", demistomock)


@contextlib.contextmanager
def serving(invocation: Invocation) -> Iterator[Invocation]:
    """For the duration of the block, the runtime's demistomock answers from `invocation`, as a unit test patches it;
    its own functions are put back afterwards."""
    mock = runtime_mock()
    names = SERVED + SERVED_ATTRIBUTES
    saved = {name: getattr(mock, name) for name in names if hasattr(mock, name)}
    for name in SERVED:
        setattr(mock, name, getattr(invocation, name))
    mock.callingContext = invocation.calling_context
    try:
        yield invocation
    finally:
        for name in names:
            if name in saved:
                setattr(mock, name, saved[name])
            else:
                delattr(mock, name)

"""Runs a pack's playbooks against the local engine, for the task kinds its playbooks use.

Task types: start, title, regular (a script, a built-in, or an integration command written `<brand>|||<command>`),
condition (script-based, its answer is the branch; or `conditions` with isExists / isNotExists / isEmpty /
isNotEmpty / isEqualString / isTrue), and playbook (a sub-playbook, with its inputs). Arguments are `simple`
values (with `${...}` from the context, `${incident.x}` or `${inputs.x}`) or `complex` context paths. A task that
returns an error stops the run, as a playbook without "continue on error" stops. Anything else is an error: a
playbook this runner cannot run faithfully never passes by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from tools.xsoar_local import context as ctx
from tools.xsoar_local.engine import ROOT, Engine
from tools.xsoar_local.platform import Platform

SUPPORTED_OPERATORS = ("isExists", "isNotExists", "isEmpty", "isNotEmpty", "isEqualString", "isTrue")


class PlaybookError(RuntimeError):
    pass


@dataclass
class PlaybookRun:
    name: str
    tasks: list[str] = field(default_factory=list)
    ok: bool = True
    error: str = ""


def playbooks() -> dict[str, dict]:
    found = {}
    for folder in ("Playbooks", "TestPlaybooks"):
        for path in sorted(ROOT.glob(f"Packs/*/{folder}/*.yml")):
            definition = yaml.safe_load(path.read_text())
            found[definition["name"]] = definition
    return found


class PlaybookRunner:
    def __init__(self, engine: Engine, incident_id: str | None):
        self.engine = engine
        self.incident_id = incident_id
        self.platform = Platform(engine, incident_id)
        self.definitions = playbooks()

    def run(self, name: str, inputs: dict | None = None, run: PlaybookRun | None = None) -> PlaybookRun:
        definition = self.definitions.get(name)
        if definition is None:
            raise PlaybookError(f"no playbook named {name!r}")
        run = run or PlaybookRun(name)
        values = {item["key"]: self._value(item.get("value"), {}) for item in definition.get("inputs") or []}
        values.update(inputs or {})
        queue, tasks = [str(definition.get("starttaskid", "0"))], definition["tasks"]
        while queue and run.ok:
            task = tasks[queue.pop(0)]
            run.tasks.append(task["task"].get("name") or task["type"])
            label = self._task(task, values, run)
            queue.extend(self._next(task, label))
        return run

    def _next(self, task: dict, label: str | None) -> list[str]:
        following = task.get("nexttasks") or {}
        if task["type"] == "condition":
            return list(following.get(label or "#default#") or following.get("#default#") or [])
        return list(following.get("#none#") or [])

    def _task(self, task: dict, inputs: dict, run: PlaybookRun) -> str | None:
        kind = task["type"]
        if kind in ("start", "title"):
            return None
        if kind == "playbook":
            sub_inputs = {key: self._value(value, inputs) for key, value in (task.get("scriptarguments") or {}).items()}
            self.run(task["task"].get("playbookName") or task["task"]["name"], sub_inputs, run)
            return None
        if kind == "regular":
            self._execute(task, inputs, run)
            return None
        if kind == "condition":
            if task["task"].get("script") or task["task"].get("scriptName"):
                entries = self._execute(task, inputs, run)
                return str(entries[0].get("Contents")) if entries else None
            return self._condition(task, inputs)
        raise PlaybookError(f"task type {kind!r} is not supported by the local runner")

    def _execute(self, task: dict, inputs: dict, run: PlaybookRun) -> list[dict]:
        script = str(task["task"].get("script") or task["task"].get("scriptName") or "")
        brand, _, command = script.rpartition("|||") if "|||" in script else ("", "", script)
        args = {key: self._value(value, inputs) for key, value in (task.get("scriptarguments") or {}).items()}
        args = {key: value for key, value in args.items() if value not in (None, "")}
        if brand:
            args["using-brand"] = brand
        entries = self.platform.execute(command, args)
        for entry in entries:
            if entry.get("EntryContext") and str(args.get("ignore-outputs", "false")).lower() != "true":
                self.engine.store.merge_context(self.incident_id, entry["EntryContext"])
        self.engine.store.add_entries(self.incident_id or "playground", entries, source=f"playbook:{command}")
        failed = [entry for entry in entries if entry.get("Type") == 4]
        if failed and not task.get("continueonerror"):
            run.ok, run.error = False, f"{task['task'].get('name')}: {failed[0].get('Contents')}"
        return entries

    def _value(self, spec: Any, inputs: dict) -> Any:
        if not isinstance(spec, dict):
            return spec
        context = self.engine.store.context(self.incident_id)
        incident = self.engine.store.incident(self.incident_id) if self.incident_id else {}
        if "simple" in spec:
            return ctx.resolve(spec["simple"], context, incident or {}, inputs)
        if "complex" in spec:
            complex_ = spec["complex"]
            source = inputs if complex_["root"].startswith("inputs.") else context
            root = complex_["root"].removeprefix("inputs.")
            value = ctx.lookup(source, root)
            return ctx.lookup(value, complex_["accessor"]) if complex_.get("accessor") and value is not None else value
        return None

    def _condition(self, task: dict, inputs: dict) -> str | None:
        for branch in task.get("conditions") or []:
            if all(any(self._holds(term, inputs) for term in group) for group in branch.get("condition") or []):
                return branch["label"]
        return None

    def _holds(self, term: dict, inputs: dict) -> bool:
        operator = term.get("operator")
        if operator not in SUPPORTED_OPERATORS:
            raise PlaybookError(f"condition operator {operator!r} is not supported by the local runner")
        left = self._operand(term.get("left") or {}, inputs)
        right = self._operand(term.get("right") or {}, inputs)
        empty = left in (None, "", [], {})
        return {
            "isExists": left is not None,
            "isNotExists": left is None,
            "isEmpty": empty,
            "isNotEmpty": not empty,
            "isEqualString": str(left) == str(right),
            "isTrue": str(left).lower() == "true",
        }[operator]

    def _operand(self, operand: dict, inputs: dict) -> Any:
        value = operand.get("value") or {}
        if operand.get("iscontext") and "simple" in value:
            return self._value({"simple": "${" + value["simple"] + "}"}, inputs)
        return self._value(value, inputs)


def run_playbook(engine: Engine, name: str, incident_id: str | None = None, inputs: dict | None = None) -> PlaybookRun:
    return PlaybookRunner(engine, incident_id).run(name, inputs)


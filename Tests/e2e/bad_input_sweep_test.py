"""The bad-input sweep, generated from the integrations' YAML (the incidents integration and the XSIAM event
collector): every command, run as XSOAR runs it, with each required
argument missing, each ID or number of the wrong type or out of range, each predefined argument off its list, each
time argument not a time, each note too long. Every case must give an error entry that names the argument (and,
for predefined arguments, the allowed values) — never a traceback, never a call that reaches Vectra first.
"""

import pytest
import yaml

from Tests.e2e.helpers import INTEGRATION, ROOT, engine_for
from tools.vectra_emulator import Emulator

pytestmark = pytest.mark.e2e
ERROR = 4
PLATFORM_COMMANDS = {"get-mapping-fields", "get-remote-data", "get-modified-remote-data", "update-remote-system",
                     "vectra-fetch-reset"}
NOT_NUMERIC = {"id", "external_reference_id", "query", "note", "version", "assignees"}
BOUNDED = ("page", "page_size", "limit")
INSTANCES = {"vectra": INTEGRATION, "collector": ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUXEventCollector"}


def commands():
    """(instance, command) of every command an analyst or a playbook runs."""
    found = []
    for name, folder in INSTANCES.items():
        definition = yaml.safe_load((folder / f"{folder.name}.yml").read_text())
        found += [(name, c) for c in definition["script"]["commands"] if c["name"] not in PLATFORM_COMMANDS]
    return found


def is_numeric(arg):
    name = arg["name"]
    return name not in NOT_NUMERIC and (name in BOUNDED or name.endswith(("_id", "_ids")))


def is_time(arg):
    return "timestamp" in arg["name"] or arg["name"].endswith(("_after", "_before")) or arg["name"] == "since"


def valid_value(arg):
    """A value the command accepts for this argument (so that a case isolates one bad argument)."""
    name = arg["name"]
    if arg.get("predefined"):
        return arg["predefined"][0]
    if is_numeric(arg):
        return "1"
    if is_time(arg):
        return "2 days"
    return {"note": "a note", "tags": "triage", "members": "host-1", "query": "SELECT 1", "id": "req-1"}.get(name, "x")


def cases():
    """(instance, command, args, bad argument, what else the message must say)."""
    for instance, command in commands():
        arguments = command.get("arguments") or []
        required = {arg["name"]: valid_value(arg) for arg in arguments if arg.get("required")}
        run = (instance, command["name"])
        for arg in arguments:
            name, base = arg["name"], dict(required)
            if arg.get("required"):
                yield *run, {k: v for k, v in base.items() if k != name}, name, "missing", None
            if is_numeric(arg):
                yield *run, {**base, name: "abc"}, name, "not a number", None
                yield *run, {**base, name: "-3"}, name, "negative", None
                if name in BOUNDED:
                    yield *run, {**base, name: "10000000"}, name, "too large", None
            if arg.get("predefined"):
                yield *run, {**base, name: "not-a-choice"}, name, "off the list", arg["predefined"][0]
            if is_time(arg):
                yield *run, {**base, name: "the day after never"}, name, "not a time", None
            if name == "note":
                yield *run, {**base, name: "n" * 9000}, name, "too long", None


CASES = list(cases())


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    with Emulator(seed=71, detections=10, events=40) as vectra:
        engine = engine_for(vectra, tmp_path_factory.mktemp("sweep"))
        engine.set_instance("collector", INSTANCES["collector"], vectra.instance_params())
        engine.vectra = vectra
        yield engine


def test_the_sweep_covers_every_command_and_kind_of_bad_input():
    assert {case[1] for case in CASES} == {c["name"] for _, c in commands()}
    names = {instance: [c["name"] for i, c in commands() if i == instance] for instance in INSTANCES}
    assert len(names["vectra"]) == 38  # the published 36, plus assignment resolve and the outcome list
    assert names["collector"] == ["vectra-rux-get-events"]
    kinds = {case[4] for case in CASES}
    assert kinds == {"missing", "not a number", "negative", "too large", "off the list", "not a time", "too long"}
    assert len(CASES) > 150


@pytest.mark.parametrize(("instance", "command", "args", "argument", "kind", "allowed"), CASES,
                         ids=[f"{c[1]}-{c[3]}-{c[4]}" for c in CASES])
def test_bad_input_names_the_argument(engine, instance, command, args, argument, kind, allowed):
    engine.vectra.reset_counters()
    result = engine.run(instance, command, args)
    errors = [entry for entry in result.entries if entry.get("Type") == ERROR]
    assert errors and not result.ok, f"{command} accepted {argument} {kind}"
    message = str(errors[0]["Contents"])
    assert f'"{argument}"' in message, message
    assert "Traceback" not in message and 'File "' not in message
    if allowed:
        assert allowed in message
    assert engine.vectra.api_requests() == 0 or kind == "too long", "the bad input reached Vectra"

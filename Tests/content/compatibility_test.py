"""Drop-in compatibility with the Vectra RUX integration already published for XSOAR: every parameter, command,
argument (with its allowed values and default) and context output path it has, ours has too. Extra ones are
allowed. `published/` holds the recorded interface and content of that pack."""

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = json.loads((Path(__file__).parent / "published" / "published-interface.json").read_text())
OURS = yaml.safe_load((ROOT / "Packs/VectraRUX/Integrations/VectraRUX/VectraRUX.yml").read_text())
OUR_COMMANDS = {command["name"]: command for command in OURS["script"]["commands"]}
OUR_PARAMS = {param["name"]: param for param in OURS["configuration"]}


def test_script_flags():
    for flag, value in PUBLISHED["integration"]["script_flags"].items():
        assert OURS["script"].get(flag) == value, flag


@pytest.mark.parametrize("published", PUBLISHED["integration"]["parameters"], ids=lambda p: p["name"])
def test_parameters(published):
    ours = OUR_PARAMS.get(published["name"])
    assert ours is not None, f"missing parameter {published['name']}"
    for key in ("display", "type", "required", "defaultvalue", "options", "section"):
        if key in published:
            assert ours.get(key) == published[key], f"{published['name']}.{key}: {ours.get(key)!r} != {published[key]!r}"


@pytest.mark.parametrize("published", PUBLISHED["commands"], ids=lambda c: c["name"])
def test_commands_arguments_and_outputs(published):
    ours = OUR_COMMANDS.get(published["name"])
    assert ours is not None, f"missing command {published['name']}"
    our_args = {argument["name"]: argument for argument in ours.get("arguments", [])}
    problems = []
    for argument in published["arguments"]:
        mine = our_args.get(argument["name"])
        if mine is None:
            problems.append(f"missing argument {argument['name']}")
            continue
        for key in ("required", "isArray", "predefined", "defaultValue"):
            if argument.get(key) not in (None, False) and mine.get(key) != argument[key]:
                problems.append(f"{argument['name']}.{key}: {mine.get(key)!r} != {argument[key]!r}")
    our_paths = {output["contextPath"] for output in ours.get("outputs") or []}
    problems += [f"missing output {o['contextPath']}" for o in published["outputs"] if o["contextPath"] not in our_paths]
    if published.get("modifies_vectra"):
        assert ours.get("execution") is True, "a command that changes Vectra must be marked execution: true"
    assert problems == []


def test_the_check_notices_a_missing_argument(monkeypatch):
    broken = dict(OUR_COMMANDS["vectra-detection-tag-add"], arguments=[{"name": "detection_id", "required": True}])
    monkeypatch.setitem(OUR_COMMANDS, "vectra-detection-tag-add", broken)
    published = next(c for c in PUBLISHED["commands"] if c["name"] == "vectra-detection-tag-add")
    with pytest.raises(AssertionError, match="missing argument tags"):
        test_commands_arguments_and_outputs(published)


def test_every_command_is_described_and_every_write_is_marked():
    for command in OURS["script"]["commands"]:
        assert command.get("description"), command["name"]
        assert all(argument.get("description") for argument in command.get("arguments", [])), command["name"]
        assert all(output.get("description") for output in command.get("outputs") or []), command["name"]
    writes = {name for name, command in OUR_COMMANDS.items() if command.get("execution")}
    verbs = ("-add", "-remove", "-update", "-asclosed", "-asopen", "-assign", "-unassign", "-reset", "-send", "-resolve")
    assert {name for name in OUR_COMMANDS if name.endswith(verbs)} <= writes

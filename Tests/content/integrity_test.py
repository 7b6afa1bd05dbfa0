"""The pack's parts refer to each other by name; a name that points nowhere breaks silently on the platform (an empty
layout field, a button that fails, a playbook task that errors at 3 a.m.). These tests resolve every reference:
mapper targets, layout fields and buttons, the commands scripts and playbooks call, field-type associations."""

import ast
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from tools.xsoar_local.mapper import COMMON_FIELDS, SYSTEM_KEYS
from tools.xsoar_local.platform import Platform

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "Packs" / "VectraRUX"
INCIDENT_TYPE = "Vectra RUX Events Detection"
BRAND = "VectraRUXEventsDetections"


def load_json(folder: str) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted((PACK / folder).glob("*.json"))]


FIELDS = {field["cliName"]: field for field in load_json("IncidentFields")}
FIELD_NAMES = {field["name"] for field in FIELDS.values()}
MAPPERS = load_json("Classifiers")
LAYOUT = load_json("Layouts")[0]
INCIDENT_TYPES = load_json("IncidentTypes")
INTEGRATION = yaml.safe_load((PACK / "Integrations/VectraRUX/VectraRUX.yml").read_text())
COMMANDS = {command["name"]: {arg["name"] for arg in command.get("arguments", [])}
            for command in INTEGRATION["script"]["commands"]}
COMMANDS["test-module"] = set()
SCRIPTS = {doc["name"]: doc for doc in (yaml.safe_load(p.read_text()) for p in sorted(PACK.glob("Scripts/*/*.yml")))}
SCRIPT_ARGS = {name: {arg["name"] for arg in doc.get("args") or []} for name, doc in SCRIPTS.items()}
PLAYBOOKS = [yaml.safe_load(p.read_text()) for p in sorted(PACK.glob("*Playbooks/*.yml"))]

# Fields every incident has on the platform (system fields) and the Common Types fields this pack uses.
SYSTEM_FIELDS = {"type", "severity", "owner", "tags", "sourcebrand", "sourceinstance", "playbookid", "dbotcreated",
                 "occurred", "dbotduedate", "dbotmodified", "dbotclosed", "closereason", "closenotes", "details",
                 "name", "phase"}
COMMON_TYPES_FIELDS = set(COMMON_FIELDS.values())
# Platform built-ins and Common Scripts automations, with the arguments they take (platform documentation).
PLATFORM_COMMANDS = {
    "getIncidents": {"query", "page", "size", "sort", "fromdate", "todate", "id", "name", "status", "notstatus",
                     "type", "level", "owner", "details", "populateFields"},
    "setIncident": {"id", "customFields", *SYSTEM_FIELDS, *FIELDS},
    "linkIncidents": {"incidentId", "linkedIncidentIDs", "action"},
    "getEntries": {"id", "filter"},
    "getContext": {"id"},
    "DeleteContext": {"key", "all", "subplaybook", "keysToKeep", "index"},
    "Set": {"key", "value", "append", "stringify"},
    "IsIntegrationAvailable": {"brandname"},
    "PrintErrorEntry": {"message"},
}
# Arguments the platform accepts on every command and script task.
GENERIC_ARGS = {"using", "using-brand", "extend-context", "ignore-outputs", "execution-timeout", "retry-count",
                "retry-interval", "auto-extract"}


def layout_items() -> list[dict]:
    return [item for tab in LAYOUT["detailsV2"]["tabs"] for section in tab.get("sections") or []
            for item in section.get("items") or []]


def calls_in_script(source: str) -> list[tuple[str, set[str] | None]]:
    """(command, argument names) of every executeCommand/execute_command call with a literal command name; the
    argument names are None when the arguments are not a dict literal."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in ("executeCommand", "execute_command") or not isinstance(node.args[0], ast.Constant):
            continue
        args = node.args[1] if len(node.args) > 1 else None
        keys = {key.value for key in args.keys if isinstance(key, ast.Constant)} if isinstance(args, ast.Dict) else None
        found.append((node.args[0].value, keys))
    return found


def check_call(command: str, given: set[str] | None, where: str) -> list[str]:
    """Problems with calling `command` with the arguments `given` from `where`."""
    brand, _, name = command.rpartition("|||")
    if brand and brand != BRAND:
        return [f"{where}: {command} runs on another integration ({brand})"]
    if name in COMMANDS:
        declared = COMMANDS[name]
    elif name in SCRIPT_ARGS:
        declared = SCRIPT_ARGS[name]
    elif name in PLATFORM_COMMANDS:
        declared = PLATFORM_COMMANDS[name]
    else:
        return [f"{where}: {name} is neither a command of the integration, a script of the pack nor a platform command"]
    unknown = sorted((given or set()) - declared - GENERIC_ARGS)
    return [f"{where}: {name} has no argument {argument}" for argument in unknown]


def test_every_mapper_target_is_a_field():
    assert [mapper["name"] for mapper in MAPPERS] == ["Vectra RUX - Incoming Mapper"]
    mapping = MAPPERS[0]["mapping"]
    assert set(mapping) == {INCIDENT_TYPE}
    known = FIELD_NAMES | set(COMMON_FIELDS) | set(SYSTEM_KEYS)
    assert sorted(set(mapping[INCIDENT_TYPE]["internalMapping"]) - known) == []


def test_every_layout_field_exists():
    fields = {item["fieldId"] for item in layout_items() if item.get("fieldId")}
    assert sorted(fields - set(FIELDS) - SYSTEM_FIELDS - COMMON_TYPES_FIELDS) == []
    quick = {field["fieldId"] for section in LAYOUT["quickView"]["sections"] for field in section["fields"]}
    assert sorted(f for f in quick if f.removeprefix("incident_") not in FIELDS) == []


def test_every_layout_button_runs_a_script_with_arguments_it_declares():
    buttons = [item for item in layout_items() if item.get("sectionItemType") == "button"]
    assert len(buttons) == 5
    for button in buttons:
        script = button["scriptId"]
        assert script in SCRIPTS, f"the button {button['name']!r} runs {script}, which the pack does not have"
        assert "incident-action-button" in SCRIPTS[script].get("tags", [])
        assert set(button.get("args") or {}) <= SCRIPT_ARGS[script], button["name"]
        required = {arg["name"] for arg in SCRIPTS[script].get("args") or [] if arg.get("required")}
        assert required <= set(button.get("args") or {}), f"{button['name']} leaves a required argument out"
        for value in (button.get("args") or {}).values():  # ${incident.<field>} must name a field
            field = value["simple"].removeprefix("${incident.").removesuffix("}")
            assert field in FIELDS, f"{button['name']} passes {value['simple']}"


def test_every_command_a_script_calls_exists_with_those_arguments():
    problems = []
    for name in SCRIPTS:
        source = (PACK / "Scripts" / name / f"{name}.py").read_text()
        for command, given in calls_in_script(source):
            problems += check_call(command, given, name)
    assert problems == []


def test_scripts_call_this_integration_by_brand():
    for name in SCRIPTS:
        tree = ast.parse((PACK / "Scripts" / name / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and \
                    str(node.args[0].value).startswith("vectra-"):
                keys = {key.value for key in node.args[1].keys if isinstance(key, ast.Constant)}
                assert "using-brand" in keys, f"{name} calls {node.args[0].value} without using-brand"


def test_every_playbook_task_calls_something_that_exists_with_those_arguments():
    playbook_names = {playbook["name"] for playbook in PLAYBOOKS}
    problems = []
    for playbook in PLAYBOOKS:
        inputs = {item["key"] for item in playbook.get("inputs") or []}
        for task_id, task in playbook["tasks"].items():
            where = f"{playbook['name']} task {task_id}"
            given = set(task.get("scriptarguments") or {})
            if task["type"] == "playbook":
                sub = task["task"].get("playbookName")
                sub_inputs = {i["key"] for p in PLAYBOOKS if p["name"] == sub for i in p.get("inputs") or []}
                if sub not in playbook_names:
                    problems.append(f"{where}: no playbook {sub}")
                problems += [f"{where}: {sub} has no input {arg}" for arg in sorted(given - sub_inputs)]
                continue
            command = task["task"].get("script") or task["task"].get("scriptName")
            if command:
                problems += check_call(command, given, where)
            problems += [f"{where}: uses the undeclared input {ref}" for ref in playbook_input_references(task)
                         if ref not in inputs]
    assert problems == []


def playbook_input_references(task: dict) -> set[str]:
    text = json.dumps(task)
    return {part.split("}")[0] for part in text.split("${inputs.")[1:]} | {
        part.split('"')[0] for part in text.split('"inputs.')[1:]}


def test_platform_commands_the_content_uses_are_built_into_the_local_engine():
    """The end-to-end tests run the content through tools/xsoar_local: it must know every platform command used."""
    builtins = Platform(SimpleNamespace(store=None), incident_id=None).builtins
    assert sorted(set(PLATFORM_COMMANDS) - set(builtins)) == []


def test_every_field_is_associated_with_the_incident_type():
    assert [t["name"] for t in INCIDENT_TYPES] == [INCIDENT_TYPE]
    for cli_name, field in FIELDS.items():
        assert field.get("associatedToAll") or INCIDENT_TYPE in (field.get("associatedTypes") or []), cli_name
        assert field["cliName"].startswith("vectrarux") and field["id"] == f"incident_{cli_name}"


def test_the_fields_the_link_buttons_search_by_are_searchable():
    for cli_name in ("vectraruxentityid", "vectraruxentitytype", "vectraruxexternalreferenceid", "vectraruxdetectionid"):
        assert not FIELDS[cli_name].get("unsearchable"), cli_name


def test_only_the_fields_analysts_change_are_editable():
    editable = {cli_name for cli_name, field in FIELDS.items() if not field.get("isReadOnly")}
    assert editable == {"vectraruxinvestigationstatus", "vectraruxexternalreferenceid",
                        "vectraruxentityunresolvedprioritystatus"}


def test_the_incident_type_uses_the_layout_and_extracts_indicators_from_address_fields():
    incident_type = INCIDENT_TYPES[0]
    assert incident_type["layout"] == LAYOUT["id"] == LAYOUT["name"] == INCIDENT_TYPE
    extract = incident_type["extractSettings"]
    assert extract["mode"] == "Specific"
    for field in extract["fieldCliNameToExtractSettings"]:
        assert field in FIELDS
    wanted = {"vectraruxentityip": "ipRep", "vectraruxsourceexternalhostip": "ipRep", "vectraruxeventips": "ipRep",
              "vectraruxeventdomains": "domainRepUnified"}
    for field, indicator_type in wanted.items():
        assert indicator_type in extract["fieldCliNameToExtractSettings"][field]["extractIndicatorTypesIDs"], field


def test_the_integration_fetches_into_the_type_through_the_mapper():
    assert INTEGRATION["defaultmapperin"] == MAPPERS[0]["id"]
    assert INTEGRATION["script"]["isfetch"] and INTEGRATION["script"]["ismappable"]
    defaults = {p["name"]: p.get("defaultvalue") for p in INTEGRATION["configuration"]}
    assert defaults["incidentType"] == INCIDENT_TYPE


def test_the_pack_declares_the_packs_its_content_needs():
    metadata = json.loads((PACK / "pack_metadata.json").read_text())
    dependencies = metadata.get("dependencies") or {}
    assert "CommonTypes" in dependencies  # detectionurl, eventid
    assert "CommonScripts" in dependencies  # DeleteContext, Set, IsIntegrationAvailable, PrintErrorEntry


@pytest.mark.parametrize("broken, message", [
    (("getIncidents", {"query", "pages"}), "getIncidents has no argument pages"),
    (("vectra-detection-describe", {"detection_id"}), "vectra-detection-describe has no argument detection_id"),
    (("vectra-no-such-command", set()), "vectra-no-such-command is neither"),
    (("Other Vectra|||vectra-detection-describe", set()), "runs on another integration"),
])
def test_the_call_check_catches_mistakes(broken, message):
    problems = check_call(*broken, "test")
    assert problems and message in problems[0]

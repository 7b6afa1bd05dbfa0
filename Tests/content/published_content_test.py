"""Drop-in compatibility of the pack content with the Vectra RUX pack already published (`published/
published-content.json`): custom layouts, playbooks and dashboards of an installed base refer to its incident type,
field cliNames, mapper, layout sections and buttons, scripts and playbooks by name. Every name it has, ours has,
with the same type, values and arguments. Extra content is allowed; deliberate differences are listed here with
their reason, so none slips in unnoticed."""

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "Packs" / "VectraRUX"
PUBLISHED = json.loads((Path(__file__).parent / "published" / "published-content.json").read_text())


def load_json(folder: str) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted((PACK / folder).glob("*.json"))]


FIELDS = {field["cliName"]: field for field in load_json("IncidentFields")}
INCIDENT_TYPE = load_json("IncidentTypes")[0]
MAPPER = load_json("Classifiers")[0]
LAYOUT = load_json("Layouts")[0]
SCRIPTS = {doc["name"]: doc for doc in (yaml.safe_load(p.read_text()) for p in sorted(PACK.glob("Scripts/*/*.yml")))}
PLAYBOOKS = {doc["name"]: doc for doc in (yaml.safe_load(p.read_text()) for p in sorted(PACK.glob("Playbooks/*.yml")))}

# Mapper entries we fill differently on purpose (same target, same source path).
MAPPER_FIXES = {
    # The published If-Then-Else compares a boolean with a string and marks every entity "Not Prioritized".
    "Vectra RUX Entity Priority Status": "MapValuesTransformer true/false -> Prioritized/Not Prioritized",
    # Events of detections never triaged carry no investigation_status; the field would stay empty.
    "Vectra RUX Investigation Status": "SetIfEmpty open",
    # Vectra sends src_external_host as a plain IP string as well as an object with ip and name.
    "Vectra RUX Source External Host IP": "SetIfEmpty to the whole value when it is a string",
}
# The spec names the tab "Events Detection Info"; the published layout spells it "Events Detections Info".
TAB_NAMES = {"Events Detections Info": "Events Detection Info"}
# The published notes button sits in a section left with the editor's default name; the spec calls it Detection Notes.
SECTION_NAMES = {"New Section": "Detection Notes"}


def test_incident_type():
    published = PUBLISHED["incident_type"]
    assert INCIDENT_TYPE["name"] == INCIDENT_TYPE["id"] == published["name"]
    assert INCIDENT_TYPE["layout"] == published["layout"] and INCIDENT_TYPE["color"] == published["color"]
    assert INCIDENT_TYPE["extractSettings"] == published["extractSettings"]


@pytest.mark.parametrize("published", PUBLISHED["incident_fields"], ids=lambda f: f["cliName"])
def test_incident_field(published):
    ours = FIELDS.get(published["cliName"])
    assert ours is not None, f"missing incident field {published['cliName']}"
    for key in ("name", "type", "isReadOnly", "selectValues", "openEnded"):
        if key in published:
            assert ours.get(key) == published[key], f"{key}: {ours.get(key)!r} != {published[key]!r}"
    if "columns" in published:  # grid fields: the same columns, in the same order
        assert [column["key"] for column in ours["columns"]] == published["columns"]


def test_the_mapper_fills_every_published_target_from_the_same_place():
    published = PUBLISHED["incoming_mapper"]
    assert MAPPER["name"] == published["name"] and MAPPER["type"] == published["type"]
    ours = MAPPER["mapping"][published["incident_type"]]["internalMapping"]
    problems = []
    for target, entry in published["entries"].items():
        mine = ours.get(target, {}).get("complex") or {}
        if target not in ours:
            problems.append(f"missing {target}")
        elif (mine.get("root"), mine.get("accessor")) != (entry.get("root"), entry.get("accessor")):
            problems.append(f"{target} reads {mine.get('root')}.{mine.get('accessor')}")
        elif [t["operator"] for t in mine.get("transformers") or []] != [t["operator"] for t in entry["transformers"]] \
                and target not in MAPPER_FIXES:
            problems.append(f"{target} transforms differently")
    assert problems == []


def layout_sections() -> dict[tuple[str, str], list[dict]]:
    return {(tab["name"], section["name"]): section.get("items") or []
            for tab in LAYOUT["detailsV2"]["tabs"] for section in tab.get("sections") or []}


def test_the_layout_has_every_published_tab_section_field_and_button():
    published = PUBLISHED["layout"]
    assert LAYOUT["name"] == published["name"]
    our_tabs = [(tab["name"], tab["type"]) for tab in LAYOUT["detailsV2"]["tabs"]]
    assert our_tabs == [(TAB_NAMES.get(tab["name"], tab["name"]), tab["type"]) for tab in published["tabs"]]
    sections = layout_sections()
    problems = []
    for tab in published["tabs"]:
        tab_name = TAB_NAMES.get(tab["name"], tab["name"])
        for section in tab["sections"]:
            section_name = SECTION_NAMES.get(section["name"], section["name"])
            items = sections.get((tab_name, section_name))
            if items is None:
                problems.append(f"missing section {tab_name} / {section_name}")
                continue
            fields = {item.get("fieldId") for item in items}
            buttons = {item.get("name"): item for item in items if item.get("sectionItemType") == "button"}
            for item in section.get("items") or []:
                if "field" in item and item["field"] not in fields:
                    problems.append(f"{section['name']}: missing field {item['field']}")
                if "button" in item:
                    mine = buttons.get(item["button"])
                    if mine is None or mine["scriptId"] != item["scriptId"] or set(mine["args"]) != set(item["args"]):
                        problems.append(f"{section['name']}: button {item['button']} differs")
    assert problems == []


@pytest.mark.parametrize("published", PUBLISHED["scripts"], ids=lambda s: s["name"])
def test_script(published):
    ours = SCRIPTS.get(published["name"])
    assert ours is not None, f"missing script {published['name']}"
    assert set(ours.get("tags") or []) == set(published["tags"])
    assert ours.get("runas") == published["runas"]
    our_args = {arg["name"]: arg for arg in ours.get("args") or []}
    for arg in published["args"]:
        assert arg["name"] in our_args, f"missing argument {arg['name']}"
        for key in ("required", "defaultValue"):
            if key in arg:
                assert our_args[arg["name"]].get(key) == arg[key], f"{arg['name']}.{key}"
    our_outputs = {output["contextPath"] for output in ours.get("outputs") or []}
    assert set(published["outputs"]) <= our_outputs


@pytest.mark.parametrize("published", PUBLISHED["playbooks"], ids=lambda p: p["name"])
def test_playbook(published):
    ours = PLAYBOOKS.get(published["name"])
    assert ours is not None, f"missing playbook {published['name']}"
    assert [item["key"] for item in ours.get("inputs") or []] == published["inputs"]

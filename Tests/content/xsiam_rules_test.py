"""The XSIAM modeling and parsing rules against the events the collector really sends.

demisto-sdk validates their structure (`make validate`); these tests check what it cannot offline: every raw field
the rules read is in the schema with the type the collector sends, every stream is modeled and has test data, and
the test data events have exactly the fields the collector produces for their stream (from the emulator's tenant).
"""

import json
import re
import sys
from pathlib import Path

import pytest

from tools.vectra_emulator.world import World

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "Packs" / "VectraRUX" / "ModelingRules" / "VectraRUX"
PARSING = ROOT / "Packs" / "VectraRUX" / "ParsingRules" / "VectraRUX" / "VectraRUX.xif"
sys.path.insert(0, str(ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUXEventCollector"))
import VectraRUXEventCollector as ec  # noqa: E402

XIF = (RULES / "VectraRUX.xif").read_text()
SCHEMA = json.loads((RULES / "VectraRUX_schema.json").read_text())["vectra_rux_raw"]
TESTDATA = json.loads((RULES / "VectraRUX_testdata.json").read_text())["data"]
KEYWORDS = {"filter", "alter", "if", "null", "and", "or", "fields", "dataset", "MODEL", "INGEST", "vendor", "product",
            "target_dataset", "no_hit", "keep", "true", "false"}
TYPES = {"string": str, "int": int, "boolean": bool, "float": float}
MIXED = {"severity"}  # a number in detection events, a word in entity scoring: declared string


def raw_fields(xif: str) -> set[str]:
    """The dataset fields an XQL rule reads: names that are not XDM fields, constants, functions, keywords or the
    rule's own tmp_ variables."""
    code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', re.sub(r"//[^\n]*", "", xif))
    names = set()
    for match in re.finditer(r"(?<![\w.$])([A-Za-z_]\w*)(?![\w.(])", code):
        name = match.group(1)
        if name not in KEYWORDS and not name.startswith("tmp_") and name != "_time" and not name.startswith("XDM_CONST"):
            names.add(name)
    return names - {"xdm"}


def streams_modeled(xif: str) -> set[str]:
    return set(re.findall(r'filter source_stream = "(\w+)"', xif))


def collected_sample(stream: ec.Stream) -> dict:
    """One event of the stream as the collector sends it, from a generated tenant."""
    world = World.generate(seed=11, detections=30, events=200)
    now = world.now()  # collected at the tenant's own time
    if stream.marker == "audits":
        return ec.prepared(world.audit_page(None, 1)["events"][0], stream, now)
    if stream.marker == "detections":
        return ec.prepared(json.loads(world.events[0].basic), stream, now)
    if stream.marker == "entity_scoring":
        return ec.prepared(world.scoring_page(stream.query["type"], None, 1)["events"][0], stream, now)
    snapshot = world.lockdown_list() if stream.marker == "lockdown" else world.health_object()
    item = snapshot[0] if isinstance(snapshot, list) else snapshot
    return ec.prepared(item, stream, now, {"snapshot_id": "x", "snapshot_size": 1})


def test_every_stream_is_modeled_and_has_test_data():
    assert streams_modeled(XIF) == set(ec.MARKERS)
    assert {event["event_data"]["source_stream"] for event in TESTDATA} == set(ec.MARKERS)


def test_every_field_the_rules_read_is_in_the_schema():
    assert raw_fields(XIF) - set(SCHEMA) == set()
    assert raw_fields(PARSING.read_text()) - set(SCHEMA) == set()


@pytest.mark.parametrize("event", TESTDATA, ids=[e["test_data_event_id"][-2:] for e in TESTDATA])
def test_test_data_has_the_schemas_types_and_xdm_fields_the_rules_set(event):
    for name, value in event["event_data"].items():
        if name == "_time" or value is None:
            continue
        declared = SCHEMA[name]
        if declared["is_array"]:
            assert isinstance(value, list) and all(isinstance(v, TYPES[declared["type"]]) for v in value), name
        elif name not in MIXED and not isinstance(value, (dict, list)):
            assert isinstance(value, TYPES[declared["type"]]), (name, value)
    set_by_rules = set(re.findall(r"(xdm\.[\w.]+)\s*=", XIF))
    assert set(event["expected_values"]) - set_by_rules == set()


@pytest.mark.parametrize("stream", ec.STREAMS, ids=[s.key for s in ec.STREAMS])
def test_test_data_events_have_the_fields_the_collector_sends(stream):
    sent = set(collected_sample(stream))
    wanted_type = stream.query.get("type")  # entity scoring: one stream per entity type
    samples = [e["event_data"] for e in TESTDATA if e["event_data"]["source_stream"] == stream.marker
               and (wanted_type is None or e["event_data"]["type"] == wanted_type)]
    assert samples, f"no test data for {stream.key}"
    for sample in samples:
        assert set(sample) == sent


def test_schema_has_no_field_the_streams_do_not_send():
    sent = set().union(*(collected_sample(stream) for stream in ec.STREAMS)) - {"_time"}
    assert set(SCHEMA) - sent == set()

"""The incoming mapper on recorded events: the integration turns each event into an incident, the local engine's
mapper (the same code that maps fetched incidents in `tools/xsoar_local`) applies `Vectra RUX - Incoming Mapper`,
and every mapped field must hold the value read off the event by hand below.

Events: the vendor's two recorded samples (`events_detections_response.json`), and two recorded emulator events
whose optional parts were all filled through the API (`test_data/populated_events.json`, see
`tools/record_test_data.py`). Two variants cover shapes the recordings lack: a failed EDR query, and
`src_external_host` as an object with `ip` and `name`.
"""

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUX"
sys.path.insert(0, str(INTEGRATION))

import VectraRUX as vr  # noqa: E402

from tools.xsoar_local.content import pack_content  # noqa: E402

INCIDENT_TYPE = "Vectra RUX Events Detection"
MAPPER = pack_content(ROOT / "Packs" / "VectraRUX").incoming_mapper("Vectra RUX - Incoming Mapper")
SAMPLES = json.loads((INTEGRATION / "test_data" / "events_detections_response.json").read_text())["events"]
POPULATED = json.loads((Path(__file__).parent / "test_data" / "populated_events.json").read_text())
PARAMS = {"server_url": "https://tenant.portal.vectra.example", "credentials": {"identifier": "id", "password": "secret"},
          "mirror_direction": "Incoming And Outgoing", "note_tag": "note"}


def mapped(event: dict, invocation) -> dict:
    """Every value the mapper gives the incident, system and custom fields together, by cliName."""
    settings = vr.parse_settings(PARAMS)
    incident = vr.event_to_incident(vr.DetectionEvent.parse(event), settings, datetime(2026, 11, 1, tzinfo=timezone.utc))
    system, custom = MAPPER.apply(json.loads(incident["rawJSON"]), INCIDENT_TYPE)
    return {**system, **custom}


def mirror(detection_id: str) -> dict:
    return {"dbotMirrorId": detection_id, "dbotMirrorDirection": "Both", "dbotMirrorInstance": "Vectra RUX test",
            "dbotMirrorTags": ["note"]}


AWS_ACCOUNT_SAMPLE = {
    **mirror("11111"),
    "occurred": "2025-01-01T01:00:00Z",  # no detail.first_timestamp: the event's own time
    "severity": 2,  # src_account urgency 50 -> Medium
    "detectionurl": "https://dummy.url/detections/11111",
    "eventid": 111111,
    "vectraruxdetectionid": 11111,
    "vectraruxdetectiontype": "Dummy Detection One",
    "vectraruxdetectioncategory": "dummy_category_1",
    "vectraruxdetectionreason": "Dummy reason one",
    "vectraruxinvestigationstatus": "open",  # no investigation_status: the default
    "vectraruxcertaintyscore": 20,
    "vectraruxthreatscore": 10,
    "vectraruxeventseverity": 4,
    "vectraruxeventchangetype": "append",
    "vectraruxeventtimestamp": "2025-01-01T01:00:00Z",
    "vectraruxiseventtriaged": False,
    "vectraruxmitreids": ["T0001", "T0002"],
    "vectraruxentityid": 11,
    "vectraruxentityuid": "dummy-entity-uid-1",
    "vectraruxentityname": "dummy-entity-one",
    "vectraruxentitytype": "account",
    "vectraruxentityurl": "https://dummy.url/entities/11",
    "vectraruxentityurgencyscore": 50,
    "vectraruxentityimportance": "Low",
    "vectraruxentityprioritystatus": "Not Prioritized",
    "vectraruxentityunresolvedprioritystatus": False,
    "vectraruxentityassignmentid": 1,
    "vectraruxentityassignmentassignedto": "dummy_user_one",
    "vectraruxentityassignmentassignedby": "dummy_admin_one",
    "vectraruxentityassignmentassigneddate": "2025-01-01T02:00:00Z",
    "vectraruxentityassignmentdetails": {"id": 1, "date_assigned": "2025-01-01T02:00:00Z", "date_resolved": None,
                                         "assigned_to": {"username": "dummy_user_one"}, "resolved_by": None,
                                         "assigned_by": {"username": "dummy_admin_one"}, "outcome": None},
    "vectraruxsourceexternalhostip": "10.0.0.10",  # a plain string in this sample
    "vectraruxdestinationaccountinformation": {"name": "AWS:222222222222", "id": 22, "urgency_score": 10,
                                               "importance": "Low", "url": "https://dummy.url/accounts/22"},
    "vectraruxdestinationdomaininformation": {"domain": "dummy-one.com"},
    "vectraruxdatasourcetype": "dummy_source",
    "vectraruxdatasourcesensorname": "Dummy-Sensor-One",
    "vectraruxdatasourcesensorid": "dummy-sensor-1",
    "vectraruxeventname": "DummyEventOne",
    "vectraruxaccountid": "111111111111",
    "vectraruxassumedrole": "DummyRoleOne",
    "vectraruxaccesskeyid": "DUMMYKEYONE",
    "vectraruxawsregion": "us-dummy-1",
    "vectraruxrolesequence": ["AWS:111111111111", "DummyRoleOne"],
    "vectraruxuseragent": "dummy-agent/1.0",
    "vectraruxidentitytype": "Dummy Identity One",
    "vectraruxlasttimestamp": "2025-01-01T00:00:00Z",
    "vectraruxeventips": ["1.1.1.1", "2.2.2.2"],
    "vectraruxeventdomains": ["dummy-one.com"],
    "vectraruxeventhosts": ["dummy-host-one"],
    "vectraruxeventaccounts": ["AWS:111111111111"],
    "vectraruxeventports": [80],
    "vectraruxeventexternaltargets": ["external-dummy-one.com"],
    "vectraruxeventdns": ["dns.dummy-one.com"],
    "vectraruxeventprotocols": ["TCP"],
}

HOST_SAMPLE = {
    **mirror("22222"),
    "occurred": "2025-01-01T04:00:00Z",
    "severity": 3,  # src_host urgency 80 -> High
    "detectionurl": "https://dummy.url/detections/22222",
    "eventid": 222222,
    "vectraruxdetectionid": 22222,
    "vectraruxdetectiontype": "Dummy Detection Two",
    "vectraruxdetectioncategory": "dummy_category_2",
    "vectraruxinvestigationstatus": "escalated",
    "vectraruxcertaintyscore": 60,
    "vectraruxthreatscore": 20,
    "vectraruxeventseverity": 8,
    "vectraruxeventchangetype": "new",
    "vectraruxeventtimestamp": "2025-01-01T04:00:00Z",
    "vectraruxiseventtriaged": False,
    "vectraruxmitreids": ["T0100"],
    "vectraruxentityid": 444,
    "vectraruxentityuid": "dummy-entity-uid-2",
    "vectraruxentityname": "dummy-entity-two",
    "vectraruxentitytype": "host",
    "vectraruxentityurl": "https://dummy.url/hosts/444",
    "vectraruxentityurgencyscore": 80,  # from src_host, src_account being null
    "vectraruxentityimportance": "Medium",
    "vectraruxentityprioritystatus": "Prioritized",
    "vectraruxentityunresolvedprioritystatus": True,
    "vectraruxdestinationhostinformation": {"name": "dummy-dst-host-two", "id": 444, "urgency_score": 50,
                                            "importance": "High", "url": "https://dummy.url/hosts/444"},
    "vectraruxdestinationdomaininformation": {"domain": "dummy-two.com"},
    "vectraruxdatasourcetype": "dummy_network",
    "vectraruxdatasourcesensorname": "Dummy-Sensor-Two",
    "vectraruxdatasourcesensorid": "dummy-sensor-2",
    "vectraruxeventname": "DummyEventTwo",
    "vectraruxaccountid": "333333333333",
    "vectraruxassumedrole": "DummyRoleTwo",
    "vectraruxaccesskeyid": "DUMMYKEYTWO",
    "vectraruxawsregion": "eu-dummy-1",
    "vectraruxrolesequence": ["AWS:333333333333", "DummyRoleTwo"],
    "vectraruxuseragent": "dummy-cli/2.0",
    "vectraruxidentitytype": "Dummy Identity Two",
    "vectraruxlasttimestamp": "2025-01-01T03:00:00Z",
    "vectraruxeventips": ["3.3.3.3"],
    "vectraruxeventdomains": ["dummy-two.com"],
    "vectraruxeventhosts": ["dummy-host-two"],
    "vectraruxeventaccounts": ["AWS:333333333333"],
    "vectraruxeventports": [22],
    "vectraruxeventexternaltargets": ["external-dummy-two.com"],
    "vectraruxeventdns": ["dns.dummy-two.com"],
    "vectraruxeventprotocols": ["SSH"],
}

RESOLVED_BY_API = {"id": 1, "username": "API Client xsoar"}
POPULATED_HOST = {
    **mirror("1033"),
    "occurred": "2026-11-01T12:00:00Z",
    "severity": 4,  # urgency 95 -> Critical
    "tags": ["pentest", "vip"],
    "vectraruxdetectiontags": ["pentest", "vip"],
    "vectraruxexternalreferenceid": "INC-100",
    "vectraruxinvestigationstatus": "escalated",
    "vectraruxeventchangetype": "investigation_status",
    "vectraruxentitytype": "host",
    "vectraruxentityid": 105,
    "vectraruxentityip": "10.0.0.7",
    "vectraruxentityurgencyscore": 95,
    "vectraruxentityimportance": "High",
    "vectraruxentityexternalreferenceid": "CASE-105",
    "vectraruxentityprioritystatus": "Prioritized",
    "vectraruxentityassignmentid": 3,
    "vectraruxentityassignmentassignedto": "bob.analyst",
    "vectraruxentityassignmentassignedby": "API Client xsoar",
    "vectraruxentityassignmentoutcome": "Malicious True Positive",
    "vectraruxentityassignmentresolvedby": "API Client xsoar",
    "vectraruxentityassignmentresolveddate": "2026-11-01T12:00:00Z",
    "vectraruxentityassignmentdetails": {
        "id": 3, "date_assigned": "2026-11-01T12:00:00Z", "date_resolved": "2026-11-01T12:00:00Z",
        "assigned_to": {"id": 21, "username": "bob.analyst"}, "resolved_by": RESOLVED_BY_API,
        "assigned_by": RESOLVED_BY_API,
        "outcome": {"id": 2, "builtin": True, "user_selectable": True, "title": "Malicious True Positive",
                    "category": "malicious_true_positive"}},
    "vectraruxprocesscontextquerystatus": "completed",
    "vectraruxprocesscontextdatecreated": "2026-11-01T12:00:00Z",
    "vectraruxprocesscontextquerylink": "https://falcon.example/search/1033",
    "vectraruxprocesscontextinvestigateentitylink": "https://falcon.example/hosts/105",
    "vectraruxprocesscontextprocesses": [{
        "name": "powershell.exe", "command": "powershell -enc SQBFAFgA", "creation_time": "2026-11-01T12:00:00Z",
        "account": "erin-srv-05", "process_id": 4183, "parent_process_id": 812,
        "sha256_hash": "f8b7291025863577c250b562e8aa0d7a70387bc67029915cd5c2dfda40a9e055",
        "md5_hash": "e17184bcb70dcf3942c54e0b537ffc6d"}],
    "vectraruxdatasourcetype": "network",
    "vectraruxdatasourcesensorname": "Sensor-HQ-2",
    "vectraruxeventprotocols": ["SMB"],
}

POPULATED_ACCOUNT = {
    **mirror("1001"),
    "occurred": "2026-10-31T13:15:04Z",  # detail.first_timestamp, not the event time
    "severity": 3,  # urgency 70 -> High
    "tags": ["pentest", "vip"],
    "vectraruxexternalreferenceid": "INC-100",
    "vectraruxentitytype": "account",
    "vectraruxentityid": 103,
    "vectraruxentityurgencyscore": 70,
    "vectraruxentityprivilegecategory": "Low",
    "vectraruxentityexternalreferenceid": "CASE-103",
    "vectraruxentityassignmentoutcome": "Benign True Positive",
    "vectraruxsourceexternalhostip": "192.0.2.137",
    "vectraruxawsregion": "us-east-1",
    "vectraruxidentitytype": "AssumedRole",
    "vectraruxeventips": ["192.0.2.53", "192.0.2.226", "192.0.2.137"],
}


def failed_edr_query(event: dict) -> dict:
    crowdstrike = {**event["process_context_data"]["crowdstrike"], "query_status": "failed",
                   "error_message": "EDR query timed out", "processes": []}
    return {**event, "process_context_data": {"crowdstrike": crowdstrike}}


def external_host_object(event: dict) -> dict:
    return {**event, "src_external_host": {"ip": "198.51.100.7", "name": "vpn.partner.example"}}


CASES = {
    "aws account sample": (SAMPLES[0], AWS_ACCOUNT_SAMPLE, True),
    "host sample": (SAMPLES[1], HOST_SAMPLE, True),
    "populated host": (POPULATED[0], POPULATED_HOST, False),
    "populated account": (POPULATED[1], POPULATED_ACCOUNT, False),
    "failed EDR query": (failed_edr_query(POPULATED[0]),
                         {"vectraruxprocesscontextquerystatus": "failed",
                          "vectraruxprocesscontexterrormessage": "EDR query timed out"}, False),
    "external host object": (external_host_object(POPULATED[1]),
                             {"vectraruxsourceexternalhostip": "198.51.100.7",
                              "vectraruxsourceexternalhostname": "vpn.partner.example"}, False),
}


@pytest.mark.parametrize("name", CASES)
def test_every_mapped_field_gets_the_value_of_the_event(name, invocation):
    event, expected, exhaustive = CASES[name]
    values = mapped(event, invocation)
    assert {key: values.get(key) for key in expected} == expected
    if exhaustive:  # the sample's expectation lists every field it fills, so nothing extra is mapped either
        assert sorted(values) == sorted(expected)


def test_severity_follows_the_urgency_ranges(invocation):
    event = SAMPLES[1]
    seen = {}
    for urgency in (0, 1, 30, 31, 50, 51, 80, 81, 100):
        src_host = {**event["src_host"], "urgency_score": urgency}
        seen[urgency] = mapped({**event, "src_host": src_host}, invocation)["severity"]
    assert seen == {0: 0.5, 1: 1, 30: 1, 31: 2, 50: 2, 51: 3, 80: 3, 81: 4, 100: 4}


def test_the_cases_cover_every_mapper_target():
    covered = set().union(*(expected for _, expected, _ in CASES.values()))
    targets = {MAPPER.cli_name(target)[0] for target in MAPPER.targets(INCIDENT_TYPE)}
    assert targets - covered == set()

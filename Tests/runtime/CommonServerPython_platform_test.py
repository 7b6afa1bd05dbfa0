"""Replays every case recorded from the platform's CommonServerPython talking to the platform.

`golden/runtime-golden-platform.json` is a byte-for-byte copy of `shared/reference/runtime-golden-platform.json`.
Each case scripts the platform as it was when recorded (server version, stored integration context and version,
how many writes it refuses as conflicts, last mirror run, the command running, what executeCommand answers, the
license fields and the XSIAM collector's answers), makes the call against `Tests/runtime`, and compares:
the return value / exception / exit, every platform call in order with its arguments, the stored state after,
what was printed through demisto.results, and every POST the collector received. No case may be skipped.
"""

import gzip
import json
import types
from http import HTTPStatus
from pathlib import Path

import CommonServerPython as csp
import pytest
import requests_mock

from tools.xsoar_local.invocation import IntegrationContextStore, Invocation, serving

GOLDEN = Path(__file__).parent / "golden" / "runtime-golden-platform.json"
CASES = json.loads(GOLDEN.read_text())["cases"]

# The recording's platform, as its `about` and its collector posts describe it.
COLLECTOR_URL = "https://api-xsiam.example.test/logs/v1/xsiam"
LICENSE_FIELDS = {"Http_Connector.url": "xsiam.example.test", "Http_Connector.token": "collector-token"}
PARAMS = {"server_url": "https://tenant.portal.vectra.test"}  # the posts' final-reporting-device
BRAND, INSTANCE = "Vectra RUX", "Vectra RUX_instance_1"  # the posts' collector-name and instance-name
LEFT_OUT_HEADERS = {"user-agent", "accept-encoding", "connection", "content-length"}


class ScriptedCommands:
    """executeCommand answers, in the recorded order."""

    def __init__(self, answers):
        self.answers = list(answers)

    def __call__(self, command, args):
        assert self.answers, f"executeCommand({command!r}) called more often than recorded"
        return self.answers.pop(0)


def platform_for(case) -> Invocation:
    before = case["platform_before"]
    return Invocation(
        command=before["command"],
        params=dict(PARAMS),
        integration_context=IntegrationContextStore(before["context"], before["context_version"],
                                                                refuse_writes=before["conflicts"]),
        last_mirror_run=before["mirror_run"],
        demisto_version=before["server_version"],
        execute_command=ScriptedCommands(before["command_answers"]),
        license_fields=dict(LICENSE_FIELDS),
        brand=BRAND,
        integration_instance=INSTANCE,
        record_platform_calls=True,
    )


def posted(request) -> dict:
    headers = {key.lower(): value for key, value in request.headers.items() if key.lower() not in LEFT_OUT_HEADERS}
    return {"url": request.url, "headers": headers, "body": gzip.decompress(request.body).decode("utf-8")}


def events_in_posted_order(case) -> list:
    """The recording lists its input events with sorted keys; the bodies it recorded keep the order they were built
    with. The same events, in that key order (their equality with the recorded input is asserted)."""
    events = case["args"][0]
    if not isinstance(events, list) or not events or not isinstance(events[0], dict):
        return events
    by_content = {}
    for post in case["collector_posts"]:
        for line in post["body"].split("\n"):
            event = json.loads(line)
            by_content[json.dumps(event, sort_keys=True)] = event
    ordered = [by_content[json.dumps(event, sort_keys=True)] for event in events]
    assert ordered == events
    return ordered


def call(case):
    fn, args, kwargs = case["fn"], list(case["args"]), case["kwargs"]
    if fn == "DemistoException":
        error = csp.DemistoException(*args, **kwargs)
        return {"args": list(error.args), "str": str(error)}
    if fn == "send_events_to_xsiam":
        args[0] = events_in_posted_order(case)
    result = getattr(csp, fn)(*args, **kwargs)
    return list(result) if isinstance(result, types.GeneratorType) else result


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_platform_case(case, monkeypatch):
    monkeypatch.setattr(csp.time, "sleep", lambda seconds: None)  # the recording skipped retry sleeps
    returned, raised, exited = None, None, False
    with serving(platform_for(case)) as platform, requests_mock.Mocker() as collector:
        answers = [{"status_code": a["status"], "reason": HTTPStatus(a["status"]).phrase, "json": a["json"]}
                   for a in case.get("collector_answers", [])]
        collector.post(COLLECTOR_URL, answers or [{"status_code": 404}])
        try:
            returned = call(case)
        except SystemExit:
            exited = True
        except Exception as error:  # the recorded case may expect it
            raised = error
        posts = [posted(request) for request in collector.request_history]

    if "raises" in case:
        assert raised is not None, f"expected {case['raises']}, returned {returned!r}"
        assert {"type": type(raised).__name__, "message": str(raised)} == case["raises"]
    else:
        assert raised is None, f"raised {type(raised).__name__}: {raised}"
    if "returns" in case:
        assert json.loads(json.dumps(returned)) == case["returns"]
    assert exited == bool(case.get("exits"))
    assert platform.platform_calls == case["platform_calls"]
    context, version = platform.integration_context.read()
    assert {"context": context, "context_version": version, "mirror_run": platform.last_mirror_run} == case["platform_after"]
    assert platform.printed == case.get("results", [])
    assert posts == case.get("collector_posts", [])


def test_every_kind_of_case_is_replayed():
    kinds = {case["fn"] for case in CASES}
    assert len(CASES) == 70 and len(kinds) == 15, sorted(kinds)


def test_golden_copy_is_identical_to_the_reference():
    reference = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "runtime-golden-platform.json"
    if reference.exists():  # the project stands alone: the reference is only compared when it is beside the checkout
        assert GOLDEN.read_bytes() == reference.read_bytes()

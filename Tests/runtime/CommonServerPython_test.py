"""Replays every case recorded from the platform's real CommonServerPython against ours.

`golden/runtime-golden.json` is a byte-for-byte copy of `shared/reference/runtime-golden.json`. A case passes when
our runtime returns the same value, raises the same exception type with the same message, and prints the same
entries through `demisto.results`. No case may be skipped: an unknown kind of case fails the test.
"""

import json
from datetime import datetime
from pathlib import Path

import CommonServerPython as csp
import pytest
import requests
import requests_mock
from freezegun import freeze_time

from tools.xsoar_local.invocation import Invocation, serving

GOLDEN = Path(__file__).parent / "golden" / "runtime-golden.json"
CASES = json.loads(GOLDEN.read_text())["cases"]

PLAIN_FUNCTIONS = {
    "tableToMarkdown", "string_to_table_header", "pascalToSpace", "arg_to_number", "argToList", "argToBoolean",
    "arg_to_datetime", "remove_empty_elements", "assign_params", "remove_nulls_from_dictionary", "urljoin",
    "timestamp_to_datestring", "dict_safe_get",
}

# Cases recorded without their input: the input each one was recorded with, rebuilt from the case's description.
RETURN_RESULTS_INPUTS = {
    "rr-str": lambda: "ok",
    "rr-dict": lambda: {"Contents": "x", "ContentsFormat": "text", "Type": 1},
    "rr-list": lambda: [csp.CommandResults(readable_output="a"), "b"],
    "rr-remote-data": lambda: csp.GetRemoteDataResponse(
        {"id": "1", "x": 2}, [{"Contents": "n", "ContentsFormat": "text", "Note": True, "Type": 1}]
    ),
    "rr-remote-data-empty-object": lambda: csp.GetRemoteDataResponse({}, []),
    "rr-modified": lambda: csp.GetModifiedRemoteDataResponse(["1", "2"]),
    "rr-mapping": lambda: csp.GetMappingFieldsResponse(
        [csp.SchemeTypeMapping("Vectra RUX Events Detection", {"vectraruxinvestigationstatus": "Investigation status"})]
    ),
}
MIRROR_ARGS_INPUTS = {
    "UpdateRemoteSystemArgs": lambda: csp.UpdateRemoteSystemArgs(
        {"data": {"id": "1"}, "delta": {"closeReason": "Resolved"}, "entries": [], "status": 2, "incidentChanged": True,
         "remoteId": "9"}
    ),
    "GetRemoteDataArgs": lambda: csp.GetRemoteDataArgs({"id": "9", "lastUpdate": "2026-01-01T00:00:00Z"}),
    "GetModifiedRemoteDataArgs": lambda: csp.GetModifiedRemoteDataArgs({"lastUpdate": "2026-01-01T00:00:00Z"}),
}
ENUMS = {"EntryType", "EntryFormat", "IncidentStatus", "IncidentSeverity"}


class Outcome:
    """What one call did: its return value or exception, and what it printed through demisto.results."""

    def __init__(self, call):
        self.exited = False
        self.returned = self.raised = None
        with serving(Invocation()) as invocation:
            try:
                self.returned = call()
            except SystemExit:
                self.exited = True
            except Exception as error:  # the recorded case may expect it
                self.raised = error
        self.results = invocation.printed


def comparable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, requests.Response):
        return {"status_code": value.status_code}
    return value


def run_case(case):
    fn = case["fn"]
    args, kwargs = case.get("args", []), case.get("kwargs", {})
    if fn in PLAIN_FUNCTIONS:
        call = lambda: getattr(csp, fn)(*args, **kwargs)  # noqa: E731
        if "frozen_time" in case:
            with freeze_time(case["frozen_time"]):
                return Outcome(call)
        return Outcome(call)
    if fn in ENUMS:
        return Outcome(lambda: {k: v for k, v in vars(getattr(csp, fn)).items() if k.isupper()})
    if fn == "return_results(CommandResults)":
        return Outcome(lambda: csp.return_results(csp.CommandResults(**kwargs)))
    if fn == "return_results":
        return Outcome(lambda: csp.return_results(RETURN_RESULTS_INPUTS[case["id"]]()))
    if fn == "fileResult":
        return Outcome(lambda: csp.fileResult(args[0], b"\x00\x01"))
    if fn == "return_error":
        return Outcome(lambda: csp.return_error(*args, **kwargs))
    if fn in MIRROR_ARGS_INPUTS:
        return Outcome(lambda: vars(MIRROR_ARGS_INPUTS[fn]()))
    if fn == "BaseClient._http_request":
        return run_http_case(case)
    raise AssertionError(f"unknown kind of golden case: {fn}")


def run_http_case(case):
    canned = case["http"]
    with requests_mock.Mocker() as mock:
        if "exc" in canned:
            mock.register_uri(requests_mock.ANY, "https://vectra.test/api/x", exc=getattr(requests.exceptions, canned["exc"]))
        else:
            body = {"json": canned["json"]} if "json" in canned else {"text": canned.get("text", "")}
            mock.register_uri(requests_mock.ANY, "https://vectra.test/api/x", status_code=canned["status"], **body)
        client = csp.BaseClient(base_url="https://vectra.test")
        return Outcome(lambda: client._http_request(url_suffix="/api/x", **case["kwargs"]))


def test_golden_copy_is_identical_to_the_reference():
    reference = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "runtime-golden.json"
    if reference.exists():  # the project stands alone: the reference is only compared when it is beside the checkout
        assert GOLDEN.read_bytes() == reference.read_bytes()
    assert len(CASES) > 90


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_golden_case(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outcome = run_case(case)
    if "raises" in case:
        expected = case["raises"]
        assert outcome.raised is not None, f"expected {expected['type']}, got {outcome.returned!r}"
        assert type(outcome.raised).__name__ == expected["type"]
        assert str(outcome.raised) == expected["message"]
        if "res_status" in expected:
            res = getattr(outcome.raised, "res", None)
            assert (res.status_code if res is not None else None) == expected["res_status"]
    else:
        assert outcome.raised is None, f"unexpected {outcome.raised!r}"
    if "returns" in case:
        returned = comparable(outcome.returned)
        if case["fn"] == "fileResult":
            file_id = returned.pop("FileID")
            assert (tmp_path / f"1_{file_id}").read_bytes() == b"\x00\x01"
        assert returned == case["returns"]
    if "results" in case:
        # CommandResults cases record the one entry printed; the others record the list of everything printed.
        expected = [case["results"]] if case["fn"] == "return_results(CommandResults)" else case["results"]
        assert outcome.results == expected
    assert outcome.exited == bool(case.get("exits"))

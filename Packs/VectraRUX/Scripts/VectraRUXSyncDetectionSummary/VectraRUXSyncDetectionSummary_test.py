import pytest
import VectraRUXSyncDetectionSummary as script

DETECTION = {"id": 7, "detection_type": "Hidden HTTPS Tunnel", "state": "active", "summary": {"num_events": 3, "ips": []},
             "grouped_details": [{"num_sessions": 1}],
             "process_context_data": {"crowdstrike": {"query_status": "completed", "date_created": "2026-11-01T00:00:00Z",
                                                      "error_message": None, "processes": [{"name": "cmd.exe"}],
                                                      "urls": {"query_link": "https://q", "investigate_entity_link": "https://e"}}}}


def run(invocation, detection):
    calls = []
    invocation.incident = {"id": "1", "CustomFields": {"vectraruxdetectionid": 7}}

    def execute(command, args):
        calls.append((command, args))
        if command == "vectra-detection-describe":
            return [{"Type": 1, "Contents": {"count": 1, "results": [detection] if detection else []}}]
        return [{"Type": 1, "Contents": "done"}]

    invocation.execute_command = execute
    return script.sync(), calls


def test_summary_and_edr_context_fill_the_fields(invocation):
    result, calls = run(invocation, DETECTION)
    assert calls[0] == ("vectra-detection-describe", {"detection_ids": "7", "using-brand": script.BRAND})
    fields = calls[1][1]
    assert fields["vectraruxprocesscontextquerystatus"] == "completed"
    assert fields["vectraruxprocesscontextprocesses"] == [{"name": "cmd.exe"}]
    assert fields["vectraruxprocesscontextquerylink"] == "https://q" and fields["vectraruxprocesscontexterrormessage"] == ""
    assert "### Detection 7: Hidden HTTPS Tunnel" in fields["details"] and "num_events" in fields["details"]
    assert "with its EDR process context" in result.readable_output


def test_without_edr_context_the_fields_are_emptied(invocation):
    result, calls = run(invocation, {**DETECTION, "process_context_data": None})
    assert calls[1][1]["vectraruxprocesscontextprocesses"] == [] and "no EDR process context" in result.readable_output


def test_missing_detection(invocation):
    with pytest.raises(script.DemistoException, match="Vectra has no detection 7"):
        run(invocation, None)

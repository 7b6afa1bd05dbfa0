import pytest
import VectraRUXSyncEntityAssignment as script

OLD = {"id": 1, "date_assigned": "2026-10-01T00:00:00Z", "assigned_to": {"username": "old"}, "assigned_by": {"username": "x"}}
NEW = {"id": 2, "date_assigned": "2026-10-05T00:00:00Z", "assigned_to": {"username": "jane"}, "assigned_by": {"username": "bob"},
       "outcome": {"title": "False Positive"}, "resolved_by": {"username": "bob"}, "date_resolved": "2026-10-06T00:00:00Z"}


def platform(assignments, calls):
    def execute(command, args):
        calls.append((command, args))
        if command == "vectra-assignment-list":
            return [{"Type": 1, "Contents": {"count": len(assignments), "results": assignments}}]
        return [{"Type": 1, "Contents": "done"}]
    return execute


def test_the_latest_assignment_fills_the_fields(invocation):
    calls = []
    invocation.incident = {"id": "1", "CustomFields": {"vectraruxentityid": 12, "vectraruxentitytype": "host"}}
    invocation.execute_command = platform([NEW, OLD], calls)
    result = script.sync()
    assert calls[0] == ("vectra-assignment-list", {"entity_ids": "12", "entity_type": "host", "page_size": "500",
                                                   "using-brand": "VectraRUXEventsDetections"})
    command, fields = calls[1]
    assert command == "setIncident" and fields["vectraruxentityassignmentid"] == 2
    assert fields["vectraruxentityassignmentassignedto"] == "jane"
    assert fields["vectraruxentityassignmentoutcome"] == "False Positive"
    assert "jane" in result.readable_output


def test_no_assignment_clears_the_fields(invocation):
    calls = []
    invocation.incident = {"id": "1", "CustomFields": {"vectraruxentityid": 12, "vectraruxentitytype": "account"}}
    invocation.execute_command = platform([], calls)
    result = script.sync()
    assert set(calls[1][1].values()) == {""} and len(calls[1][1]) == len(script.FIELDS)
    assert "has no assignment in Vectra" in result.readable_output


def test_an_incident_without_entity_and_command_errors(invocation):
    invocation.incident = {"id": "1", "CustomFields": {}}
    with pytest.raises(script.DemistoException, match="has no Vectra entity"):
        script.sync()
    invocation.incident = {"id": "1", "CustomFields": {"vectraruxentityid": 1, "vectraruxentitytype": "host"}}
    invocation.execute_command = lambda command, args: [{"Type": 4, "Contents": "Vectra is down"}]
    with pytest.raises(SystemExit):
        script.main()
    assert invocation.results[-1]["Type"] == 4
    assert invocation.results[-1]["Contents"] == ("Failed to execute VectraRUXSyncEntityAssignment. Error: Failed to execute "
                                                  "vectra-assignment-list. Error details:\nVectra is down")

import pytest
import VectraRUXLinkTicketDetections as script


def test_links_by_external_reference_id(invocation):
    calls = []
    invocation.args = {"incident_external_reference_id": "INC-7", "incident_detection_id": "1001"}
    invocation.execute_command = lambda command, args: calls.append((command, args)) or [{"Type": 1, "Contents": "ok"}]
    script.main()
    assert calls == [("VectraRUXLinkIncidents", {"field": "vectraruxexternalreferenceid", "value": "INC-7",
                                                 "label": "External Reference ID", "exclude_detection_id": "1001"})]


def test_an_error_of_the_linking_script_is_reported(invocation):
    invocation.execute_command = lambda command, args: [{"Type": 4, "Contents": "boom"}]
    with pytest.raises(SystemExit):
        script.main()
    assert invocation.results == [{"Type": 4, "ContentsFormat": "text", "EntryContext": None,
                                   "Contents": "Failed to execute VectraRUXLinkIncidents. Error details:\nboom"}]

import pytest
import VectraRUXLinkEntityDetections as script


def test_links_by_entity_id_and_type(invocation):
    calls = []
    invocation.incident = {"id": "3", "CustomFields": {"vectraruxentitytype": "account"}}
    invocation.args = {"incident_entity_id": "44", "incident_detection_id": "1001"}
    invocation.execute_command = lambda command, args: calls.append((command, args)) or [{"Type": 1, "Contents": "linked",
                                                                                          "HumanReadable": "Linked 1"}]
    script.main()
    assert calls == [("VectraRUXLinkIncidents", {"field": "vectraruxentityid", "value": "44", "label": "account",
                                                 "also_field": "vectraruxentitytype", "also_value": "account",
                                                 "exclude_detection_id": "1001"})]
    assert invocation.results == [[{"Type": 1, "Contents": "linked", "HumanReadable": "Linked 1"}]]


def test_an_error_of_the_linking_script_is_reported(invocation):
    invocation.execute_command = lambda command, args: [{"Type": 4, "Contents": "no such field"}]
    with pytest.raises(SystemExit):
        script.main()
    assert invocation.results == [{"Type": 4, "ContentsFormat": "text", "EntryContext": None,
                                   "Contents": "Failed to execute VectraRUXLinkIncidents. Error details:\nno such field"}]

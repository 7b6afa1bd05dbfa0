import pytest
import VectraRUXLinkIncidents as script


class Platform:
    def __init__(self, pages, fail=None):
        self.pages, self.fail, self.calls = pages, fail, []

    def __call__(self, command, args):
        self.calls.append((command, args))
        if command == self.fail:
            return [{"Type": 4, "Contents": f"{command} broke"}]
        if command == "getIncidents":
            return [{"Type": 1, "Contents": {"data": self.pages[args["page"]]}}]
        return [{"Type": 1, "Contents": "linked"}]


ARGS = {"field": "vectraruxentityid", "value": "12", "also_field": "vectraruxentitytype", "also_value": "host",
        "exclude_detection_id": "1001", "label": "host"}


def test_links_the_other_open_incidents_that_share_the_value(invocation):
    invocation.incident = {"id": "5"}
    other = {"id": "6", "name": "b", "CustomFields": {"vectraruxdetectionid": 1002}}
    invocation.execute_command = platform = Platform([[{"id": "5"}, other, {"id": "7"}]])
    result = script.link(ARGS)
    query = platform.calls[0][1]["query"]
    assert query == ('type:"Vectra RUX Events Detection" -status:closed -category:job vectraruxentityid:"12" '
                     'vectraruxentitytype:"host" -vectraruxdetectionid:"1001"')
    assert platform.calls[-1] == ("linkIncidents", {"incidentId": "5", "linkedIncidentIDs": "6,7"})
    assert "Linked 2 incident(s) with host 12" in result.readable_output


def test_pages_through_many_matches(invocation, monkeypatch):
    monkeypatch.setattr(script, "PAGE_SIZE", 2)
    invocation.incident = {"id": "1"}
    invocation.execute_command = platform = Platform([[{"id": "2"}, {"id": "3"}], [{"id": "4"}]])
    script.link(ARGS)
    assert platform.calls[-1][1]["linkedIncidentIDs"] == "2,3,4"


def test_nothing_to_link(invocation):
    invocation.incident = {"id": "1"}
    invocation.execute_command = Platform([[{"id": "1"}]])
    assert script.link(ARGS).readable_output == "No other open incident has host 12."
    assert script.link({**ARGS, "value": ""}).readable_output == "This incident has no host value to link incidents by."


def test_errors_are_reported(invocation):
    invocation.incident = {"id": "1"}
    invocation.execute_command = Platform([[{"id": "2"}]], fail="linkIncidents")
    invocation.command = "VectraRUXLinkIncidents"
    invocation.args = ARGS
    with pytest.raises(SystemExit):
        script.main()
    error = invocation.results[-1]
    assert error["Type"] == 4 and error["Contents"] == ("Failed to execute VectraRUXLinkIncidents. Error: Failed to execute "
                                                        "linkIncidents. Error details:\nlinkIncidents broke")

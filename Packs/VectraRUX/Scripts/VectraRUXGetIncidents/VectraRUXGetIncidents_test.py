import pytest
import VectraRUXGetIncidents as script


def incidents(n, start=1):
    return [{"id": str(i), "name": f"incident {i}", "CustomFields": {"vectraruxdetectionid": 1000 + i}}
            for i in range(start, start + n)]


def test_a_page_of_open_incidents_with_their_detection_ids(invocation):
    calls = []
    invocation.execute_command = lambda command, args: calls.append((command, args)) or [
        {"Type": 1, "Contents": {"data": incidents(2), "total": 5}}]
    result = script.open_incidents({"page": "1", "page_size": "2"})
    assert calls == [("getIncidents", {"query": 'type:"Vectra RUX Events Detection" -status:closed -category:job',
                                        "page": 1, "size": 2})]
    assert result.outputs["VectraRUXGetIncidents(val.id && val.id == obj.id)"][1] == {
        "id": "2", "name": "incident 2", "CustomFields": {"vectraruxdetectionid": 1002}}
    assert result.outputs["VectraRUXGetIncidentsPage(true)"] == {"page": 1, "has_more": True}


def test_the_last_page_says_so(invocation):
    invocation.execute_command = lambda command, args: [{"Type": 1, "Contents": {"data": None, "total": 0}}]
    result = script.open_incidents({})
    assert result.outputs["VectraRUXGetIncidentsPage(true)"] == {"page": 0, "has_more": False}


def test_bad_page_size_and_platform_errors(invocation):
    with pytest.raises(ValueError, match='"page_size" must be a whole number from 1 to 1000'):
        script.open_incidents({"page_size": "0"})
    invocation.execute_command = lambda command, args: [{"Type": 4, "Contents": "search is down"}]
    with pytest.raises(SystemExit):
        script.main()
    assert invocation.results[-1]["Contents"] == ("Failed to execute VectraRUXGetIncidents. Error: Failed to execute "
                                                  "getIncidents. Error details:\nsearch is down")

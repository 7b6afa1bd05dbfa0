import VectraRUXExpireInactiveDetections as script


class Platform:
    def __init__(self, pages, detections):
        self.pages, self.detections, self.calls = pages, detections, []

    def __call__(self, command, args):
        self.calls.append((command, args))
        if command == "VectraRUXGetIncidents":
            page = int(args["page"])
            found = [{"id": str(d), "CustomFields": {"vectraruxdetectionid": d}} for d in self.pages[page]]
            return [{"Type": 1, "EntryContext": {"VectraRUXGetIncidents(val.id && val.id == obj.id)": found,
                                                 "VectraRUXGetIncidentsPage(true)": {"has_more": page + 1 < len(self.pages)}}}]
        if command == "vectra-detection-describe":
            ids = [int(i) for i in args["detection_ids"].split(",")]
            return [{"Type": 1, "Contents": {"results": [self.detections[i] for i in ids if i in self.detections]}}]
        return [{"Type": 1, "Contents": "ok"}]


def detection(detection_id, state, status="open"):
    return {"id": detection_id, "state": state, "investigation_status": status}


def test_inactive_detections_of_open_incidents_are_expired(invocation, monkeypatch):
    monkeypatch.setattr(script, "DESCRIBE_BATCH", 2)
    invocation.execute_command = platform = Platform(
        [[1, 2], [3, 4]], {1: detection(1, "inactive"), 2: detection(2, "active"), 3: detection(3, "inactive", "expired"),
                           4: detection(4, "inactive")})
    result = script.expire({"page_size": "2"})
    assert [c[1]["page"] for c in platform.calls if c[0] == "VectraRUXGetIncidents"] == [0, 1]
    assert [c[1]["detection_ids"] for c in platform.calls if c[0] == "vectra-detection-describe"] == ["1,2", "3,4"]
    assert platform.calls[-1] == ("vectra-detection-investigation-status-update", {
        "detection_ids": "1,4", "investigation_status": "expired", "using-brand": "VectraRUXEventsDetections"})
    assert result.outputs == {"incidents_checked": 4, "expired_detection_ids": [1, 4]}


def test_nothing_inactive_changes_nothing(invocation):
    invocation.execute_command = platform = Platform([[1]], {1: detection(1, "active")})
    result = script.expire({})
    assert platform.calls[-1][0] == "vectra-detection-describe" and "0 inactive detection(s)" in result.readable_output

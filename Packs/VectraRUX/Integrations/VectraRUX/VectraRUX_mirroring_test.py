"""Mirroring between Vectra RUX detections and XSOAR incidents, as the platform runs it: get-modified-remote-data,
get-remote-data, update-remote-system and get-mapping-fields.

Vectra is answered with requests_mock; what the platform keeps for the instance between runs (the integration context
and the last mirror run) is the small fake `Platform` below, fresh for every test.
"""

import contextlib
import json
from pathlib import Path
from unittest.mock import call

import CommonServerPython
import demistomock as demisto
import pytest
import VectraRUX as vr
from CommonServerPython import EntryType, IncidentStatus
from freezegun import freeze_time

URL = "https://vectra.test"
API = f"{URL}/api/v3.5"
EVENTS = f"{API}/events/detections"
DETECTIONS = f"{API}/detections"
SECRET = "s3cr3t-client-key"
NOW = "2026-11-01T12:00:00Z"
LAST_UPDATE = "2026-11-01T11:00:00Z"
PARAMS = {"server_url": URL, "credentials": {"identifier": "client-id", "password": SECRET}, "isFetch": True,
          "mirror_direction": "Incoming And Outgoing", "close_incident_on_detection_closure": True}
SERVER_VERSION = {"version": "6.10.0", "buildNumber": "12345"}  # mirror runs exist from XSOAR 6.6 on
SUCCESS = {"_meta": {"level": "Success", "message": "ok"}}
TEST_DATA = Path(__file__).parent / "test_data"


# --- the platform and Vectra ------------------------------------------------------------------------------------


class Platform:
    """What the platform keeps for the instance between runs: the integration context (versioned, values stored as
    the integration wrote them) and the last mirror run. `interleaved` writers run just before the integration's next
    context write, as another run (a fetch) writing first would."""

    def __init__(self):
        self.context: dict = {}
        self.version = 0
        self.mirror_run: dict = {}
        self.interleaved: list = []

    def get_context(self, refresh=False):
        return {"context": json.loads(json.dumps(self.context)), "version": self.version}

    def set_context(self, context, version=-1, sync=False):
        if self.interleaved:
            self.interleaved.pop(0)(self)
        if version not in (-1, self.version):
            raise ValueError(f"version {version} is older than the stored version {self.version}")
        self.context, self.version = json.loads(json.dumps(context)), self.version + 1

    def put(self, key, value):
        """A key as another run of the integration stores it (a JSON string)."""
        self.context[key] = json.dumps(value)
        self.version += 1

    def stored(self, key):
        return json.loads(self.context[key]) if key in self.context else None

    def get_mirror_run(self):
        return json.loads(json.dumps(self.mirror_run))

    def set_mirror_run(self, run):
        self.mirror_run = json.loads(json.dumps(run))

    @property
    def cycle_range(self):
        """The events the last incoming cycle covered: (previous, cursor]."""
        return self.mirror_run.get("previous"), self.mirror_run.get("cursor")


@pytest.fixture(autouse=True)
def platform(mocker):
    """A server recent enough for mirror runs; its integration context and last mirror run in a fresh `Platform`.

    The platform's CommonServerPython remembers the first server version it reads (get_demisto_version); that one is
    answered too, for this test only, so neither this file nor the folder's other tests see another's version."""
    store = Platform()
    mocker.patch.object(demisto, "demistoVersion", return_value=SERVER_VERSION)
    mocker.patch.object(CommonServerPython, "get_demisto_version", return_value=SERVER_VERSION, create=True)
    mocker.patch.object(demisto, "getIntegrationContextVersioned", side_effect=store.get_context)
    mocker.patch.object(demisto, "setIntegrationContextVersioned", side_effect=store.set_context)
    mocker.patch.object(demisto, "getIntegrationContext", side_effect=lambda: store.get_context()["context"])
    mocker.patch.object(demisto, "setIntegrationContext", side_effect=store.set_context)
    mocker.patch.object(demisto, "getLastMirrorRun", side_effect=store.get_mirror_run)
    mocker.patch.object(demisto, "setLastMirrorRun", side_effect=store.set_mirror_run)
    mocker.patch.object(demisto, "integrationInstance", return_value="vectra_1")
    return store


@pytest.fixture(autouse=True)
def frozen_clock():
    """The tests' events, notes and last updates are dated around this moment."""
    with freeze_time(NOW) as frozen:
        yield frozen


@pytest.fixture
def vectra(requests_mock):
    requests_mock.post(f"{URL}/oauth2/token", json={"access_token": "token", "expires_in": 3600})
    return requests_mock


def event(event_id, change_type, detection_id=7, **fields):
    return {"id": event_id, "detection_id": detection_id, "change_type": change_type, "type": "host",
            "investigation_status": "open", "tags": [], "notes": [], **fields}


def serve_events(api, events):
    """GET /events/detections answered from `events` the way Vectra pages them: ids after `from`, one
    `detection_id`, `event_timestamp_gte`, `ordering` id or -id, at most `limit`, and what remains."""

    def answer(request, context):
        query = {name: values[0] for name, values in request.qs.items()}  # requests_mock lowercases the values
        after = int(query.get("from", -1))
        chosen = sorted((e for e in events if e["id"] > after
                         and query.get("detection_id", str(e["detection_id"])) == str(e["detection_id"])
                         and str(e.get("event_timestamp", "")).lower() >= query.get("event_timestamp_gte", "")),
                        key=lambda e: e["id"], reverse=query.get("ordering") == "-id")
        page = chosen[:int(query.get("limit", 1000))]
        return {"events": page, "next_checkpoint": page[-1]["id"] if page else max(after, 0),
                "remaining_count": len(chosen) - len(page)}

    return api.get(EVENTS, json=answer)


def page(events, remaining=0, checkpoint=None):
    return {"json": {"events": events, "remaining_count": remaining,
                     "next_checkpoint": checkpoint if checkpoint is not None else (events[-1].get("id") if events else 0)}}


def api_calls(api):
    return [request for request in api.request_history if "/oauth2/" not in request.url]


def event_queries(api):
    return [request.qs for request in api_calls(api) if request.path == "/api/v3.5/events/detections"]


def writes(api):
    """What was changed in Vectra: (method, path, body) of every call but reads."""
    return [(r.method, r.path, r.json() if r.body else None) for r in api_calls(api) if r.method != "GET"]


def noted(start, end, ids, overflow=False):
    """The changed detections as fetch notes them in the integration context."""
    return {"start": start, "end": end, "ids": vr.encode_ids(ids), "overflow": overflow}


def settings(**params):
    return vr.parse_settings({**PARAMS, **params})


def client(config, budget=None):
    return vr.VectraClient(config, budget or vr.Budget(50), sleep=lambda seconds: None)


def modified(last_update=LAST_UPDATE, budget=None, **params):
    config = settings(**params)
    return vr.get_modified_remote_data(client(config, budget), config, {"lastUpdate": last_update}).modified_incident_ids


def remote_data(detection_id="7", last_update=LAST_UPDATE, **params):
    config = settings(**params)
    return vr.get_remote_data(client(config), config, {"id": detection_id, "lastUpdate": last_update})


def run_main(mocker, command, args, **params):
    """One command run the way the platform starts it; returns the results spy."""
    mocker.patch.object(demisto, "command", return_value=command)
    mocker.patch.object(demisto, "args", return_value=args)
    mocker.patch.object(demisto, "params", return_value={**PARAMS, **params})
    mocker.patch.object(demisto, "error")  # return_error logs through it (the mock prints it)
    results = mocker.patch.object(demisto, "results")
    with contextlib.suppress(SystemExit):  # return_error ends the run
        vr.main()
    return results


# --- get-modified-remote-data -------------------------------------------------------------------------------------


def test_detections_fetch_saw_change_are_handed_out_without_a_request_of_their_own(mocker, vectra, platform):
    """Fetch reads the events stream anyway and notes the detections whose events it read (not their creation):
    mirroring hands exactly those out, and the next cycle only what fetch read after."""
    mocker.patch.object(demisto, "getLastRun", return_value={})
    mocker.patch.object(demisto, "setLastRun")
    mocker.patch.object(demisto, "incidents")
    stream = [event(101, "new", 5, event_timestamp="2026-11-01T11:05:00Z"),
              event(102, "new", 6, event_timestamp="2026-11-01T11:06:00Z"),
              event(103, "adjust", 5, event_timestamp="2026-11-01T11:07:00Z"),
              event(104, "triage", 6, event_timestamp="2026-11-01T11:08:00Z")]
    serve_events(vectra, stream)
    config = settings()
    vr.fetch_incidents(client(config), config)
    fetch_requests = len(api_calls(vectra))

    assert modified() == ["5", "6"]
    assert len(api_calls(vectra)) == fetch_requests
    assert platform.cycle_range == (100, 104)
    assert platform.stored("changed") == {"start": 104, "end": 104, "ids": "", "overflow": False}

    stream.append(event(105, "append", 6, event_timestamp="2026-11-01T11:09:00Z"))
    vr.fetch_incidents(client(config), config)
    assert modified("2026-11-01T11:01:00Z") == ["6"] and platform.cycle_range == (104, 105)


def test_when_fetch_sees_too_many_detections_change_it_notes_the_range_and_mirroring_reads_it(mocker, vectra,
                                                                                              platform):
    """Fetch keeps at most 1000 changed detections in the integration context (it must stay small); past that it
    keeps the range only, and mirroring reads that part of the stream itself."""
    mocker.patch.object(demisto, "getLastRun", return_value={})
    mocker.patch.object(demisto, "setLastRun")
    incidents = mocker.patch.object(demisto, "incidents")
    changes = vr.MAX_CHANGED_IDS + 1
    serve_events(vectra, [event(n, "adjust", 5000 + n, triaged=True, event_timestamp="2026-11-01T11:05:00Z")
                          for n in range(1, changes + 1)])  # triaged: changes, no incidents
    config = settings()
    vr.fetch_incidents(client(config), config)
    assert incidents.call_args == call([])
    assert platform.stored("changed") == noted(0, changes, set(), overflow=True)

    handed = modified()
    assert len(handed) == changes and handed[0] == "5001" and platform.cycle_range == (0, changes)
    assert [query["from"] for query in event_queries(vectra)[-2:]] == [["0"], ["1000"]]


def test_before_fetch_has_run_no_incident_can_have_changed(vectra, platform):
    assert modified() == []
    assert api_calls(vectra) == [] and platform.mirror_run == {}


def test_changes_fetch_notes_while_mirroring_takes_its_own_are_kept_for_the_next_cycle(vectra, platform):
    """Fetch writes its note between mirroring's read and write: mirroring's write is refused (the context version
    moved), done again over fetch's note, and removes only what it handed out."""
    platform.put("changed", noted(50, 102, {5, 6}))
    platform.interleaved.append(lambda store: store.put("changed", noted(50, 110, {5, 6, 9})))

    assert modified() == ["5", "6"]
    assert platform.stored("changed") == noted(102, 110, {9})
    assert modified("2026-11-01T11:01:00Z") == ["9"] and platform.cycle_range == (102, 110)
    assert api_calls(vectra) == []


@pytest.mark.parametrize(("answer", "noted_end", "expected_ids", "expected_end"), [
    pytest.param(page([event(101, "append", 5), event(103, "adjust", 6), event(104, "adjust", 8)], remaining=3),
                 103, ["5", "6"], 103, id="an event past the noted range is left to the next cycle"),
    pytest.param(page([event(101, "append", 5)]), 110, ["5"], 110,
                 id="the stream ends inside the range: the whole range is covered"),
    pytest.param(page([{"id": "not a number"}], remaining=5, checkpoint=200), 150, [], 150,
                 id="a page of nothing usable steps to the checkpoint, no further than the range"),
])
def test_when_fetch_noted_too_many_changes_mirroring_reads_that_range_itself(vectra, platform, answer, noted_end,
                                                                             expected_ids, expected_end):
    platform.put("changed", noted(100, noted_end, set(), overflow=True))
    vectra.get(EVENTS, **answer)

    assert modified() == expected_ids
    assert platform.cycle_range == (100, expected_end)
    assert [query["from"] for query in event_queries(vectra)] == [["100"]]
    assert platform.stored("changed") == noted(expected_end, max(noted_end, expected_end), set())


def test_a_cycle_asked_again_hands_out_its_detections_again_with_the_new_ones(vectra, platform):
    """The platform asks from the same lastUpdate when the previous cycle did not finish (a get-remote-data failed):
    what that cycle handed out may not have reached the incidents, so it comes again, over both cycles' events."""
    platform.put("changed", noted(50, 102, {6, 5}))
    assert modified(LAST_UPDATE) == ["5", "6"]
    platform.put("changed", noted(102, 110, {9}))
    assert modified(LAST_UPDATE) == ["5", "6", "9"] and platform.cycle_range == (50, 110)
    platform.put("changed", noted(110, 115, {4}))
    assert modified("2026-11-01T11:01:00Z") == ["4"] and platform.cycle_range == (110, 115)
    assert api_calls(vectra) == []


def test_a_cycle_asked_again_leaves_out_what_it_brought_up_to_date_before_it_stopped(vectra, platform):
    """Detection 5 was pulled before the cycle failed on 6: asked again, only 6 comes, with the new 9; 5 comes again
    only if it changed since (then fetch noted it among the new ones)."""
    platform.put("changed", noted(50, 102, {5, 6, 7}))
    assert modified(LAST_UPDATE) == ["5", "6", "7"]
    serve_events(vectra, [event(101, "adjust", 5)])
    remote_data("5")
    platform.put("changed", noted(102, 110, {9}))
    assert modified(LAST_UPDATE) == ["6", "7", "9"]
    platform.put("changed", noted(110, 115, {5}))
    assert modified(LAST_UPDATE) == ["5", "6", "7", "9"]  # asked again once more: 5 changed after its pull


def test_a_cycle_too_large_to_remember_is_read_again_from_the_stream_when_asked_again(vectra, platform):
    """Past 1000 detections a cycle keeps only its range (the mirror run stays small); asked again, it reads that
    range of the stream again."""
    many = [event(100 + n, "adjust", 1000 + n) for n in range(1, vr.MAX_CHANGED_IDS + 2)]
    serve_events(vectra, many)
    end = many[-1]["id"]
    platform.put("changed", noted(100, end, set(), overflow=True))
    assert len(modified(LAST_UPDATE)) == vr.MAX_CHANGED_IDS + 1
    assert "ids" not in platform.mirror_run and len(json.dumps(platform.mirror_run)) < 200

    platform.put("changed", noted(end, end, {5}))
    again = modified(LAST_UPDATE)
    assert len(again) == vr.MAX_CHANGED_IDS + 2 and "5" in again and platform.cycle_range == (100, end)
    assert [query["from"] for query in event_queries(vectra)] == [["100"], [str(end - 1)]] * 2


def test_without_fetch_mirroring_reads_the_stream_from_its_own_cursor(vectra, platform):
    platform.mirror_run = {"cursor": 100, "previous": 90, "last_update": "2026-11-01T10:00:00Z"}
    serve_events(vectra, [event(99, "adjust", 3), event(101, "new", 5), event(102, "append", 6),
                          event(103, "adjust", 6), event(104, "investigation_status", 5)])

    assert modified(isFetch=False) == ["6", "5"]  # in the order they changed; a creation is not a change
    assert platform.cycle_range == (100, 104) and platform.mirror_run["last_update"] == LAST_UPDATE
    (query,) = event_queries(vectra)
    assert query["from"] == ["100"] and query["limit"] == ["1000"] and query["ordering"] == ["id"]
    assert "size" not in query  # the basic events name the detection: enough


def test_without_fetch_a_cycle_asked_again_reads_again_from_its_start(vectra, platform):
    platform.mirror_run = {"cursor": 100}
    stream = [event(101, "adjust", 5)]
    serve_events(vectra, stream)
    assert modified(isFetch=False) == ["5"]
    stream.append(event(102, "adjust", 6))
    assert modified(isFetch=False) == ["5", "6"] and platform.cycle_range == (100, 102)
    assert [query["from"] for query in event_queries(vectra)] == [["100"], ["100"]]


TIMED_STREAM = [event(100, "adjust", 3, event_timestamp="2026-11-01T10:30:00Z"),
                event(101, "adjust", 5, event_timestamp="2026-11-01T11:00:00Z"),
                event(102, "adjust", 6, event_timestamp="2026-11-01T11:59:00Z")]


@pytest.mark.parametrize(("last_update", "stream", "since", "expected_ids", "expected_start"), [
    ("2026-11-01T11:00:00Z", TIMED_STREAM, "2026-11-01T11:00:00Z", ["5", "6"], 100),
    ("2026-11-01T11:00:00", TIMED_STREAM, "2026-11-01T11:00:00Z", ["5", "6"], 100),  # no zone: UTC
    ("", TIMED_STREAM, NOW, [], 102),  # nothing since now: from the newest event
    ("2026-11-01T11:00:00Z", [], "2026-11-01T11:00:00Z", [], 0),  # an empty stream
])
def test_without_fetch_the_first_cycle_starts_at_the_platforms_last_update(vectra, platform, last_update, stream, since,
                                                                           expected_ids, expected_start):
    serve_events(vectra, stream)
    assert modified(last_update, isFetch=False) == expected_ids
    assert platform.cycle_range[0] == expected_start
    first = event_queries(vectra)[0]
    assert (first["event_timestamp_gte"], first["limit"], first["ordering"]) == ([since.lower()], ["1"], ["id"])


def test_a_cycle_hands_out_at_most_5000_detections_and_the_next_continues(vectra, platform):
    platform.mirror_run = {"cursor": 0}
    serve_events(vectra, [event(n, "adjust", n) for n in range(1, vr.MIRROR_MAX_DETECTIONS + 2)])

    first = modified(isFetch=False)
    assert len(first) == vr.MIRROR_MAX_DETECTIONS and len(event_queries(vectra)) == 5
    assert platform.cycle_range == (0, vr.MIRROR_MAX_DETECTIONS)
    assert modified("2026-11-01T11:01:00Z", isFetch=False) == [str(vr.MIRROR_MAX_DETECTIONS + 1)]


class SlowVectra:
    """A clock for a run's time budget on which every request to Vectra takes `seconds`."""

    def __init__(self, api, seconds):
        self.now = 0.0
        api.add_matcher(lambda request: setattr(self, "now", self.now + seconds))  # matches nothing: only counts

    def __call__(self):
        return self.now


def test_a_cycle_stops_inside_its_time_budget_and_the_next_continues_there(vectra, platform):
    platform.mirror_run = {"cursor": 0}
    serve_events(vectra, [event(n, "adjust", n) for n in range(1, 1501)])
    budget = vr.Budget(50, SlowVectra(vectra, 46))

    assert len(modified(isFetch=False, budget=budget)) == 1000
    assert platform.cycle_range == (0, 1000) and len(event_queries(vectra)) == 1
    assert len(modified("2026-11-01T11:01:00Z", isFetch=False)) == 500


def test_a_noted_range_read_only_in_part_is_read_on_in_the_next_cycle(vectra, platform):
    platform.put("changed", noted(100, 1600, set(), overflow=True))
    serve_events(vectra, [event(100 + n, "adjust", n) for n in range(1, 1501)])

    assert len(modified(budget=vr.Budget(50, SlowVectra(vectra, 46)))) == 1000
    assert platform.cycle_range == (100, 1100)
    assert platform.stored("changed") == noted(1100, 1600, set(), overflow=True)
    assert len(modified("2026-11-01T11:01:00Z")) == 500
    assert platform.cycle_range == (1100, 1600) and platform.stored("changed") == noted(1600, 1600, set())


@pytest.mark.parametrize(("pages", "expected_ids", "expected_end", "froms"), [
    pytest.param([page([{"id": "x"}, {"detection_id": 3}], remaining=10, checkpoint=150),
                  page([event(150, "adjust", 9), event(151, "adjust", 4)])], ["4"], 151, [["100"], ["150"]],
                 id="stepped over by the checkpoint; an event seen before is skipped"),
    pytest.param([page([{"id": "x"}], remaining=10, checkpoint=100)], [], 100, [["100"]],
                 id="a checkpoint that does not move ends the cycle: the next reads from the same place"),
])
def test_pages_of_unusable_events(vectra, platform, pages, expected_ids, expected_end, froms):
    platform.mirror_run = {"cursor": 100}
    vectra.get(EVENTS, pages)
    assert modified(isFetch=False) == expected_ids
    assert platform.cycle_range == (100, expected_end)
    assert [query["from"] for query in event_queries(vectra)] == froms


@pytest.mark.parametrize("direction", ["", "None", "Outgoing"])
def test_without_incoming_mirroring_nothing_is_asked(vectra, platform, direction):
    platform.put("changed", noted(50, 102, {5}))
    assert modified(mirror_direction=direction) == []
    assert api_calls(vectra) == [] and platform.mirror_run == {} and platform.stored("changed") == noted(50, 102, {5})


def test_a_failed_cycle_leaves_the_mirror_run_so_the_platform_asks_again(mocker, vectra, platform):
    platform.mirror_run = {"cursor": 100, "previous": 90, "last_update": "2026-11-01T10:00:00Z"}
    vectra.get(EVENTS, status_code=400, json={"detail": "bad checkpoint"})
    results = run_main(mocker, "get-modified-remote-data", {"lastUpdate": LAST_UPDATE}, isFetch=False)
    (entry,), _ = results.call_args
    assert entry["Type"] == EntryType.ERROR
    assert entry["Contents"].startswith("skip update. error: ") and "bad checkpoint" in entry["Contents"]
    assert platform.mirror_run == {"cursor": 100, "previous": 90, "last_update": "2026-11-01T10:00:00Z"}


@pytest.mark.parametrize("next_last_update", [LAST_UPDATE, "2026-11-01T11:01:00Z"],
                         ids=["the platform asks again", "the platform moves on"])
def test_a_cycle_whose_pull_failed_is_handed_out_again_whatever_the_platform_asks_next(vectra, platform,
                                                                                     next_last_update):
    """Whether the platform asks again from the same lastUpdate after a failed cycle or moves on to a new one is
    recorded nowhere: a get-remote-data that fails notes its cycle, and the next cycle covers that one again."""
    platform.put("changed", noted(50, 102, {6, 5}))
    assert modified(LAST_UPDATE) == ["5", "6"]
    vectra.get(EVENTS, status_code=500, json={"detail": "down"})
    with pytest.raises(Exception, match="down"):
        remote_data("5")
    assert platform.stored("pull_again")["failed_cycle"] == 102
    platform.put("changed", noted(102, 110, {9}))
    assert modified(next_last_update) == ["5", "6", "9"] and platform.cycle_range == (50, 110)
    assert platform.stored("pull_again") == {"failed_cycle": None, "ids": ""}
    platform.put("changed", noted(110, 115, {4}))
    assert modified("2026-11-01T11:02:00Z") == ["4"]  # covered once: the cycle after is a cycle of its own


def test_without_a_failed_pull_a_new_last_update_is_a_new_cycle(vectra, platform):
    platform.put("changed", noted(50, 102, {6, 5}))
    assert modified(LAST_UPDATE) == ["5", "6"]
    platform.put("changed", noted(102, 110, {9}))
    assert modified("2026-11-01T11:01:00Z") == ["9"] and platform.cycle_range == (102, 110)


def test_a_failure_noted_while_a_cycle_takes_the_last_one_is_kept(vectra, platform):
    earlier, noted_meanwhile = vr.PullAgain(102, {7}), vr.PullAgain(110, {7, 8})
    assert noted_meanwhile.without(earlier) == vr.PullAgain(110, {8})
    assert vr.PullAgain(102, {7, 8}).without(earlier) == vr.PullAgain(None, {8})


# --- get-remote-data -----------------------------------------------------------------------------------------------

N1 = {"id": 1, "note": "first", "created_by": "mdr", "date_created": "2026-11-01T10:00:00Z", "date_modified": None}
N2 = {"id": 2, "note": "second", "created_by": "mdr", "date_created": "2026-11-01T11:30:00Z", "date_modified": None}
N1_EDITED = {**N1, "note": "first, edited", "date_modified": "2026-11-01T11:40:00Z", "modified_by": "analyst"}
FROM_XSOAR = {"id": 3, "note": "[Mirrored From XSOAR] XSOAR Incident ID: 42\nNote: hello",
              "date_created": "2026-11-01T11:50:00Z"}


def delivered_notes(response):
    """The Vectra notes an update brought to the War Room, by their text."""
    return [entry["Contents"].split("\n")[1] for entry in response.entries
            if isinstance(entry["Contents"], str) and "\nNote: " in entry["Contents"]]


def incident_changes(response):
    """The close or reopen an update asks of the incident."""
    return [entry["Contents"] for entry in response.entries if isinstance(entry["Contents"], dict)]


def test_remote_data_is_one_request_for_the_latest_events_of_the_detection(vectra, platform):
    platform.mirror_run = {"previous": 20, "cursor": 30}
    serve_events(vectra, [event(15, "append", tags=["a"], notes=[N1], threat=40),
                          event(25, "adjust", tags=["b"], notes=[N1, N2], investigation_status="escalated"),
                          event(26, "adjust", detection_id=8)])
    response = remote_data()

    (query,) = event_queries(vectra)
    assert query == {"detection_id": ["7"], "ordering": ["-id"], "limit": ["50"], "size": ["detailed"],
                     "include_info_category": ["true"], "include_triaged": ["true"]}
    mirrored = response.mirrored_object
    assert (mirrored["investigation_status"], mirrored["tags"], mirrored["threat"]) == ("escalated", ["b"], 40)
    assert (mirrored["detection_id"], mirrored["mirror_id"], mirrored["mirror_direction"], mirrored["mirror_instance"],
            mirrored["mirror_tags"]) == (7, "7", "Both", "vectra_1", ["note"])
    assert delivered_notes(response) == ["Note: second"]


MERGES = [
    ("only a creation", [event(1, "new", threat=10, tags=["a"])], {"threat": 10, "tags": ["a"], "change_type": "new"}),
    ("a state change newer than the activity wins, its tags too",
     [event(1, "append", threat=10, tags=["a"]), event(2, "investigation_status", threat=20, tags=["b"],
                                                          investigation_status="escalated")],
     {"threat": 20, "tags": ["b"], "investigation_status": "escalated", "change_type": "investigation_status"}),
    ("activity newer than the state change wins, its tags are the detection's",
     [event(3, "adjust", threat=20, tags=["x", "y"]), event(4, "append", threat=30, tags=["y", "z"])],
     {"threat": 30, "tags": ["y", "z"], "change_type": "append"}),
    ("a tag removed in Vectra leaves the incident",
     [event(1, "new", tags=["triage-me", "vip"]), event(2, "adjust", tags=["vip"])], {"tags": ["vip"]}),
    ("every tag removed in Vectra", [event(1, "append", tags=["a"]), event(2, "adjust", tags=[])], {"tags": []}),
    ("other string lists are merged", [event(1, "new", mitre=["T1"]), event(2, "triage", mitre=["T2"])],
     {"mitre": ["T2", "T1"], "change_type": "triage"}),
    ("the latest of each kind is used",
     [event(1, "new", threat=1, mitre=["old"]), event(2, "append", threat=2, mitre=["new"]),
      event(3, "adjust", threat=3, mitre=[]), event(4, "state", threat=4, state="fixed")],
     {"threat": 4, "state": "fixed", "change_type": "state", "mitre": ["new"]}),
    ("only state changes", [event(5, "adjust", threat=5), event(6, "triage", threat=6)], {"threat": 6, "change_type": "triage"}),
    ("a newer null replaces an older value", [event(1, "append", dst_host={"id": 1}), event(2, "adjust", dst_host=None)],
     {"dst_host": None}),
    ("an event of another kind alone", [event(1, "custom", threat=9)], {"threat": 9, "change_type": "custom"}),
]


@pytest.mark.parametrize(("events", "expected"), [m[1:] for m in MERGES], ids=[m[0] for m in MERGES])
def test_the_incident_gets_the_latest_activity_merged_with_the_latest_state(vectra, events, expected):
    serve_events(vectra, events)
    mirrored = remote_data().mirrored_object
    assert {key: mirrored.get(key) for key in expected} == expected


@pytest.mark.parametrize(("cycle", "events", "last_update", "expected"), [
    pytest.param({"previous": 10, "cursor": 20}, [event(10, "new", notes=[N1]), event(20, "adjust", notes=[N1, N2, FROM_XSOAR])],
                 LAST_UPDATE, ["Note: second"], id="only the notes since the previous cycle, none mirrored from XSOAR"),
    pytest.param({"previous": 20, "cursor": 30}, [event(10, "new", notes=[N1]), event(20, "adjust", notes=[N1, N2])],
                 LAST_UPDATE, [], id="nothing new since the previous cycle"),
    pytest.param({"previous": 10, "cursor": 20}, [event(10, "new", notes=[N1]), event(20, "adjust", notes=[N1_EDITED])],
                 LAST_UPDATE, ["Note: first, edited"], id="a note edited in Vectra comes again"),
    # the incident was made from the `new` event and last updated after the note was written: news all the same
    pytest.param({"previous": 25, "cursor": 31}, [event(27, "new", notes=[N1]), event(31, "adjust", notes=[N1, N2])],
                 NOW, ["Note: second"], id="a detection born in the cycle: its first event is the baseline, whatever the clocks"),
    pytest.param({"previous": 25, "cursor": 30}, [event(30, "adjust", notes=[N1, N2])],
                 LAST_UPDATE, ["Note: second"], id="no baseline in the page: notes after the incident's last update"),
])
def test_notes_added_in_vectra_reach_the_war_room_once(vectra, platform, cycle, events, last_update, expected):
    platform.mirror_run = cycle
    serve_events(vectra, events)
    assert delivered_notes(remote_data(last_update=last_update)) == expected


@pytest.mark.parametrize(("last_update", "expected"), [
    ("2026-11-01T11:00:00Z", ["Note: second"]),
    ("2026-11-01T11:00:00", ["Note: second"]),  # no zone: UTC
    ("", ["Note: first", "Note: second"]),
])
def test_before_any_cycle_notes_after_the_last_update_are_taken(vectra, platform, last_update, expected):
    serve_events(vectra, [event(30, "adjust", notes=[N1, N2, FROM_XSOAR])])
    assert delivered_notes(remote_data(last_update=last_update)) == expected
    assert platform.stored("delivered") is None


def test_a_vectra_note_becomes_a_war_room_note_saying_who_wrote_it_and_when(vectra, platform):
    platform.mirror_run = {"previous": 10, "cursor": 20}
    serve_events(vectra, [event(10, "new", notes=[N1, N2]), event(20, "adjust", notes=[N1_EDITED, N2, {**N2, "id": 4}])])
    edited, other = remote_data().entries
    assert edited == {"Type": EntryType.NOTE, "ContentsFormat": "text", "Note": True,
                      "Contents": "[Mirrored From Vectra] (edited)\nNote: first, edited\nAdded By: analyst\n"
                                  "Added At: 2026-11-01T11:40:00Z"}  # no mirror tag: never sent back to Vectra
    assert other["Contents"] == "[Mirrored From Vectra]\nNote: second\nAdded By: mdr\nAdded At: 2026-11-01T11:30:00Z"


def test_a_detection_pulled_again_in_a_repeated_cycle_gets_only_what_came_after_its_delivery(vectra, platform):
    serve_events(vectra, [event(15, "append", notes=[N1]), event(25, "adjust", notes=[N1, N2])])
    platform.mirror_run = {"previous": 20, "cursor": 30}
    assert delivered_notes(remote_data()) == ["Note: second"]
    platform.mirror_run = {"previous": 20, "cursor": 40}  # the platform asked again from the same start
    assert delivered_notes(remote_data()) == []
    platform.mirror_run = {"previous": 40, "cursor": 50}  # the next cycle: marks of earlier ends are dropped
    remote_data()
    assert list(platform.stored("delivered")) == ["50"]


def test_a_note_and_a_close_landing_while_the_cycle_runs_are_delivered_once_in_the_next_cycle(vectra, platform):
    """The cycle covers events 20-30; a note (event 31) and a close (event 32) arrive before get-remote-data runs.
    They belong to the next cycle (31-40), which starts from this cycle's end: delivered there, and only there."""
    n3 = {**N2, "id": 3, "note": "landed mid-cycle"}
    serve_events(vectra, [event(15, "append", notes=[N1]), event(25, "adjust", notes=[N1, N2]),
                          event(31, "adjust", notes=[N1, N2, n3]),
                          event(32, "state", state="fixed", reason="benign", notes=[N1, N2, n3])])
    delivered = []
    for cycle in ({"previous": 20, "cursor": 30}, {"previous": 30, "cursor": 40}, {"previous": 40, "cursor": 50}):
        platform.mirror_run = cycle
        response = remote_data()
        delivered.append(delivered_notes(response) + ["close" for _ in incident_changes(response)])
    assert delivered == [["Note: second"], ["Note: landed mid-cycle", "close"], []]


@pytest.mark.parametrize(("reason", "close_reason"), [("benign", "Other"), ("remediated", "Resolved"), (None, "Other")])
def test_a_close_in_vectra_closes_the_incident_once(vectra, platform, reason, close_reason):
    serve_events(vectra, [event(10, "append"), event(21, "state", state="fixed", **({"reason": reason} if reason else {}))])
    platform.mirror_run = {"previous": 20, "cursor": 30}
    response = remote_data()
    notes = f"Closed in Vectra: detection 7 was closed in Vectra as {reason or 'unspecified'}."
    assert response.entries == [
        {"Type": EntryType.NOTE, "ContentsFormat": "json",
         "Contents": {"dbotIncidentClose": True, "closeReason": close_reason, "closeNotes": notes}},
        {"Type": EntryType.NOTE, "ContentsFormat": "text", "Note": True, "Contents": f"[Mirrored From Vectra] {notes}"}]
    assert platform.stored("inbound") == {"7": "close"}  # update-remote-system will not push this close back
    assert response.mirrored_object["state"] == "fixed"

    platform.mirror_run = {"previous": 30, "cursor": 40}
    assert remote_data().entries == []


def test_a_reopen_in_vectra_reopens_the_incident(vectra, platform):
    serve_events(vectra, [event(21, "state", state="fixed", reason="remediated"), event(22, "state", state="active")])
    platform.mirror_run = {"previous": 21, "cursor": 30}
    assert remote_data().entries == [
        {"Type": EntryType.NOTE, "ContentsFormat": "json", "Contents": {"dbotIncidentReopen": True}},
        {"Type": EntryType.NOTE, "ContentsFormat": "text", "Note": True,
         "Contents": "[Mirrored From Vectra] Detection 7 was reopened in Vectra."}]
    assert platform.stored("inbound") == {"7": "reopen"}


@pytest.mark.parametrize(("outbound", "expected_changes"), [
    ("close", []),
    ("reopen", [{"dbotIncidentClose": True, "closeReason": "Resolved",
                 "closeNotes": "Closed in Vectra: detection 7 was closed in Vectra as remediated."}]),
])
def test_a_close_xsoar_made_is_not_echoed_back_in(vectra, platform, outbound, expected_changes):
    platform.put("outbound", {"7": outbound})
    serve_events(vectra, [event(21, "state", state="fixed", reason="remediated")])
    platform.mirror_run = {"previous": 20, "cursor": 30}
    assert incident_changes(remote_data()) == expected_changes
    assert platform.stored("outbound") == {}  # the mark is used once


def test_without_close_incident_on_detection_closure_the_incident_stays_open(vectra, platform):
    serve_events(vectra, [event(21, "state", state="fixed", reason="benign")])
    platform.mirror_run = {"previous": 20, "cursor": 30}
    response = remote_data(close_incident_on_detection_closure=False)
    assert response.entries == [] and response.mirrored_object["state"] == "fixed"
    assert platform.stored("inbound") is None


def test_echo_marks_stay_bounded(vectra, platform):
    platform.put("inbound", {str(detection): "close" for detection in range(1000, 1000 + vr.MAX_ECHO_MARKS)})
    serve_events(vectra, [event(21, "state", state="fixed", reason="benign")])
    platform.mirror_run = {"previous": 20, "cursor": 30}
    remote_data()
    marks = platform.stored("inbound")
    assert len(marks) == vr.MAX_ECHO_MARKS and marks["7"] == "close" and "1000" not in marks and "1001" in marks


def test_a_mirror_id_that_is_not_a_detection_id_is_refused(vectra):
    with pytest.raises(vr.DemistoException, match="'7-host' is not a Vectra detection ID"):
        remote_data("7-host")
    assert api_calls(vectra) == []


def test_a_detection_without_events_is_an_empty_update(mocker, vectra, platform):
    serve_events(vectra, [])
    platform.mirror_run = {"previous": 20, "cursor": 30}
    results = run_main(mocker, "get-remote-data", {"id": "7", "lastUpdate": LAST_UPDATE})
    assert results.call_args_list == [call(None)]
    assert platform.stored("delivered") is None


def test_get_remote_data_through_main_hands_the_incident_and_its_entries_to_the_platform(mocker, vectra, platform):
    serve_events(vectra, [event(10, "new", notes=[N1]), event(20, "adjust", notes=[N1, N2], threat=50)])
    platform.mirror_run = {"previous": 10, "cursor": 20}
    results = run_main(mocker, "get-remote-data", {"id": "7", "lastUpdate": LAST_UPDATE})
    (handed,), _ = results.call_args
    assert handed[0]["threat"] == 50 and handed[0]["mirror_id"] == "7"
    assert [entry["Contents"].split("\n")[1] for entry in handed[1:]] == ["Note: second"]


def test_throttled_beyond_the_time_budget_says_api_rate_limit(mocker, vectra):
    vectra.get(EVENTS, status_code=429, headers={"Retry-After": "300"}, json={"detail": "throttled"})
    results = run_main(mocker, "get-remote-data", {"id": "7", "lastUpdate": LAST_UPDATE})
    (entry,), _ = results.call_args
    assert entry["Type"] == EntryType.ERROR and "API rate limit" in entry["Contents"]
    assert SECRET not in json.dumps([c.args for c in results.call_args_list + demisto.error.call_args_list])
    assert len(event_queries(vectra)) == 1  # no waiting past the budget


# --- update-remote-system ------------------------------------------------------------------------------------------

INCIDENT = {"id": "42", "dbotMirrorDirection": "Both", "vectraruxentityid": 9, "vectraruxentitytype": "host",
            "vectraruxdetectiontags": ["a", "b"]}
CLOSED = {"closeReason": "Resolved", "closeNotes": "Host reimaged", "closingUserId": "jane"}
REOPENED = {"closingUserId": "", "runStatus": ""}


@pytest.fixture
def detection(vectra):
    """Detection 7 in Vectra, active, tagged a and b; every change it is sent succeeds."""
    vectra.get(DETECTIONS, json={"count": 1, "results": [{"id": 7, "state": "active"}]})
    for path in ("", "/close", "/open"):
        vectra.patch(f"{DETECTIONS}{path}", json=SUCCESS)
    vectra.post(f"{DETECTIONS}/7/notes", status_code=201, json={"id": 1, "note": "added"})
    vectra.get(f"{API}/tagging/detection/7", json={"status": "success", "tag_id": "7", "tags": ["a", "b"]})
    vectra.patch(f"{API}/tagging/detection/7", json={"status": "success", "tag_id": "7", "tags": []})
    vectra.patch(f"{API}/entities/9", json=SUCCESS)
    return vectra


def in_vectra(api, state=None, tags=None):
    if state is not None:
        api.get(DETECTIONS, json={"count": 1, "results": [{"id": 7, "state": state}]})
    if tags is not None:
        api.get(f"{API}/tagging/detection/7", json={"status": "success", "tag_id": "7", "tags": tags})


def push(delta=None, entries=None, status=IncidentStatus.ACTIVE, incident=None, remote_id="7", **params):
    config = settings(**params)
    args = {"remoteId": remote_id, "data": {**INCIDENT, **(incident or {})}, "delta": delta or {},
            "entries": entries or [], "status": status, "incidentChanged": bool(delta)}
    return vr.update_remote_system(client(config), config, args)


def status(value):
    return ("PATCH", "/api/v3.5/detections", {"detectionIdList": [7], "investigation_status": value})


def note_sent(text):
    return ("POST", "/api/v3.5/detections/7/notes", {"note": text})


def test_the_published_integrations_recorded_update_is_pushed(vectra, platform):
    """The arguments the platform sent the published integration: its tags are added to Vectra's and its War Room
    note is added to the detection (status DONE without a close in the delta closes nothing)."""
    args = json.loads((TEST_DATA / "VectraRUX_mirroring_test_update_remote_system_args.json").read_text())
    vectra.get(f"{API}/tagging/detection/12345", json={"status": "success", "tag_id": "12345", "tags": ["vectra-side"]})
    vectra.patch(f"{API}/tagging/detection/12345", json={"status": "success", "tag_id": "12345", "tags": []})
    vectra.post(f"{DETECTIONS}/12345/notes", status_code=201, json={"id": 1})
    config = settings()

    assert vr.update_remote_system(client(config), config, args) == "12345"
    assert writes(vectra) == [
        ("PATCH", "/api/v3.5/tagging/detection/12345", {"tags": ["vectra-side", "tag1", "tag2"]}),
        ("POST", "/api/v3.5/detections/12345/notes",
         {"note": "[Mirrored From XSOAR] XSOAR Incident ID: 456\nNote: Test note contents\nAdded By: user1"})]
    assert platform.stored("pushed") == {}


def test_field_changes_are_pushed(detection):
    assert push({"vectraruxinvestigationstatus": "Paused", "vectraruxexternalreferenceid": "INC-1"}) == "7"
    assert writes(detection) == [status("paused"),
                                 ("PATCH", "/api/v3.5/detections", {"detectionIdList": [7], "external_reference_id": "INC-1"})]


def test_an_unknown_investigation_status_is_refused_and_the_rest_still_goes(detection):
    with pytest.raises(vr.DemistoException, match="'bogus' is not one of open, acknowledged"):
        push({"vectraruxinvestigationstatus": "bogus", "vectraruxexternalreferenceid": ""})
    assert writes(detection) == [("PATCH", "/api/v3.5/detections", {"detectionIdList": [7], "external_reference_id": ""})]


@pytest.mark.parametrize(("xsoar_tags", "vectra_tags", "expected"), [
    pytest.param(["a", "c"], ["a", "b", "vectra-only"], ["a", "vectra-only", "c"],
                 id="the analyst removed b and added c; a tag added in Vectra meanwhile stays"),
    pytest.param("a, c", ["a", "b"], ["a", "c"], id="tags as comma-separated text"),
    pytest.param([], ["a", "b", "c"], ["c"], id="every tag of the incident removed"),
])
def test_tag_changes_are_applied_to_vectras_current_list(detection, xsoar_tags, vectra_tags, expected):
    in_vectra(detection, tags=vectra_tags)
    push({"tags": xsoar_tags})
    assert writes(detection) == [("PATCH", "/api/v3.5/tagging/detection/7", {"tags": expected})]


@pytest.mark.parametrize(("xsoar_tags", "vectra_tags", "reads"), [
    pytest.param(["b", "a"], ["a", "b"], 0, id="the same tags in another order: not even a read"),
    pytest.param(["a", "b", "c"], ["a", "b", "c"], 1, id="Vectra has the addition already"),
])
def test_tags_vectra_already_has_write_nothing(detection, xsoar_tags, vectra_tags, reads):
    in_vectra(detection, tags=vectra_tags)
    push({"tags": xsoar_tags})
    assert writes(detection) == [] and len(api_calls(detection)) == reads


def test_tags_vectra_would_refuse_are_reported_and_the_others_added(detection):
    with pytest.raises(vr.DemistoException, match="Tags not sent to Vectra .*: bad/tag"):
        push({"tags": ["a", "b", "bad/tag", "ok"]})
    assert writes(detection) == [("PATCH", "/api/v3.5/tagging/detection/7", {"tags": ["a", "b", "ok"]})]


@pytest.mark.parametrize("delta", [{"vectraruxentityunresolvedprioritystatus": False},
                                   {"vectraruxentityunresolvedprioritystatus": "false"},
                                   {"vectraruxentityprioritystatus": "Not Prioritized"}])
def test_clearing_the_priority_in_xsoar_resets_the_entitys_unresolved_priority(detection, delta):
    push(delta)
    ((method, path, body),) = writes(detection)
    assert (method, path, body) == ("PATCH", "/api/v3.5/entities/9", {"unresolved_priority": "False"})
    assert api_calls(detection)[-1].qs == {"type": ["host"]}


@pytest.mark.parametrize(("incident", "answer", "message"), [
    ({}, {"status_code": 400, "json": {"detail": "entity is above the threshold"}}, "entity is above the threshold"),
    ({"vectraruxentityid": None}, None, "the incident has no Vectra entity ID and type"),
    ({"vectraruxentitytype": "router"}, None, "the incident has no Vectra entity ID and type"),
])
def test_a_priority_reset_that_cannot_be_done_is_reported(detection, incident, answer, message):
    if answer:
        detection.patch(f"{API}/entities/9", **answer)
    with pytest.raises(vr.DemistoException, match=message):
        push({"vectraruxentityunresolvedprioritystatus": False}, incident=incident)


def test_war_room_notes_become_detection_notes_marked_as_mirrored_from_xsoar(detection):
    push(entries=[{"id": "e1", "type": "note", "contents": "Contained.", "user": "jane"},
                  {"ID": "e2", "Contents": "No user known."},
                  {"id": "e3", "contents": "[Mirrored From Vectra]\nNote: from MDR", "user": "x"},
                  {"id": "e4", "contents": "   "}])
    assert writes(detection) == [
        note_sent("[Mirrored From XSOAR] XSOAR Incident ID: 42\nNote: Contained.\nAdded By: jane"),
        note_sent("[Mirrored From XSOAR] XSOAR Incident ID: 42\nNote: No user known.\nAdded By: XSOAR")]


def test_a_note_too_long_for_vectra_is_reported_not_cut_and_the_rest_still_goes(detection):
    header = len("[Mirrored From XSOAR] XSOAR Incident ID: 42\nNote: \nAdded By: XSOAR")
    fits = "y" * (vr.MAX_NOTE_LENGTH - header)
    with pytest.raises(vr.DemistoException, match="e9 was not added to Vectra detection 7: .* 8001 .* at most 8000"):
        push({"vectraruxinvestigationstatus": "paused"}, entries=[{"id": "e9", "contents": fits + "x"},
                                                                  {"id": "e10", "contents": fits}])
    assert writes(detection) == [status("paused"),
                                 note_sent(f"[Mirrored From XSOAR] XSOAR Incident ID: 42\nNote: {fits}\nAdded By: XSOAR")]


@pytest.mark.parametrize("entries", [
    pytest.param([{"id": "e1", "contents": "short note", "user": "jane"}, {"id": "e2", "contents": "x" * 9000}],
                 id="by entry ID"),
    pytest.param([{"contents": "short note", "user": "jane"}, {"contents": "x" * 9000}], id="by content, without IDs"),
])
def test_a_failed_update_retried_by_the_platform_adds_each_note_once(detection, platform, entries):
    for _ in range(3):
        with pytest.raises(vr.DemistoException, match="8000"):
            push(entries=entries)
    assert [path for _, path, _ in writes(detection)] == ["/api/v3.5/detections/7/notes"]
    assert list(platform.stored("pushed")) == ["7"]
    push(entries=[{"id": "e3", "contents": "next"}])  # an update that succeeds whole forgets what was pushed
    assert platform.stored("pushed") == {}


def test_the_pushed_marks_of_detections_stay_bounded(detection, platform):
    platform.put("pushed", {str(d): ["e"] for d in range(1000, 1000 + vr.MAX_PUSHED_DETECTIONS)})
    with pytest.raises(vr.DemistoException):
        push(entries=[{"id": "e1", "contents": "ok"}, {"id": "e2", "contents": "x" * 9000}])
    marks = platform.stored("pushed")
    assert len(marks) == vr.MAX_PUSHED_DETECTIONS and marks["7"] == ["e1"] and "1000" not in marks


@pytest.mark.parametrize(("params", "closed", "reason", "note"), [
    ({}, CLOSED, "remediated",
     "[Mirrored From XSOAR] XSOAR Incident ID: 42 was closed.\nClose Reason: Resolved\nClose Notes: Host reimaged"),
    ({"close_reason_of_detection": "Benign"}, {"closeReason": "False Positive", "closingUserId": "jane"}, "benign",
     "[Mirrored From XSOAR] XSOAR Incident ID: 42 was closed.\nClose Reason: False Positive"),
])
def test_closing_the_incident_closes_the_detection(detection, platform, params, closed, reason, note):
    push(closed, status=IncidentStatus.DONE, incident=closed, **params)
    assert writes(detection) == [("PATCH", "/api/v3.5/detections/close", {"detectionIdList": [7], "reason": reason}),
                                 status("closed"), note_sent(note)]
    assert platform.stored("outbound") == {"7": "close"}  # get-remote-data will not bring this close back


def test_a_detection_vectra_does_not_list_is_closed_all_the_same(detection):
    detection.get(DETECTIONS, json={"count": 0, "results": []})
    push(CLOSED, status=IncidentStatus.DONE)
    assert [path for _, path, _ in writes(detection)][0] == "/api/v3.5/detections/close"


@pytest.mark.parametrize(("incident", "marks", "params"), [
    pytest.param({"closeNotes": "Closed in Vectra: detection 7 was closed in Vectra as benign."}, {}, {},
                 id="the incident was closed by incoming mirroring"),
    pytest.param({}, {"inbound": {"7": "close"}}, {}, id="the close came from Vectra"),
    pytest.param({}, {}, {"close_detection_on_incident_closure": False}, id="closing detections is off"),
])
def test_closes_that_came_from_vectra_or_are_not_wanted_are_not_pushed(detection, platform, incident, marks, params):
    for key, value in marks.items():
        platform.put(key, value)
    push({"closeReason": "Other", "closingUserId": "DBot"}, status=IncidentStatus.DONE, incident=incident, **params)
    assert api_calls(detection) == []


def test_a_detection_already_closed_in_vectra_is_not_closed_again(detection, platform):
    """A retried update, or both sides closing at once: Vectra's state decides."""
    in_vectra(detection, state="fixed")
    push(CLOSED, status=IncidentStatus.DONE)
    assert writes(detection) == [] and platform.stored("outbound") is None


@pytest.mark.parametrize(("state", "params", "expected"), [
    ("fixed", {"detection_status_for_reopen": "Open"},
     [("PATCH", "/api/v3.5/detections/open", {"detectionIdList": [7]}), status("open")]),
    ("active", {}, [status("escalated")]),
])
def test_reopening_the_incident_reopens_the_detection_only_when_vectra_needs_it(detection, platform, state, params,
                                                                                expected):
    in_vectra(detection, state=state)
    push(REOPENED, **params)
    assert writes(detection) == expected
    assert platform.stored("outbound") == ({"7": "reopen"} if state == "fixed" else None)


@pytest.mark.parametrize("params", [{}, {"open_detection_on_incident_reopen": False}],
                         ids=["reopening detections on", "reopening detections off"])
def test_an_incident_reopened_in_xsoar_is_brought_up_to_date_in_the_next_cycle(detection, platform, params):
    """A platform that does not mirror into closed incidents left it as it was when closed; whatever Vectra changed
    meanwhile reaches it in the next cycle, even when no event of Vectra's says the detection changed."""
    in_vectra(detection, state="active")
    push(REOPENED, **params)
    platform.put("changed", noted(50, 102, {5}))
    assert modified(LAST_UPDATE) == ["5", "7"]
    platform.put("changed", noted(102, 110, set()))
    assert modified("2026-11-01T11:01:00Z") == []


def test_the_pull_of_a_reopened_incident_brings_what_vectra_did_since_its_last_update_and_no_close(vectra, platform):
    """Closed, the incident may have had no incoming mirroring: the notes since its own last update reach it, and the
    state events it missed do not close it again over the analyst's reopen."""
    platform.mirror_run = {"previous": 40, "cursor": 60, "reopened": vr.encode_ids({7})}
    serve_events(vectra, [event(45, "state", state="fixed", notes=[N1]),
                          event(55, "adjust", notes=[N1, N2], investigation_status="escalated")])
    response = remote_data("7", last_update="2026-11-01T11:00:00Z")
    assert delivered_notes(response) == ["Note: second"]  # N1 came before the incident's last update
    assert incident_changes(response) == []
    assert response.mirrored_object["investigation_status"] == "escalated"


def test_a_reopen_that_came_from_vectra_is_not_pulled_again(detection, platform):
    """Incoming mirroring reopened the incident from the latest events: there is nothing to catch up with."""
    platform.put("inbound", {"7": "reopen"})
    push(REOPENED)
    assert platform.stored("pull_again") is None


def test_a_reopen_of_an_incident_not_mirrored_in_is_not_pulled(detection, platform):
    in_vectra(detection, state="active")
    push(REOPENED, incident={"dbotMirrorDirection": "Out"})
    assert platform.stored("pull_again") is None


@pytest.mark.parametrize(("marks", "params"), [
    pytest.param({"inbound": {"7": "reopen"}}, {}, id="the reopen came from Vectra"),
    pytest.param({}, {"open_detection_on_incident_reopen": False}, id="reopening detections is off"),
])
def test_reopens_that_came_from_vectra_or_are_not_wanted_are_not_pushed(detection, platform, marks, params):
    for key, value in marks.items():
        platform.put(key, value)
    push(REOPENED, **params)
    assert api_calls(detection) == []
    assert platform.stored("inbound") in (None, {})


def test_an_update_is_pushed_in_the_order_an_analyst_works(detection):
    in_vectra(detection, state="fixed")
    push({**REOPENED, "vectraruxinvestigationstatus": "acknowledged"}, entries=[{"id": "e1", "contents": "Back on it."}],
         detection_status_for_reopen="Open")
    assert writes(detection) == [("PATCH", "/api/v3.5/detections/open", {"detectionIdList": [7]}), status("open"),
                                 status("acknowledged"),
                                 note_sent("[Mirrored From XSOAR] XSOAR Incident ID: 42\nNote: Back on it.\nAdded By: XSOAR")]


@pytest.mark.parametrize(("incident_direction", "instance_direction", "pushed"), [
    ("In", "Incoming And Outgoing", False),
    ("", "Incoming", False),
    ("", "", False),
    ("Out", "Incoming", True),  # the incident's own direction wins
])
def test_only_incidents_mirroring_out_are_pushed(detection, incident_direction, instance_direction, pushed):
    push({"vectraruxinvestigationstatus": "paused"}, incident={"dbotMirrorDirection": incident_direction},
         mirror_direction=instance_direction)
    assert writes(detection) == ([status("paused")] if pushed else [])


def test_a_remote_id_that_is_not_a_detection_id_pushes_nothing(detection):
    assert push({"vectraruxinvestigationstatus": "paused"}, remote_id="7-host") == "7-host"
    assert api_calls(detection) == []


# --- both ways: no echo --------------------------------------------------------------------------------------------


def test_a_close_from_vectra_applied_to_the_incident_is_not_pushed_back(detection, platform):
    serve_events(detection, [event(21, "state", state="fixed", reason="benign")])
    platform.mirror_run = {"previous": 20, "cursor": 30}
    (close, _note) = remote_data().entries
    push({"closeReason": close["Contents"]["closeReason"], "closingUserId": "DBot"}, status=IncidentStatus.DONE)
    assert writes(detection) == [] and platform.stored("inbound") == {}


def test_a_close_from_xsoar_seen_in_vectras_events_does_not_close_the_incident_again(detection, platform):
    push(CLOSED, status=IncidentStatus.DONE)
    serve_events(detection, [event(21, "state", state="fixed", reason="remediated")])
    platform.mirror_run = {"previous": 20, "cursor": 30}
    assert incident_changes(remote_data()) == [] and platform.stored("outbound") == {}


# --- get-mapping-fields and the platform's entry points ------------------------------------------------------------

OUTGOING = {"vectraruxinvestigationstatus", "vectraruxexternalreferenceid", "vectraruxentityunresolvedprioritystatus",
            "vectraruxentityprioritystatus", "tags", "closeReason", "closeNotes"}


def test_the_mapping_lists_every_field_pushed_to_vectra(mocker):
    results = run_main(mocker, "get-mapping-fields", {})
    (mapping,), _ = results.call_args
    assert list(mapping) == ["Vectra RUX Events Detection"]
    assert set(mapping["Vectra RUX Events Detection"]) == OUTGOING
    assert all(mapping["Vectra RUX Events Detection"].values())  # each with a description


def test_get_modified_remote_data_through_main(mocker, vectra, platform):
    platform.mirror_run = {"cursor": 1}
    serve_events(vectra, [event(2, "append", 8)])
    results = run_main(mocker, "get-modified-remote-data", {"lastUpdate": LAST_UPDATE}, isFetch=False,
                       mirror_direction="Incoming")
    assert results.call_args_list == [call({"Contents": ["8"], "Type": EntryType.NOTE, "ContentsFormat": "json"})]
    assert platform.cycle_range == (1, 2) and platform.mirror_run["last_update"] == LAST_UPDATE


def test_update_remote_system_through_main_answers_the_detection_id(mocker, detection):
    args = {"remoteId": "7", "data": INCIDENT, "delta": {"vectraruxinvestigationstatus": "paused"}, "entries": [],
            "status": IncidentStatus.ACTIVE, "incidentChanged": True}
    results = run_main(mocker, "update-remote-system", args)
    assert results.call_args_list == [call("7")] and writes(detection) == [status("paused")]


def test_a_refused_update_is_an_error_entry_the_platform_retries(mocker, detection):
    detection.patch(DETECTIONS, status_code=403, json={"detail": "not allowed"})
    args = {"remoteId": "7", "data": INCIDENT, "delta": {"vectraruxinvestigationstatus": "paused"}, "entries": [],
            "status": IncidentStatus.ACTIVE, "incidentChanged": True}
    results = run_main(mocker, "update-remote-system", args)
    (entry,), _ = results.call_args
    assert entry["Type"] == EntryType.ERROR and "with HTTP 403: not allowed" in entry["Contents"]

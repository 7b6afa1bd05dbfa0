"""Unit tests of the Vectra RUX Event Collector, run through `main()` as the platform runs it.

The platform is demistomock, patched: the instance's parameters, the command and its arguments, the integration
context and the last run (kept in a dict), results and log lines (spied). Vectra is served by requests-mock from
recorded-shape answers (test_data/: the events and snapshots Elastic's vectra_rux integration records, each file says
which). XSIAM is `send_events_to_xsiam`, patched where the collector looks it up (one call is one POST to XSIAM's
collector); two tests answer its HTTP instead, to pin what the platform's own function does for the collector (a 429
tried again, a run with nothing new reported). The clock is frozen at NOW, after the recorded events.
"""

import contextlib
import gzip
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import demistomock as demisto
import pytest
import VectraRUXEventCollector as ec
from freezegun import freeze_time

TEST_DATA = Path(__file__).parent / "test_data"
URL = "https://vectra.test"
XSIAM_COLLECTOR = "https://api-xsiam.test/logs/v1/xsiam"
NOW = datetime(2025, 4, 20, 12, 0, tzinfo=timezone.utc)  # after the last recorded event (2025-04-18)
COLLECTED = "2025-04-20T12:00:00.000000Z"  # NOW as `_time`: an event without a readable time of its own
SECRET = "s3cret-Client-Key"
ADDED = ("_time", "source_stream", "snapshot_id", "snapshot_size")  # what the collector adds to Vectra's fields


def recorded(stream: str):
    """Vectra's answer for a stream, as recorded (see the file's `_source`)."""
    return json.loads((TEST_DATA / f"VectraRUXEventCollector_test_{stream}.json").read_text())["answer"]


def stamp(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def audit(event_id: int, minutes_ago: float = 60) -> dict:
    return {**recorded("audits")["events"][1], "id": event_id, "event_timestamp": stamp(minutes_ago)}


def scoring(event_id: int, kind: str, minutes_ago: float = 60) -> dict:
    template = next(e for e in recorded("entity_scoring")["events"] if e["type"] == kind)
    return {**template, "id": event_id, "event_timestamp": stamp(minutes_ago)}


def detection(event_id: int, minutes_ago: float = 60) -> dict:
    return {**recorded("detections")["events"][0], "id": event_id, "event_timestamp": stamp(minutes_ago)}


def vectras_fields(event: dict) -> dict:
    return {key: value for key, value in event.items() if key not in ADDED}


def params(**overrides) -> dict:
    return {"server_url": URL, "credentials": {"identifier": "client-id", "password": SECRET}, "first_fetch": "1 day",
            **overrides}


# --- the platform, Vectra and XSIAM ---------------------------------------------------------------------------------


class Platform:
    """demistomock patched for one instance: what it stores between runs (integration context, last run) and what a
    run hands back (results entries, log lines)."""

    def __init__(self, mocker):
        self.mocker = mocker
        self.context: dict = {}
        self.last_run: dict = {}
        mocker.patch.object(demisto, "getIntegrationContext", side_effect=lambda: self.context)
        mocker.patch.object(demisto, "setIntegrationContext", side_effect=self._set_context)
        mocker.patch.object(demisto, "getLastRun", side_effect=lambda: self.last_run)
        self.set_last_run = mocker.patch.object(demisto, "setLastRun", side_effect=self._set_last_run)
        self.results = mocker.patch.object(demisto, "results")
        self.logs = [mocker.patch.object(demisto, level) for level in ("debug", "info", "error")]

    def _set_context(self, context):
        self.context = context

    def _set_last_run(self, last_run):
        self.last_run = last_run

    def run(self, command: str, args: dict | None = None, **overrides):
        """One run of `command` with the instance's parameters (changed by `overrides`); its last results entry."""
        self.mocker.patch.object(demisto, "command", return_value=command)
        self.mocker.patch.object(demisto, "args", return_value=args or {})
        self.mocker.patch.object(demisto, "params", return_value=params(**overrides))
        with contextlib.suppress(SystemExit):  # return_error exits, as on the platform
            ec.main()
        return self.results.call_args.args[0] if self.results.called else None

    def streams_state(self) -> dict:
        """The collector's checkpoints and digests as the integration context holds them (a JSON string)."""
        return json.loads(self.context.get("streams", "{}"))

    def everything_shown(self) -> str:
        calls = [self.results, *self.logs]
        return json.dumps([str(call) for mock in calls for call in mock.call_args_list])


class Vectra:
    """Vectra's API over requests-mock. /events/<stream> pages its events as the API does (`from`, `limit`,
    `event_timestamp_gte`, `type`) in the recorded page shape (events, next_checkpoint, remaining_count); /lockdown
    answers its list and /health its object. `throttle` answers the next event pages 429."""

    def __init__(self, requests_mock):
        self.streams: dict[str, list] = {"audits": [], "detections": [], "entity_scoring": []}
        self.lockdown: list = recorded("lockdown")
        self.health: dict = recorded("health")
        self.queries: list[tuple[str, dict]] = []
        self.throttled = 0
        requests_mock.post(f"{URL}/oauth2/token", json={"access_token": "token", "expires_in": 3600, "refresh_token": "r"})
        requests_mock.get(re.compile(rf"{URL}/api/v3\.5/events/\w+"), json=self._page)
        requests_mock.get(f"{URL}/api/v3.5/lockdown", json=lambda request, context: self._snapshot(request, self.lockdown))
        requests_mock.get(f"{URL}/api/v3.5/health", json=lambda request, context: self._snapshot(request, self.health))

    def _query(self, request) -> tuple[str, dict]:
        name = urlsplit(request.url).path.rsplit("/", 1)[-1]
        query = {key: values[-1] for key, values in parse_qs(urlsplit(request.url).query).items()}
        self.queries.append((name, query))
        return name, query

    def _snapshot(self, request, answer):
        self._query(request)
        return answer

    def _page(self, request, context):
        stream, query = self._query(request)
        if self.throttled:
            self.throttled -= 1
            context.status_code, context.headers["Retry-After"] = 429, "0"
            return {"detail": "Request was throttled."}
        after = int(query.get("from", 0))
        selected = [e for e in self.streams[stream] if not isinstance(e, dict) or (  # odd events are answered as they are
            e["id"] > after and self._not_before(e.get("event_timestamp"), query.get("event_timestamp_gte"))
            and ("type" not in query or e.get("type") == query["type"]))]
        page = selected[:int(query.get("limit", 1000))]
        dicts = [e for e in page if isinstance(e, dict)]
        return {"events": page, "next_checkpoint": dicts[-1]["id"] if dicts else after,
                "remaining_count": len(selected) - len(page)}

    @staticmethod
    def _not_before(timestamp, gte) -> bool:
        dated = isinstance(timestamp, str) and re.match(r"\d{4}-", timestamp)
        return not (gte and dated) or timestamp >= gte

    def asked(self, name: str) -> list[dict]:
        return [query for asked, query in self.queries if asked == name]


class Xsiam:
    """`send_events_to_xsiam` patched in the collector's module: each call is one POST to XSIAM's collector. The
    calls numbered in `refused` fail as the platform's function fails when the collector refuses a batch."""

    def __init__(self, mocker):
        self.posts: list[list[dict]] = []
        self.refused: set[int] = set()
        self.send = mocker.patch.object(ec, "send_events_to_xsiam", side_effect=self._send)

    def _send(self, events, vendor, product, **kwargs):
        if self.send.call_count in self.refused:
            raise ec.DemistoException("Error sending new events into XSIAM.\nInternal Server Error")
        self.posts.append(list(events))

    def events(self, stream: str | None = None) -> list[dict]:
        return [e for post in self.posts for e in post if stream is None or e["source_stream"] == stream]

    def ids(self, stream: str | None = None) -> list:
        return [e["id"] for e in self.events(stream)]


@pytest.fixture(autouse=True)
def frozen_clock():
    with freeze_time(NOW):
        yield


@pytest.fixture
def platform(mocker):
    return Platform(mocker)


@pytest.fixture
def vectra(requests_mock):
    return Vectra(requests_mock)


@pytest.fixture
def xsiam(mocker):
    return Xsiam(mocker)


# --- every event carries its own time ------------------------------------------------------------------------------


@pytest.mark.parametrize(("option", "stream", "times"), [
    ("Audits", "audits", ["2025-01-01T00:00:00.000000Z", "2025-03-03T06:42:20.000000Z"]),  # with and without .000
    ("Detection events", "detections", ["2022-09-12T16:31:35.000000Z", "2024-10-23T10:16:42.000000Z"]),
    ("Entity scoring", "entity_scoring", ["2022-08-07T00:14:31.000000Z", "2023-08-30T20:10:08.000000Z"]),  # host, account
    ("Lockdown", "lockdown", ["2023-03-06T22:30:06.000000Z", "2024-03-01T18:20:20.000000Z"]),  # lock_event_timestamp
    ("Health", "health", ["2025-04-15T09:39:45.146000Z"]),  # event_timestamp, not its sections' later updated_at
])
def test_each_stream_sends_its_events_with_their_own_time(platform, vectra, xsiam, option, stream, times):
    answer = recorded(stream)  # a page of events, the lockdown list or the health object
    items = answer if isinstance(answer, list) else answer.get("events", [answer])
    if stream in vectra.streams:
        vectra.streams[stream] = items
    platform.run("fetch-events", event_streams=option, first_fetch="2022-01-01T00:00:00Z")
    sent = xsiam.events()
    assert [e["_time"] for e in sent] == times
    assert {e["source_stream"] for e in sent} == {stream}
    assert sorted(map(vectras_fields, sent), key=json.dumps) == sorted(items, key=json.dumps)  # Vectra's fields as they came


@pytest.mark.parametrize("timestamp", [None, "", "not a time", 1745143200, "missing"])
def test_an_event_without_a_readable_time_of_its_own_is_sent_with_the_time_it_was_collected(platform, vectra, xsiam,
                                                                                          timestamp):
    odd = detection(1)
    if timestamp == "missing":
        del odd["event_timestamp"]
    else:
        odd["event_timestamp"] = timestamp
    vectra.streams["detections"] = [odd, detection(2, minutes_ago=10)]
    platform.run("fetch-events", event_streams="Detection events")
    first, second = xsiam.events()
    assert first["_time"] == COLLECTED and vectras_fields(first) == odd  # its own field sent as it came
    assert second["_time"] == "2025-04-20T11:50:00.000000Z"
    assert platform.streams_state()["detections"] == {"cp": 2}


def test_malformed_events_are_sent_not_lost(platform, vectra, xsiam):
    vectra.streams["detections"] = ["garbage", detection(1, minutes_ago=10), 42]
    platform.run("fetch-events", event_streams="Detection events")
    garbage, good, number = xsiam.events()
    assert (garbage["raw"], garbage["_time"]) == ("garbage", COLLECTED) and number["raw"] == 42
    assert good["id"] == 1 and platform.streams_state()["detections"] == {"cp": 1}


def test_a_health_answer_without_event_timestamp_is_sent_with_the_time_it_was_collected(platform, vectra, xsiam):
    vectra.health = {key: value for key, value in recorded("health").items() if key != "event_timestamp"}
    platform.run("fetch-events", event_streams="Health")
    (health,) = xsiam.events()
    assert health["_time"] == COLLECTED and health["cpu"] == vectra.health["cpu"]


# --- paged streams: checkpoints ------------------------------------------------------------------------------------


def test_first_fetch_starts_at_first_fetch_time_and_pages_to_the_end(platform, vectra, xsiam):
    vectra.streams["audits"] = [audit(i, minutes_ago=2000 if i <= 1000 else 1000 - i // 10) for i in range(1, 2501)]
    platform.run("fetch-events", event_streams="Audits")  # First Fetch Time 1 day: the first 1,000 are older
    assert xsiam.ids("audits") == list(range(1001, 2501))
    assert [len(post) for post in xsiam.posts] == [1000, 500]  # a page is one POST
    assert xsiam.send.call_args.args[1:] == ("Vectra", "RUX")  # the dataset vectra_rux_raw
    assert platform.streams_state()["audits"] == {"cp": 2500}
    first, *rest = vectra.asked("audits")
    assert first["event_timestamp_gte"] == "2025-04-19T12:00:00Z" and "from" not in first
    assert [query["from"] for query in rest] == ["2000"]


def test_a_caught_up_stream_sends_nothing_new_until_vectra_has_more(platform, vectra, xsiam):
    vectra.streams["audits"] = [audit(1), audit(2)]
    platform.run("fetch-events", event_streams="Audits")
    platform.run("fetch-events", event_streams="Audits")
    assert xsiam.ids("audits") == [1, 2]
    vectra.streams["audits"].append(audit(3, minutes_ago=1))
    platform.run("fetch-events", event_streams="Audits")
    assert xsiam.ids("audits") == [1, 2, 3]


def test_an_empty_stream_keeps_no_checkpoint_and_later_events_are_collected(platform, vectra, xsiam):
    platform.run("fetch-events", event_streams="Audits")
    assert "audits" not in platform.streams_state()  # nothing yet: the next run asks from First Fetch Time again
    vectra.streams["audits"] = [audit(7, minutes_ago=2)]
    platform.run("fetch-events", event_streams="Audits")
    assert xsiam.ids("audits") == [7]


def test_entity_scoring_keeps_a_checkpoint_per_entity_type(platform, vectra, xsiam):
    vectra.streams["entity_scoring"] = [scoring(1, "host"), scoring(2, "account"), scoring(3, "host")]
    platform.run("fetch-events", event_streams="Entity scoring")
    assert sorted(xsiam.ids("entity_scoring")) == [1, 2, 3]
    state = platform.streams_state()
    assert state["entity_scoring_host"] == {"cp": 3} and state["entity_scoring_account"] == {"cp": 2}
    assert {query["type"] for query in vectra.asked("entity_scoring")} == {"host", "account"}


def test_max_events_per_stream_stops_a_run_and_the_next_continues(platform, vectra, xsiam):
    vectra.streams["audits"] = [audit(i) for i in range(1, 26)]
    platform.run("fetch-events", event_streams="Audits", max_events_per_fetch="10")
    assert len(xsiam.events()) == 10 and platform.streams_state()["audits"] == {"cp": 10}
    assert vectra.asked("audits")[0]["limit"] == "10"
    for _ in range(2):
        platform.run("fetch-events", event_streams="Audits", max_events_per_fetch="10")
    assert xsiam.ids() == list(range(1, 26))


# --- XSIAM and Vectra refusing ------------------------------------------------------------------------------------


def test_a_refused_page_keeps_the_checkpoint_and_the_next_run_resends_only_it(platform, vectra, xsiam):
    vectra.streams["audits"] = [audit(i) for i in range(1, 2501)]
    xsiam.refused = {2}
    entry = platform.run("fetch-events", event_streams="Audits")
    assert entry["Type"] == 4 and "Error sending new events into XSIAM" in entry["Contents"]
    assert platform.streams_state()["audits"] == {"cp": 1000}  # only past the page XSIAM accepted
    platform.run("fetch-events", event_streams="Audits")
    assert xsiam.ids() == list(range(1, 2501))  # nothing twice, nothing skipped


@pytest.fixture
def xsiam_http(mocker, requests_mock):
    """XSIAM's HTTP collector behind the platform's own send_events_to_xsiam (not patched): it answers 429, then
    accepts. Gives the POSTs it received and the spy on the module health the platform's function reports to."""
    mocker.patch.object(demisto, "getLicenseCustomField",
                        side_effect={"Http_Connector.url": "xsiam.test", "Http_Connector.token": "collector-token"}.get)
    mocker.patch.object(demisto, "callingContext", {"context": {"IntegrationBrand": ec.BRAND, "IntegrationInstance": "c"}})
    mocker.patch("time.sleep")  # the platform waits between attempts
    health = mocker.patch.object(demisto, "updateModuleHealth")
    posts = requests_mock.post(XSIAM_COLLECTOR, [{"status_code": 429, "json": {"error": "rate limited"}},
                                                 {"status_code": 200, "json": {"error": "false"}}])
    return posts, health


def posted_events(request) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(request.body).decode().splitlines()]


def test_xsiam_answering_429_is_tried_again_by_the_platform_and_nothing_is_lost(platform, vectra, xsiam_http):
    posts, _ = xsiam_http
    vectra.streams["audits"] = [audit(1), audit(2)]
    platform.run("fetch-events", event_streams="Audits")
    first, second = posts.request_history  # 429, then accepted
    assert posted_events(first) == posted_events(second) and [e["id"] for e in posted_events(second)] == [1, 2]
    assert second.headers["vendor"] == "Vectra" and second.headers["product"] == "RUX"
    assert platform.streams_state()["audits"] == {"cp": 2} and not platform.results.called  # no error


def test_a_run_with_nothing_new_still_tells_xsiam_it_ran(platform, vectra, xsiam_http):
    posts, health = xsiam_http
    platform.run("fetch-events", event_streams="Audits")
    assert posts.call_count == 0 and health.call_args.args[0] == {"eventsPulled": 0}


def test_vectra_throttling_is_waited_out_and_the_page_collected(platform, vectra, xsiam):
    vectra.streams["audits"] = [audit(1)]
    vectra.throttled = 1  # 429 with Retry-After: 0
    platform.run("fetch-events", event_streams="Audits")
    assert len(vectra.asked("audits")) == 2 and xsiam.ids() == [1]


# --- snapshots -----------------------------------------------------------------------------------------------------


def test_lockdown_is_sent_when_it_changes(platform, vectra, xsiam):
    platform.run("fetch-events", event_streams="Lockdown")
    platform.run("fetch-events", event_streams="Lockdown")  # unchanged: nothing sent
    first = xsiam.events("lockdown")
    assert [e["entity_id"] for e in first] == [2, 1184] and {e["snapshot_size"] for e in first} == {2}
    vectra.lockdown = [{**vectra.lockdown[0], "unlock_event_timestamp": "2023-04-09T23:50:00Z"}]  # one unlocked, one renewed
    platform.run("fetch-events", event_streams="Lockdown")
    (renewed,) = xsiam.events("lockdown")[2:]
    assert renewed["unlock_event_timestamp"] == "2023-04-09T23:50:00Z" and renewed["snapshot_size"] == 1
    vectra.lockdown = []
    platform.run("fetch-events", event_streams="Lockdown")
    nothing_locked = xsiam.events("lockdown")[-1]
    assert nothing_locked["snapshot_size"] == 0 and nothing_locked["_time"] == COLLECTED
    assert len({e["snapshot_id"] for e in xsiam.events("lockdown")}) == 3


def with_clocks_moved(health: dict, minutes_ago: int) -> dict:
    """The same health, asked again `minutes_ago` before NOW: only the fields that say when Vectra looked moved."""
    later = json.loads(json.dumps(health))
    later["event_timestamp"] = stamp(minutes_ago)
    for section in later.values():
        if isinstance(section, dict) and "updated_at" in section:
            section["updated_at"] = stamp(minutes_ago).replace("T", " ").replace("Z", "+00:00")
    later["system"]["uptime"] = f"263 days, 18 hours, {60 - minutes_ago} minutes"
    later["system"]["version"]["gmt"] = stamp(minutes_ago)
    for sensor in later["sensors"]:
        sensor["last_seen"] = stamp(minutes_ago)
    return later


def test_health_is_sent_again_when_what_it_reports_changes_not_when_only_its_clocks_move(platform, vectra, xsiam):
    platform.run("fetch-events", event_streams="Health")
    vectra.health = with_clocks_moved(vectra.health, 50)
    platform.run("fetch-events", event_streams="Health")
    assert len(xsiam.events("health")) == 1  # identical health is not sent every run
    vectra.health = with_clocks_moved(vectra.health, 40)
    vectra.health["connectivity"]["sensors"][0]["status"] = "Down"
    platform.run("fetch-events", event_streams="Health")
    first, changed = xsiam.events("health")
    assert changed["connectivity"]["sensors"][0]["status"] == "Down" and changed["_time"] == "2025-04-20T11:20:00.000000Z"
    assert changed["snapshot_id"] != first["snapshot_id"]


# --- state ---------------------------------------------------------------------------------------------------------


def test_state_stays_bounded_whatever_the_history(platform, vectra, xsiam):
    vectra.streams = {"audits": [audit(i) for i in range(1, 3001)],
                      "detections": [detection(i) for i in range(1, 3001)],
                      "entity_scoring": [scoring(i, "host" if i % 2 else "account") for i in range(1, 3001)]}
    for _ in range(3):
        platform.run("fetch-events")
    assert len(xsiam.events()) == 9003  # every event, the lockdown entries and the health object
    assert len(json.dumps(platform.context)) + len(json.dumps(platform.last_run)) < 4096


def test_the_context_is_the_source_of_truth_and_the_last_run_a_copy(platform, vectra, xsiam):
    vectra.streams["audits"] = [audit(1), audit(2)]
    platform.run("fetch-events", event_streams="Audits")
    assert platform.set_last_run.call_args.args[0] == {"streams": {"audits": {"cp": 2}}}
    platform.context = {}  # the context was lost: the last run knows where the stream stands, and restores it
    platform.run("fetch-events", event_streams="Audits")
    assert platform.streams_state() == {"audits": {"cp": 2}}
    platform.run("fetch-events", event_streams="Audits")
    assert xsiam.ids() == [1, 2]
    platform.context = {"streams": json.dumps({"audits": {"cp": 1}})}  # the context wins over the last run
    platform.run("fetch-events", event_streams="Audits")
    assert xsiam.ids() == [1, 2, 2]


# --- settings, commands and test-module -----------------------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "message"), [
    ({"event_streams": "Audits,Alerts"}, '"Event Streams" may contain only Audits, Detection events'),
    ({"max_events_per_fetch": "0"}, '"Maximum events per stream per fetch" must be a whole number from 1 to 1,000,000'),
    ({"max_events_per_fetch": "many"}, '"Maximum events per stream per fetch" must be a whole number'),
    ({"first_fetch": "someday"}, '"First Fetch Time" must be a relative time'),
    ({"server_url": "vectra"}, '"Server URL" must be the Vectra platform'),
])
def test_bad_settings_name_the_parameter_before_any_request(platform, vectra, overrides, message):
    entry = platform.run("test-module", **overrides)
    assert entry["Type"] == 4 and f"Invalid integration parameters: {message}" in entry["Contents"]
    assert vectra.queries == []


@pytest.mark.parametrize(("selected", "asked"), [
    (None, {"audits", "detections", "entity_scoring", "lockdown", "health"}),  # none selected means all five
    ("Audits,Health", {"audits", "health"}),
])
def test_test_module_checks_every_selected_stream(platform, vectra, selected, asked):
    assert platform.run("test-module", event_streams=selected) == "ok"
    assert {name for name, _ in vectra.queries} == asked


def test_get_events_shows_and_only_pushes_when_asked(platform, vectra, xsiam):
    vectra.streams["audits"] = [audit(1, 2000), audit(2, 30), audit(3, 20)]
    shown = platform.run("vectra-rux-get-events", {"stream": "audits", "since": "1 hour", "limit": "1"})
    assert "Audits (audits): 1 event(s)" in shown["HumanReadable"] and "| 2 | 2025-04-20T11:30:00.000000Z |" in \
        shown["HumanReadable"] and "Shown only" in shown["HumanReadable"]
    assert [e["id"] for e in shown["Contents"]] == [2] and xsiam.posts == []
    pushed = platform.run("vectra-rux-get-events", {"stream": "audits", "since": "2 days", "should_push_events": "true"})
    assert xsiam.ids() == [1, 2, 3] and "Sent 3 event(s) to XSIAM." in pushed["HumanReadable"]
    assert "streams" not in platform.context  # checkpoints untouched


def test_get_events_shows_snapshots_with_their_own_time(platform, vectra, xsiam):
    shown = platform.run("vectra-rux-get-events", {"stream": "lockdown"})["HumanReadable"]
    assert "| 1 | 2023-03-06T22:30:06.000000Z | O365:jsmith@corp.example |" in shown
    health = platform.run("vectra-rux-get-events", {"stream": "health"})["HumanReadable"]
    assert "Health (health): 1 event(s)" in health and "2025-04-15T09:39:45.146000Z" in health
    assert xsiam.posts == []


@pytest.mark.parametrize(("args", "message"), [
    ({"limit": "5000"}, 'The argument "limit" must be a whole number from 1 to 1000; got "5000".'),
    ({"stream": "alerts"}, 'The argument "stream" must be one of: audits, detections, entity_scoring, lockdown, health'),
    ({"since": "later"}, 'The argument "since" must be a relative time'),
    ({"should_push_events": "maybe"}, 'The argument "should_push_events" must be true or false'),
])
def test_bad_arguments_name_the_argument_before_any_request(platform, vectra, args, message):
    entry = platform.run("vectra-rux-get-events", args)
    assert entry["Type"] == 4 and message in entry["Contents"] and vectra.queries == []


def test_an_unknown_command_is_refused(platform, vectra):
    entry = platform.run("vectra-rux-get-alerts")
    assert entry["Type"] == 4 and "vectra-rux-get-alerts is not implemented" in entry["Contents"]


def test_the_secret_never_shows(platform, vectra, requests_mock):
    requests_mock.post(f"{URL}/oauth2/token", status_code=401, json={"error": "invalid_client"})
    entry = platform.run("test-module")
    assert entry["Type"] == 4 and "verify the Client ID and Client Secret Key" in entry["Contents"]
    assert SECRET not in platform.everything_shown()

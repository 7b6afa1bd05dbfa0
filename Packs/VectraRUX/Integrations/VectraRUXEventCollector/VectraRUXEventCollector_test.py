"""Unit tests of the Vectra RUX Event Collector: each stream's paging and checkpoint, empty pages, malformed events,
First Fetch Time and `since`, snapshots sent on change, the collector refusing a page, bounded state, settings and
arguments. Vectra's streams and XSIAM's HTTP collector are both served by requests-mock."""

import contextlib
import gzip
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import demistomock as demisto
import pytest
import VectraRUXEventCollector as ec
from freezegun import freeze_time

URL = "https://vectra.test"
COLLECTOR = "https://api-xsiam.test/logs/v1/xsiam"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
SECRET = "s3cret-Client-Key"


def stamp(minutes_ago):
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def audit(event_id, minutes_ago=60):
    return {"id": event_id, "username": "analyst", "user_type": "JWT", "source_ip": "10.0.0.1", "result_status": "success",
            "event_object": "detection_tag", "event_action": "created", "message": f"change {event_id}",
            "event_timestamp": stamp(minutes_ago), "event_data": {}}


def scoring(event_id, kind, minutes_ago=60):
    return {"id": event_id, "entity_id": event_id % 7, "name": f"{kind}-{event_id}", "type": kind, "urgency_score": 50,
            "severity": "High", "event_timestamp": stamp(minutes_ago), "category": f"{kind.upper()} SCORING"}


class Vectra:
    """Vectra's streams over requests-mock: `from`, `limit`, `event_timestamp_gte` and `type` as the API applies them."""

    def __init__(self, mocker):
        self.streams = {"audits": [], "detections": [], "entity_scoring": []}
        self.lockdown: list = []
        self.health: dict = {"cpu": {"idle_percent": 80}, "updated": stamp(5)}
        self.queries: list[tuple[str, dict]] = []
        mocker.post(f"{URL}/oauth2/token", json={"access_token": "token", "expires_in": 3600, "refresh_token": "r"})
        mocker.get(re.compile(rf"{URL}/api/v3\.5/events/\w+"), json=self._page)
        mocker.get(f"{URL}/api/v3.5/lockdown", json=lambda request, context: self.lockdown)
        mocker.get(f"{URL}/api/v3.5/health", json=lambda request, context: self.health)

    def _page(self, request, context):
        stream = urlsplit(request.url).path.rsplit("/", 1)[-1]
        query = {key: values[-1] for key, values in parse_qs(urlsplit(request.url).query).items()}
        self.queries.append((stream, query))
        after = int(query.get("from", 0))
        selected = [e for e in self.streams[stream] if not isinstance(e, dict) or (
            e["id"] > after and e.get("event_timestamp", "") >= query.get("event_timestamp_gte", "")
            and ("type" not in query or e.get("type") == query["type"]))]
        page = selected[:int(query.get("limit", 500))]
        dicts = [e for e in page if isinstance(e, dict)]
        return {"events": page, "next_checkpoint": dicts[-1]["id"] if dicts else after,
                "remaining_count": len(selected) - len(page)}


class Collector:
    """XSIAM's HTTP collector: what it received, and the answers it gives (the last one repeats)."""

    def __init__(self, mocker):
        self.posts: list[list[dict]] = []
        self.answers = [(200, {"error": "false"})]
        mocker.post(COLLECTOR, json=self._receive)

    def _receive(self, request, context):
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        context.status_code = status
        if status == 200 and body.get("error") == "false":
            self.posts.append([json.loads(line) for line in gzip.decompress(request.body).decode().split("\n")])
        return body

    def events(self, stream=None):
        return [e for post in self.posts for e in post if stream is None or e["source_stream"] == stream]


@pytest.fixture
def vectra(requests_mock):
    return Vectra(requests_mock)


@pytest.fixture
def collector(requests_mock):
    return Collector(requests_mock)


@pytest.fixture(autouse=True)
def platform(invocation):
    invocation.license_fields = {"Http_Connector.url": "xsiam.test", "Http_Connector.token": "collector-token"}
    invocation.command = "fetch-events"
    invocation.params = params()
    with freeze_time(NOW):
        yield invocation


def params(**overrides):
    return {"server_url": URL, "credentials": {"identifier": "client-id", "password": SECRET}, "first_fetch": "1 day",
            **overrides}


def fetch(**overrides):
    settings = ec.parse_collector_settings(params(**overrides))
    return ec.fetch_events(ec.CollectorClient(settings, ec.Budget(150), sleep=lambda s: None), settings)


def state():
    return ec.read_context()["streams"]


# --- paged streams ------------------------------------------------------------------------------------------------


def test_first_fetch_starts_at_first_fetch_time_and_pages_to_the_end(vectra, collector):
    vectra.streams["audits"] = [audit(i, minutes_ago=2000 if i <= 1000 else 1000 - i // 10) for i in range(1, 2501)]
    fetch(event_streams="Audits")  # First Fetch Time 1 day: the first 1,000 are older
    sent = collector.events("audits")
    assert [e["id"] for e in sent] == list(range(1001, 2501))
    assert [len(post) for post in collector.posts] == [1000, 500]  # a page is one POST
    assert state()["audits"] == {"cp": 2500}
    first, *rest = [query for stream, query in vectra.queries if stream == "audits"]
    assert "event_timestamp_gte" in first and "from" not in first and all(q["from"] for q in rest)


def test_each_event_carries_its_own_time_and_its_stream(vectra, collector):
    vectra.streams["audits"] = [audit(1, minutes_ago=30)]
    fetch(event_streams="Audits")
    (event,) = collector.events()
    assert event["_time"] == "2026-11-20T11:30:00.000000Z" and event["source_stream"] == "audits"
    assert {key: event[key] for key in audit(1, 30)} == audit(1, 30)  # Vectra's fields as they came


def test_a_caught_up_stream_sends_nothing_new(vectra, collector):
    vectra.streams["audits"] = [audit(1), audit(2)]
    fetch(event_streams="Audits")
    fetch(event_streams="Audits")
    assert [e["id"] for e in collector.events("audits")] == [1, 2]
    vectra.streams["audits"].append(audit(3, minutes_ago=1))
    fetch(event_streams="Audits")
    assert [e["id"] for e in collector.events("audits")] == [1, 2, 3]


def test_an_empty_stream_keeps_no_checkpoint_and_later_events_are_collected(vectra, collector):
    fetch(event_streams="Audits")
    assert "audits" not in (ec.read_context().get("streams") or {})  # nothing yet: the next run asks from First Fetch Time again
    vectra.streams["audits"] = [audit(7, minutes_ago=2)]
    fetch(event_streams="Audits")
    assert [e["id"] for e in collector.events("audits")] == [7]


def test_entity_scoring_keeps_a_checkpoint_per_entity_type(vectra, collector):
    vectra.streams["entity_scoring"] = [scoring(1, "host"), scoring(2, "account"), scoring(3, "host")]
    fetch(event_streams="Entity scoring")
    assert sorted(e["id"] for e in collector.events("entity_scoring")) == [1, 2, 3]
    assert state()["entity_scoring_host"] == {"cp": 3} and state()["entity_scoring_account"] == {"cp": 2}
    assert {q.get("type") for s, q in vectra.queries if s == "entity_scoring"} == {"host", "account"}


def test_malformed_events_are_sent_not_lost(vectra, collector):
    vectra.streams["detections"] = [{"id": 1, "detection_id": 9, "event_timestamp": "not a time"}, "garbage",
                                    {"id": 2, "detection_id": 9, "event_timestamp": stamp(10)}]
    fetch(event_streams="Detection events")
    odd, raw, good = collector.events("detections")
    assert odd["_time"] == "2026-11-20T12:00:00.000000Z"  # no usable timestamp: when it was collected
    assert raw["raw"] == "garbage" and good["_time"] == "2026-11-20T11:50:00.000000Z"
    assert state()["detections"] == {"cp": 2}


def test_max_events_per_stream_stops_a_run_and_the_next_continues(vectra, collector):
    vectra.streams["audits"] = [audit(i) for i in range(1, 26)]
    fetch(event_streams="Audits", max_events_per_fetch="10")
    assert len(collector.events()) == 10 and state()["audits"] == {"cp": 10}
    fetch(event_streams="Audits", max_events_per_fetch="10")
    fetch(event_streams="Audits", max_events_per_fetch="10")
    assert [e["id"] for e in collector.events()] == list(range(1, 26))


# --- the collector refusing -----------------------------------------------------------------------------------------


def test_a_refused_page_keeps_the_checkpoint_and_the_next_run_resends_only_it(vectra, collector):
    vectra.streams["audits"] = [audit(i) for i in range(1, 2501)]
    collector.answers = [(200, {"error": "false"}), (500, {"error": "broke"}), (200, {"error": "false"})]
    with pytest.raises(ec.DemistoException, match="Error sending new events into XSIAM"):
        fetch(event_streams="Audits")
    assert state()["audits"] == {"cp": 1000}  # only past the page XSIAM accepted
    fetch(event_streams="Audits")
    assert [e["id"] for e in collector.events()] == list(range(1, 2501))  # nothing twice, nothing skipped


def test_a_429_is_tried_again_by_the_platform(vectra, collector, monkeypatch):
    monkeypatch.setattr(ec.time, "sleep", lambda seconds: None)
    vectra.streams["audits"] = [audit(1)]
    collector.answers = [(429, {"error": "rate"}), (200, {"error": "false"})]
    fetch(event_streams="Audits")
    assert [e["id"] for e in collector.events()] == [1] and state()["audits"] == {"cp": 1}


# --- snapshots ------------------------------------------------------------------------------------------------------


def test_snapshots_are_sent_when_they_change(vectra, collector):
    vectra.lockdown = [{"id": 1, "type": "host", "entity_id": 7, "entity_name": "h7", "lock_event_timestamp": stamp(90)}]
    fetch(event_streams="Lockdown,Health")
    fetch(event_streams="Lockdown,Health")  # unchanged: nothing sent
    (locked,), (health,) = collector.events("lockdown"), collector.events("health")
    assert locked["entity_id"] == 7 and locked["_time"] == "2026-11-20T10:30:00.000000Z" and locked["snapshot_size"] == 1
    assert health["cpu"] == {"idle_percent": 80} and health["_time"] == "2026-11-20T11:55:00.000000Z"
    vectra.lockdown = []
    fetch(event_streams="Lockdown,Health")
    nothing_locked = collector.events("lockdown")[-1]
    assert nothing_locked["snapshot_size"] == 0 and nothing_locked["snapshot_id"] != locked["snapshot_id"]


def test_a_run_with_nothing_new_still_tells_xsiam_it_ran(vectra, collector, platform):
    platform.record_platform_calls = True
    fetch(event_streams="Audits")
    assert ["updateModuleHealth", {"eventsPulled": 0}, False] in platform.platform_calls


def test_state_stays_bounded_whatever_the_history(vectra, collector):
    vectra.streams = {name: [audit(i) if name == "audits" else
                             {**scoring(i, "host" if i % 2 else "account"), "detection_id": i} for i in range(1, 3001)]
                      for name in vectra.streams}
    for _ in range(3):
        fetch()
    assert len(json.dumps(demisto.getIntegrationContext()["streams"])) + len(json.dumps(demisto.getLastRun())) < 4096


def test_the_context_is_the_source_of_truth_and_the_last_run_a_copy(vectra, collector, platform):
    vectra.streams["audits"] = [audit(1), audit(2)]
    fetch(event_streams="Audits")
    assert platform.last_run == {"streams": {"audits": {"cp": 2}}}
    platform.integration_context = demisto.IntegrationContextStore({})  # the context was lost: the last run knows
    fetch(event_streams="Audits")
    assert [e["id"] for e in collector.events()] == [1, 2]


# --- settings, command and test-module ------------------------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "message"), [
    ({"event_streams": "Audits,Alerts"}, '"Event Streams" may contain only Audits, Detection events'),
    ({"max_events_per_fetch": "0"}, '"Maximum events per stream per fetch" must be a whole number from 1 to 1,000,000'),
    ({"first_fetch": "someday"}, '"First Fetch Time" must be a relative time'),
    ({"server_url": "vectra"}, '"Server URL" must be the Vectra platform'),
])
def test_bad_settings_name_the_parameter(overrides, message):
    with pytest.raises(ec.SettingsError, match=re.escape(message)):
        ec.parse_collector_settings(params(**overrides))


def test_no_stream_selected_means_all_five():
    assert {s.marker for s in ec.parse_collector_settings(params()).streams} == set(ec.MARKERS)


def run(platform, command, args=None):
    platform.command, platform.args = command, args or {}
    with contextlib.suppress(SystemExit):
        ec.main()
    return platform.results[-1]


def test_get_events_shows_and_only_pushes_when_asked(vectra, collector, platform):
    vectra.streams["audits"] = [audit(1, 2000), audit(2, 30), audit(3, 20)]
    shown = run(platform, "vectra-rux-get-events", {"stream": "audits", "since": "1 hour", "limit": "1"})
    assert "Audits (audits): 1 event(s)" in shown["HumanReadable"] and collector.posts == []
    run(platform, "vectra-rux-get-events", {"stream": "audits", "since": "2 days", "should_push_events": "true"})
    assert [e["id"] for e in collector.events()] == [1, 2, 3] and ec.read_context().get("streams") is None


@pytest.mark.parametrize(("args", "message"), [
    ({"limit": "5000"}, 'The argument "limit" must be a whole number from 1 to 1000; got "5000".'),
    ({"stream": "alerts"}, 'The argument "stream" must be one of: audits, detections, entity_scoring, lockdown, health'),
    ({"since": "later"}, 'The argument "since" must be a relative time'),
    ({"should_push_events": "maybe"}, 'The argument "should_push_events" must be true or false'),
])
def test_bad_arguments_name_the_argument_before_any_request(vectra, platform, args, message):
    entry = run(platform, "vectra-rux-get-events", args)
    assert entry["Type"] == 4 and message in entry["Contents"] and vectra.queries == []


def test_test_module_checks_every_selected_stream(vectra, platform):
    assert run(platform, "test-module") == "ok"
    assert {stream for stream, _ in vectra.queries} == {"audits", "detections", "entity_scoring"}


def test_the_secret_never_shows(vectra, platform, requests_mock):
    requests_mock.post(f"{URL}/oauth2/token", status_code=401, json={"error": "invalid_client"})
    entry = run(platform, "test-module")
    assert entry["Type"] == 4 and SECRET not in json.dumps(platform.results) + json.dumps(platform.logs)

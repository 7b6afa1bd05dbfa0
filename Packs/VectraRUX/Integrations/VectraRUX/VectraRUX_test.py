"""Unit tests of the Vectra RUX integration: settings, client, fetch and test-module.

HTTP goes to requests-mock. `FakeVectra` serves the events stream recorded from the emulator
(`test_data/events_stream.json`, made by `python -m tools.record_test_data`) honouring `from`, `limit` and the
filters the integration sends, and can script failures (401, 429 with Retry-After, 5xx, broken connections).
`test_data/events_detections_response.json` is the reference sample's exact shape.
"""

import contextlib
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import demistomock as demisto
import pytest
import requests
import VectraRUX as vr
from freezegun import freeze_time

TEST_DATA = Path(__file__).parent / "test_data"
URL = "https://vectra.test"
NOW = "2026-11-01T12:00:00Z"
SECRET = "s3cret-Client-Key"
STREAM = json.loads((TEST_DATA / "events_stream.json").read_text())
SAMPLE = json.loads((TEST_DATA / "events_detections_response.json").read_text())
TOKEN = json.loads((TEST_DATA / "token_response.json").read_text())
PACK_METADATA = Path(__file__).resolve().parents[2] / "pack_metadata.json"


def make_params(**overrides):
    params = {
        "server_url": URL,
        "credentials": {"identifier": "client-id", "password": SECRET},
        "isFetch": True,
        "max_fetch": "50",
        "first_fetch": "2 days",
        "entity_types": ["Host", "Account"],
        "mirror_direction": "Incoming And Outgoing",
        "note_tag": "note",
    }
    params.update(overrides)
    return params


class FakeVectra:
    """Vectra's token and events endpoints over requests-mock, serving a recorded stream."""

    def __init__(self, mocker, events=STREAM):
        self.events = [dict(event) for event in events]
        self.calls: list[tuple[str, str, dict]] = []
        self.grants: list[str] = []
        self.scripted: list[tuple[int, dict, object]] = []   # answers for the next API calls
        self.scripted_tokens: list[int] = []                 # statuses for the next token requests
        self.valid_tokens: set[str] = set()
        self.user_agents: set[str] = set()
        self.throttle_after: int | None = None  # answer 429 (Retry-After 120) once this many API calls were made
        mocker.post(f"{URL}/oauth2/token", json=self._token)
        mocker.get(re.compile(rf"{URL}/api/v3\.5/events/detections"), json=self._events)
        mocker.get(re.compile(rf"{URL}/api/v3\.5/detections"), json=self._detections)
        mocker.post(re.compile(rf"{URL}/api/v3\.5/detections"), json=self._detections)

    def expire_tokens(self):
        self.valid_tokens.clear()

    def api_calls(self, path_part=""):
        return [call for call in self.calls if path_part in call[1]]

    def _token(self, request, context):
        form = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
        grant_type = form["grant_type"][0]
        self.grants.append(grant_type)
        self.user_agents.add(request.headers.get("User-Agent"))
        if self.scripted_tokens:
            context.status_code = self.scripted_tokens.pop(0)
            return {"error": "invalid_grant"}
        if grant_type == "client_credentials" and request.headers.get("Authorization") is None:
            context.status_code = 401
            return {"error": "invalid_client"}
        token = f"token-{len(self.grants)}"
        self.valid_tokens.add(token)
        return {**TOKEN, "access_token": token, "refresh_token": "refresh-1"}

    def _authorised(self, request, context):
        query = {key: values[-1] for key, values in parse_qs(urlsplit(request.url).query).items()}
        self.calls.append((request.method, urlsplit(request.url).path, query))
        self.user_agents.add(request.headers.get("User-Agent"))
        if self.throttle_after is not None and len(self.calls) > self.throttle_after:
            context.status_code = 429
            context.headers["Retry-After"] = "120"
            return False, {"detail": "Request was throttled."}
        if self.scripted:
            status, headers, body = self.scripted.pop(0)
            if isinstance(body, Exception):
                raise body
            context.status_code = status
            context.headers.update(headers)
            return False, body
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
            context.status_code = 401
            return False, {"detail": "Invalid token."}
        return True, query

    def _events(self, request, context):
        ok, query = self._authorised(request, context)
        if not ok:
            return query
        selected = [event for event in self.events if self._matches(event, query)]
        if query.get("ordering") == "-id":
            selected.reverse()
        limit = int(query.get("limit", 500))
        page, rest = selected[:limit], selected[limit:]
        checkpoint = page[-1]["id"] if page else int(query.get("from", 0))
        return {"events": page, "next_checkpoint": checkpoint, "remaining_count": len(rest)}

    @staticmethod
    def _matches(event, query):
        """Whether Vectra's events endpoint returns this event for these query parameters."""
        event_id = event.get("id")
        if "from" in query and isinstance(event_id, int) and event_id <= int(query["from"]):
            return False
        if "detection_id" in query and str(event.get("detection_id")) != query["detection_id"]:
            return False
        if "type" in query and event.get("type") not in query["type"].split(","):
            return False
        if query.get("include_info_category") != "true" and event.get("category") == "info":
            return False
        if query.get("include_triaged") != "true" and event.get("triaged"):
            return False
        if "investigation_status" in query and event.get("investigation_status") not in query["investigation_status"].split(","):
            return False
        return not ("event_timestamp_gte" in query and str(event.get("event_timestamp")) < query["event_timestamp_gte"])

    def _detections(self, request, context):
        ok, query = self._authorised(request, context)
        return {"count": 0, "next": None, "previous": None, "results": []} if ok else query


@pytest.fixture
def vectra(requests_mock):
    return FakeVectra(requests_mock)


@pytest.fixture
def frozen():
    with freeze_time(NOW) as frozen_time:
        yield frozen_time


@pytest.fixture
def sleeps():
    return []


def settings_for(**overrides):
    return vr.parse_settings(make_params(**overrides))


def new_client(settings, sleeps, budget_s=150):
    return vr.VectraClient(settings, vr.Budget(budget_s), sleep=sleeps.append)


def fetch(settings, sleeps):
    return vr.fetch_incidents(new_client(settings, sleeps), settings)


def fetch_until_quiet(settings, sleeps, runs=50):
    everything = []
    for _ in range(runs):
        created = fetch(settings, sleeps)
        everything.extend(created)
        if not created:
            return everything
    raise AssertionError("fetch never caught up")


def wanted(event, entity_types=("host", "account"), prioritized=False, escalated=False):
    """Whether an event makes its detection deserve an incident: independent of the module's own filter code."""
    status = event.get("investigation_status") or event.get("status")
    if event["triaged"] or event["type"] not in entity_types or status in ("closed", "expired"):
        return False
    if event.get("state") in ("fixed", "closed"):  # closed in Vectra
        return False
    flagged = event["is_prioritized"] or event["unresolved_priority"]
    return (not prioritized and not escalated) or (prioritized and flagged) or (escalated and status == "escalated")


def expected_detections(events, **filters):
    return {event["detection_id"] for event in events if wanted(event, **filters)}


def run_main():
    """main() as the platform runs it: return_error ends the script with sys.exit after writing its entry."""
    with contextlib.suppress(SystemExit):
        vr.main()


def mirror_ids(incidents):
    return [int(incident["dbotMirrorId"]) for incident in incidents]


# --- settings ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"server_url": ""}, '"Server URL" must be'),
        ({"server_url": "vectra.example.com"}, '"Server URL" must be'),
        ({"credentials": {"identifier": "", "password": "x"}}, '"Client ID" is required'),
        ({"credentials": {"identifier": "id", "password": ""}}, '"Client Secret Key" is required'),
        ({"max_fetch": "0"}, '"Max Fetch" must be a whole number from 1 to 200; got "0"'),
        ({"max_fetch": "201"}, '"Max Fetch" must be a whole number from 1 to 200; got "201"'),
        ({"max_fetch": "ten"}, '"Max Fetch" must be a whole number from 1 to 200; got "ten"'),
        ({"first_fetch": "the dawn of time"}, '"First Fetch Time" must be a relative time'),
        ({"first_fetch": "2030-01-01T00:00:00Z"}, '"First Fetch Time" must be in the past'),
        ({"entity_types": ["Host", "Router"]}, '"Entity Types" may contain only "Host" and "Account"; got Router'),
        ({"mirror_direction": "Sideways"}, '"Mirroring Direction" must be one of "None", "Incoming", "Outgoing", '
                                           '"Incoming And Outgoing"; got "Sideways"'),
        ({"detection_status_for_reopen": "Paused"}, '"Detection Status for Incident Reopen" must be one of "Open", '
                                                    '"Escalated"; got "Paused"'),
        ({"close_reason_of_detection": "Bored"}, '"Detection Close Reason for Incident Closure" must be one of "Benign", '
                                                 '"Remediated"; got "Bored"'),
        ({"note_tag": "two words"}, '"Mirror tag for notes" must be one word'),
        ({"only_escalated_detections": "maybe"}, '"Create Incidents for Escalated Detections" must be checked or unchecked'),
    ],
)
def test_each_invalid_parameter_is_named_with_what_is_allowed(frozen, overrides, message):
    with pytest.raises(vr.SettingsError) as raised:
        settings_for(**overrides)
    assert message in str(raised.value)


def test_settings_defaults_and_normalisation(frozen):
    settings = vr.parse_settings({"server_url": f"{URL}/api/v3.5/", "credentials": {"identifier": "i", "password": "p"}})
    assert settings.connection.server_url == URL
    assert settings.max_fetch == 50 and settings.first_fetch.isoformat() == "2026-11-01T11:00:00+00:00"
    assert settings.filters == vr.FetchFilters(("account", "host"), False, False)
    assert settings.mirror_direction is None and settings.note_tag == "note"
    assert settings.reopen_detection and settings.reopen_status == "escalated"
    assert settings.close_detection and settings.close_reason == "remediated"
    assert settings.connection.verify and not settings.connection.proxy


@pytest.mark.parametrize(("value", "expected"), [("Host", ("host",)), ("account", ("account",)), ("", ("account", "host")),
                                                 ([], ("account", "host")), ("Host,Account", ("account", "host"))])
def test_entity_types_subset_or_both(value, expected):
    assert vr.parse_entity_types(value) == expected


@pytest.mark.parametrize(("value", "direction"), [("Incoming", "In"), ("Outgoing", "Out"), ("Incoming And Outgoing", "Both"),
                                                  ("", None), ("None", None)])
def test_mirror_direction(frozen, value, direction):
    assert settings_for(mirror_direction=value).mirror_direction == direction


def test_absolute_first_fetch(frozen):
    assert settings_for(first_fetch="2026-10-30T00:00:00Z").first_fetch.isoformat() == "2026-10-30T00:00:00+00:00"


def test_user_agent_carries_the_pack_version_without_reading_it_at_import():
    assert json.loads(PACK_METADATA.read_text())["currentVersion"] == vr.PACK_VERSION
    assert f"Vectra-RUX-XSOAR-{vr.PACK_VERSION}" == vr.USER_AGENT
    assert "get_pack_version" not in Path(vr.__file__).read_text()


# --- client ------------------------------------------------------------------------------------------------


def test_token_is_cached_in_the_integration_context_and_reused(invocation, vectra, frozen, sleeps):
    settings = settings_for()
    new_client(settings, sleeps).request("GET", "/api/v3.5/detections")
    new_client(settings, sleeps).request("GET", "/api/v3.5/detections")
    assert vectra.grants == ["client_credentials"]
    auth = vr.read_context()["auth"]
    assert auth["access_token"] == "token-1" and auth["expires_at"] > 0 and auth["refresh_token"] == "refresh-1"


def test_every_context_key_is_stored_as_one_json_string_and_other_keys_are_kept(invocation, vectra, frozen, sleeps):
    invocation.integration_context = demisto.IntegrationContextStore({"someone_else": {"kept": True}}, version=3)
    settings = settings_for()
    new_client(settings, sleeps).request("GET", "/api/v3.5/detections")
    fetch(settings, sleeps)
    stored = demisto.getIntegrationContext()
    assert stored["someone_else"] == {"kept": True}
    assert {key: type(stored[key]) for key in ("auth", "fetch")} == {"auth": str, "fetch": str}
    assert json.loads(stored["auth"]) == vr.read_context()["auth"]


def test_the_published_integrations_plain_tokens_are_used_then_replaced(invocation, vectra, frozen, sleeps):
    """The published integration kept {"access_token", "refresh_token"} as plain strings, without an expiry."""
    vectra.valid_tokens.add("published-access")
    invocation.integration_context = demisto.IntegrationContextStore(
        {"access_token": "published-access", "refresh_token": "published-refresh"})
    settings = settings_for()
    new_client(settings, sleeps).request("GET", "/api/v3.5/detections")
    assert vectra.grants == []  # its access token still works: no token request
    vectra.expire_tokens()
    new_client(settings, sleeps).request("GET", "/api/v3.5/detections")
    assert vectra.grants == ["refresh_token"]  # refused: its refresh token is tried before the client credentials
    stored = demisto.getIntegrationContext()
    assert "access_token" not in stored and "refresh_token" not in stored
    assert vr.read_context()["auth"]["access_token"] == "token-1"


def test_a_context_value_that_is_not_json_is_started_afresh(invocation, vectra, frozen, sleeps):
    invocation.integration_context = demisto.IntegrationContextStore({"auth": "{broken", "fetch": {"old": "dict"}})
    assert vr.read_context() == {"auth": None, "fetch": {"old": "dict"}}
    new_client(settings_for(), sleeps).request("GET", "/api/v3.5/detections")
    assert vectra.grants == ["client_credentials"] and isinstance(demisto.getIntegrationContext()["auth"], str)


def test_a_short_lived_token_is_used_for_three_quarters_of_its_life(invocation, vectra, frozen, sleeps, requests_mock):
    requests_mock.post(f"{URL}/oauth2/token", json=lambda request, context: {
        **vectra._token(request, context), "expires_in": 30})
    settings = settings_for()
    new_client(settings, sleeps).request("GET", "/api/v3.5/detections")
    frozen.tick(22)
    new_client(settings, sleeps).request("GET", "/api/v3.5/detections")
    assert vectra.grants == ["client_credentials"]
    frozen.tick(1)
    new_client(settings, sleeps).request("GET", "/api/v3.5/detections")
    assert vectra.grants == ["client_credentials", "refresh_token"]


def test_a_token_another_run_stored_meanwhile_is_used_instead_of_a_new_grant(invocation, vectra, frozen, sleeps):
    settings = settings_for()
    mine, theirs = new_client(settings, sleeps), new_client(settings, sleeps)
    mine.request("GET", "/api/v3.5/detections")
    theirs.request("GET", "/api/v3.5/detections")  # reads the same token
    frozen.tick(3600)
    theirs.request("GET", "/api/v3.5/detections")  # refreshes and stores the new token
    mine.request("GET", "/api/v3.5/detections")  # its token expired too: it finds the new one first
    assert vectra.grants == ["client_credentials", "refresh_token"]


def test_token_close_to_expiry_is_refreshed_with_the_refresh_grant(invocation, vectra, frozen, sleeps):
    settings = settings_for()
    new_client(settings, sleeps).request("GET", "/api/v3.5/detections")
    frozen.tick(3600 - 30)
    new_client(settings, sleeps).request("GET", "/api/v3.5/detections")
    assert vectra.grants == ["client_credentials", "refresh_token"]


def test_rejected_refresh_token_falls_back_to_client_credentials(invocation, vectra, frozen, sleeps):
    settings = settings_for()
    new_client(settings, sleeps).request("GET", "/api/v3.5/detections")
    frozen.tick(3600)
    vectra.scripted_tokens = [401]
    new_client(settings, sleeps).request("GET", "/api/v3.5/detections")
    assert vectra.grants == ["client_credentials", "refresh_token", "client_credentials"]


def test_a_401_reauthenticates_once_and_replays_once(invocation, vectra, frozen, sleeps):
    client = new_client(settings_for(), sleeps)
    client.request("GET", "/api/v3.5/detections")
    vectra.expire_tokens()
    client.request("GET", "/api/v3.5/detections")
    assert len(vectra.api_calls("/detections")) == 3 and vectra.grants == ["client_credentials", "refresh_token"]


def test_a_401_that_persists_is_reported_not_looped(invocation, vectra, frozen, sleeps):
    client = new_client(settings_for(), sleeps)
    vectra.scripted = [(401, {}, {"detail": "Invalid token."})] * 10
    with pytest.raises(vr.VectraAuthError, match="even after re-authenticating"):
        client.request("GET", "/api/v3.5/detections")
    assert len(vectra.api_calls()) == 2


def test_wrong_credentials_name_the_fields_to_check(invocation, vectra, frozen, sleeps):
    vectra.scripted_tokens = [401]
    with pytest.raises(vr.VectraAuthError, match="verify the Client ID and Client Secret Key"):
        new_client(settings_for(), sleeps).request("GET", "/api/v3.5/detections")


def test_429_waits_for_retry_after_then_succeeds(invocation, vectra, frozen, sleeps):
    vectra.scripted = [(429, {"Retry-After": "7"}, {"detail": "throttled"}), (429, {"Retry-After": "3"}, {})]
    assert new_client(settings_for(), sleeps).request("GET", "/api/v3.5/detections")["count"] == 0
    assert sleeps == [7.0, 3.0]


def test_429_beyond_the_budget_says_api_rate_limit(invocation, vectra, frozen, sleeps):
    vectra.scripted = [(429, {"Retry-After": "600"}, {})]
    with pytest.raises(vr.VectraRateLimitError, match="API rate limit"):
        new_client(settings_for(), sleeps, budget_s=60).request("GET", "/api/v3.5/detections")
    assert sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_with_backoff(invocation, vectra, frozen, sleeps, status):
    vectra.scripted = [(status, {}, {"detail": "oops"})] * 2
    assert new_client(settings_for(), sleeps).request("GET", "/api/v3.5/detections")["count"] == 0
    assert len(sleeps) == 2 and 1 <= sleeps[0] < 2 <= sleeps[1] < 3


def test_server_errors_that_persist_surface_vectras_text(invocation, vectra, frozen, sleeps):
    vectra.scripted = [(500, {}, {"detail": "database is down"})] * 10
    with pytest.raises(vr.VectraApiError, match="HTTP 500: database is down"):
        new_client(settings_for(), sleeps).request("GET", "/api/v3.5/detections")
    assert len(vectra.api_calls()) == vr.MAX_ATTEMPTS


def test_broken_connections_are_retried_for_reads_only(invocation, vectra, frozen, sleeps):
    client = new_client(settings_for(), sleeps)
    vectra.scripted = [(0, {}, requests.exceptions.ConnectionError("reset"))]
    assert client.request("GET", "/api/v3.5/detections")["count"] == 0
    vectra.scripted = [(0, {}, requests.exceptions.ConnectionError("reset"))]
    with pytest.raises(vr.VectraApiError, match="Could not connect to Vectra"):
        client.request("POST", "/api/v3.5/detections")


def test_transport_errors_get_clear_messages(invocation, vectra, frozen, sleeps):
    client = new_client(settings_for(), sleeps, budget_s=3)
    for error, message in [(requests.exceptions.SSLError("bad cert"), "Trust any certificate"),
                           (requests.exceptions.ReadTimeout("slow"), "did not answer in time"),
                           (requests.exceptions.ConnectionError("refused"), "verify the Server URL")]:
        vectra.scripted = [(0, {}, error)] * vr.MAX_ATTEMPTS
        with pytest.raises(vr.VectraApiError, match=message):
            client.request("GET", "/api/v3.5/detections")


def test_every_request_sends_the_user_agent(invocation, vectra, frozen, sleeps):
    new_client(settings_for(), sleeps).request("GET", "/api/v3.5/detections")
    assert vectra.user_agents == {vr.USER_AGENT}


def test_secrets_never_reach_logs_errors_or_entries(invocation, vectra, frozen, sleeps):
    invocation.command, invocation.params = "test-module", make_params()
    vectra.scripted = [(500, {}, {"detail": "boom"})] * 10
    run_main()
    texts = [message for _, message in invocation.logs] + [json.dumps(result) for result in invocation.results]
    assert texts and all(SECRET not in text and "token-1" not in text for text in texts)


# --- transforms --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("urgency", "severity"), [(None, 0.5), (0, 0.5), (1, 1), (30, 1), (31, 2), (50, 2), (51, 3), (80, 3),
                                                   (81, 4), (100, 4)])
def test_severity_from_entity_urgency(urgency, severity):
    assert vr.severity_from_urgency(urgency) == severity


def test_incident_from_the_reference_sample_shape(invocation, frozen):
    invocation.integration_instance = "Vectra RUX_instance_1"
    settings = settings_for(mirror_direction="Incoming")
    event = vr.DetectionEvent.parse(SAMPLE["events"][1])
    incident = vr.event_to_incident(event, settings, vr.parse_timestamp(NOW))
    assert incident["name"] == "Vectra RUX Events Detection: Dummy Category 2 — Dummy Detection Two — dummy-entity-uid-2"
    assert incident["occurred"] == "2025-01-01T04:00:00Z"  # no first_timestamp in this sample: the event's time
    assert incident["severity"] == 3  # src_host urgency 80
    assert event.investigation_status == "escalated"  # the sample calls it `status`
    assert incident["dbotMirrorId"] == "22222" and incident["dbotMirrorDirection"] == "In"
    assert incident["dbotMirrorInstance"] == "Vectra RUX_instance_1" and incident["dbotMirrorTags"] == ["note"]
    raw = json.loads(incident["rawJSON"])
    assert raw["mirror_id"] == "22222" and raw["mirror_direction"] == "In" and raw["mirror_tags"] == ["note"]
    assert raw["mirror_instance"] == "Vectra RUX_instance_1" and raw["detail"]["event_name"] == "DummyEventTwo"


def test_incident_name_uses_em_dashes_and_the_category_display_name():
    raw = {"category": "command_and_control", "detection_type": "Hidden HTTPS Tunnel", "entity_uid": "dc01.corp"}
    assert vr.incident_name(raw) == "Vectra RUX Events Detection: Command & Control — Hidden HTTPS Tunnel — dc01.corp"


def test_occurred_prefers_the_detection_first_timestamp():
    now = vr.parse_timestamp(NOW)
    first = {"detail": {"first_timestamp": "2026-10-01T01:02:03Z"}, "event_timestamp": NOW}
    assert vr.occurred(first, now) == "2026-10-01T01:02:03Z"
    assert vr.occurred({"detail": None, "event_timestamp": "not-a-date"}, now) == NOW


def test_malformed_events_are_parsed_defensively():
    assert vr.DetectionEvent.parse({"id": "12", "detection_id": "34", "type": None}).detection_id == 34
    assert vr.DetectionEvent.parse({"id": 1}) is None
    assert vr.DetectionEvent.parse("garbage") is None
    incident_name = vr.incident_name({"category": None, "entity_uid": None, "entity_id": 9})
    assert incident_name == "Vectra RUX Events Detection: Unknown Category — Unknown Detection — entity 9"


def test_id_encoding_round_trips_and_stays_small():
    ids = set(range(1_000_000, 1_003_000, 2))
    text = vr.encode_ids(ids)
    assert vr.decode_ids(text) == ids and len(text) < 2100
    assert vr.decode_ids(vr.encode_ids([])) == set()


def test_created_cache_keeps_recent_generations_and_stays_within_its_byte_budget():
    cache = vr.CreatedCache(generation_size=3)
    for detection_id in (1, 2, 3, 4, 5):
        cache.add(detection_id)
    assert 4 in cache and 1 in cache  # 1 is in the older generation: touching it keeps it
    for detection_id in (6, 7, 8):
        cache.add(detection_id)
    assert 2 not in cache  # dropped with its generation: fetch will ask Vectra's history
    sparse = vr.CreatedCache(current=set(range(0, 40_000_000, 4000)))  # 10,000 IDs far apart
    stored = sparse.dump()
    assert len(stored["cur"]) + len(stored["old"]) <= vr.CREATED_CACHE_BYTES
    kept = vr.CreatedCache.load(stored)
    assert 39_996_000 in kept and 0 not in kept  # the newest IDs are the ones kept


# --- fetch -------------------------------------------------------------------------------------------------


def test_first_run_starts_at_first_fetch_and_pages_until_max_fetch(invocation, vectra, frozen, sleeps):
    settings = settings_for(max_fetch="200")
    incidents = fetch(settings, sleeps)
    assert sorted(mirror_ids(incidents)) == sorted(expected_detections(STREAM))
    locate = vectra.api_calls("/events/detections")[0][2]
    assert locate["event_timestamp_gte"] == "2026-10-30T12:00:00Z" and locate["limit"] == "1"
    reads = [query for _, _, query in vectra.api_calls("/events/detections")[1:] if "detection_id" not in query]
    assert reads and all(q["ordering"] == "id" and q["size"] == "detailed" and q["include_triaged"] == "true"
                         and "type" not in q for q in reads)  # filtered here: mirroring needs every change
    assert invocation.created_incidents == incidents and invocation.last_run_set


def test_fetch_notes_the_detections_that_changed_for_incoming_mirroring(invocation, vectra, frozen, sleeps):
    fetch(settings_for(max_fetch="200", mirror_direction="Incoming"), sleeps)
    state = vr.read_context()["fetch"]
    created, changed = set(), set()
    for event in sorted(STREAM, key=lambda e: e["id"]):
        if not state["start"] < event["id"] <= state["cursor"]:
            continue
        if event["change_type"] == "new":
            created |= {event["detection_id"]} if wanted(event) else set()
        elif event["detection_id"] not in created and wanted(event):
            created.add(event["detection_id"])  # its first qualifying event creates the incident: not a change
        else:
            changed.add(event["detection_id"])
    noted = vr.ChangedDetections.load(vr.read_context()["changed"])
    assert (noted.start, noted.end, noted.overflow) == (state["start"], state["cursor"], False)
    assert noted.ids == changed and changed


def test_without_incoming_mirroring_fetch_notes_nothing(invocation, vectra, frozen, sleeps):
    fetch(settings_for(max_fetch="200", mirror_direction="Outgoing"), sleeps)
    assert "changed" not in vr.read_context()


def test_reads_several_pages_in_one_run(invocation, vectra, frozen, sleeps, monkeypatch):
    monkeypatch.setattr(vr, "EVENTS_PAGE_LIMIT", 7)
    incidents = fetch(settings_for(max_fetch="200"), sleeps)
    assert sorted(mirror_ids(incidents)) == sorted(expected_detections(STREAM))
    assert len(vectra.api_calls("/events/detections")) > len(STREAM) // 7


def test_max_fetch_cuts_a_page_and_the_next_run_resumes_exactly_there(invocation, vectra, frozen, sleeps):
    settings = settings_for(max_fetch="4")
    runs = []
    while True:
        created = fetch(settings, sleeps)
        if not created:
            break
        runs.append(mirror_ids(created))
    assert all(len(run) == 4 for run in runs[:-1]) and 1 <= len(runs[-1]) <= 4
    everything = [detection for run in runs for detection in run]
    assert len(everything) == len(set(everything)) and set(everything) == expected_detections(STREAM)
    news = [e["detection_id"] for e in STREAM if e["change_type"] == "new" and not e["triaged"]]
    assert everything == sorted(everything, key=news.index)  # detections in stream order: nothing skipped


def test_no_duplicates_across_runs_when_activity_continues(invocation, vectra, frozen, sleeps):
    settings = settings_for()
    first = fetch_until_quiet(settings, sleeps)
    appended = [dict(event, id=event["id"] + 10_000, change_type="append") for event in STREAM if event["change_type"] == "new"]
    vectra.events.extend(appended)
    assert fetch_until_quiet(settings, sleeps) == []
    assert len(first) == len(set(mirror_ids(first)))


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"entity_types": ["Host"]}, {"entity_types": ("host",)}),
        ({"entity_types": ["Account"]}, {"entity_types": ("account",)}),
        ({"only_prioritized_detections": True}, {"prioritized": True}),
        ({"only_escalated_detections": True}, {"escalated": True}),
        ({"only_prioritized_detections": True, "only_escalated_detections": True}, {"prioritized": True, "escalated": True}),
    ],
)
def test_filters(invocation, vectra, frozen, sleeps, overrides, expected):
    incidents = fetch_until_quiet(settings_for(max_fetch="200", **overrides), sleeps)
    assert sorted(mirror_ids(incidents)) == sorted(expected_detections(STREAM, **expected))
    assert expected_detections(STREAM, **expected)  # the recording exercises each filter


def test_prioritized_or_escalated_is_a_union_not_an_intersection():
    both = expected_detections(STREAM, prioritized=True, escalated=True)
    assert both == expected_detections(STREAM, prioritized=True) | expected_detections(STREAM, escalated=True)
    assert both > expected_detections(STREAM, escalated=True)


def test_late_qualification_creates_the_incident_when_the_escalation_arrives(invocation, vectra, frozen, sleeps):
    settings = settings_for(only_escalated_detections=True)
    before = set(mirror_ids(fetch_until_quiet(settings, sleeps)))
    quiet = next(e for e in STREAM if e["change_type"] == "new" and e["detection_id"] not in before and not e["triaged"]
                 and e["category"] != "info")
    escalation = dict(quiet, id=STREAM[-1]["id"] + 1, change_type="investigation_status", investigation_status="escalated",
                      status="escalated")
    follow_up = dict(escalation, id=escalation["id"] + 1, change_type="append")
    vectra.events.extend([escalation, follow_up])
    later = fetch_until_quiet(settings, sleeps)
    assert mirror_ids(later) == [quiet["detection_id"]]
    assert json.loads(later[0]["rawJSON"])["change_type"] == "investigation_status"


def test_detections_born_before_first_fetch_get_one_incident_on_their_first_activity(invocation, vectra, frozen, sleeps):
    old = next(e for e in STREAM if e["change_type"] == "new" and not e["triaged"])
    start = STREAM[-1]["id"]
    later = [dict(old, id=start + n, change_type="append", event_timestamp=NOW) for n in (1, 2, 3)]
    vectra.events.extend(later)
    settings = settings_for(first_fetch="1 minute")
    incidents = fetch_until_quiet(settings, sleeps)
    assert mirror_ids(incidents) == [old["detection_id"]]
    assert json.loads(incidents[0]["rawJSON"])["id"] == start + 1


def test_a_failed_run_commits_nothing_and_the_next_run_repeats_it(invocation, vectra, frozen, sleeps):
    settings = settings_for(max_fetch="5")
    fetch(settings, sleeps)
    last_run, context = dict(invocation.last_run), vr.read_context()
    vectra.scripted = [(401, {}, {"detail": "x"})] * 2
    vectra.scripted_tokens = [401, 401]
    with pytest.raises(vr.VectraAuthError):
        fetch(settings, sleeps)
    assert invocation.last_run == last_run and vr.read_context()["fetch"] == context["fetch"]
    rest = fetch_until_quiet(settings, sleeps)
    everything = mirror_ids(invocation.created_incidents)
    assert len(everything) == len(set(everything)) == len(expected_detections(STREAM)) and rest


def test_a_failure_after_incidents_before_the_last_run_is_saved_creates_no_duplicate(invocation, vectra, frozen, sleeps):
    settings = settings_for(max_fetch="5")
    fetch(settings, sleeps)
    saved = dict(invocation.last_run)
    fetch(settings, sleeps)
    invocation.last_run = saved  # XSOAR stopped after creating run 2's incidents, before saving its last run
    fetch_until_quiet(settings, sleeps)
    everything = mirror_ids(invocation.created_incidents)
    assert len(everything) == len(set(everything)) == len(expected_detections(STREAM))


def test_a_first_run_failure_after_incidents_creates_no_duplicate(invocation, vectra, frozen, sleeps):
    settings = settings_for(max_fetch="5")
    fetch(settings, sleeps)
    invocation.last_run = {}  # the very first last run was never saved
    fetch_until_quiet(settings, sleeps)
    everything = mirror_ids(invocation.created_incidents)
    assert len(everything) == len(set(everything)) == len(expected_detections(STREAM))


def test_rate_limit_mid_run_keeps_what_was_fetched(invocation, vectra, frozen, sleeps, monkeypatch):
    monkeypatch.setattr(vr, "EVENTS_PAGE_LIMIT", 20)
    settings = settings_for(max_fetch="200")
    vectra.throttle_after = 2  # the start lookup and one page get through; then 429 beyond the run's budget
    first = vr.fetch_incidents(new_client(settings, sleeps, budget_s=30), settings)
    assert first and invocation.last_run["cursor"] > invocation.last_run["start"]
    vectra.throttle_after = None
    fetch_until_quiet(settings, sleeps)
    everything = mirror_ids(invocation.created_incidents)
    assert len(everything) == len(set(everything)) and set(everything) == expected_detections(STREAM)


def test_duplicate_and_malformed_events_do_not_break_fetch(invocation, vectra, frozen, sleeps):
    damaged = []
    for index, event in enumerate(STREAM):
        copy = dict(event)
        if index % 7 == 0:
            copy.update(threat="high", detection_id=str(copy["detection_id"]), tags="a,b", summary=None, src_host="x")
        damaged.append(copy)
    damaged.insert(10, dict(STREAM[5]))  # an event repeated out of place
    damaged.append({"id": "not-a-number"})
    vectra.events = damaged
    incidents = fetch_until_quiet(settings_for(max_fetch="200"), sleeps)
    assert sorted(mirror_ids(incidents)) == sorted(expected_detections(STREAM))


def test_state_stays_small_however_many_detections(invocation, vectra, frozen, sleeps):
    template = STREAM[0]
    events = [dict(template, id=200_000 + n, detection_id=50_000 + n, change_type="new", triaged=False, category="lateral",
                   investigation_status="open", status="open", event_timestamp=NOW) for n in range(6000)]
    vectra.events = events
    fetch_until_quiet(settings_for(max_fetch="200", first_fetch="1 minute"), sleeps, runs=40)
    assert len(invocation.created_incidents) == 6000
    size = len(json.dumps(invocation.last_run)) + len(json.dumps(demisto.getIntegrationContext()))
    assert size < 16384


def test_fetch_reset_starts_again_at_first_fetch(invocation, vectra, frozen, sleeps):
    settings = settings_for(max_fetch="200")
    first = fetch(settings, sleeps)
    vr.fetch_reset_command(new_client(settings, sleeps), settings, {})
    again = fetch(settings, sleeps)
    assert sorted(mirror_ids(again)) == sorted(mirror_ids(first))


# --- test-module and main ----------------------------------------------------------------------------------


def test_test_module_ok_with_a_dry_run_of_the_stream(invocation, vectra, frozen, sleeps):
    invocation.command, invocation.params = "test-module", make_params()
    run_main()
    assert invocation.results == ["ok"]
    assert [path for _, path, _ in vectra.calls] == ["/api/v3.5/events/detections"]
    assert invocation.last_run == {} and "fetch" not in vr.read_context()


def test_test_module_without_fetch_checks_the_detections_endpoint(invocation, vectra, frozen, sleeps):
    invocation.command, invocation.params = "test-module", make_params(isFetch=False, first_fetch="not a time")
    run_main()
    assert invocation.results[0]["Type"] == 4  # first_fetch is still validated: one settings check for every command
    invocation.results.clear()
    invocation.params = make_params(isFetch=False)
    run_main()
    assert invocation.results == ["ok"] and [path for _, path, _ in vectra.calls] == ["/api/v3.5/detections"]


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ({"scripted_tokens": [401]}, "verify the Client ID and Client Secret Key"),
        ({"scripted": [(0, {}, requests.exceptions.SSLError("x"))]}, "Trust any certificate"),
    ],
)
def test_test_module_failures_say_what_to_fix(invocation, vectra, frozen, sleeps, script, message):
    for key, value in script.items():
        setattr(vectra, key, value)
    invocation.command, invocation.params = "test-module", make_params()
    run_main()
    assert invocation.results[0]["Type"] == 4 and message in invocation.results[0]["Contents"]


def test_test_module_reports_an_invalid_parameter_by_name(invocation, frozen):
    invocation.command, invocation.params = "test-module", make_params(max_fetch="500")
    run_main()
    assert invocation.results[0]["Contents"] == (
        'Invalid integration parameters: "Max Fetch" must be a whole number from 1 to 200; got "500".')


def test_wrong_url_is_explained(invocation, requests_mock, frozen):
    requests_mock.post(f"{URL}/oauth2/token", status_code=404, text="<html>not here</html>")
    invocation.command, invocation.params = "test-module", make_params()
    run_main()
    assert "does not lead to a Vectra RUX API" in invocation.results[0]["Contents"]


def test_fetch_errors_raise_for_the_platform(invocation, vectra, frozen):
    invocation.command, invocation.params = "fetch-incidents", make_params()
    vectra.scripted_tokens = [401]
    with pytest.raises(Exception, match="verify the Client ID"):
        vr.main()
    assert invocation.created_incidents == [] and not invocation.last_run_set


def test_main_fetch_creates_incidents(invocation, vectra, frozen):
    invocation.command, invocation.params = "fetch-incidents", make_params(max_fetch="3")
    run_main()
    assert len(invocation.created_incidents) == 3 and invocation.last_run["cursor"]

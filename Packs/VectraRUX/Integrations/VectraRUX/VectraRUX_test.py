"""Unit tests of the Vectra RUX integration: settings, the client, test-module, fetch-incidents and main.

The platform is played through demistomock (`Platform`: last run, integration context, incidents handed over,
entries returned, log lines), Vectra over requests-mock (`FakeVectra`: its OAuth2 token endpoint and its API,
serving `test_data/events_stream.json`, an events stream recorded from the emulator at 2026-11-01T12:00:00Z, with
the query parameters Vectra applies). The clock is frozen at that moment; the client's time budget runs on the
number of requests made, so no test depends on the speed of the machine.
"""

import base64
import bisect
import contextlib
import copy
import email.utils
import json
import re
import runpy
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import demistomock as demisto
import pytest
import requests
import VectraRUX as vr
from freezegun import freeze_time
from requests_mock import ANY

TEST_DATA = Path(__file__).parent / "test_data"
URL = "https://vectra.test"
TOKEN_URL = f"{URL}/oauth2/token"
NOW = "2026-11-01T12:00:00Z"
CLIENT_ID = "client-id"
SECRET = "s3cret-Client-Key"
INSTANCE = "Vectra RUX_instance_1"
STREAM = json.loads((TEST_DATA / "events_stream.json").read_text())
SAMPLE = json.loads((TEST_DATA / "events_detections_response.json").read_text())
TOKEN = json.loads((TEST_DATA / "token_response.json").read_text())
EMPTY_PAGE = {"count": 0, "next": None, "previous": None, "results": []}


def make_params(**overrides):
    """The instance's parameters as the platform hands them over."""
    return {
        "server_url": URL,
        "credentials": {"identifier": CLIENT_ID, "password": SECRET},
        "isFetch": True,
        "max_fetch": "50",
        "first_fetch": "2 days",
        "entity_types": ["Host", "Account"],
        "mirror_direction": "Incoming And Outgoing",
        "note_tag": "note",
        **overrides,
    }


# --- the platform -----------------------------------------------------------------------------------------


class Platform:
    """What the platform keeps for one instance across runs, served through demistomock: the last run, the
    integration context (plain and versioned, whichever the runtime uses), the incidents handed over, the entries
    returned and the log lines."""

    def __init__(self, mocker):
        self.mocker = mocker
        self.last_run: dict = {}
        self.last_run_saves = 0
        self.context: dict = {}
        self.incidents: list[dict] = []
        self.logs: list[str] = []
        patch = mocker.patch.object
        patch(demisto, "getLastRun", side_effect=lambda: copy.deepcopy(self.last_run))
        patch(demisto, "setLastRun", side_effect=self._save_last_run)
        patch(demisto, "incidents", side_effect=self.incidents.extend)
        patch(demisto, "getIntegrationContext", side_effect=lambda: copy.deepcopy(self.context))
        patch(demisto, "setIntegrationContext", side_effect=self._save_context)
        patch(demisto, "getIntegrationContextVersioned",
              side_effect=lambda *_, **__: {"context": copy.deepcopy(self.context), "version": 1})
        patch(demisto, "setIntegrationContextVersioned", side_effect=lambda context, *_, **__: self._save_context(context))
        patch(demisto, "integrationInstance", return_value=INSTANCE)
        for level in ("debug", "info", "error"):
            patch(demisto, level, side_effect=lambda message, *_: self.logs.append(str(message)))
        self.results = patch(demisto, "results")

    def _save_last_run(self, last_run):
        self.last_run = copy.deepcopy(last_run)
        self.last_run_saves += 1

    def _save_context(self, context):
        self.context = copy.deepcopy(context)

    def stored(self, key):
        """One key of the integration context, as the integration stores each: a JSON string."""
        value = self.context[key]
        assert isinstance(value, str), f"{key} is not stored as a JSON string"
        return json.loads(value)

    @property
    def entries(self):
        return [call.args[0] for call in self.results.call_args_list]

    def run_main(self, command, params, args=None):
        """main() as the platform runs it; an error entry ends it with sys.exit, as return_error does."""
        self.mocker.patch.object(demisto, "command", return_value=command)
        self.mocker.patch.object(demisto, "params", return_value=params)
        self.mocker.patch.object(demisto, "args", return_value=args or {})
        with contextlib.suppress(SystemExit):
            vr.main()
        return self.entries


def error_entries(entries):
    return [entry for entry in entries if isinstance(entry, dict) and entry.get("Type") == 4]


# --- Vectra -----------------------------------------------------------------------------------------------


class Call(NamedTuple):
    method: str
    path: str
    query: dict
    body: object


class FakeVectra:
    """Vectra's token endpoint and API over requests-mock.

    Tokens are checked as Vectra does: the client credentials grant needs the client's Basic credentials, the
    refresh grant a refresh token Vectra issued, an API call an access token still valid. The events endpoint serves
    `events` with the query parameters Vectra applies; any other API path answers `answer`. `script()` makes the next
    API calls answer a given status, headers and body (or raise, for a broken connection), `scripted_tokens` the next
    token requests; from call `throttle_from` on every call answers 429 with Retry-After 120.
    """

    def __init__(self, mocker, events=STREAM):
        self.events = [dict(event) for event in events]
        self.answer: object = EMPTY_PAGE
        self.calls: list[Call] = []
        self.grants: list[str] = []
        self.token_requests: list = []
        self.user_agents: set[str] = set()
        self.valid_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.token_lifetime = TOKEN["expires_in"]
        self.scripted: list = []
        self.script_from = 0
        self.scripted_tokens: list = []
        self.throttle_from: int | None = None
        self._matches: dict = {}
        mocker.register_uri(ANY, re.compile(rf"{re.escape(URL)}/api/"), json=self._api)
        mocker.post(TOKEN_URL, json=self._token)

    # scripting

    def script(self, *answers, after=0):
        """The API calls after the next `after` answer these, in order: (status, headers, body or exception)."""
        self.scripted, self.script_from = list(answers), len(self.calls) + after

    def expire_tokens(self):
        self.valid_tokens.clear()

    def accept_published_tokens(self):
        """The tokens the published integration left in the integration context still work."""
        self.valid_tokens.add("published-access")
        self.refresh_tokens.add("published-refresh")

    def api_calls(self, path_part=""):
        return [call for call in self.calls if path_part in call.path]

    def stream_reads(self):
        """The reads of the stream itself: neither history lookups (`detection_id`) nor the start lookup."""
        return [call.query for call in self.api_calls("/events/detections")
                if "detection_id" not in call.query and call.query.get("limit") != "1"]

    def lookups(self):
        return [call.query for call in self.api_calls("/events/detections") if "detection_id" in call.query]

    def clock(self, seconds_per_request=0.0):
        """A clock that moves `seconds_per_request` with every API call: the time budget counts requests."""
        return lambda: len(self.calls) * seconds_per_request

    # the endpoints

    def _token(self, request, context):
        form = {key: values[-1] for key, values in parse_qs(request.text or "").items()}
        self.grants.append(form.get("grant_type", ""))
        self.token_requests.append(request)
        self.user_agents.add(request.headers.get("User-Agent"))
        if self.scripted_tokens:
            context.status_code = self.scripted_tokens.pop(0)
            return {"error": "invalid_grant"}
        basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        if form.get("grant_type") == "client_credentials" and request.headers.get("Authorization") != basic:
            context.status_code = 401
            return {"error": "invalid_client"}
        if form.get("grant_type") == "refresh_token" and form.get("refresh_token") not in self.refresh_tokens:
            context.status_code = 400
            return {"error": "invalid_grant"}
        access, refresh = f"token-{len(self.grants)}", f"refresh-{len(self.grants)}"
        self.valid_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {**TOKEN, "access_token": access, "refresh_token": refresh, "expires_in": self.token_lifetime}

    def _api(self, request, context):
        url = urlsplit(request.url)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        self.calls.append(Call(request.method, url.path, query, json.loads(request.body) if request.body else None))
        self.user_agents.add(request.headers.get("User-Agent"))
        if self.throttle_from is not None and len(self.calls) >= self.throttle_from:
            context.status_code, context.headers["Retry-After"] = 429, "120"
            return {"detail": "Request was throttled."}
        if self.scripted and len(self.calls) > self.script_from:
            status, headers, body = self.scripted.pop(0)
            if isinstance(body, Exception):
                raise body
            context.status_code = status
            context.headers.update(headers)
            return body
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
            context.status_code = 401
            return {"detail": "Invalid token."}
        if url.path == "/api/v3.5/events/detections":
            return self._events(query)
        return self.answer

    def _events(self, query):
        selected = self._after(self._matching(query), query.get("from"))
        if query.get("ordering") == "-id":
            selected.reverse()
        page = selected[:int(query.get("limit", 500))]
        ids = [event["id"] for event in page if isinstance(event, dict) and isinstance(event.get("id"), int)]
        return {"events": page, "next_checkpoint": max(ids, default=int(query.get("from", 0))),
                "remaining_count": len(selected) - len(page)}

    def _matching(self, query):
        """The events Vectra's filters other than `from` let through, in stream order, with their IDs when those are
        ascending integers (so that `from` is a bisection). Kept per filters while `events` neither grows nor is
        replaced: tests add events, they never edit one in place."""
        filters = tuple(sorted((key, value) for key, value in query.items() if key not in ("from", "limit", "ordering")))
        key = (id(self.events), len(self.events), filters)
        if key not in self._matches:
            served = dict(filters)
            events = [event for event in self.events if self._served(event, served)]
            ids = [event.get("id") if isinstance(event, dict) else None for event in events]
            ascending = all(isinstance(i, int) for i in ids) and ids == sorted(ids)
            self._matches[key] = (events, ids if ascending else None)
        return self._matches[key]

    @staticmethod
    def _after(matching, after):
        """The matching events with an ID above `from` (events without a numeric ID are always in)."""
        events, ids = matching
        if after is None:
            return list(events)
        if ids is not None:
            return events[bisect.bisect_right(ids, int(after)):]
        return [e for e in events if not (isinstance(e, dict) and isinstance(e.get("id"), int) and e["id"] <= int(after))]

    @staticmethod
    def _served(event, query):
        """Whether Vectra's events endpoint returns this event for these filters (a malformed event: in every answer
        but a detection's history)."""
        if not isinstance(event, dict):
            return "detection_id" not in query
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


# --- fixtures and helpers ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clock():
    """The moment the stream was recorded: First Fetch Time and token lifetimes count from it."""
    with freeze_time(NOW) as frozen:
        yield frozen


@pytest.fixture
def platform(mocker):
    return Platform(mocker)


@pytest.fixture
def vectra(requests_mock):
    return FakeVectra(requests_mock)


@pytest.fixture
def sleeps():
    """The client's waits, recorded instead of slept."""
    return []


def settings_for(**overrides):
    return vr.parse_settings(make_params(**overrides))


def new_client(vectra, sleeps, settings=None, budget_s=150, seconds_per_request=0.0):
    budget = vr.Budget(budget_s, clock=vectra.clock(seconds_per_request))
    return vr.VectraClient(settings or settings_for(), budget, sleep=sleeps.append)


def get_detections(client):
    return client.request("GET", "/api/v3.5/detections")


def fetch(vectra, sleeps, settings, **client_options):
    return vr.fetch_incidents(new_client(vectra, sleeps, settings, **client_options), settings)


def fetch_until_quiet(vectra, sleeps, settings, runs=50, **client_options):
    """Fetch runs until one creates nothing: with the budget these runs get, it read the rest of the stream."""
    created = []
    for _ in range(runs):
        batch = fetch(vectra, sleeps, settings, **client_options)
        created += batch
        if not batch:
            return created
    raise AssertionError("fetch never caught up")


def mirror_ids(incidents):
    return [int(incident["dbotMirrorId"]) for incident in incidents]


def wanted(event, entity_types=("host", "account"), prioritized=False, escalated=False):
    """Whether an event makes its detection deserve an incident, written from the guide, not from the module."""
    status = event.get("investigation_status") or event.get("status")
    if event["triaged"] or event["type"] not in entity_types or status in ("closed", "expired"):
        return False
    if event.get("state") in ("fixed", "closed"):  # closed in Vectra
        return False
    flagged = event["is_prioritized"] or event["unresolved_priority"]
    return (not prioritized and not escalated) or (prioritized and flagged) or (escalated and status == "escalated")


def expected_order(events, **filters):
    """Detections that deserve an incident, in the order of their first qualifying event."""
    return list(dict.fromkeys(event["detection_id"] for event in events if wanted(event, **filters)))


def expected_detections(events, **filters):
    return set(expected_order(events, **filters))


def next_id(vectra, offset=1):
    return max(event["id"] for event in vectra.events if isinstance(event.get("id"), int)) + offset


def assert_once_each(incidents, expected):
    """Every expected detection got exactly one incident, and no other detection got one."""
    ids = mirror_ids(incidents)
    assert len(ids) == len(set(ids)), f"duplicates: {sorted(i for i in ids if ids.count(i) > 1)}"
    assert set(ids) == set(expected)


# --- 1. settings ------------------------------------------------------------------------------------------


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
        ({"insecure": "perhaps"}, '"Trust any certificate (not secure)" must be checked or unchecked'),
    ],
)
def test_each_invalid_parameter_is_named_with_what_is_allowed(overrides, message):
    with pytest.raises(vr.SettingsError) as raised:
        settings_for(**overrides)
    assert message in str(raised.value)


def test_settings_defaults_and_normalisation():
    """Only the connection is required; a pasted API path is tolerated."""
    settings = vr.parse_settings({"server_url": f"{URL}/api/v3.5/", "credentials": {"identifier": "i", "password": "p"}})
    assert settings.connection.server_url == settings.ui_url == URL
    assert not settings.fetch_enabled and settings.max_fetch == 50
    assert settings.first_fetch == datetime(2026, 11, 1, 11, tzinfo=timezone.utc)  # one hour back
    assert settings.filters == vr.FetchFilters(("account", "host"), False, False)
    assert settings.mirror_direction is None and settings.note_tag == "note"
    assert settings.reopen_detection and settings.reopen_status == "escalated"
    assert settings.close_detection and settings.close_reason == "remediated"
    assert not settings.close_incident
    assert settings.connection.verify and not settings.connection.proxy


def test_settings_read_every_option():
    settings = settings_for(max_fetch=" 200 ", first_fetch="2026-10-30T00:00:00Z", entity_types="Host",
                            only_prioritized_detections="true", only_escalated_detections=True, mirror_direction="Outgoing",
                            note_tag="vectra-note", open_detection_on_incident_reopen="false",
                            detection_status_for_reopen="Open", close_detection_on_incident_closure=False,
                            close_reason_of_detection="Benign", close_incident_on_detection_closure="true",
                            insecure=True, proxy="true")
    assert settings.max_fetch == 200 and settings.first_fetch == datetime(2026, 10, 30, tzinfo=timezone.utc)
    assert settings.filters == vr.FetchFilters(("host",), True, True)
    assert (settings.mirror_direction, settings.note_tag) == ("Out", "vectra-note")
    assert (settings.reopen_detection, settings.reopen_status) == (False, "open")
    assert (settings.close_detection, settings.close_reason, settings.close_incident) == (False, "benign", True)
    assert not settings.connection.verify and settings.connection.proxy


@pytest.mark.parametrize(("value", "expected"), [("Host", ("host",)), ("account", ("account",)), ("", ("account", "host")),
                                                 ([], ("account", "host")), ("Host,Account", ("account", "host")),
                                                 (None, ("account", "host"))])
def test_entity_types_subset_or_both(value, expected):
    assert vr.parse_entity_types(value) == expected


@pytest.mark.parametrize(("value", "direction"), [("Incoming", "In"), ("Outgoing", "Out"), ("Incoming And Outgoing", "Both"),
                                                  ("", None), ("None", None)])
def test_mirror_direction(value, direction):
    assert settings_for(mirror_direction=value).mirror_direction == direction


@pytest.mark.parametrize("filters", [vr.FetchFilters(("account", "host"), False, False), vr.FetchFilters(("host",), True, False),
                                     vr.FetchFilters(("account",), False, True),
                                     vr.FetchFilters(("account", "host"), True, False, ("escalated", "open"))])
def test_fetch_filters_survive_their_stored_fingerprint(filters):
    assert vr.FetchFilters.from_fingerprint(filters.fingerprint()) == filters


def test_user_agent_names_the_pack_version():
    assert f"Vectra-RUX-XSOAR-{vr.PACK_VERSION}" == vr.USER_AGENT


# --- 2. the client: tokens --------------------------------------------------------------------------------


def test_token_is_kept_in_the_integration_context_and_reused_by_later_runs(platform, vectra, sleeps):
    get_detections(new_client(vectra, sleeps))
    get_detections(new_client(vectra, sleeps))
    assert vectra.grants == ["client_credentials"]
    auth = platform.stored("auth")
    assert auth["access_token"] == "token-1" and auth["refresh_token"] == "refresh-1"
    issued = datetime(2026, 11, 1, 12, tzinfo=timezone.utc).timestamp()
    assert auth["expires_at"] == issued + 3600 - 60 and auth["refresh_expires_at"] == issued + 86400 - 60


def test_the_client_credentials_grant_sends_basic_credentials_and_the_refresh_grant_does_not(platform, vectra, sleeps, clock):
    get_detections(new_client(vectra, sleeps))
    clock.tick(3600)
    get_detections(new_client(vectra, sleeps))
    first, refresh = vectra.token_requests
    assert first.headers["Authorization"].startswith("Basic ") and parse_qs(first.text) == {"grant_type": ["client_credentials"]}
    assert "Authorization" not in refresh.headers
    assert parse_qs(refresh.text) == {"grant_type": ["refresh_token"], "refresh_token": ["refresh-1"]}


def test_every_context_key_is_one_json_string_and_other_keys_are_kept(platform, vectra, sleeps):
    platform.context = {"someone_else": {"kept": True}}
    settings = settings_for()
    get_detections(new_client(vectra, sleeps, settings))
    fetch(vectra, sleeps, settings)
    assert platform.context["someone_else"] == {"kept": True}
    assert platform.stored("auth")["access_token"] == "token-1" and platform.stored("fetch")["cursor"]


def test_the_published_integrations_plain_tokens_are_used_then_replaced(platform, vectra, sleeps):
    """The published integration kept {"access_token", "refresh_token"} as plain strings, without an expiry."""
    vectra.accept_published_tokens()
    platform.context = {"access_token": "published-access", "refresh_token": "published-refresh"}
    get_detections(new_client(vectra, sleeps))
    assert vectra.grants == []  # its access token still works: no token request
    vectra.expire_tokens()
    get_detections(new_client(vectra, sleeps))
    assert vectra.grants == ["refresh_token"]  # refused: its refresh token is tried before the client credentials
    assert set(platform.context) == {"auth"} and platform.stored("auth")["access_token"] == "token-1"


def test_a_context_value_that_is_not_json_is_started_afresh(platform, vectra, sleeps):
    platform.context = {"auth": "{broken", "someone_else": "plain text"}
    assert get_detections(new_client(vectra, sleeps)) == EMPTY_PAGE
    assert vectra.grants == ["client_credentials"] and platform.stored("auth")["access_token"] == "token-1"
    assert platform.context["someone_else"] == "plain text"


@pytest.mark.parametrize(
    ("lifetime", "elapsed", "grants"),
    [
        (3600, 3600 - 61, ["client_credentials"]),  # a minute's margin before the end
        (3600, 3600 - 59, ["client_credentials", "refresh_token"]),
        (30, 22, ["client_credentials"]),  # a short life: a quarter of it as margin
        (30, 23, ["client_credentials", "refresh_token"]),
        (3600, 86400, ["client_credentials", "client_credentials"]),  # the refresh token expired as well
    ],
)
def test_a_token_is_renewed_a_margin_before_it_expires(platform, vectra, sleeps, clock, lifetime, elapsed, grants):
    vectra.token_lifetime = lifetime
    get_detections(new_client(vectra, sleeps))
    clock.tick(elapsed)
    get_detections(new_client(vectra, sleeps))
    assert vectra.grants == grants


def test_a_token_another_run_stored_meanwhile_is_used_instead_of_a_new_grant(platform, vectra, sleeps, clock):
    mine, theirs = new_client(vectra, sleeps), new_client(vectra, sleeps)
    get_detections(mine)
    get_detections(theirs)  # reads the same token
    clock.tick(3600)
    get_detections(theirs)  # refreshes and stores the new token
    get_detections(mine)  # its token expired too: it finds the new one first
    assert vectra.grants == ["client_credentials", "refresh_token"]


def test_a_rejected_refresh_token_falls_back_to_client_credentials(platform, vectra, sleeps, clock):
    get_detections(new_client(vectra, sleeps))
    clock.tick(3600)
    vectra.scripted_tokens = [401]
    assert get_detections(new_client(vectra, sleeps)) == EMPTY_PAGE
    assert vectra.grants == ["client_credentials", "refresh_token", "client_credentials"]


def test_a_401_reauthenticates_once_and_replays_once(platform, vectra, sleeps):
    client = new_client(vectra, sleeps)
    get_detections(client)
    vectra.expire_tokens()  # revoked in Vectra
    assert get_detections(client) == EMPTY_PAGE
    assert len(vectra.api_calls("/detections")) == 3 and vectra.grants == ["client_credentials", "refresh_token"]


def test_a_401_that_persists_is_reported_not_looped(platform, vectra, sleeps):
    vectra.script(*[(401, {}, {"detail": "Invalid token."})] * 10)
    with pytest.raises(vr.VectraAuthError, match="even after re-authenticating"):
        get_detections(new_client(vectra, sleeps))
    assert len(vectra.api_calls()) == 2


def test_wrong_credentials_name_the_fields_to_check(platform, vectra, sleeps):
    settings = settings_for(credentials={"identifier": CLIENT_ID, "password": "wrong"})
    with pytest.raises(vr.VectraAuthError, match="verify the Client ID and Client Secret Key"):
        get_detections(new_client(vectra, sleeps, settings))
    assert vectra.api_calls() == []


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status_code": 404, "text": "<html>not here</html>"},
         "does not lead to a Vectra RUX API: /oauth2/token answered HTTP 404"),
        ({"status_code": 405, "text": ""}, "does not lead to a Vectra RUX API"),
        ({"status_code": 403, "json": {"error_description": "client disabled"}},
         "Vectra refused the token request (HTTP 403): client disabled"),
        ({"status_code": 200, "text": "<html>login</html>"}, "did not answer JSON"),
        ({"status_code": 200, "json": {"token_type": "Bearer"}}, "answered without an access token"),
    ],
)
def test_a_token_endpoint_that_is_not_vectras_is_explained(platform, vectra, sleeps, requests_mock, answer, message):
    requests_mock.post(TOKEN_URL, **answer)
    with pytest.raises(vr.VectraApiError, match=re.escape(message)):
        get_detections(new_client(vectra, sleeps))


# --- 2. the client: retries, budget, timeouts -------------------------------------------------------------


def test_429_waits_for_retry_after_then_succeeds(platform, vectra, sleeps):
    vectra.script((429, {"Retry-After": "7"}, {"detail": "throttled"}), (429, {"Retry-After": "3"}, {}))
    assert get_detections(new_client(vectra, sleeps)) == EMPTY_PAGE
    assert sleeps == [7.0, 3.0]


def test_retry_after_as_an_http_date_is_honoured(platform, vectra, sleeps):
    later = email.utils.format_datetime(datetime(2026, 11, 1, 12, 0, 5, tzinfo=timezone.utc), usegmt=True)
    vectra.script((503, {"Retry-After": later}, {}))
    assert get_detections(new_client(vectra, sleeps)) == EMPTY_PAGE
    assert sleeps == [5.0]


def test_an_unreadable_retry_after_falls_back_to_backoff(platform, vectra, sleeps):
    vectra.script((429, {"Retry-After": "soon"}, {}))
    get_detections(new_client(vectra, sleeps))
    assert len(sleeps) == 1 and 1 <= sleeps[0] <= 1.25


def test_429_beyond_the_budget_says_api_rate_limit_without_waiting(platform, vectra, sleeps):
    vectra.script((429, {"Retry-After": "600"}, {}))
    with pytest.raises(vr.VectraRateLimitError, match="API rate limit"):
        get_detections(new_client(vectra, sleeps, budget_s=60))
    assert sleeps == [] and len(vectra.api_calls()) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_with_backoff(platform, vectra, sleeps, status):
    vectra.script(*[(status, {}, {"detail": "oops"})] * 2)
    assert get_detections(new_client(vectra, sleeps)) == EMPTY_PAGE
    assert len(sleeps) == 2 and 1 <= sleeps[0] <= 1.25 and 2 <= sleeps[1] <= 2.25


def test_server_errors_that_persist_surface_vectras_text(platform, vectra, sleeps):
    vectra.script(*[(500, {}, {"detail": "database is down"})] * 10)
    with pytest.raises(vr.VectraApiError, match="HTTP 500: database is down"):
        get_detections(new_client(vectra, sleeps))
    assert len(vectra.api_calls()) == vr.MAX_ATTEMPTS


def test_a_retry_that_would_outlast_the_budget_is_not_made(platform, vectra, sleeps):
    vectra.script(*[(502, {}, {"detail": "bad gateway"})] * 10)
    with pytest.raises(vr.VectraApiError, match="HTTP 502"):
        get_detections(new_client(vectra, sleeps, budget_s=5, seconds_per_request=1))
    assert len(vectra.api_calls()) < vr.MAX_ATTEMPTS and sum(sleeps) < 5


@pytest.mark.parametrize(
    ("method", "error", "attempts"),
    [
        ("GET", requests.exceptions.ConnectionError("reset"), 2),  # a read is repeated
        ("POST", requests.exceptions.ConnectionError("reset"), 1),  # a write may have been applied: not repeated
        ("POST", requests.exceptions.ConnectTimeout("no route"), 2),  # never sent: safe to repeat
        ("GET", requests.exceptions.SSLError("bad cert"), 1),  # retrying cannot fix a certificate
    ],
)
def test_broken_connections_are_retried_only_when_safe(platform, vectra, sleeps, method, error, attempts):
    client = new_client(vectra, sleeps)
    get_detections(client)
    vectra.calls.clear()
    vectra.script((0, {}, error))
    with contextlib.suppress(vr.VectraApiError):
        client.request(method, "/api/v3.5/detections")
    assert len(vectra.api_calls()) == attempts


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (requests.exceptions.SSLError("bad cert"), 'select "Trust any certificate (not secure)"'),
        (requests.exceptions.ReadTimeout("slow"), "Vectra did not answer in time"),
        (requests.exceptions.ConnectionError("refused"), "Could not connect to Vectra: verify the Server URL"),
    ],
)
def test_transport_errors_get_clear_messages(platform, vectra, sleeps, error, message):
    vectra.script(*[(0, {}, error)] * vr.MAX_ATTEMPTS)
    with pytest.raises(vr.VectraApiError, match=re.escape(message)):
        get_detections(new_client(vectra, sleeps))


@pytest.mark.parametrize(
    ("answer", "result"),
    [
        ({"status_code": 204}, {}),
        ({"status_code": 200, "text": ""}, {}),
        ({"status_code": 200, "json": {"count": 1, "results": [{"id": 7}]}}, {"count": 1, "results": [{"id": 7}]}),
    ],
)
def test_answers_are_returned_as_json(platform, vectra, sleeps, requests_mock, answer, result):
    requests_mock.get(f"{URL}/api/v3.5/detections", **answer)
    assert get_detections(new_client(vectra, sleeps)) == result


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status_code": 404, "json": {"detail": "Not found."}},
         "Vectra answered GET /api/v3.5/detections with HTTP 404: Not found."),
        ({"status_code": 400, "json": {"_meta": {"message": "bad page_size"}}}, "HTTP 400: bad page_size"),
        ({"status_code": 400, "json": {"errors": {"tags": ["invalid"]}, "invalid_tags": ["a b"]}},
         'HTTP 400: {"tags": ["invalid"]} (invalid tags: a b)'),
        ({"status_code": 403, "json": ["forbidden"]}, 'HTTP 403: ["forbidden"]'),
        ({"status_code": 404, "text": "  <html>No such page</html>  "}, "HTTP 404: <html>No such page</html>"),
        ({"status_code": 410, "text": "", "reason": "Gone"}, "HTTP 410: Gone"),
        ({"status_code": 200, "text": "<html>portal</html>"}, "something that is not JSON (HTTP 200): verify the Server URL"),
    ],
)
def test_error_answers_carry_vectras_own_words(platform, vectra, sleeps, requests_mock, answer, message):
    requests_mock.get(f"{URL}/api/v3.5/detections", **answer)
    with pytest.raises(vr.VectraApiError, match=re.escape(message)):
        get_detections(new_client(vectra, sleeps))


@pytest.mark.parametrize(
    ("environment", "budget_s", "timeout"),
    [
        ({}, 150, 60),  # the platform's default
        ({"REQUESTS_TIMEOUT": "25"}, 150, 25),
        ({"REQUESTS_TIMEOUT": "25", "REQUESTS_TIMEOUT.VectraRUXEventsDetections": "12"}, 150, 12),  # this integration's own
        ({}, 7, 7),  # never past the run's time budget
        ({}, 0.2, 1),  # but at least a second
    ],
)
def test_each_request_waits_at_most_the_configured_timeout(platform, vectra, sleeps, requests_mock, monkeypatch,
                                                           environment, budget_s, timeout):
    monkeypatch.delenv("REQUESTS_TIMEOUT", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    client = new_client(vectra, sleeps)
    get_detections(client)
    client.budget = vr.Budget(budget_s, clock=vectra.clock())
    get_detections(client)
    assert requests_mock.last_request.timeout == timeout


def test_every_request_sends_the_user_agent(platform, vectra, sleeps):
    get_detections(new_client(vectra, sleeps))
    assert vectra.grants and vectra.api_calls() and vectra.user_agents == {vr.USER_AGENT}


def test_an_events_answer_without_events_is_reported(platform, vectra, sleeps):
    vectra.script((200, {}, {"detail": "maintenance"}))
    with pytest.raises(vr.VectraApiError, match="answered in an unexpected shape"):
        new_client(vectra, sleeps).detection_events(limit=1)


# --- 2. the client: endpoints -----------------------------------------------------------------------------

DETECTION, HOST = vr.Target("detection", 7), vr.Target("entity", 8, "host")
TAGS_OK = {"status": "success", "tag_id": 7, "tags": ["a"]}


@pytest.mark.parametrize(
    ("call", "method", "path", "query", "body"),
    [
        (lambda c: c.detection_events(**{"from": 5}, limit=2, type=None), "GET", "/api/v3.5/events/detections",
         {"from": "5", "limit": "2"}, None),
        (lambda c: c.list_detections({"id": 3}), "GET", "/api/v3.5/detections", {"id": "3"}, None),
        (lambda c: c.update_detections([1, 2], investigation_status="open"), "PATCH", "/api/v3.5/detections", {},
         {"detectionIdList": [1, 2], "investigation_status": "open"}),
        (lambda c: c.close_detections([1], "benign"), "PATCH", "/api/v3.5/detections/close", {},
         {"detectionIdList": [1], "reason": "benign"}),
        (lambda c: c.open_detections([1]), "PATCH", "/api/v3.5/detections/open", {}, {"detectionIdList": [1]}),
        (lambda c: c.detection_pcap(7), "GET", "/api/v3.5/detections/7/pcap", {}, None),
        (lambda c: c.list_notes(DETECTION), "GET", "/api/v3.5/detections/7/notes", {}, None),
        (lambda c: c.list_notes(HOST), "GET", "/api/v3.5/entities/8/notes", {"type": "host"}, None),
        (lambda c: c.add_note(DETECTION, "hi"), "POST", "/api/v3.5/detections/7/notes", {}, {"note": "hi"}),
        (lambda c: c.update_note(HOST, 3, "edited"), "PATCH", "/api/v3.5/entities/8/notes/3", {"type": "host"},
         {"note": "edited"}),
        (lambda c: c.delete_note(DETECTION, 3), "DELETE", "/api/v3.5/detections/7/notes/3", {}, None),
        (lambda c: c.get_tags(DETECTION), "GET", "/api/v3.5/tagging/detection/7", {"type": "detection"}, None),
        (lambda c: c.set_tags(HOST, ["a"]), "PATCH", "/api/v3.5/tagging/entity/8", {"type": "host"}, {"tags": ["a"]}),
        (lambda c: c.list_entities({"page": 1}), "GET", "/api/v3.4/entities", {"page": "1"}, None),
        (lambda c: c.get_entity("host", 8), "GET", "/api/v3.4/entities/8", {"type": "host"}, None),
        (lambda c: c.update_entity("account", 9, {"external_reference_id": "x"}), "PATCH", "/api/v3.5/entities/9",
         {"type": "account"}, {"external_reference_id": "x"}),
        (lambda c: c.list_assignments({"page": 2}), "GET", "/api/v3.5/assignments", {"page": "2"}, None),
        (lambda c: c.create_assignment({"assign_to_user_id": 1, "assign_host_id": 8}), "POST", "/api/v3.5/assignments", {},
         {"assign_to_user_id": 1, "assign_host_id": 8}),
        (lambda c: c.reassign(5, 6), "PUT", "/api/v3.5/assignments/5", {}, {"assign_to_user_id": 6}),
        (lambda c: c.resolve_assignment(5, {"outcome": 1}), "PUT", "/api/v3.5/assignments/5/resolve", {}, {"outcome": 1}),
        (lambda c: c.list_outcomes({"page": 1}), "GET", "/api/v3.5/assignment_outcomes", {"page": "1"}, None),
        (lambda c: c.list_groups({"type": "host"}), "GET", "/api/v3.5/groups", {"type": "host"}, None),
        (lambda c: c.get_group(4), "GET", "/api/v3.5/groups/4", {}, None),
        (lambda c: c.set_group_members(4, [1, 2]), "PATCH", "/api/v3.5/groups/4", {}, {"members": [1, 2]}),
        (lambda c: c.list_users({"email": "a@corp.example"}), "GET", "/api/v3.5/users", {"email": "a@corp.example"}, None),
        (lambda c: c.submit_investigation("q", None), "POST", "/api/v3.5/investigations", {}, {"query": "q"}),
        (lambda c: c.investigation_results("r1", 2, 10), "GET", "/api/v3.5/investigations/r1", {"page": "2", "page_size": "10"},
         None),
    ],
)
def test_each_endpoint_sends_the_request_vectra_documents(platform, vectra, sleeps, call, method, path, query, body):
    vectra.answer = TAGS_OK if "tagging" in path else EMPTY_PAGE
    call(new_client(vectra, sleeps))
    assert vectra.calls == [Call(method, path, query, body)]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status": "failure", "message": "Tag too long", "invalid_tags": ["x" * 3]}, "Tag too long (invalid tags: xxx)"),
        ({"status": "failure"}, "unknown error"),
        (["not", "an", "object"], "unknown error"),
    ],
)
def test_a_tag_change_vectra_refuses_in_its_answer_is_an_error(platform, vectra, sleeps, answer, message):
    """Tagging answers HTTP 200 with `status: failure`."""
    vectra.answer = answer
    with pytest.raises(vr.VectraApiError, match=re.escape(f"Vectra refused the tag change: {message}")):
        new_client(vectra, sleeps).set_tags(DETECTION, ["x" * 3])


def test_the_pcap_is_handed_over_as_the_response(platform, vectra, sleeps):
    vectra.answer = {"pcap": "bytes"}
    response = new_client(vectra, sleeps).detection_pcap(7)
    assert response.status_code == 200 and response.json() == {"pcap": "bytes"}


# --- secrets ----------------------------------------------------------------------------------------------


def assert_no_secret(platform):
    """Neither the Client Secret Key nor an access token in what the platform shows or logs; the context holds the
    tokens, never the secret."""
    shown = [*platform.logs, *map(json.dumps, platform.entries)]
    assert shown and not [text for text in shown if SECRET in text or re.search(r"token-\d", text)]
    assert SECRET not in json.dumps(platform.context)


@pytest.mark.parametrize(
    "failure",
    [
        {"scripted_tokens": [401]},  # wrong credentials
        {"script": [(403, {}, {"detail": "Forbidden: missing role"})]},
        {"script": [(0, {}, requests.exceptions.SSLError("bad cert"))]},
    ],
)
def test_secrets_never_reach_logs_errors_or_entries(platform, vectra, failure):
    vectra.scripted_tokens = failure.get("scripted_tokens", [])
    vectra.script(*failure.get("script", []))
    entries = platform.run_main("test-module", make_params(isFetch=False))
    assert error_entries(entries)
    assert_no_secret(platform)


def test_secrets_never_reach_the_integration_context_or_logs_of_a_fetch(platform, vectra):
    platform.run_main("fetch-incidents", make_params(max_fetch="3"))
    assert len(platform.incidents) == 3
    assert_no_secret(platform)


# --- 3. events into incidents -----------------------------------------------------------------------------


@pytest.mark.parametrize(("urgency", "severity"), [(None, 0.5), (0, 0.5), (1, 1), (30, 1), (31, 2), (50, 2), (51, 3), (80, 3),
                                                   (81, 4), (100, 4)])
def test_severity_from_entity_urgency(urgency, severity):
    assert vr.severity_from_urgency(urgency) == severity


def test_incident_from_the_reference_sample_shape(platform):
    settings = settings_for(mirror_direction="Incoming")
    event = vr.DetectionEvent.parse(SAMPLE["events"][1])
    incident = vr.event_to_incident(event, settings, vr.parse_timestamp(NOW))
    assert incident["name"] == "Vectra RUX Events Detection: Dummy Category 2 — Dummy Detection Two — dummy-entity-uid-2"
    assert incident["occurred"] == "2025-01-01T04:00:00Z"  # no first_timestamp in this sample: the event's time
    assert incident["severity"] == 3  # src_host urgency 80
    assert event.investigation_status == "escalated"  # the sample calls it `status`
    assert incident["dbotMirrorId"] == "22222" and incident["dbotMirrorDirection"] == "In"
    assert incident["dbotMirrorInstance"] == INSTANCE and incident["dbotMirrorTags"] == ["note"]
    raw = json.loads(incident["rawJSON"])
    assert raw["mirror_id"] == "22222" and raw["mirror_direction"] == "In" and raw["mirror_tags"] == ["note"]
    assert raw["mirror_instance"] == INSTANCE and raw["detail"]["event_name"] == "DummyEventTwo"


def test_incident_name_uses_em_dashes_and_the_category_display_name():
    raw = {"category": "command_and_control", "detection_type": "Hidden HTTPS Tunnel", "entity_uid": "dc01.corp"}
    assert vr.incident_name(raw) == "Vectra RUX Events Detection: Command & Control — Hidden HTTPS Tunnel — dc01.corp"
    assert vr.category_name("new_kind_of_thing") == "New Kind Of Thing"


def test_occurred_prefers_the_detection_first_timestamp():
    now = vr.parse_timestamp(NOW)
    first = {"detail": {"first_timestamp": "2026-10-01T01:02:03Z"}, "event_timestamp": NOW}
    assert vr.occurred(first, now) == "2026-10-01T01:02:03Z"
    assert vr.occurred({"detail": None, "event_timestamp": "not-a-date"}, now) == NOW
    assert vr.occurred({"event_timestamp": "2026-10-01T01:02:03"}, now) == "2026-10-01T01:02:03Z"  # no zone: UTC


def test_malformed_events_are_parsed_defensively():
    assert vr.DetectionEvent.parse({"id": "12", "detection_id": "34", "type": None}).detection_id == 34
    assert vr.DetectionEvent.parse({"id": 1}) is None
    assert vr.DetectionEvent.parse({"id": True, "detection_id": 3}) is None
    assert vr.DetectionEvent.parse("garbage") is None
    incident_name = vr.incident_name({"category": None, "entity_uid": None, "entity_id": 9})
    assert incident_name == "Vectra RUX Events Detection: Unknown Category — Unknown Detection — entity 9"


@pytest.mark.parametrize(
    ("fields", "closed"),
    [({"state": "fixed"}, True), ({"state": "Closed"}, True), ({"state": "active", "reason": "benign"}, False),
     ({"change_type": "state", "reason": "remediated"}, True), ({"change_type": "state", "reason": ""}, False)],
)
def test_a_detection_closed_in_vectra_is_recognised(fields, closed):
    assert vr.DetectionEvent.parse({"id": 1, "detection_id": 2, **fields}).closed is closed


# --- 4. the de-duplication state --------------------------------------------------------------------------


def test_id_encoding_round_trips_and_stays_small():
    ids = set(range(1_000_000, 1_003_000, 2))
    text = vr.encode_ids(ids)
    assert vr.decode_ids(text) == ids and len(text) < 2100
    assert vr.decode_ids(vr.encode_ids([])) == set() and vr.decode_ids("") == set()


def test_created_cache_keeps_recent_generations_and_stays_within_its_byte_budget():
    cache = vr.CreatedCache(generation_size=3)
    for detection_id in (1, 2, 3, 4, 5):
        cache.add(detection_id)
    assert 4 in cache and 1 in cache  # 1 is in the older generation: touching it keeps it
    for detection_id in (6, 7, 8):
        cache.add(detection_id)
    assert 2 not in cache  # dropped with its generation: fetch will ask Vectra's history
    stored = vr.CreatedCache.load(cache.dump())
    assert stored.current | stored.previous == {1, 4, 5, 6, 7, 8}
    sparse = vr.CreatedCache(current=set(range(0, 40_000_000, 4000)))  # 10,000 IDs far apart
    stored = sparse.dump()
    assert len(stored["cur"]) + len(stored["old"]) <= vr.CREATED_CACHE_BYTES
    kept = vr.CreatedCache.load(stored)
    assert 39_996_000 in kept and 0 not in kept  # the newest IDs are the ones kept


def test_changes_noted_for_mirroring_stay_bounded_and_survive_what_mirroring_takes():
    noted = vr.ChangedDetections()
    noted.extend({1, 2}, 10, 20)
    noted.extend({3}, 20, 30)
    assert vr.ChangedDetections.load(noted.dump()) == vr.ChangedDetections(10, 30, {1, 2, 3}, False)
    # mirroring took what it saw up to 20 while fetch added 3 up to 30: 3 and the range after 20 remain
    assert noted.after_taking({1, 2}, 20) == vr.ChangedDetections(20, 30, {3}, False)
    noted.extend(set(range(100, 100 + vr.MAX_CHANGED_IDS)), 30, 40)  # too many: only the range is kept
    assert (noted.ids, noted.overflow) == (set(), True)
    assert noted.after_taking(set(), 35) == vr.ChangedDetections(35, 40, set(), True)
    assert noted.after_taking(set(), 40) == vr.ChangedDetections(40, 40, set(), False)
    assert vr.ChangedDetections().after_taking(set(), 50) == vr.ChangedDetections(50, 50, set(), False)


# --- 4. fetch ---------------------------------------------------------------------------------------------


def test_first_run_starts_at_first_fetch_time_and_creates_one_incident_per_qualifying_detection(platform, vectra, sleeps):
    incidents = fetch(vectra, sleeps, settings_for(max_fetch="200"))
    assert mirror_ids(incidents) == expected_order(STREAM)
    locate = vectra.api_calls("/events/detections")[0].query
    assert locate["event_timestamp_gte"] == "2026-10-30T12:00:00Z" and locate["limit"] == "1" and locate["ordering"] == "id"
    reads = vectra.stream_reads()
    # every entity type and triaged detections too: filtered here, since incoming mirroring needs every change
    assert reads and all(q["ordering"] == "id" and q["size"] == "detailed" and q["include_triaged"] == "true"
                         and q["include_info_category"] == "true" and "type" not in q for q in reads)
    assert reads[0]["from"] == str(STREAM[0]["id"] - 1) and reads[0]["limit"] == str(vr.EVENTS_PAGE_LIMIT)
    assert platform.incidents == incidents
    assert platform.last_run == {"start": STREAM[0]["id"] - 1, "cursor": STREAM[-1]["id"], "runs": 1,
                                 "epochs": [[STREAM[0]["id"], "account,host|p0|e0"]]}  # a copy, should the context be lost
    assert platform.stored("fetch")["cursor"] == STREAM[-1]["id"]


def test_fetch_notes_the_detections_that_changed_for_incoming_mirroring(platform, vectra, sleeps):
    fetch(vectra, sleeps, settings_for(max_fetch="200", mirror_direction="Incoming"))
    state = platform.stored("fetch")
    created, changed = set(), set()
    for event in STREAM:
        if event["change_type"] == "new":
            created |= {event["detection_id"]} if wanted(event) else set()
        elif event["detection_id"] not in created and wanted(event):
            created.add(event["detection_id"])  # its first qualifying event creates the incident: not a change
        else:
            changed.add(event["detection_id"])
    noted = vr.ChangedDetections.load(platform.stored("changed"))
    assert (noted.start, noted.end, noted.overflow) == (state["start"], state["cursor"], False)
    assert noted.ids == changed and changed


def test_too_many_changes_for_mirroring_keep_only_their_range(platform, vectra, sleeps, mocker):
    mocker.patch.object(vr, "MAX_CHANGED_IDS", 2)
    settings = settings_for(max_fetch="200", mirror_direction="Incoming And Outgoing")
    fetch(vectra, sleeps, settings)
    vectra.events.append(dict(STREAM[0], id=next_id(vectra), change_type="append"))
    fetch(vectra, sleeps, settings)
    assert platform.stored("changed") == {"start": STREAM[0]["id"] - 1, "end": vectra.events[-1]["id"], "ids": "",
                                          "overflow": True}


@pytest.mark.parametrize("direction", ["Outgoing", "None"])
def test_without_incoming_mirroring_fetch_notes_nothing(platform, vectra, sleeps, direction):
    fetch(vectra, sleeps, settings_for(max_fetch="200", mirror_direction=direction))
    assert "changed" not in platform.context


def test_reads_several_pages_in_one_run(platform, vectra, sleeps, mocker):
    mocker.patch.object(vr, "EVENTS_PAGE_LIMIT", 7)
    incidents = fetch(vectra, sleeps, settings_for(max_fetch="200"))
    assert mirror_ids(incidents) == expected_order(STREAM)
    froms = [int(query["from"]) for query in vectra.stream_reads()]
    assert len(froms) > len(STREAM) // 7 and froms == sorted(set(froms))  # each page starts where the last one ended


def test_max_fetch_cuts_a_page_and_the_next_run_resumes_exactly_there(platform, vectra, sleeps):
    settings = settings_for(max_fetch="4")
    runs = []
    while created := fetch(vectra, sleeps, settings):
        runs.append(mirror_ids(created))
    assert all(len(run) == 4 for run in runs[:-1]) and 1 <= len(runs[-1]) <= 4
    assert [detection for run in runs for detection in run] == expected_order(STREAM)  # in stream order: nothing skipped


def test_no_duplicates_across_runs_when_activity_continues(platform, vectra, sleeps):
    settings = settings_for()
    first = fetch_until_quiet(vectra, sleeps, settings)
    lookups = len(vectra.lookups())
    vectra.events += [dict(event, id=event["id"] + 10_000, change_type="append") for event in STREAM]
    assert fetch_until_quiet(vectra, sleeps, settings) == []
    assert_once_each(first, expected_order(STREAM))
    assert len(vectra.lookups()) == lookups  # the created cache answered: no history lookup needed


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
def test_filters(platform, vectra, sleeps, overrides, expected):
    incidents = fetch_until_quiet(vectra, sleeps, settings_for(max_fetch="200", **overrides))
    assert expected_order(STREAM, **expected)  # the recording exercises each filter
    assert sorted(mirror_ids(incidents)) == sorted(expected_detections(STREAM, **expected))


def test_prioritized_or_escalated_is_a_union_not_an_intersection(platform, vectra, sleeps):
    def fetched(**options):
        platform.context, platform.last_run = {}, {}
        return set(mirror_ids(fetch_until_quiet(vectra, sleeps, settings_for(max_fetch="200", **options))))

    prioritized, escalated = fetched(only_prioritized_detections=True), fetched(only_escalated_detections=True)
    both = fetched(only_prioritized_detections=True, only_escalated_detections=True)
    assert both == prioritized | escalated and both > escalated and both > prioritized


def test_late_qualification_creates_the_incident_when_the_escalation_arrives(platform, vectra, sleeps):
    settings = settings_for(only_escalated_detections=True)
    before = set(mirror_ids(fetch_until_quiet(vectra, sleeps, settings)))
    quiet = next(e for e in STREAM if e["change_type"] == "new" and e["detection_id"] not in before and not e["triaged"]
                 and e["category"] != "info")
    escalation = dict(quiet, id=next_id(vectra), change_type="investigation_status", investigation_status="escalated",
                      status="escalated")
    follow_up = dict(escalation, id=escalation["id"] + 1, change_type="append")
    vectra.events += [escalation, follow_up]
    later = fetch_until_quiet(vectra, sleeps, settings)
    assert mirror_ids(later) == [quiet["detection_id"]]
    assert json.loads(later[0]["rawJSON"])["change_type"] == "investigation_status"
    assert {query["detection_id"] for query in vectra.lookups()} >= {str(quiet["detection_id"])}


def test_detections_born_before_first_fetch_get_one_incident_on_their_first_activity(platform, vectra, sleeps):
    old = next(e for e in STREAM if e["change_type"] == "new" and wanted(e))
    start = next_id(vectra, 0)
    vectra.events += [dict(old, id=start + n, change_type="append", event_timestamp=NOW) for n in (1, 2, 3)]
    incidents = fetch_until_quiet(vectra, sleeps, settings_for(first_fetch="1 minute"))
    assert mirror_ids(incidents) == [old["detection_id"]]
    assert json.loads(incidents[0]["rawJSON"])["id"] == start + 1


def test_with_nothing_since_first_fetch_time_the_stream_starts_at_its_newest_event(platform, vectra, sleeps):
    settings = settings_for(first_fetch="1 minute")  # the recording ends at 11:57
    assert fetch(vectra, sleeps, settings) == []
    newest = vectra.api_calls("/events/detections")[1].query
    assert (newest["ordering"], newest["limit"]) == ("-id", "1")
    assert platform.last_run["start"] == platform.last_run["cursor"] == STREAM[-1]["id"]
    fresh = next(e for e in STREAM if e["change_type"] == "new" and wanted(e))
    vectra.events.append(dict(fresh, id=next_id(vectra), detection_id=999_999, event_timestamp=NOW))
    assert mirror_ids(fetch(vectra, sleeps, settings)) == [999_999]


def test_an_empty_stream_starts_at_the_servers_checkpoint(platform, vectra, sleeps):
    vectra.events = []
    vectra.script((200, {}, {"events": [], "next_checkpoint": 0, "remaining_count": 0}),
                  (200, {}, {"events": [], "next_checkpoint": 5000, "remaining_count": 0}), after=0)
    settings = settings_for()
    assert fetch(vectra, sleeps, settings) == []
    assert platform.last_run["start"] == 5000
    vectra.events = [dict(STREAM[0], id=4000, detection_id=1), dict(STREAM[0], id=5001, detection_id=2)]
    assert mirror_ids(fetch(vectra, sleeps, settings)) == [2]


def test_a_page_of_nothing_usable_is_stepped_over_by_the_servers_checkpoint(platform, vectra, sleeps):
    settings = settings_for(max_fetch="200")
    fetch(vectra, sleeps, settings)
    end = next_id(vectra, 0)
    fresh = dict(next(e for e in STREAM if e["change_type"] == "new" and wanted(e)), id=end + 50, detection_id=999_999)
    vectra.events.append(fresh)
    vectra.script((200, {}, {"events": [{"id": "?"}, {"detection_id": 5}], "next_checkpoint": end + 40, "remaining_count": 1}))
    assert mirror_ids(fetch(vectra, sleeps, settings)) == [999_999]
    assert [query["from"] for query in vectra.stream_reads()[-2:]] == [str(end), str(end + 40)]


def test_a_page_of_nothing_usable_without_a_checkpoint_ends_the_run_where_it_was(platform, vectra, sleeps):
    settings = settings_for(max_fetch="200")
    fetch(vectra, sleeps, settings)
    cursor = platform.last_run["cursor"]
    vectra.script((200, {}, {"events": [{"id": None}], "next_checkpoint": None, "remaining_count": 3}))
    assert fetch(vectra, sleeps, settings) == []
    assert platform.last_run["cursor"] == cursor and len(vectra.stream_reads()) == 2


def test_duplicate_and_malformed_events_do_not_break_fetch(platform, vectra, sleeps):
    damaged = []
    for index, event in enumerate(STREAM):
        odd = dict(event)
        if index % 7 == 0:  # odd types where Vectra documents others
            odd.update(threat="high", detection_id=str(odd["detection_id"]), tags="a,b", summary=None, src_host="x")
        damaged.append(odd)
    damaged.insert(10, dict(STREAM[5]))  # an event repeated out of place
    damaged += [{"id": "not-a-number"}, "not an event"]
    vectra.events = damaged
    incidents = fetch_until_quiet(vectra, sleeps, settings_for(max_fetch="200"))
    assert sorted(mirror_ids(incidents)) == sorted(expected_detections(STREAM))


def test_without_the_created_cache_vectras_history_alone_prevents_duplicates(platform, vectra, sleeps, mocker):
    """The created cache only saves requests: with no room to store it, every later event of a detection is judged
    by the detection's history in Vectra, and still no detection gets two incidents."""
    mocker.patch.object(vr, "CREATED_CACHE_BYTES", 0)
    settings = settings_for(max_fetch="4")
    created = fetch_until_quiet(vectra, sleeps, settings)
    vectra.events += [dict(event, id=event["id"] + 10_000, change_type="append") for event in STREAM]
    created += fetch_until_quiet(vectra, sleeps, settings)
    assert_once_each(created, expected_order(STREAM))
    assert vectra.lookups() and all(query["from"] == str(STREAM[0]["id"] - 1) for query in vectra.lookups())


def history_event(event_id, detection_id, change_type="append", status="open"):
    base = next(e for e in STREAM if e["change_type"] == "new" and wanted(e))
    return dict(base, id=event_id, detection_id=detection_id, change_type=change_type, investigation_status=status,
                status=status)


def test_a_history_longer_than_a_page_is_read_to_the_end(platform, vectra, sleeps, mocker):
    """Escalated only, history pages of 3 events: a detection with 8 earlier events, none escalated, gets its incident
    when escalated; one escalated at its 6th event gets none on a later escalation, once its cache entry is gone."""
    mocker.patch.object(vr, "EVENTS_PAGE_LIMIT", 3)
    mocker.patch.object(vr, "CREATED_CACHE_BYTES", 0)
    quiet = [history_event(100 + n, 1, "new" if n == 0 else "append") for n in range(8)]
    loud = [history_event(200 + n, 2, "new" if n == 0 else "append", "escalated" if n == 5 else "open") for n in range(8)]
    vectra.events = [*quiet, *loud, history_event(300, 1, "investigation_status", "escalated")]
    settings = settings_for(only_escalated_detections=True, first_fetch="60 days")
    assert mirror_ids(fetch_until_quiet(vectra, sleeps, settings)) == [2, 1]  # at events 205 and 300
    assert [query["from"] for query in vectra.lookups() if query["detection_id"] == "1"] == ["99", "102", "105"]
    vectra.events.append(history_event(301, 2, "investigation_status", "escalated"))
    assert fetch_until_quiet(vectra, sleeps, settings) == []
    assert [query["from"] for query in vectra.lookups() if query["detection_id"] == "2"][-2:] == ["99", "202"]


def test_events_are_judged_by_the_filters_of_their_time(platform, vectra, sleeps, mocker):
    """After the filters change, a detection's history counts only where it qualified under the filters then in
    force: one that did not (it was not escalated) gets an incident now, one that did gets none."""
    mocker.patch.object(vr, "CREATED_CACHE_BYTES", 0)  # every later event is judged by the history
    escalated_only = settings_for(max_fetch="200", only_escalated_detections=True)
    before = set(mirror_ids(fetch_until_quiet(vectra, sleeps, escalated_only)))
    passed_over = next(d for d in expected_order(STREAM) if d not in before)
    had_one = min(before)
    template = next(e for e in STREAM if e["detection_id"] == passed_over and wanted(e))
    vectra.events += [dict(template, id=next_id(vectra), change_type="append"),
                      dict(template, id=next_id(vectra, 2), change_type="append", detection_id=had_one)]
    everything = settings_for(max_fetch="200")
    assert mirror_ids(fetch_until_quiet(vectra, sleeps, everything)) == [passed_over]
    assert [epoch[1] for epoch in platform.stored("fetch")["epochs"]] == ["account,host|p0|e1", "account,host|p0|e0"]


def test_a_run_out_of_time_stops_before_an_event_and_the_next_run_starts_there(platform, vectra, sleeps, mocker):
    """Each history lookup costs a request; on a slow Vectra a run stops at its time budget, mid-page, and the next
    run continues from that event: nothing skipped, nothing twice."""
    mocker.patch.object(vr, "CREATED_CACHE_BYTES", 0)
    settings = settings_for(max_fetch="200")
    fetch_until_quiet(vectra, sleeps, settings)
    platform.incidents.clear()
    first = next_id(vectra)
    later = [dict(event, id=first + n, change_type="append") for n, event in enumerate(STREAM)]
    vectra.events += later
    vectra.events += [dict(e, id=first + 1000 + n, detection_id=900_000 + n) for n, e in enumerate(STREAM) if wanted(e)]
    runs = 0
    while platform.last_run["cursor"] < next_id(vectra, 0) and runs < 100:
        before = len(vectra.calls)
        fetch(vectra, sleeps, settings, budget_s=12, seconds_per_request=1)
        runs += 1
        assert len(vectra.calls) - before <= 12
    expected = [900_000 + n for n, e in enumerate(STREAM) if wanted(e)]
    assert runs > 3 and sorted(mirror_ids(platform.incidents)) == sorted(expected)
    assert len(platform.incidents) == len(expected)


def test_an_auth_failure_commits_nothing_and_the_next_run_repeats_it(platform, vectra, sleeps):
    settings = settings_for(max_fetch="5")
    fetch(vectra, sleeps, settings)
    last_run, context = dict(platform.last_run), dict(platform.context)
    saves, handed_over = platform.last_run_saves, len(platform.incidents)
    vectra.script((401, {}, {"detail": "x"}))
    vectra.scripted_tokens = [401, 401]  # refresh and client credentials both refused
    with pytest.raises(vr.VectraAuthError):
        fetch(vectra, sleeps, settings)
    assert (platform.last_run, platform.last_run_saves, len(platform.incidents)) == (last_run, saves, handed_over)
    assert platform.context["fetch"] == context["fetch"]
    fetch_until_quiet(vectra, sleeps, settings)
    assert_once_each(platform.incidents, expected_order(STREAM))


def test_an_auth_failure_mid_run_hands_over_nothing_of_that_run(platform, vectra, sleeps, mocker):
    mocker.patch.object(vr, "EVENTS_PAGE_LIMIT", 20)
    settings = settings_for(max_fetch="200")
    get_detections(new_client(vectra, sleeps, settings))  # a token, then revoked mid-run
    vectra.script((401, {}, {"detail": "x"}), after=2)  # the start lookup and the first page get through
    vectra.scripted_tokens = [401, 401]
    with pytest.raises(vr.VectraAuthError):
        fetch(vectra, sleeps, settings)
    assert platform.incidents == [] and platform.last_run_saves == 0 and "fetch" not in platform.context
    fetch_until_quiet(vectra, sleeps, settings)
    assert_once_each(platform.incidents, expected_order(STREAM))


def test_an_error_before_anything_is_read_fails_the_run(platform, vectra, sleeps):
    vectra.script(*[(500, {}, {"detail": "database is down"})] * 10)
    with pytest.raises(vr.VectraApiError, match="database is down"):
        fetch(vectra, sleeps, settings_for())
    assert platform.incidents == [] and platform.last_run_saves == 0


@pytest.mark.parametrize("failure", [(429, {"Retry-After": "120"}, {"detail": "throttled"}), (500, {}, {"detail": "down"})])
def test_an_error_mid_run_keeps_what_was_fetched_and_the_next_run_continues(platform, vectra, sleeps, mocker, failure):
    mocker.patch.object(vr, "EVENTS_PAGE_LIMIT", 20)
    settings = settings_for(max_fetch="200")
    vectra.script(*[failure] * vr.MAX_ATTEMPTS, after=2)  # the start lookup and one page get through
    first = fetch(vectra, sleeps, settings, budget_s=30)
    assert first and platform.last_run["cursor"] > platform.last_run["start"]
    assert any("stopped early" in line for line in platform.logs)
    vectra.scripted.clear()
    fetch_until_quiet(vectra, sleeps, settings)
    assert_once_each(platform.incidents, expected_order(STREAM))


def test_an_error_mid_run_before_any_incident_still_keeps_the_events_read(platform, vectra, sleeps, mocker):
    mocker.patch.object(vr, "EVENTS_PAGE_LIMIT", 5)
    settings = settings_for(max_fetch="200", only_escalated_detections=True)
    assert next(n for n, e in enumerate(STREAM) if wanted(e, escalated=True)) >= 10  # two pages without an incident
    vectra.script((404, {}, {"detail": "gone"}), after=3)  # the start lookup and two pages get through
    assert fetch(vectra, sleeps, settings) == []
    assert platform.last_run["cursor"] == STREAM[9]["id"] and any("stopped early" in line for line in platform.logs)


def test_a_failure_after_incidents_before_the_last_run_is_saved_creates_no_duplicate(platform, vectra, sleeps):
    settings = settings_for(max_fetch="5")
    fetch(vectra, sleeps, settings)
    saved = dict(platform.last_run)
    fetch(vectra, sleeps, settings)
    platform.last_run = saved  # XSOAR stopped after creating run 2's incidents, before saving its last run
    fetch_until_quiet(vectra, sleeps, settings)
    assert_once_each(platform.incidents, expected_order(STREAM))


def test_a_first_run_failure_after_incidents_creates_no_duplicate(platform, vectra, sleeps):
    settings = settings_for(max_fetch="5")
    fetch(vectra, sleeps, settings)
    platform.last_run = {}  # the very first last run was never saved
    fetch_until_quiet(vectra, sleeps, settings)
    assert_once_each(platform.incidents, expected_order(STREAM))


@pytest.mark.parametrize("older_last_run", [False, True], ids=["last run with its filter epochs", "older last run"])
def test_a_lost_integration_context_resumes_from_the_last_run(platform, vectra, sleeps, older_last_run):
    settings = settings_for(max_fetch="5")
    fetch(vectra, sleeps, settings)
    if older_last_run:  # a last run from before the filter epochs were copied into it: the filters of now apply
        platform.last_run.pop("epochs")
    platform.context = {}  # the created cache is gone too: Vectra's history vouches for the detections
    fetch_until_quiet(vectra, sleeps, settings)
    assert_once_each(platform.incidents, expected_order(STREAM))
    assert vectra.lookups()


def test_an_integration_context_older_than_the_last_run_resumes_at_the_last_runs_cursor(platform, vectra, sleeps):
    settings = settings_for(max_fetch="5")
    fetch(vectra, sleeps, settings)
    older = dict(platform.context)
    fetch(vectra, sleeps, settings)
    platform.context, cursor, reads = older, platform.last_run["cursor"], len(vectra.stream_reads())  # restored from before run 2
    fetch(vectra, sleeps, settings)
    assert vectra.stream_reads()[reads]["from"] == str(cursor)
    fetch_until_quiet(vectra, sleeps, settings)
    assert_once_each(platform.incidents, expected_order(STREAM))


def test_state_stays_small_however_many_detections(platform, vectra, sleeps):
    vectra.events = [{"id": 200_000 + n, "detection_id": 50_000 + n * 3, "change_type": "new", "type": "host",
                      "category": "lateral_movement", "triaged": False, "investigation_status": "open", "state": "active",
                      "is_prioritized": False, "unresolved_priority": False, "event_timestamp": NOW} for n in range(6000)]
    fetch_until_quiet(vectra, sleeps, settings_for(max_fetch="200", first_fetch="1 minute"), runs=40)
    assert len(platform.incidents) == 6000
    assert len(json.dumps(platform.last_run)) + len(json.dumps(platform.context)) < 16_384


def test_fetch_reset_starts_again_at_first_fetch_time(platform, vectra, sleeps):
    settings = settings_for(max_fetch="200")
    first = fetch(vectra, sleeps, settings)
    result = vr.fetch_reset_command(new_client(vectra, sleeps, settings), settings, {})
    assert "The next fetch starts at First Fetch Time" in result.readable_output
    again = fetch(vectra, sleeps, settings)
    assert mirror_ids(again) == mirror_ids(first) and again


# --- 7. test-module and main ------------------------------------------------------------------------------


def test_test_module_authenticates_and_dry_runs_the_stream(platform, vectra):
    assert platform.run_main("test-module", make_params(entity_types=["Account"])) == ["ok"]
    assert vectra.grants == ["client_credentials"]
    (call,) = vectra.calls
    assert call.path == "/api/v3.5/events/detections"
    assert call.query == {"limit": "1", "ordering": "id", "size": "detailed", "include_info_category": "true",
                          "include_triaged": "false", "type": "account", "event_timestamp_gte": "2026-10-30T12:00:00Z"}
    assert platform.last_run_saves == 0 and "fetch" not in platform.context and platform.incidents == []


def test_test_module_asks_for_fresh_credentials_even_with_a_stored_token(platform, vectra, sleeps):
    get_detections(new_client(vectra, sleeps))
    assert platform.run_main("test-module", make_params()) == ["ok"]
    assert vectra.grants == ["client_credentials", "client_credentials"]


def test_test_module_without_fetch_checks_the_detections_endpoint(platform, vectra):
    assert platform.run_main("test-module", make_params(isFetch=False)) == ["ok"]
    assert vectra.calls == [Call("GET", "/api/v3.5/detections", {"page_size": "1"}, None)]


def test_test_module_validates_every_parameter_even_those_fetch_alone_uses(platform, vectra):
    (entry,) = platform.run_main("test-module", make_params(isFetch=False, first_fetch="not a time"))
    assert entry["Type"] == 4 and '"First Fetch Time" must be a relative time' in entry["Contents"]
    assert vectra.grants == []


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        ({"scripted_tokens": [401]}, "verify the Client ID and Client Secret Key"),
        ({"script": [(0, {}, requests.exceptions.SSLError("x"))]}, "Trust any certificate"),
        ({"script": [(403, {}, {"detail": "You do not have permission to perform this action."})]},
         "HTTP 403: You do not have permission to perform this action."),
    ],
)
def test_test_module_failures_say_what_to_fix(platform, vectra, failure, message):
    vectra.scripted_tokens = failure.get("scripted_tokens", [])
    vectra.script(*failure.get("script", []))
    (entry,) = platform.run_main("test-module", make_params())
    assert entry["Type"] == 4 and entry["Contents"].startswith("Failed to execute test-module command.")
    assert message in entry["Contents"]


def test_test_module_reports_an_invalid_parameter_by_name(platform, vectra):
    (entry,) = platform.run_main("test-module", make_params(max_fetch="500"))
    assert entry["Contents"] == 'Invalid integration parameters: "Max Fetch" must be a whole number from 1 to 200; got "500".'


def test_a_wrong_server_url_is_explained(platform, requests_mock):
    requests_mock.post(TOKEN_URL, status_code=404, text="<html>not here</html>")
    (entry,) = platform.run_main("test-module", make_params())
    assert "does not lead to a Vectra RUX API" in entry["Contents"]


def test_main_fetch_creates_incidents_and_saves_the_last_run(platform, vectra):
    assert platform.run_main("fetch-incidents", make_params(max_fetch="3")) == []
    assert mirror_ids(platform.incidents) == expected_order(STREAM)[:3]
    assert platform.last_run_saves == 1 and platform.last_run["cursor"] > platform.last_run["start"]


def test_main_fetch_errors_are_raised_for_the_platform(platform, vectra, mocker):
    """fetch-incidents is handled by the server: return_error raises, nothing is handed over, nothing is saved."""
    mocker.patch.object(demisto, "command", return_value="fetch-incidents")
    mocker.patch.object(demisto, "params", return_value=make_params())
    vectra.scripted_tokens = [401]
    with pytest.raises(Exception, match="Failed to execute fetch-incidents command.\nError:\n.*verify the Client ID"):
        vr.main()
    assert platform.incidents == [] and platform.last_run_saves == 0


def test_main_runs_fetch_reset(platform, vectra):
    params = make_params(max_fetch="200")
    platform.run_main("fetch-incidents", params)
    (entry,) = platform.run_main("vectra-fetch-reset", params)
    assert "fetch checkpoint and de-duplication state were cleared" in entry["HumanReadable"]
    assert platform.stored("fetch") == {"reset": True}
    platform.run_main("fetch-incidents", params)
    assert mirror_ids(platform.incidents) == expected_order(STREAM) * 2


def test_main_answers_the_mapping_fields(platform, vectra):
    (entry,) = platform.run_main("get-mapping-fields", make_params())
    assert set(entry["Vectra RUX Events Detection"]) == set(vr.OUTGOING_FIELDS)
    assert vectra.calls == [] and vectra.grants == []


def test_main_dispatches_mirroring_commands(platform, vectra):
    (entry,) = platform.run_main("get-modified-remote-data", make_params(mirror_direction="None"),
                                 {"lastUpdate": "2026-11-01T11:00:00Z"})
    assert entry["Contents"] == [] and vectra.calls == []


def test_an_unknown_command_is_an_error_entry(platform, vectra):
    (entry,) = platform.run_main("vectra-make-coffee", make_params())
    assert entry["Type"] == 4
    assert entry["Contents"] == ("Failed to execute vectra-make-coffee command.\nError:\n"
                                 "The command vectra-make-coffee is not implemented by the Vectra RUX integration.")
    assert vectra.calls == [] and vectra.grants == []


def test_the_platform_running_the_script_runs_main(platform, vectra):
    """The platform executes the integration as a script (`__name__` is `__main__` or `builtins`)."""
    platform.mocker.patch.object(demisto, "command", return_value="get-mapping-fields")
    platform.mocker.patch.object(demisto, "params", return_value=make_params())
    runpy.run_path(vr.__file__, run_name="builtins")
    (entry,) = platform.entries
    assert set(entry["Vectra RUX Events Detection"]) == set(vr.OUTGOING_FIELDS)

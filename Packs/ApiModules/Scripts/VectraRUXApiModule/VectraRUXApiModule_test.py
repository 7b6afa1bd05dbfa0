"""VectraRUXApiModule: the connection settings, command arguments, integration context helpers and the client that
both Vectra RUX integrations share.

Vectra is played over requests-mock by `Vectra` below (OAuth2 client credentials with HTTP Basic, refresh grants,
bearer tokens, scripted failures); the integration context is the server's versioned one (`VersionedContext`), patched
onto demistomock; the client is built as the integrations build theirs (`parse_connection(params)`, a `Budget`, the
brand, an injected `sleep`), with a run clock whose sleep advances the budget instead of waiting.
"""

import base64
import email.utils
import http.client
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import CommonServerPython
import demistomock as demisto
import pytest
import requests
import requests_mock as requests_mock_module
import VectraRUXApiModule as rux
from freezegun import freeze_time

TEST_DATA = Path(__file__).parent / "test_data"
TOKEN_RESPONSE = json.loads((TEST_DATA / "VectraRUXApiModule_test_token_response.json").read_text())
EVENT_PAGES = json.loads((TEST_DATA / "VectraRUXApiModule_test_detection_events.json").read_text())
URL = "https://tenant.portal.vectra.test"
TOKEN_URL = f"{URL}/oauth2/token"
DETECTIONS = "/api/v3.5/detections"
CLIENT_ID = "xsoar-client"
SECRET = "s3cret-Client-Key-4f9a"
BRAND = "VectraRUXEventsDetections"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


def instance_params(**overrides) -> dict:
    return {"server_url": URL, "credentials": {"identifier": CLIENT_ID, "password": SECRET}, "insecure": False,
            "proxy": False, **overrides}


# --- the platform and Vectra, as the tests play them ----------------------------------------------------------------


class VersionedContext:
    """The server's integration context (XSOAR 6.0 and later): a write names the version it read and is refused with
    ValueError when another run wrote since. `others_write_first` holds what other runs write just before our next
    writes, one per write."""

    def __init__(self):
        self.context: dict = {}
        self.version = 0
        self.others_write_first: list[dict] = []

    def get(self, refresh=False) -> dict:
        return {"context": dict(self.context), "version": self.version}

    def set(self, context, version=-1, sync=False) -> None:
        if self.others_write_first:
            self.context, self.version = {**self.context, **self.others_write_first.pop(0)}, self.version + 1
        if version not in (-1, self.version):
            raise ValueError(f"Integration context version {version} is older than the stored version {self.version}")
        self.context, self.version = dict(context), self.version + 1

    def decoded(self) -> dict:
        return {key: json.loads(value) for key, value in self.context.items()}


@pytest.fixture(autouse=True)
def integration_context(mocker) -> VersionedContext:
    store = VersionedContext()
    mocker.patch.object(demisto, "demistoVersion", return_value={"version": "8.9.0", "buildNumber": "123456"})
    cached = getattr(CommonServerPython, "get_demisto_version", None)
    if hasattr(cached, "_version"):  # the platform's CommonServerPython caches the server version it read first
        mocker.patch.object(cached, "_version", None)
    mocker.patch.object(demisto, "getIntegrationContextVersioned", side_effect=store.get)
    mocker.patch.object(demisto, "setIntegrationContextVersioned", side_effect=store.set)
    return store


@pytest.fixture
def logs(mocker):
    """Every line logged through demisto.debug/info/error, as a function returning them."""
    spies = [mocker.patch.object(demisto, name) for name in ("debug", "info", "error")]
    return lambda: [" ".join(map(str, call.args)) for spy in spies for call in spy.call_args_list]


@pytest.fixture
def frozen():
    with freeze_time(NOW) as clock:
        yield clock


class RunClock:
    """The run's monotonic clock for its Budget; the client's injected sleep records the wait and advances it."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def run_clock() -> RunClock:
    return RunClock()


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


class Vectra:
    """Vectra over requests-mock: the token endpoint grants client credentials (HTTP Basic) and refresh tokens (the
    refresh token is kept; the answer carries only the new access token); the API answers a valid bearer token, 401
    otherwise. `scripted` answers the next API calls: (status, headers, body), or an exception to raise."""

    def __init__(self, requests_mock):
        self.http = requests_mock
        self.granted = 0
        self.issued: list[str] = []  # every access and refresh token granted
        self.valid_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.expires_in = TOKEN_RESPONSE["expires_in"]
        self.scripted: list = []
        requests_mock.post(TOKEN_URL, text=self._token)
        requests_mock.register_uri(requests_mock_module.ANY, re.compile(rf"{re.escape(URL)}/api/.*"), text=self._api)

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    @property
    def grants(self) -> list[str]:
        return [parse_qs(request.text)["grant_type"][0] for request in self.http.request_history
                if request.url == TOKEN_URL]

    def api_calls(self) -> list:
        return [request for request in self.http.request_history if request.path.startswith("/api/")]

    def _token(self, request, context) -> str:
        form = {key: values[0] for key, values in parse_qs(request.text).items()}
        if form.get("grant_type") == "client_credentials" and request.headers.get("Authorization") == basic(CLIENT_ID, SECRET):
            refresh = f"RT{self.granted:02d}-7c1e"
            self.refresh_tokens.add(refresh)
            grant = {**TOKEN_RESPONSE, "refresh_token": refresh}
        elif form.get("grant_type") == "refresh_token" and form.get("refresh_token") in self.refresh_tokens:
            grant = {"token_type": "Bearer"}
        else:
            context.status_code = 401 if form.get("grant_type") == "client_credentials" else 400
            return json.dumps({"error": "invalid_client" if context.status_code == 401 else "invalid_grant"})
        access = f"AT{self.granted:02d}-d41f"
        self.granted += 1
        self.valid_tokens.add(access)
        self.issued += [access] + ([grant["refresh_token"]] if "refresh_token" in grant else [])
        return json.dumps({**grant, "access_token": access, "expires_in": self.expires_in})

    def _api(self, request, context) -> str:
        if self.scripted:
            status, headers, body = self.scripted.pop(0)
            if isinstance(body, Exception):
                raise body
            context.status_code, context.reason = status, http.client.responses[status]  # as in a status line
            context.headers.update(headers)
            return body if isinstance(body, str) else json.dumps(body)
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
            context.status_code = 401
            return json.dumps({"detail": "Invalid token."})
        return json.dumps({"count": 0, "next": None, "results": []})


@pytest.fixture
def vectra(requests_mock) -> Vectra:
    return Vectra(requests_mock)


def new_client(run_clock: RunClock, budget_s: float = 300, brand: str = BRAND, **params) -> rux.VectraBaseClient:
    """A client as the integrations build theirs (VectraClient, CollectorClient): settings from the instance
    parameters, the run's time budget, the brand, and the sleep to wait with."""
    connection = rux.parse_connection(instance_params(**params))
    return rux.VectraBaseClient(connection, rux.Budget(budget_s, clock=run_clock), brand, sleep=run_clock.sleep)


@pytest.fixture
def client(run_clock) -> rux.VectraBaseClient:
    return new_client(run_clock)


# --- connection settings ------------------------------------------------------------------------------------------


def test_connection_settings_from_the_instance_parameters():
    settings = rux.parse_connection(instance_params(server_url=f" {URL}/api/v3.5/ ", insecure="true", proxy=True,
                                                    credentials={"identifier": f" {CLIENT_ID} ", "password": SECRET}))
    assert settings == rux.ConnectionSettings(server_url=URL, client_id=CLIENT_ID, client_secret=SECRET, verify=False,
                                              proxy=True)


@pytest.mark.parametrize(("server_url", "expected"), [
    (f"{URL}/", URL),
    (f"{URL}/api", URL),
    (f"{URL}/api/v3", URL),
    ("http://10.1.2.3:8443/vectra", "http://10.1.2.3:8443/vectra"),
])
def test_the_server_url_is_the_platforms_base_address(server_url, expected):
    settings = rux.parse_connection(instance_params(server_url=server_url, insecure=None, proxy=""))
    assert settings.server_url == expected
    assert settings.verify is True and settings.proxy is False  # unset checkboxes: their defaults


@pytest.mark.parametrize(("overrides", "message"), [
    ({"credentials": {"password": SECRET}}, '"Client ID" is required'),
    ({"credentials": {"identifier": "  "}}, '"Client ID" is required'),
    ({"credentials": {"identifier": CLIENT_ID, "password": ""}}, '"Client Secret Key" is required'),
    ({"credentials": None}, '"Client ID" is required'),
    ({"server_url": "tenant.portal.vectra.example"}, '"Server URL" must be the Vectra platform\'s address'),
    ({"server_url": "ftp://tenant.portal.vectra.example"}, 'got "ftp://tenant.portal.vectra.example"'),
    ({"server_url": None}, 'got ""'),
    ({"insecure": "maybe"}, '"Trust any certificate (not secure)" must be checked or unchecked (true/false); got "maybe".'),
    ({"proxy": "sometimes"}, '"Use system proxy settings" must be checked or unchecked'),
])
def test_an_unusable_parameter_is_named(overrides, message):
    with pytest.raises(rux.SettingsError) as error:
        rux.parse_connection(instance_params(**overrides))
    assert message in str(error.value)
    assert SECRET not in str(error.value)


# --- relative times and First Fetch Time ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("2 days", NOW - timedelta(days=2)),
    ("12 hours ago", NOW - timedelta(hours=12)),
    ("2026-01-31T00:00:00Z", datetime(2026, 1, 31, tzinfo=timezone.utc)),
    ("2026-01-31T02:00:00+02:00", datetime(2026, 1, 31, tzinfo=timezone.utc)),
    ("1700000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)),
    ("", None),
    (None, None),
    ("not a time", None),
])
def test_moments_count_from_the_given_now_not_from_the_machines_clock(value, expected):
    with freeze_time("2031-05-05T08:00:00Z"):  # the machine's clock is years away from the run's `now`
        moment = rux.parse_moment(value, NOW)
    assert moment == expected
    assert moment is None or moment.utcoffset() == timedelta(0)


def test_first_fetch_time_defaults_to_an_hour_before_now():
    assert rux.parse_first_fetch(None, NOW) == rux.parse_first_fetch("", NOW) == NOW - timedelta(hours=1)
    assert rux.parse_first_fetch("3 days", NOW) == NOW - timedelta(days=3)


@pytest.mark.parametrize(("value", "message"), [
    ("in 2 days", '"First Fetch Time" must be in the past; got "in 2 days".'),
    ("2027-01-01T00:00:00Z", '"First Fetch Time" must be in the past'),
    ("whenever", '"First Fetch Time" must be a relative time such as "2 days" or "12 hours", or a date such as '
                 '"2026-01-31T00:00:00Z"; got "whenever".'),
])
def test_an_unusable_first_fetch_time_is_named(value, message):
    with pytest.raises(rux.SettingsError, match=re.escape(message)):
        rux.parse_first_fetch(value, NOW)


# --- command arguments ----------------------------------------------------------------------------------------------


def test_arguments_are_read_and_normalised():
    args = rux.CommandArgs({"name": "  web-01 ", "detection_id": " 7 ", "detection_ids": "3,1, 3,,2", "json_ids": '["4", "5"]',
                            "state": "ACTIVE", "status": "closed", "fixed": "yes", "page_size": "250",
                            "since": "2 days", "until": "2026-10-31T10:00:00+01:00", "tags": "a, b,a,, c",
                            "list_ids": [8, "9"]}, now=NOW)
    assert args.text("name") == "web-01"
    assert args.id("detection_id") == 7
    assert args.ids("detection_ids") == [3, 1, 2]  # de-duplicated in order
    assert args.ids("json_ids") == [4, 5]
    assert args.ids("list_ids") == [8, 9]
    assert args.choice("state", ["Active", "Inactive"]) == "Active"  # as spelled in the choices
    assert args.mapped("status", {"Open": "open", "Closed": "closed"}) == "closed"
    assert args.boolean("fixed") is True
    assert args.number("page_size", 50, 1, 5000) == 250
    assert args.timestamp("since") == "2026-10-30T12:00:00Z"
    assert args.timestamp("until") == "2026-10-31T09:00:00Z"
    assert args.strings("tags") == ["a", "b", "c"]


def test_missing_optional_arguments_take_their_defaults():
    args = rux.CommandArgs({"blank": "  ", "empty_list": []}, now=NOW)
    assert args.text("blank") is None and args.text("missing") is None
    assert args.id("missing", required=False) is None
    assert args.ids("empty_list", required=False) == [] and args.ids("missing", required=False) == []
    assert args.choice("missing", ["A", "B"], required=True, default="B") == "B"
    assert args.mapped("missing", {"Open": "open"}) is None
    assert args.boolean("missing") is None and args.boolean("missing", default=True) is True
    assert args.number("missing", 50, 1, 5000) == 50
    assert args.timestamp("missing") is None
    assert args.strings("missing") == []


@pytest.mark.parametrize(("read", "message"), [
    (lambda a: a.text("missing", required=True), 'The argument "missing" is required.'),
    (lambda a: a.id("missing"), 'The argument "missing" is required.'),
    (lambda a: a.id("zero"), 'The argument "zero" must be a positive whole number (an ID); got "0".'),
    (lambda a: a.id("word"), 'The argument "word" must be a positive whole number (an ID); got "abc".'),
    (lambda a: a.ids("missing"), 'The argument "missing" is required.'),
    (lambda a: a.ids("commas"), 'The argument "commas" is required: one or more numeric IDs, comma-separated.'),
    (lambda a: a.ids("mixed"), 'The argument "mixed" must be numeric IDs separated by commas; not IDs: x, 0.'),
    (lambda a: a.choice("word", ["Active", "Inactive"]), 'The argument "word" must be one of: Active, Inactive; got "abc".'),
    (lambda a: a.choice("missing", ["A"], required=True), 'The argument "missing" is required.'),
    (lambda a: a.mapped("word", {"Open": "open"}, required=True), 'The argument "word" must be one of: Open; got "abc".'),
    (lambda a: a.boolean("word"), 'The argument "word" must be true or false; got "abc".'),
    (lambda a: a.number("zero", 50, 1, 5000), 'The argument "zero" must be a whole number from 1 to 5000; got "0".'),
    (lambda a: a.number("word", 50, 1, 5000), 'The argument "word" must be a whole number from 1 to 5000; got "abc".'),
    (lambda a: a.timestamp("word"), 'The argument "word" must be a relative time such as "2 days" or a date such as '
                                    '"2026-01-31T00:00:00Z"; got "abc".'),
    (lambda a: a.strings("commas", required=True), 'The argument "commas" is required.'),
])
def test_an_invalid_argument_is_named_with_what_it_accepts(read, message):
    args = rux.CommandArgs({"zero": "0", "word": "abc", "commas": " , ,", "mixed": "1,x,0"}, now=NOW)
    with pytest.raises(rux.ArgumentError) as error:
        read(args)
    assert str(error.value) == message


def test_relative_arguments_count_from_the_clock_when_no_now_is_given():
    with freeze_time("2030-02-03T04:05:06Z"):
        assert rux.CommandArgs({"since": "1 day"}).timestamp("since") == "2030-02-02T04:05:06Z"


@pytest.mark.parametrize(("error", "message"), [
    (rux.SettingsError('"Server URL" is wrong.'), 'Invalid integration parameters: "Server URL" is wrong.'),
    (rux.ArgumentError('The argument "x" is required.'), 'Invalid argument for vectra-x: The argument "x" is required.'),
    (rux.VectraApiError("Vectra answered 500."), "Failed to execute vectra-x command.\nError:\nVectra answered 500."),
])
def test_failure_message_says_what_to_fix(error, message):
    assert rux.failure_message("vectra-x", error) == message


# --- the integration context ----------------------------------------------------------------------------------------


def test_read_context_decodes_each_key_and_keeps_the_published_plain_tokens(integration_context, logs):
    integration_context.context = {"auth": json.dumps({"access_token": "a"}), "fetch": json.dumps({"cp": 5}),
                                   "access_token": "plain-access", "refresh_token": "plain-refresh",
                                   "older": {"kept": True}, "broken": "{not json"}
    assert rux.read_context() == {"auth": {"access_token": "a"}, "fetch": {"cp": 5}, "access_token": "plain-access",
                                  "refresh_token": "plain-refresh", "older": {"kept": True}, "broken": None}
    assert "[Context] the stored 'broken' is not JSON; starting it afresh" in logs()


def test_update_context_writes_json_strings_removes_none_and_keeps_other_keys(integration_context):
    integration_context.context = {"someone_else": json.dumps({"kept": True}), "fetch": json.dumps({"cp": 1}),
                                   "stale": json.dumps([1])}
    updates = rux.update_context(lambda context: {"fetch": {"cp": context["fetch"]["cp"] + 1}, "stale": None})
    assert updates == {"fetch": {"cp": 2}, "stale": None}
    assert integration_context.context == {"someone_else": '{"kept": true}', "fetch": '{"cp": 2}'}
    assert integration_context.version == 1


def test_update_context_reads_again_when_another_run_wrote_first(integration_context, logs, mocker):
    jitter = mocker.patch.object(rux.time, "sleep")  # the short random pause between attempts
    integration_context.context = {"fetch": json.dumps({"cp": 1})}
    integration_context.others_write_first = [{"streams": json.dumps({"audit": {"cp": 9}})}]
    rux.update_context(lambda context: {"fetch": {"cp": context["fetch"]["cp"] + 1, "seen": sorted(context)}})
    assert integration_context.decoded() == {"fetch": {"cp": 2, "seen": ["fetch", "streams"]}, "streams": {"audit": {"cp": 9}}}
    assert "[Context] write conflict, attempt 1 of 5: another run wrote first; reading again" in logs()
    [pause] = [call.args[0] for call in jitter.call_args_list]
    assert 0.01 <= pause <= 0.1


def test_update_context_gives_up_after_its_attempts(integration_context, logs, mocker):
    mocker.patch.object(rux.time, "sleep")
    integration_context.others_write_first = [{f"other-{n}": "1"} for n in range(3)]
    with pytest.raises(rux.VectraApiError, match="Could not update the integration context: too many concurrent writers."):
        rux.update_context(lambda context: {"mine": True}, attempts=3)
    assert "mine" not in integration_context.context
    assert len([line for line in logs() if "[Context] write conflict" in line]) == 3


def test_update_context_key_changes_one_key_from_its_current_value(integration_context):
    assert rux.update_context_key("runs", lambda runs: (runs or 0) + 1) == 1
    assert rux.update_context_key("runs", lambda runs: (runs or 0) + 1) == 2
    assert integration_context.context == {"runs": "2"}


# --- OAuth2 tokens --------------------------------------------------------------------------------------------------


def test_the_first_request_authenticates_and_the_token_is_kept_in_the_integration_context(
        vectra, client, integration_context, frozen):
    assert client.request("GET", DETECTIONS, params={"state": "active"}) == {"count": 0, "next": None, "results": []}

    grant, call = vectra.http.request_history
    assert parse_qs(grant.text) == {"grant_type": ["client_credentials"]}
    assert grant.headers["Authorization"] == basic(CLIENT_ID, SECRET)
    assert grant.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert call.url == f"{URL}{DETECTIONS}?state=active"
    assert call.headers["Authorization"] == "Bearer AT00-d41f" and call.headers["Accept"] == "application/json"
    assert {request.headers["User-Agent"] for request in (grant, call)} == {f"Vectra-RUX-XSOAR-{rux.PACK_VERSION}"}
    now = NOW.timestamp()
    assert integration_context.decoded() == {"auth": {  # used until a minute before it ends
        "access_token": "AT00-d41f", "expires_at": now + 3600 - 60, "refresh_token": "RT00-7c1e",
        "refresh_expires_at": now + 86400 - 60}}


def test_another_run_reuses_the_stored_token(vectra, run_clock, frozen):
    new_client(run_clock).request("GET", DETECTIONS)
    new_client(run_clock).request("GET", DETECTIONS)
    assert vectra.grants == ["client_credentials"]
    assert len(vectra.api_calls()) == 2


def test_an_expiring_token_is_refreshed_with_the_refresh_grant(vectra, run_clock, integration_context, frozen):
    new_client(run_clock).request("GET", DETECTIONS)
    frozen.tick(3600 - 59)
    new_client(run_clock).request("GET", DETECTIONS)

    assert vectra.grants == ["client_credentials", "refresh_token"]
    refresh = vectra.http.request_history[-2]
    assert parse_qs(refresh.text) == {"grant_type": ["refresh_token"], "refresh_token": ["RT00-7c1e"]}
    assert "Authorization" not in refresh.headers  # no client secret on a refresh grant
    auth = integration_context.decoded()["auth"]
    assert auth["access_token"] == "AT01-d41f" == vectra.api_calls()[-1].headers["Authorization"].removeprefix("Bearer ")
    assert auth["refresh_token"] == "RT00-7c1e"  # Vectra keeps the refresh token and its expiry
    assert auth["refresh_expires_at"] == NOW.timestamp() + 86400 - 60


def test_a_short_lived_token_is_used_for_three_quarters_of_its_life(vectra, run_clock, frozen):
    vectra.expires_in = 30
    new_client(run_clock).request("GET", DETECTIONS)
    frozen.tick(22)
    new_client(run_clock).request("GET", DETECTIONS)
    assert vectra.grants == ["client_credentials"]
    frozen.tick(1)
    new_client(run_clock).request("GET", DETECTIONS)
    assert vectra.grants == ["client_credentials", "refresh_token"]


def test_a_refused_refresh_token_falls_back_to_client_credentials(vectra, run_clock, frozen):
    new_client(run_clock).request("GET", DETECTIONS)
    vectra.refresh_tokens.clear()  # Vectra forgot it
    frozen.tick(3600)
    new_client(run_clock).request("GET", DETECTIONS)
    assert vectra.grants == ["client_credentials", "refresh_token", "client_credentials"]


def test_an_expired_refresh_token_is_not_tried(vectra, run_clock, frozen):
    new_client(run_clock).request("GET", DETECTIONS)
    frozen.tick(86400)
    new_client(run_clock).request("GET", DETECTIONS)
    assert vectra.grants == ["client_credentials", "client_credentials"]


def test_a_token_another_run_stored_meanwhile_is_used_instead_of_a_new_grant(vectra, run_clock, frozen):
    mine, theirs = new_client(run_clock), new_client(run_clock)
    mine.request("GET", DETECTIONS)
    theirs.request("GET", DETECTIONS)  # reads the same token
    frozen.tick(3600)
    theirs.request("GET", DETECTIONS)  # refreshes and stores the new token
    mine.request("GET", DETECTIONS)  # its token expired too: it finds the new one first
    assert vectra.grants == ["client_credentials", "refresh_token"]
    assert vectra.api_calls()[-1].headers["Authorization"] == "Bearer AT01-d41f"


def test_the_published_integrations_plain_tokens_are_used_then_replaced(vectra, run_clock, integration_context):
    """The published integration kept {"access_token", "refresh_token"} as plain strings, with no expiry."""
    integration_context.context = {"access_token": "published-access", "refresh_token": "published-refresh"}
    vectra.valid_tokens.add("published-access")
    vectra.refresh_tokens.add("published-refresh")
    new_client(run_clock).request("GET", DETECTIONS)
    assert vectra.grants == []  # its access token still works

    vectra.expire_tokens()
    new_client(run_clock).request("GET", DETECTIONS)
    assert vectra.grants == ["refresh_token"]  # refused: its refresh token is tried before the client credentials
    assert parse_qs(vectra.http.request_history[-2].text)["refresh_token"] == ["published-refresh"]
    assert set(integration_context.context) == {"auth"}
    assert integration_context.decoded()["auth"]["access_token"] == "AT00-d41f"


def test_a_401_reauthenticates_once_and_replays_the_request(vectra, client):
    client.request("GET", DETECTIONS)
    vectra.expire_tokens()  # revoked on Vectra's side, still unexpired here
    assert client.request("GET", DETECTIONS)["count"] == 0
    assert [call.headers["Authorization"] for call in vectra.api_calls()] == [
        "Bearer AT00-d41f", "Bearer AT00-d41f", "Bearer AT01-d41f"]
    assert vectra.grants == ["client_credentials", "refresh_token"]


def test_a_401_that_persists_is_reported_not_looped(vectra, client):
    vectra.scripted = [(401, {}, {"detail": "Invalid token."})] * 10
    with pytest.raises(rux.VectraAuthError, match="even after re-authenticating: verify the Client ID") as error:
        client.request("GET", DETECTIONS)
    assert error.value.status == 401
    assert len(vectra.api_calls()) == 2


def test_test_module_authenticates_afresh_and_wrong_credentials_name_the_fields(vectra, run_clock):
    new_client(run_clock).request("GET", DETECTIONS)
    new_client(run_clock).authenticate()  # proves the credentials even with a stored token
    assert vectra.grants == ["client_credentials", "client_credentials"]

    wrong = new_client(run_clock, credentials={"identifier": CLIENT_ID, "password": "not-the-secret"})
    with pytest.raises(rux.VectraAuthError, match="verify the Client ID and Client Secret Key, and that the API client has "
                                                  "the Security Analyst role") as error:
        wrong.authenticate()
    assert error.value.status == 401


@pytest.mark.parametrize(("answer", "message"), [
    ({"status_code": 404, "text": "Not Found"}, "The Server URL does not lead to a Vectra RUX API: /oauth2/token answered "
                                                "HTTP 404. Use the platform's base address"),
    ({"status_code": 405, "text": ""}, "/oauth2/token answered HTTP 405"),
    ({"status_code": 403, "json": {"detail": "API client disabled"}},
     "Vectra refused the token request (HTTP 403): API client disabled"),
    ({"status_code": 200, "text": "<html>Sign in</html>"}, "Vectra's token endpoint did not answer JSON: verify the Server URL."),
    ({"status_code": 200, "json": {"token_type": "Bearer"}}, "Vectra's token endpoint answered without an access token"),
    ({"status_code": 200, "json": ["AT00"]}, "Vectra's token endpoint answered without an access token"),
])
def test_a_token_endpoint_that_is_not_vectras_says_so(requests_mock, client, answer, message):
    requests_mock.post(TOKEN_URL, **answer)
    with pytest.raises(rux.VectraApiError, match=re.escape(message)):
        client.request("GET", DETECTIONS)
    assert [request.url for request in requests_mock.request_history] == [TOKEN_URL]


def test_token_requests_are_retried_like_any_other(requests_mock, client, run_clock):
    requests_mock.post(TOKEN_URL, [{"exc": requests.exceptions.ConnectionError("reset")},
                                   {"status_code": 502, "text": "Bad Gateway"}, {"json": TOKEN_RESPONSE}])
    requests_mock.get(f"{URL}{DETECTIONS}", json={"count": 0})
    assert client.request("GET", DETECTIONS) == {"count": 0}
    assert len(run_clock.sleeps) == 2


# --- retries and the time budget ----------------------------------------------------------------------------------


def test_429_waits_for_retry_after_then_succeeds(vectra, client, run_clock):
    vectra.scripted = [(429, {"Retry-After": "7"}, {"detail": "throttled"}), (429, {"Retry-After": " 3 "}, {})]
    assert client.request("GET", DETECTIONS)["count"] == 0
    assert run_clock.sleeps == [7.0, 3.0]


@pytest.mark.parametrize(("retry_after", "wait"), [(NOW + timedelta(seconds=90), 90.0), (NOW - timedelta(minutes=5), 0.0)])
def test_retry_after_as_an_http_date_waits_until_then(vectra, client, run_clock, frozen, retry_after, wait):
    vectra.scripted = [(503, {"Retry-After": email.utils.format_datetime(retry_after, usegmt=True)}, "maintenance")]
    assert client.request("GET", DETECTIONS)["count"] == 0
    assert run_clock.sleeps == [wait]


@pytest.mark.parametrize(("status", "retry_after"), [(429, "soon"), (503, None), (500, "120"), (502, None), (504, "5")])
def test_without_a_usable_retry_after_the_wait_is_a_backoff(vectra, client, run_clock, status, retry_after):
    """Retry-After counts for 429 and 503 only; otherwise (and when absent or unreadable) the wait backs off from 1 s."""
    vectra.scripted = [(status, {} if retry_after is None else {"Retry-After": retry_after}, {"detail": "oops"})]
    assert client.request("GET", DETECTIONS)["count"] == 0
    [wait] = run_clock.sleeps
    assert 1 <= wait <= 1.25


def test_server_errors_that_persist_surface_vectras_text_after_backing_off(vectra, client, run_clock):
    vectra.scripted = [(500, {}, {"detail": "database is down"})] * 10
    with pytest.raises(rux.VectraApiError, match="Vectra answered GET /api/v3.5/detections with HTTP 500: database") as error:
        client.request("GET", DETECTIONS)
    assert error.value.status == 500
    assert len(vectra.api_calls()) == rux.MAX_ATTEMPTS
    assert [int(wait) for wait in run_clock.sleeps] == [1, 2, 4, 8]


def test_429_beyond_the_budget_says_api_rate_limit(vectra, run_clock):
    vectra.scripted = [(429, {"Retry-After": "600"}, {})]
    with pytest.raises(rux.VectraRateLimitError, match="API rate limit: Vectra throttled GET /api/v3.5/detections") as error:
        new_client(run_clock, budget_s=60).request("GET", DETECTIONS)
    assert error.value.status == 429
    assert run_clock.sleeps == []


def test_waits_use_up_the_budget_and_requests_never_outlast_it(vectra, run_clock):
    vectra.scripted = [(503, {"Retry-After": "20"}, {"detail": "maintenance"})] * 5
    with pytest.raises(rux.VectraApiError, match="HTTP 503: maintenance"):
        new_client(run_clock, budget_s=50).request("GET", DETECTIONS)
    assert run_clock.sleeps == [20.0, 20.0]  # a third wait would pass the deadline
    assert [call.timeout for call in vectra.api_calls()] == [50.0, 30.0, 10.0]


def test_budget_counts_down_on_its_clock(run_clock):
    budget = rux.Budget(10, clock=run_clock)
    assert budget.remaining() == 10 and budget.allows(9.5) and not budget.allows(10)
    run_clock.sleep(4)
    assert budget.remaining() == 6 and not budget.allows(6)


# --- transport failures ---------------------------------------------------------------------------------------------


def test_a_broken_connection_is_retried_for_reads(vectra, client, run_clock):
    vectra.scripted = [(0, {}, requests.exceptions.ConnectionError("Connection reset by peer"))]
    assert client.request("GET", DETECTIONS)["count"] == 0
    assert len(vectra.api_calls()) == 2 and len(run_clock.sleeps) == 1


def test_a_write_whose_connection_broke_is_not_repeated(vectra, client):
    """It may have been applied: only a write that never connected is safe to send again."""
    vectra.scripted = [(0, {}, requests.exceptions.ConnectionError("Connection reset by peer"))]
    with pytest.raises(rux.VectraApiError, match=re.escape("Could not connect to Vectra: verify the Server URL and network "
                                                           "access from XSOAR. (ConnectionError)")):
        client.request("POST", "/api/v3.5/assignments", json_data={"assign_host_id": 12, "assign_to_user_id": 5})
    assert len(vectra.api_calls()) == 1


def test_a_write_that_never_connected_or_is_declared_idempotent_is_repeated(vectra, client):
    vectra.scripted = [(0, {}, requests.exceptions.ConnectTimeout("connect timeout"))]
    client.request("POST", "/api/v3.5/assignments", json_data={"assign_host_id": 12})
    vectra.scripted = [(0, {}, requests.exceptions.ConnectionError("reset"))]
    client.request("POST", "/api/v3.5/search", json_data={"query": "x"}, idempotent=True)
    assert [call.method for call in vectra.api_calls()] == ["POST"] * 4
    assert vectra.api_calls()[-1].json() == {"query": "x"}


@pytest.mark.parametrize("insecure", [False, True])
def test_a_certificate_failure_is_not_retried_and_says_how_to_test_without_verification(vectra, run_clock, insecure):
    client = new_client(run_clock, insecure=insecure)
    vectra.scripted = [(0, {}, requests.exceptions.SSLError("certificate verify failed"))] * rux.MAX_ATTEMPTS
    with pytest.raises(rux.VectraApiError, match=re.escape('SSL certificate verification failed for the Vectra server: fix '
                                                           'the certificate chain, or select "Trust any certificate (not '
                                                           'secure)"')):
        client.request("GET", DETECTIONS)
    assert len(vectra.api_calls()) == 1


def test_a_server_that_never_answers_in_time_is_reported_after_the_attempts(vectra, client, run_clock):
    vectra.scripted = [(0, {}, requests.exceptions.ReadTimeout("read timed out"))] * rux.MAX_ATTEMPTS
    with pytest.raises(rux.VectraApiError, match="Vectra did not answer in time: verify the Server URL and that the Vectra "
                                                 "platform is reachable from XSOAR"):
        client.request("GET", DETECTIONS)
    assert len(vectra.api_calls()) == rux.MAX_ATTEMPTS and len(run_clock.sleeps) == rux.MAX_ATTEMPTS - 1


def test_no_retry_when_the_budget_has_no_time_for_the_wait(vectra, run_clock):
    vectra.scripted = [(0, {}, requests.exceptions.ConnectionError("reset"))]
    with pytest.raises(rux.VectraApiError, match="Could not connect to Vectra"):
        new_client(run_clock, budget_s=2).request("GET", DETECTIONS)
    assert run_clock.sleeps == []


# --- Vectra's answers -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "detail"), [
    ({"detail": "Invalid detection IDs"}, "Invalid detection IDs"),
    ({"_meta": {"level": "errors", "message": "Page not found"}}, "Page not found"),
    ({"message": "Bad filter"}, "Bad filter"),
    ({"error": "invalid_request", "error_description": "state is unknown"}, "state is unknown"),
    ({"error": "invalid_request"}, "invalid_request"),
    ({"errors": [{"tags": "too long"}]}, '[{"tags": "too long"}]'),
    ({"detail": "Invalid tags", "invalid_tags": ["a b", "c"]}, "Invalid tags (invalid tags: a b, c)"),
    ({"unexpected": 1}, '{"unexpected": 1}'),
    (["not", "an", "object"], '["not", "an", "object"]'),
    ("<html>Bad Request</html>", "<html>Bad Request</html>"),
    ("", "Bad Request"),  # no body: the status's reason
])
def test_an_error_answer_carries_vectras_own_text(vectra, client, body, detail):
    vectra.scripted = [(400, {}, body)]
    with pytest.raises(rux.VectraApiError) as error:
        client.request("PATCH", DETECTIONS, json_data={"detectionIdList": [1], "mark_as_fixed": "True"})
    assert str(error.value) == f"Vectra answered PATCH /api/v3.5/detections with HTTP 400: {detail}"
    assert error.value.status == 400 and len(vectra.api_calls()) == 1


@pytest.mark.parametrize(("status", "body"), [(204, ""), (200, "")])
def test_an_empty_answer_is_an_empty_result(vectra, client, status, body):
    vectra.scripted = [(status, {}, body)]
    assert client.request("DELETE", "/api/v3.5/detections/7/notes/3") == {}


def test_an_answer_that_is_not_json_points_at_the_server_url(vectra, client):
    vectra.scripted = [(200, {}, "<html>Vectra login</html>")]
    with pytest.raises(rux.VectraApiError, match=re.escape("Vectra answered GET /api/v3.5/detections with something that is "
                                                           "not JSON (HTTP 200): verify the Server URL.")):
        client.request("GET", DETECTIONS)


def test_a_raw_answer_is_returned_as_the_response(vectra, client, requests_mock):
    client.request("GET", DETECTIONS)  # a token first
    pcap = b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00"
    requests_mock.get(f"{URL}/api/v3.5/detections/7/pcap", content=pcap, headers={"Content-Type": "application/vnd.tcpdump.pcap"})
    res = client.request("GET", "/api/v3.5/detections/7/pcap", resp_type="response")
    assert res.content == pcap and res.status_code == 200


# --- request timeout ------------------------------------------------------------------------------------------------


COLLECTOR = "VectraRUXEventCollector"


@pytest.mark.parametrize(("brand", "environment", "timeout"), [
    (BRAND, {}, 60.0),
    (BRAND, {"REQUESTS_TIMEOUT": "15"}, 15.0),
    (BRAND, {"REQUESTS_TIMEOUT": "15", f"REQUESTS_TIMEOUT.{BRAND}": "25"}, 25.0),
    (BRAND, {f"REQUESTS_TIMEOUT.{COLLECTOR}": "5"}, 60.0),  # another integration's
    (COLLECTOR, {f"REQUESTS_TIMEOUT.{COLLECTOR}": "5", "REQUESTS_TIMEOUT": "15"}, 5.0),
])
def test_requests_wait_as_long_as_the_administrator_configured(vectra, run_clock, monkeypatch, brand, environment, timeout):
    for name in ("REQUESTS_TIMEOUT", f"REQUESTS_TIMEOUT.{BRAND}", f"REQUESTS_TIMEOUT.{COLLECTOR}"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    new_client(run_clock, brand=brand).request("GET", DETECTIONS)
    assert [request.timeout for request in vectra.http.request_history] == [timeout, timeout]  # the grant's and the call's


def test_a_configured_timeout_that_is_not_a_number_of_seconds_is_ignored(monkeypatch, logs):
    monkeypatch.setenv(f"REQUESTS_TIMEOUT.{BRAND}", "soon")
    monkeypatch.setenv("REQUESTS_TIMEOUT", "-5")
    assert rux.request_timeout(BRAND) == rux.DEFAULT_REQUEST_TIMEOUT_S
    assert f"[Client] ignoring REQUESTS_TIMEOUT.{BRAND}='soon': not a number of seconds" in logs()


# --- events streams -------------------------------------------------------------------------------------------------


def test_an_events_stream_is_paged_from_checkpoint_to_checkpoint(vectra, client, requests_mock):
    """As the integrations page it: from First Fetch Time, then from each page's next_checkpoint until none remain."""
    stream = requests_mock.get(f"{URL}/api/v3.5/events/detections", [{"json": page} for page in EVENT_PAGES])
    events, position = [], {"event_timestamp_gte": "2026-11-01T00:00:00Z"}
    while True:
        page = client.events_page("detections", **position, limit=2, type=None, include_info_category="true")
        events += page["events"]
        position = {"from": page["next_checkpoint"]}
        if not page["remaining_count"]:
            break
    assert [event["id"] for event in events] == [101, 102, 103]
    assert [parse_qs(urlsplit(request.url).query) for request in stream.request_history] == [
        {"event_timestamp_gte": ["2026-11-01T00:00:00Z"], "limit": ["2"], "include_info_category": ["true"]},
        {"from": ["102"], "limit": ["2"], "include_info_category": ["true"]}]  # None values are left out


@pytest.mark.parametrize("answer", [{"detail": "ok"}, {"events": "none"}, [{"id": 1}]])
def test_an_events_page_of_another_shape_is_an_error(vectra, client, answer):
    vectra.scripted = [(200, {}, answer)]
    with pytest.raises(rux.VectraApiError, match=re.escape("Vectra's audits events answered in an unexpected shape (no "
                                                           "`events` list).")):
        client.events_page("audits", limit=1)


# --- reading Vectra's values ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "number"), [(7, 7), ("12", 12), (" -3 ", -3), (True, None), ("1.5", None), (None, None)])
def test_as_int(value, number):
    assert rux.as_int(value) == number


@pytest.mark.parametrize(("value", "moment"), [
    ("2026-11-01T10:00:00Z", datetime(2026, 11, 1, 10, tzinfo=timezone.utc)),
    ("2026-11-01T10:00:00", datetime(2026, 11, 1, 10, tzinfo=timezone.utc)),  # no offset: UTC
    ("2026-11-01T12:00:00+02:00", datetime(2026, 11, 1, 10, tzinfo=timezone.utc)),
    ("yesterday", None), ("  ", None), (1730455200, None),
])
def test_parse_timestamp(value, moment):
    assert rux.parse_timestamp(value) == moment


def test_small_readers_and_iso_utc():
    assert rux.as_dict({"a": 1}) == {"a": 1} and rux.as_dict(["a"]) == {}
    assert rux.as_text("  host-12 ") == "host-12" and rux.as_text(12) == ""
    assert rux.iso_utc(datetime(2026, 11, 1, 13, 30, 15, 999, tzinfo=timezone(timedelta(hours=1)))) == "2026-11-01T12:30:15Z"


# --- secrets --------------------------------------------------------------------------------------------------------


def test_the_client_secret_and_tokens_never_reach_logs_errors_or_messages(vectra, run_clock, integration_context, logs,
                                                                          caplog, frozen):
    client = new_client(run_clock)
    texts: list[str] = []

    def failing(call):
        with pytest.raises(Exception) as error:  # every failure's text is checked below
            call()
        texts.extend([str(error.value), rux.failure_message("vectra-detection-describe", error.value)])

    client.request("GET", DETECTIONS)  # client credentials
    vectra.expire_tokens()
    client.request("GET", DETECTIONS)  # 401, then the refresh grant
    frozen.tick(3600)
    new_client(run_clock).request("GET", DETECTIONS)  # expired: refresh grant
    vectra.scripted = [(500, {}, {"detail": "boom"})] * rux.MAX_ATTEMPTS
    failing(lambda: client.request("GET", DETECTIONS))
    vectra.scripted = [(401, {}, {"detail": "Invalid token."})] * 2
    failing(lambda: client.request("GET", DETECTIONS))
    vectra.scripted = [(0, {}, requests.exceptions.ConnectionError(f"reset while sending Basic {SECRET}"))]
    failing(lambda: client.request("POST", DETECTIONS, json_data={}))
    failing(lambda: new_client(run_clock, credentials={"identifier": CLIENT_ID, "password": f"{SECRET}-old"}).authenticate())
    failing(lambda: rux.parse_connection(instance_params(server_url="not a url")))

    texts += logs() + [caplog.text]
    # every grant was made: client credentials, a refresh on 401, on expiry and on the persistent 401, a refused one
    assert vectra.grants == ["client_credentials", "refresh_token", "refresh_token", "refresh_token", "client_credentials"]
    assert logs() and all(SECRET not in text for text in texts)
    assert not [token for token in vectra.issued if any(token in text for text in texts)]
    assert SECRET not in json.dumps(integration_context.context)  # tokens are kept there; the secret never

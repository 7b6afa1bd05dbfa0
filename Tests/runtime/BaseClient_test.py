"""BaseClient behaviour the golden file cannot show: urllib3 retries against a real HTTP server (Retry-After
honoured, retries bounded), timeouts, and the proxy / certificate settings."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import urllib3.util.retry
from CommonServerPython import BaseClient, DemistoException

from tools.xsoar_local.invocation import Invocation, serving


class ScriptedServer(ThreadingHTTPServer):
    """Answers each request with the next (status, headers, body) of its script, then 200s."""

    def __init__(self, script):
        self.script = list(script)
        self.requests = []
        super().__init__(("127.0.0.1", 0), ScriptedHandler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class ScriptedHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        status, headers, body = self.server.script.pop(0) if self.server.script else (200, {}, b'{"ok": true}')
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(script):
        server = ScriptedServer(script)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sleeps(monkeypatch):
    recorded = []
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", recorded.append)
    return recorded


def test_retries_honour_retry_after(serve, sleeps):
    server = serve([(429, {"Retry-After": "7"}, b"slow down"), (503, {"Retry-After": "2"}, b"busy")])
    client = BaseClient(server.url)
    assert client._http_request("GET", "/api/x", retries=3, status_list_to_retry=[429, 503], backoff_factor=0.1) == {"ok": True}
    assert len(server.requests) == 3
    assert sleeps == [7.0, 2.0]


def test_retries_are_bounded_and_report_the_last_answer(serve, sleeps):
    server = serve([(500, {}, b"boom")] * 5)
    client = BaseClient(server.url)
    with pytest.raises(DemistoException, match=r"Error in API call \[500\]") as raised:
        client._http_request("GET", "/api/x", retries=2, status_list_to_retry=[500], backoff_factor=0.1)
    assert raised.value.res.status_code == 500
    assert len(server.requests) == 3


def test_retries_raise_max_retries_when_asked_to(serve, sleeps):
    server = serve([(502, {}, b"bad gateway")] * 5)
    client = BaseClient(server.url)
    with pytest.raises(DemistoException, match="Max Retries Error- Request attempts with 1 retries failed"):
        client._http_request("GET", "/api/x", retries=1, status_list_to_retry=[502], raise_on_status=True, backoff_factor=0)


def test_no_retries_by_default(serve):
    server = serve([(429, {"Retry-After": "1"}, b"slow down")])
    with pytest.raises(DemistoException, match=r"\[429\]"):
        BaseClient(server.url)._http_request("GET", "/api/x")
    assert len(server.requests) == 1


def test_timeout_is_passed_to_requests(monkeypatch):
    seen = {}

    def fake_request(self, method, url, **kwargs):
        seen.update(kwargs)
        raise requests.exceptions.ReadTimeout("read timed out")

    monkeypatch.setattr(requests.Session, "request", fake_request)
    client = BaseClient("https://vectra.test", timeout=12)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client._http_request("GET", "/api/x")
    assert seen["timeout"] == 12
    with pytest.raises(requests.exceptions.ReadTimeout):
        client._http_request("GET", "/api/x", timeout=3)
    assert seen["timeout"] == 3


def test_the_administrators_timeout_settings_come_first(monkeypatch):
    monkeypatch.delenv("REQUESTS_TIMEOUT", raising=False)
    assert BaseClient("https://vectra.test").timeout == 60
    assert BaseClient("https://vectra.test", timeout=12).timeout == 12
    monkeypatch.setenv("REQUESTS_TIMEOUT", "30")
    assert BaseClient("https://vectra.test", timeout=12).timeout == 30
    with serving(Invocation(brand="Vectra RUX")):
        monkeypatch.setenv("REQUESTS_TIMEOUT.Vectra RUX", "5")
        assert BaseClient("https://vectra.test", timeout=12).timeout == 5
        monkeypatch.setenv("REQUESTS_TIMEOUT.Other", "7")
        assert BaseClient("https://vectra.test").timeout == 5


def test_proxy_setting_decides_whether_environment_proxies_apply(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert BaseClient("https://vectra.test", proxy=False)._session.trust_env is False
    assert BaseClient("https://vectra.test", proxy=True)._session.trust_env is True


def test_trust_any_certificate_turns_verification_off():
    assert BaseClient("https://vectra.test", verify=False)._verify is False
    assert BaseClient("https://vectra.test", verify=True)._verify

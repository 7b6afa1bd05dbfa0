"""The engine's XSIAM collector receives posts at the HTTP layer, whatever session sends them."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from CommonServerPython import BaseClient

from tools.xsoar_local import collector
from tools.xsoar_local.store import Store

HEADERS = {"authorization": collector.TOKEN, "format": "json", "vendor": "vectra", "product": "rux",
           "content-encoding": "gzip"}


def body(*events: dict) -> bytes:
    return gzip.compress("\n".join(json.dumps(event) for event in events).encode())


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "engine.db")


def test_a_plain_session_posts_into_the_dataset(store):
    with collector.intercepting(store):
        res = requests.Session().post(collector.URL, data=body({"id": 1}, {"id": 2}), headers=HEADERS)
    assert res.status_code == 200 and res.json() == {"error": "false"}
    assert [event["id"] for event in store.dataset_events("vectra_rux_raw")] == [1, 2]


def test_a_fresh_base_client_posts_into_the_dataset_as_the_platform_does(store):
    with collector.intercepting(store):
        client = BaseClient(base_url=f"https://{collector.HOST}", proxy=False)
        res = client._http_request("POST", full_url=collector.URL, data=body({"id": 7}), headers=HEADERS,
                                   resp_type="response")
    assert res.status_code == 200 and store.dataset_counts("vectra_rux_raw")
    assert store.collector_posts()[-1]["events"] == 1


def test_a_refusal_is_the_collectors_answer(store):
    store.queue_collector_answers([{"status": 429, "json": {"error": "Too many requests"}}])
    with collector.intercepting(store):
        res = requests.post(collector.URL, data=body({"id": 1}), headers=HEADERS)
    assert res.status_code == 429 and not store.dataset_events("vectra_rux_raw")


class Echo(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"from the network")

    def log_message(self, *args):
        """Quiet: the test reads the answer, not the server's log."""


def test_other_hosts_are_not_intercepted_and_nothing_stays_patched(store):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        with collector.intercepting(store):
            assert requests.get(url, timeout=5).text == "from the network"
        with pytest.raises(requests.exceptions.ConnectionError):  # no collector outside the block: a real lookup
            requests.post(collector.URL, data=body({"id": 1}), headers=HEADERS, timeout=5)
    finally:
        server.shutdown()
    assert not store.dataset_events("vectra_rux_raw")

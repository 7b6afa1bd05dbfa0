"""XSIAM's HTTP collector, played by the local engine.

What the platform's `send_events_to_xsiam` posts arrives here exactly as the collector receives it: the URL
`https://api-<Http_Connector.url>/logs/v1/xsiam`, the headers (authorization token, format, vendor, product,
collector and instance names, gzip encoding) and the gzipped body of one event per line. While a command runs, the
engine intercepts requests at the HTTP layer — `requests`' transport adapter, whatever session sends them (the
platform posts through a fresh BaseClient of its own) — and hands those for the collector's host to it, so nothing
leaves the process; every other request goes out as usual. Accepted events are stored per dataset
(`<vendor>_<product>_raw`) in the engine's SQLite store; the answer is the collector's: `{"error": "false"}`.

A fault switch, kept in the store so that command processes see it, queues the next answers: a status with its
body (429, 500, or 200 with an error), `lost` — events stored, then the connection drops before the answer (a
sender that crashes after the collector took its events) — or `ok` to let a post through before a fault.
"""

from __future__ import annotations

import contextlib
import gzip
import json
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from tools.xsoar_local.store import Store

DOMAIN = "xsiam.local"
HOST = f"api-{DOMAIN}"
URL = f"https://{HOST}/logs/v1/xsiam"
TOKEN = "local-collector-token"  # noqa: S105 - the local collector's own token, not a secret
LOST = 0  # the status logged for a post whose events were stored but whose answer never reached the sender
REQUIRED_HEADERS = ("authorization", "format", "vendor", "product", "content-encoding")


def license_fields() -> dict:
    """The tenant's license fields that point send_events_to_xsiam at this collector."""
    return {"Http_Connector.url": DOMAIN, "Http_Connector.token": TOKEN}


class Collector:
    def __init__(self, store: Store):
        self.store = store

    def receive(self, url: str, headers: dict, body: bytes) -> tuple[int, dict]:
        """One POST: (status, JSON answer). Raises ConnectionError for a `lost` answer (its events are stored)."""
        headers = {key.lower(): value for key, value in headers.items()}
        refusal = self._refusal(url, headers)
        events = [] if refusal else self._events(headers, body)
        answer = refusal or self.store.take_collector_answer()
        if answer is not None and answer.get("ok"):
            answer = None  # queued to let earlier posts through
        if answer is not None and not answer.get("lost"):
            self.store.log_collector_post(url, headers, len(events), int(answer["status"]))
            return int(answer["status"]), answer.get("json") or {}
        self.store.add_dataset_events(f"{headers['vendor']}_{headers['product']}_raw".lower(), events)
        self.store.log_collector_post(url, headers, len(events), 200 if answer is None else LOST)
        if answer is not None:
            raise requests.exceptions.ConnectionError("the connection to the collector closed before its answer")
        return 200, {"error": "false"}

    @staticmethod
    def _refusal(url: str, headers: dict) -> dict | None:
        if url != URL:
            return {"status": 404, "json": {"error": f"no collector at {url}"}}
        missing = [name for name in REQUIRED_HEADERS if not headers.get(name)]
        if missing:
            return {"status": 400, "json": {"error": f"missing headers: {', '.join(missing)}"}}
        if headers["authorization"] != TOKEN:
            return {"status": 401, "json": {"error": "invalid token"}}
        return None

    @staticmethod
    def _events(headers: dict, body: bytes) -> list[dict]:
        lines = [line for line in gzip.decompress(body).decode("utf-8").split("\n") if line]
        if headers["format"] == "json":
            return [json.loads(line) for line in lines]
        return [{"_raw": line} for line in lines]


def answer(collector: Collector, request: requests.PreparedRequest) -> requests.Response:
    """The collector's answer to one request, as a `requests` response."""
    body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
    status, answered = collector.receive(str(request.url), dict(request.headers), body)
    response = requests.Response()
    response.status_code = status
    response.reason = HTTPStatus(status).phrase
    response._content = json.dumps(answered).encode()
    response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
    response.url = str(request.url)
    response.request = request
    return response


@contextlib.contextmanager
def intercepting(store: Store) -> Iterator[Collector]:
    """While the block runs, every request for the collector's host — from any session, any adapter built on
    requests' HTTPAdapter — is answered by the engine's collector; all other requests are sent as usual."""
    collector = Collector(store)
    send = HTTPAdapter.send

    def send_or_collect(adapter: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        if urlsplit(str(request.url)).hostname == HOST:
            return answer(collector, request)
        return send(adapter, request, *args, **kwargs)

    HTTPAdapter.send = send_or_collect  # type: ignore[assignment,method-assign]
    try:
        yield collector
    finally:
        HTTPAdapter.send = send  # type: ignore[assignment]

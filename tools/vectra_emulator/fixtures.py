"""pytest fixtures: a Vectra emulator started in-process on a free loopback port and stopped afterwards.

`vectra_emulator` is a small seeded tenant; `make_vectra_emulator(**settings)` starts one with other settings
(size, seed, token lifetimes, faults). Registered for the whole repository by the root conftest.py.
"""

from collections.abc import Iterator
from typing import Any

import pytest

from tools.vectra_emulator import Emulator


@pytest.fixture
def make_vectra_emulator() -> Iterator:
    started: list[Emulator] = []

    def start(**settings: Any) -> Emulator:
        settings.setdefault("seed", 7)
        settings.setdefault("detections", 40)
        settings.setdefault("events", 200)
        emulator = Emulator(**settings).start()  # type: ignore[arg-type]
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()
    errors = [error for emulator in started for error in emulator.api.internal_errors]
    assert not errors, f"the emulator failed internally: {errors}"


@pytest.fixture
def vectra_emulator(make_vectra_emulator) -> Emulator:
    return make_vectra_emulator()


class ApiSession:
    """Talks to an emulator like a client would: obtains a token once, then sends bearer-authenticated requests."""

    def __init__(self, emulator: Emulator):
        import requests

        self.emulator = emulator
        self.session = requests.Session()
        self.token: str | None = None

    def authenticate(self) -> dict:
        answer = self.session.post(f"{self.emulator.url}/oauth2/token", data={"grant_type": "client_credentials"},
                                   auth=(self.emulator.client_id, self.emulator.client_secret))
        answer.raise_for_status()
        self.token = answer.json()["access_token"]
        return answer.json()

    def request(self, method: str, path: str, **kwargs: Any):
        if self.token is None:
            self.authenticate()
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return self.session.request(method, f"{self.emulator.url}{path}", headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any):
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any):
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any):
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.request("DELETE", path, **kwargs)

    def events(self, **params: object) -> dict:
        answer = self.get("/api/v3.5/events/detections", params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
def vectra_api(vectra_emulator) -> ApiSession:
    return ApiSession(vectra_emulator)

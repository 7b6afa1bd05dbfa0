"""Fault injection: what can go wrong between the integration and Vectra, switchable while the server runs.

Counters (`rate_limit_requests`, `server_error_requests`, ...) apply to the next N API requests (the token
endpoint included where it makes sense), then switch themselves off. Flags (`malformed_events`,
`duplicate_events`) stay on until cleared. Every change goes through `configure`, so tests, the admin endpoint
and the command line share one switchboard.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class FaultSettings:
    latency_ms: int = 0                    # added to every response
    rate_limit_requests: int = 0           # next N API requests answer 429 with Retry-After
    retry_after_s: int = 1
    server_error_requests: int = 0         # next N API requests answer `server_error_status`
    server_error_status: int = 503
    unauthorized_requests: int = 0         # next N API requests answer 401 whatever the token
    refuse_refresh_requests: int = 0       # next N refresh_token grants answer 401 invalid_grant
    drop_connections: int = 0              # next N API requests: the connection closes with no answer
    slow_requests: int = 0                 # next N API requests wait `slow_s` before answering (client timeouts)
    slow_s: float = 0.0
    expire_tokens_after_requests: int = -1  # after N more API requests every access token expires (-1: off)
    duplicate_events: int = 0              # events pages repeat the N events before `from`
    malformed_events: bool = False         # every 5th event is served with missing fields, nulls and wrong types


class Faults:
    def __init__(self, **settings: object):
        self._lock = threading.Lock()
        self._settings = FaultSettings()
        self.configure(**settings)

    def configure(self, **changes: object) -> dict:
        known = {f.name: f.type for f in fields(FaultSettings)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        with self._lock:
            for name, value in changes.items():
                current = getattr(self._settings, name)
                if isinstance(current, bool) and isinstance(value, str):
                    value = value.lower() in ("1", "true", "yes")
                setattr(self._settings, name, type(current)(value))  # type: ignore[call-arg]
            return asdict(self._settings)

    def clear(self) -> dict:
        with self._lock:
            self._settings = FaultSettings()
            return asdict(self._settings)

    def snapshot(self) -> dict:
        with self._lock:
            return asdict(self._settings)

    def take(self, counter: str) -> bool:
        """Consume one unit of a countdown fault; True when this request is affected."""
        with self._lock:
            remaining = getattr(self._settings, counter)
            if remaining > 0:
                setattr(self._settings, counter, remaining - 1)
                return True
            return False

    def tick_token_expiry(self) -> bool:
        """Count one API request towards `expire_tokens_after_requests`; True when tokens must expire now."""
        with self._lock:
            remaining = self._settings.expire_tokens_after_requests
            if remaining < 0:
                return False
            self._settings.expire_tokens_after_requests = remaining - 1
            return remaining == 0

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        with self._lock:
            return getattr(self._settings, name)

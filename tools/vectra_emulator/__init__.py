"""A stateful Vectra RUX REST API v3.5 server for loopback use (see README.md).

    with Emulator(seed=7, detections=50, events=300) as vectra:
        vectra.url, vectra.client_id, vectra.client_secret   # what an integration instance needs
        vectra.world.add_detections(3)                       # the tenant moves on: new events appear
        vectra.faults.configure(rate_limit_requests=2)       # the next two API calls get 429
        vectra.api_requests("events/detections")             # how many calls an endpoint received
"""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime
from typing import Any

from tools.vectra_emulator.auth import TokenStore
from tools.vectra_emulator.faults import Faults
from tools.vectra_emulator.server import Api, EmulatorHTTPServer, VectraHandler
from tools.vectra_emulator.world import World

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class Emulator:
    def __init__(self, seed: int = 1, client_id: str = "xsoar-client", client_secret: str = "xsoar-secret",
                 entities: int = 40, detections: int = 200, events: int = 1000, token_ttl: int = 3600,
                 refresh_ttl: int = 86400, host: str = "127.0.0.1", port: int = 0, now: datetime | None = None,
                 history_hours: float = 72.0, unicode_names: bool = False, timestamp_jitter_s: int = 0,
                 **faults: Any):
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"the emulator serves loopback only; host must be one of {', '.join(LOOPBACK_HOSTS)}")
        self.client_id = client_id
        self.client_secret = client_secret
        self._world_settings = {"seed": seed, "entities": entities, "detections": detections, "events": events, "now": now,
                                    "history_hours": history_hours, "unicode_names": unicode_names,
                                    "timestamp_jitter_s": timestamp_jitter_s}
        self.tokens = TokenStore(client_id, client_secret, token_ttl, refresh_ttl)
        self.faults = Faults(**faults)
        self._server = EmulatorHTTPServer((host, port), VectraHandler)
        self.world = World.generate(base_url=self._server.base_url, **self._world_settings)  # type: ignore[arg-type]
        self.api = Api(self.world, self.tokens, self.faults)
        self._server.api = self.api
        self._thread: threading.Thread | None = None
        self._serving = False

    @property
    def url(self) -> str:
        return self._server.base_url

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> Emulator:
        if self._thread is None:
            self._thread = threading.Thread(target=self.serve_forever, name="vectra-emulator", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until `stop` (from another thread) or an exception ends it."""
        self._serving = True
        try:
            self._server.serve_forever()
        finally:
            self._serving = False

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def instance_params(self, **overrides: Any) -> dict:
        """Integration instance parameters pointing at this emulator."""
        params = {"server_url": self.url, "credentials": {"identifier": self.client_id, "password": self.client_secret}}
        params.update(overrides)
        return params

    def counters(self) -> list[dict]:
        return self.api.counter_rows()

    def api_requests(self, route: str | None = None, method: str | None = None, status: int | None = None) -> int:
        """API requests received (admin endpoints excluded), optionally for one route, method or status."""
        return sum(row["count"] for row in self.api.counter_rows()
                   if not row["route"].startswith("_emulator")
                   and (route is None or row["route"] == route)
                   and (method is None or row["method"] == method)
                   and (status is None or row["status"] == status))

    def reset_counters(self) -> None:
        self.api.reset_counters()


def start_process(*options: str, cwd: str | None = None) -> tuple[subprocess.Popen, str]:
    """The emulator in its own process (`python -m tools.vectra_emulator --port 0 <options>`): the process and the
    URL it announced. The caller terminates it."""
    process = subprocess.Popen([sys.executable, "-m", "tools.vectra_emulator", "--port", "0", *options], cwd=cwd,
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip() if process.stdout else ""
    if not line.startswith("listening on "):
        process.kill()
        raise RuntimeError(f"the Vectra emulator did not start: {line!r}")
    return process, line.removeprefix("listening on ")

"""OAuth2 as Vectra serves it: client credentials with HTTP Basic, refresh tokens, opaque bearer tokens."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass


@dataclass
class Grant:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int

    def body(self) -> dict:
        return {"access_token": self.access_token, "refresh_token": self.refresh_token, "token_type": "Bearer",
                "expires_in": self.expires_in, "refresh_expires_in": self.refresh_expires_in}


class TokenStore:
    def __init__(self, client_id: str, client_secret: str, token_ttl: int = 3600, refresh_ttl: int = 86400):
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.refresh_ttl = refresh_ttl
        self._lock = threading.Lock()
        self._access: dict[str, float] = {}   # token -> expiry (monotonic seconds)
        self._refresh: dict[str, float] = {}
        self.issued = {"client_credentials": 0, "refresh_token": 0}
        self.every_token: list[str] = []  # each access and refresh token ever issued: tests look for leaks

    def credentials_valid(self, client_id: str, client_secret: str) -> bool:
        return secrets.compare_digest(client_id, self.client_id) and secrets.compare_digest(client_secret, self.client_secret)

    def issue(self) -> Grant:
        with self._lock:
            now = time.monotonic()
            access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
            self._access[access] = now + self.token_ttl
            self._refresh[refresh] = now + self.refresh_ttl
            self.issued["client_credentials"] += 1
            self.every_token += [access, refresh]
            return Grant(access, refresh, self.token_ttl, self.refresh_ttl)

    def refresh(self, refresh_token: str) -> Grant | None:
        """A new access token for a live refresh token (the refresh token itself is kept), else None."""
        with self._lock:
            now = time.monotonic()
            expiry = self._refresh.get(refresh_token)
            if expiry is None or expiry <= now:
                return None
            access = secrets.token_urlsafe(24)
            self._access[access] = now + self.token_ttl
            self.issued["refresh_token"] += 1
            self.every_token.append(access)
            return Grant(access, refresh_token, self.token_ttl, int(expiry - now))

    def valid(self, access_token: str) -> bool:
        with self._lock:
            expiry = self._access.get(access_token)
            return expiry is not None and expiry > time.monotonic()

    def expire_access_tokens(self) -> None:
        with self._lock:
            self._access.clear()

    def expire_refresh_tokens(self) -> None:
        with self._lock:
            self._refresh.clear()

"""A local Zalo: the OAuth v4 token endpoint and the OA "cs" message endpoint.

It checks every request the way Zalo documents it and, like Zalo, accepts each refresh
token once: reusing a spent one gets error -14014.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import parse_qs

APP_ID = "4318825932017624591"
APP_SECRET = "zalo-app-secret-for-tests"
SEED = "first-refresh-token-from-authorizing-the-oa"
WAIT_SECONDS = 5.0


def zalo_answer(body: dict[str, object]) -> Any:
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


class ZaloStandIn:
    """Zalo's token endpoint and "cs" message endpoint, keeping Zalo's token rules."""

    def __init__(self, known_refresh_tokens: set[str], *, oauth_status: int = 200) -> None:
        self.valid_refresh = set(known_refresh_tokens)
        self.valid_access: set[str] = set()
        self.refreshes: list[dict[str, list[str]]] = []
        self.sent_with: list[str] = []
        self.oauth_status = oauth_status
        self.hold_refresh = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, request: Any) -> Any:
        if request.method == "POST" and request.path == "/v4/oa/access_token":
            return self.refresh(request)
        if request.method == "POST" and request.path == "/v3.0/oa/message/cs":
            return self.send(request)
        return 404, {"Content-Type": "text/plain"}, b"You currently access to an empty api"

    def refresh(self, request: Any) -> Any:
        if self.oauth_status != 200:
            return self.oauth_status, {"Content-Type": "text/html"}, b"<html>busy</html>"
        if request.header("content-type") != "application/x-www-form-urlencoded":
            return zalo_answer({"error": -14003, "error_name": "Invalid content type"})
        form = parse_qs(request.body.decode(), strict_parsing=True)
        if request.header("secret_key") != APP_SECRET:
            return zalo_answer({"error": -14001, "error_name": "Invalid secret key"})
        if set(form) != {"refresh_token", "app_id", "grant_type"} or any(
            len(v) != 1 for v in form.values()
        ):
            return zalo_answer({"error": -14002, "error_name": "Invalid parameters"})
        if form["app_id"] != [APP_ID] or form["grant_type"] != ["refresh_token"]:
            return zalo_answer({"error": -14002, "error_name": "Invalid app id or grant type"})
        if self.hold_refresh.is_set():
            self.release.wait(WAIT_SECONDS)
        with self._lock:
            self.refreshes.append(form)
            spent = form["refresh_token"][0]
            if spent not in self.valid_refresh:
                return zalo_answer(
                    {
                        "error": -14014,
                        "error_name": "Invalid refresh token",
                        "error_description": "Refresh token is invalid or has been used",
                    }
                )
            self.valid_refresh.discard(spent)
            number = len(self.refreshes)
            access, refresh = f"access-token-{number}", f"refresh-token-{number}"
            self.valid_access.add(access)
            self.valid_refresh.add(refresh)
        return zalo_answer(
            {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
        )

    def send(self, request: Any) -> Any:
        token = request.header("access_token")
        self.sent_with.append(token)
        if token not in self.valid_access:
            return zalo_answer({"error": -124, "message": "Access token is invalid"})
        if set(request.json()) != {"recipient", "message"}:
            return zalo_answer({"error": -201, "message": "Parameters are invalid"})
        return zalo_answer({"error": 0, "message": "Success", "data": {"message_id": "m1"}})


def no_secret_in(text: str, *secrets: str) -> bool:
    """Whether `text` names neither the app's secrets nor any of `secrets`."""
    return not any(secret in text for secret in (APP_SECRET, SEED, *secrets))

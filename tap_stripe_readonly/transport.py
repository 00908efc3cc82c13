"""The only way requests leave the tap: a session that refuses anything but GET."""

from __future__ import annotations

import typing as t

import requests


class WriteAttemptError(RuntimeError):
    """Something asked the tap to send a request that could change Stripe data."""


class ReadOnlySession(requests.Session):
    """A requests session that sends GET requests and nothing else.

    Checked at ``send`` (which every request, redirect and retry goes through), so
    no code path, ours or the SDK's, can write to Stripe.
    """

    def send(self, request: requests.PreparedRequest, **kwargs: t.Any) -> requests.Response:
        if (request.method or "").upper() != "GET":
            msg = f"tap-stripe-readonly only reads: refused to send a {request.method} request"
            raise WriteAttemptError(msg)
        return super().send(request, **kwargs)

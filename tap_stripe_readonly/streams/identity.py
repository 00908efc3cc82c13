"""Identity: the verifications of people's identity documents and selfies a business asks
Stripe for (sessions), and the results of each check (reports). Personal data: selected by
default as the rest, and a stream map can drop what a warehouse must not hold.

An account that has not switched Identity on gets 400 "Your account is not set up to use
Identity": the run skips these streams and says so once at its end.
"""

from __future__ import annotations

from tap_stripe_readonly.client import StripeStream
from tap_stripe_readonly.permissions import (
    IDENTITY_VERIFICATION_REPORT_READ,
    IDENTITY_VERIFICATION_SESSION_READ,
)


class IdentityVerificationSessionsStream(StripeStream):
    name = "identity_verification_sessions"
    path = "/v1/identity/verification_sessions"
    stripe_class = "identity.VerificationSession"
    object_name = "identity.verification_session"
    permission = IDENTITY_VERIFICATION_SESSION_READ
    event_types = (
        "identity.verification_session.created", "identity.verification_session.processing",
        "identity.verification_session.requires_input", "identity.verification_session.verified",
        "identity.verification_session.canceled", "identity.verification_session.redacted",
    )  # fmt: skip


class IdentityVerificationReportsStream(StripeStream):
    """A report is made once per submission and never changes (Stripe announces none): each
    run lists those created since the last."""

    name = "identity_verification_reports"
    path = "/v1/identity/verification_reports"
    stripe_class = "identity.VerificationReport"
    object_name = "identity.verification_report"
    permission = IDENTITY_VERIFICATION_REPORT_READ

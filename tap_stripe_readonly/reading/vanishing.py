"""A cursor that vanished: the object a list was paged from is gone (deleted, or no longer
matching the list's filter), and the read starts again from a place that still exists."""

from __future__ import annotations

from tap_stripe_readonly.errors import BadAnswerError, CursorVanishedError


def restarted(restarts: int, limit: int, what: str, last: CursorVanishedError) -> int:
    """One more restart of a read whose cursor vanished; more than ``limit`` in a row (without
    a page that wrote something new) stop the run, since the read would never end."""
    restarts += 1
    if restarts > limit:
        raise BadAnswerError(
            f"{what} ({restarts} times in a row: the objects it paged from kept disappearing; "
            f"the last answer's{last.request_id or ' Request-Id: none'}); run again later."
        )
    return restarts

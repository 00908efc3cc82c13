"""How a stream is read: one part per way Stripe lists, and the state that makes each
resumable.

- ``stream_read.py``: one stream of one account in a run: its state, its requests in flight,
  how it ends. What the parts below share, and all the run holds.
- ``plan.py``: which read a stream gets, from its state (the one place that decides).
- ``range_read.py``: a ``created`` range read in windows side by side (``windows.py``: the
  arithmetic of windows), resumable to the second.
- ``whole_list.py``: a list without a ``created`` filter, read whole, resumable at the last
  page written.
- ``events.py``: the changes since the last run, from Stripe's events; ``copies.py``: which
  copy of a changed object is written, and what is written of one that is gone.
- ``nested.py``: the nested lists of a page of parents, whichever read listed the parents.
- ``coverage.py``: which streams a bookmark covers, and the catch-up of those selected later.
- ``seam.py``: all a read may use of the run (output, engine, state, report).

A new way of reading is a new part: a class with ``finish()`` that ``plan.py`` chooses, writing
its pages through ``nested.py``.
"""

from __future__ import annotations

from tap_stripe_readonly.reading.plan import CLOCK_SKEW, EVENTS_USABLE_FOR, start
from tap_stripe_readonly.reading.seam import Account, ReadSettings, Seam
from tap_stripe_readonly.reading.stream_read import StreamRead

__all__ = [
    "CLOCK_SKEW",
    "EVENTS_USABLE_FOR",
    "Account",
    "ReadSettings",
    "Seam",
    "StreamRead",
    "start",
]

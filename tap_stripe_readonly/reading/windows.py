"""`created` windows: the unit of parallel reading and of resumable progress.

Stripe filters every top-level list by ``created`` (unix seconds) and lists newest first. A
stream's range is cut into windows read side by side; what has been written is kept in state
as merged, inclusive ranges of seconds, so a run that stops anywhere resumes with the gaps.

Pure functions of plain tuples, tested without HTTP.
"""

from __future__ import annotations

import math

Window = tuple[int, int]  # inclusive range of `created` seconds, oldest first

# Stripe has no object older than this (2011-01-01), whatever the account.
STRIPE_EPOCH = 1_293_840_000
# A window split off is sized for about this many pages at the density seen so far.
TARGET_PAGES = 8
# Below this many pages left, a window is paged to its end rather than split.
SPLIT_MIN_PAGES = 4
MAX_PARTS = 8


def merge(done: list[Window], new: Window) -> list[Window]:
    """``done`` with ``new`` added, sorted and merged (adjacent seconds join)."""
    lo, hi = new
    if lo > hi:
        return done
    out: list[Window] = []
    for a, b in sorted([*done, (lo, hi)]):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def gaps(span: Window, done: list[Window]) -> list[Window]:
    """The parts of ``span`` not in ``done``, newest first."""
    lo, hi = span
    out: list[Window] = []
    cursor = hi
    for a, b in sorted(done, key=lambda w: w[1], reverse=True):
        if b < lo or a > cursor:
            continue
        if b < cursor:
            out.append((max(b + 1, lo), cursor))
        cursor = a - 1
        if cursor < lo:
            return out
    if cursor >= lo:
        out.append((lo, cursor))
    return out


def density(newest_on_page: int, last: int, on_page: int) -> float:
    """Objects per second on a page of ``on_page`` objects from ``newest_on_page`` to ``last``."""
    return on_page / max(1, newest_on_page - last + 1)


def pages_in(lo: int, hi: int, per_second: float, page_size: int) -> float:
    """Pages in [lo, hi] at ``per_second`` objects a second.

    Accounts grow, so older history is usually sparser and this overestimates; splitting
    too much costs little, too little a lot.
    """
    return per_second * max(0, hi - max(lo, STRIPE_EPOCH) + 1) / page_size


def split(lo: int, last: int, per_second: float, parts: int, page_size: int) -> list[Window]:
    """Cut [lo, last] into at most ``parts`` windows, newest first.

    The newest window holds about ``TARGET_PAGES`` pages at ``per_second`` objects a second;
    each older one spans twice the seconds of the one before, since the history behind a
    dense page is of unknown length (the last window takes whatever is left, back to ``lo``).
    """
    span = max(1, math.ceil(TARGET_PAGES * page_size / max(per_second, 1e-9)))
    out: list[Window] = []
    hi = last
    while hi >= lo:
        if len(out) == parts - 1:
            out.append((lo, hi))
            break
        a = max(lo, hi - span + 1)
        out.append((a, hi))
        hi = a - 1
        span *= 2
    return out

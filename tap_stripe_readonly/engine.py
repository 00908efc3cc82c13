"""The fetch engine: many GETs in flight, one thread deciding and writing.

singer-sdk syncs streams one after another with one request in flight (``Tap.sync_all`` is
final and its streams are sequential), which leaves most of Stripe's rate limit unused. Here
the calling thread decides what is sent next, takes its rate-limit tokens (ratelimit.py) and
hands it to a worker thread, which only sends it (through the transport, which judges the
answer and retries what is transient). Every result comes back to the calling thread, which
runs the task's handler: it writes records and state, and returns the follow-up tasks.
Stdout thus has a single writer, and state only ever covers what was written.

Memory stays bounded: at most ``max_in_flight`` requests are out, and their pages are the
only large objects the engine holds.
"""

from __future__ import annotations

import queue
import threading
import time
import typing as t
from collections import deque
from dataclasses import dataclass, field

from tap_stripe_readonly.shapes import ListPage

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from tap_stripe_readonly.permissions import Permission
    from tap_stripe_readonly.transport import StripeTransport

MAX_IN_FLIGHT = 32
# Enough to keep one endpoint at Stripe's 25 requests/s with answers taking up to 400 ms,
# while leaving the other slots to other endpoints.
MAX_IN_FLIGHT_PER_ENDPOINT = 10

# Waiting moves an endpoint ahead (by this much progress a second), so that one whose work
# was underestimated is not left for last.
AGING = 0.03

Handler = t.Callable[[t.Any], "Iterable[Task]"]
ErrorHandler = t.Callable[[Exception], "Iterable[Task]"]


@dataclass(eq=False)
class Task:
    """One GET, and what to do with its answer (on the engine's calling thread)."""

    path: str
    params: list[tuple[str, t.Any]]
    endpoint: str  # the rate-limit bucket: the path with ids replaced, e.g. /v1/charges/{id}
    on_body: Handler
    #: Called with the exception instead of on_body; whatever it does not handle, it raises.
    on_error: ErrorHandler | None = None
    account: str | None = None
    permission: Permission | None = None
    queued_at: float = 0.0
    shape: type[t.Any] = ListPage
    #: The stream whose records it brings (its requests are counted there).
    stream: str | None = None
    result: t.Any = field(default=None, repr=False)
    #: How long each HTTP request of it took (a retried task made several).
    durations: list[float] = field(default_factory=list, repr=False)


class Stopped(Exception):
    """The engine was asked to stop (a signal) before its work was done."""


class Engine:
    """Runs tasks on a pool of daemon threads; handlers run on the thread calling run()."""

    def __init__(
        self,
        transport: StripeTransport,
        *,
        max_in_flight: int = MAX_IN_FLIGHT,
        max_per_endpoint: int = MAX_IN_FLIGHT_PER_ENDPOINT,
    ) -> None:
        self.transport = transport
        self.max_in_flight = max(1, max_in_flight)
        self.max_per_endpoint = max(1, min(max_per_endpoint, self.max_in_flight))
        self._pending: dict[str, deque[Task]] = {}
        self._in_flight: dict[str, int] = {}
        # Requests each endpoint has served, and still has to (waiting, out, or foreseen by
        # the streams): the least far along is served first, so that endpoints progress
        # together and the one with most to do (as many as Stripe lets it) starts soonest.
        self._served: dict[str, int] = {}
        self._work_left: dict[str, float] = {}
        self._foreseen: dict[tuple[object, str], float] = {}
        self._outstanding = 0
        self._work: queue.SimpleQueue[Task | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[Task] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._tick: Callable[[], None] | None = None

    def stop(self) -> None:
        """Ask run() to return at its next chance (safe from a signal handler)."""
        self._stop.set()

    def add(self, tasks: Iterable[Task]) -> None:
        now = time.monotonic()
        for task in tasks:
            task.queued_at = now
            self._pending.setdefault(task.endpoint, deque()).append(task)
            self._work_left[task.endpoint] = self._work_left.get(task.endpoint, 0.0) + 1.0

    def foresee(self, source: object, endpoint: str, requests: float) -> None:
        """``source`` expects to send ``requests`` more to ``endpoint`` (beyond its tasks)."""
        before = self._foreseen.get((source, endpoint), 0.0)
        self._foreseen[(source, endpoint)] = requests
        self._work_left[endpoint] = self._work_left.get(endpoint, 0.0) + requests - before

    def run(
        self,
        tasks: Iterable[Task],
        after_each: Callable[[], None],
        *,
        answered: Callable[[Task], None] | None = None,
        tick: Callable[[], None] | None = None,
    ) -> None:
        """Run ``tasks`` and every task their handlers return, until none is left.

        ``after_each`` runs after each handler (the tap writes state there); ``answered``
        sees each task answered, before its handler; ``tick`` runs at least every 0.2 s while
        the run waits (the progress line). An exception a handler raises stops the run and
        propagates; requests still out are abandoned (the worker threads are daemons, so they
        never hold the process open).
        """
        self.add(tasks)
        self._start_workers()
        self._tick = tick
        try:
            while True:
                wait = self._dispatch()
                if self._outstanding == 0 and wait is None:
                    return
                task = self._next_result(wait)
                if tick is not None:
                    tick()
                if task is None:
                    continue  # a token came due: dispatch again
                self._outstanding -= 1
                self._in_flight[task.endpoint] -= 1
                self._work_left[task.endpoint] -= 1.0
                if answered is not None:
                    answered(task)
                result, task.result = task.result, None
                if isinstance(result, Exception):
                    if task.on_error is None:
                        raise result
                    self.add(task.on_error(result))
                else:
                    self.add(task.on_body(result))
                after_each()
        finally:
            for _ in self._threads:
                self._work.put(None)

    def _next_result(self, wait: float | None) -> Task | None:
        """The next answered task, or None once ``wait`` seconds have passed without one."""
        deadline = time.monotonic() + (wait if wait is not None else 3600)
        while True:
            if self._stop.is_set():
                raise Stopped
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                return self._done.get(timeout=min(0.2, left))
            except queue.Empty:
                if self._tick is not None:
                    self._tick()
                continue

    def _dispatch(self) -> float | None:
        """Send what the rate limits allow now, the endpoint least far along first.

        Returns how long until a token comes due for a waiting task (None: nothing waits).
        """
        limiter = self.transport.limiter
        while self._outstanding < self.max_in_flight:
            if wait := limiter.account.wait():
                return wait  # no endpoint may send before the account's next token
            now = time.monotonic()
            ready = sorted(
                (self._progress(endpoint) - AGING * (now - waiting[0].queued_at), endpoint)
                for endpoint, waiting in self._pending.items()
                if waiting and self._in_flight.get(endpoint, 0) < self.max_per_endpoint
            )
            if not ready:
                return None
            soonest = None
            for _, endpoint in ready:
                wait = limiter.try_acquire(endpoint)
                if wait == 0.0:
                    self._send(self._pending[endpoint].popleft())
                    break
                soonest = wait if soonest is None else min(soonest, wait)
            else:
                return max(soonest or 0.0, 0.001)
        return None

    def _progress(self, endpoint: str) -> float:
        served = self._served.get(endpoint, 0)
        return served / (served + max(self._work_left[endpoint], 1.0))

    def _send(self, task: Task) -> None:
        self._served[task.endpoint] = self._served.get(task.endpoint, 0) + 1
        self._in_flight[task.endpoint] = self._in_flight.get(task.endpoint, 0) + 1
        self._outstanding += 1
        self._work.put(task)

    def _start_workers(self) -> None:
        while len(self._threads) < self.max_in_flight:
            thread = threading.Thread(target=self._work_loop, name="stripe-fetch", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _work_loop(self) -> None:
        while (task := self._work.get()) is not None:
            try:
                task.result = self.transport.get(
                    task.path,
                    task.params,
                    endpoint=task.endpoint,
                    account=task.account,
                    permission=task.permission,
                    shape=task.shape,
                    paced=True,
                    durations=task.durations,
                )
            except Exception as exc:  # handed to the calling thread, which decides
                task.result = exc
            self._done.put(task)

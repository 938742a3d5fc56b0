"""The run's end in the job book (gevent, no Locust): every job a flow submitted is recorded
exactly once, queued ones are cancelled, and `close` is final whoever calls it, however often.

A scripted server answers on gevent's clock; its submit and cancel can be held on the wire.
"""

from __future__ import annotations

import json
import time
from typing import Any

import gevent
import httpx
import pytest
from gevent.event import Event

from harness.client.bounds import Body
from harness.client.flows import Flow, Send, drive
from harness.client.policies import FixedInterval
from harness.client.transport import Received
from harness.load.measure.results import RunResults
from harness.load.swarm.book import JobBook
from harness.load.swarm.driver import LoadClient, RequestBuilder
from harness.load.swarm.flow import FlowSettings, LoadJob

BASE = "http://127.0.0.1:9"


class Server:
    """Jobs stay queued until cancelled. `hold_submit` / `hold_cancel` keep those calls on the
    wire until released; the job exists on the server from the moment the submit arrives."""

    def __init__(self) -> None:
        self.jobs: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []
        self.hold_submit = Event()
        self.hold_submit.set()
        self.hold_cancel = Event()
        self.hold_cancel.set()

    def send(self, step: Send) -> Received:
        request = step.request
        path = request.url.path
        if "/v1/models/" in path:
            request_id = f"job-{len(self.jobs) + 1}"
            self.jobs[request_id] = "in_queue"
            self.calls.append(("submit", request_id))
            self.hold_submit.wait()
            return _answer(request, 200, {"request_id": request_id})
        request_id, endpoint = path.rstrip("/").split("/")[-2:]
        if endpoint == "cancel":
            self.calls.append(("cancel", request_id))
            self.hold_cancel.wait()
            self.jobs[request_id] = "cancelled"
            return _answer(request, 202, {"request_id": request_id, "outcome": "cancelled"})
        gevent.sleep(0.001)
        return _answer(request, 200, {"request_id": request_id, "status": self.jobs[request_id]})

    def run(self, flow: Flow[Any]) -> Any:
        return drive(flow, self.send, gevent.sleep)


def _answer(request: httpx.Request, status: int, body: dict[str, object]) -> Received:
    content = json.dumps(body).encode()
    response = httpx.Response(status, content=content, request=request)
    return Received(response, Body(content, len(content)))


@pytest.fixture
def server() -> Server:
    return Server()


def _book() -> JobBook:
    return JobBook(RunResults("t", started_at=time.time()))


def _submit(book: JobBook, server: Server) -> LoadJob:
    assert book.take_budget()
    client = LoadClient(BASE, "t0ken")
    settings = FlowSettings("t", FixedInterval(0.05))
    job = LoadJob(client, RequestBuilder(), settings, intended_at=time.time())
    book.start(job, {"prompt": "x"}, server.run)
    return job


def _recorded(book: JobBook) -> dict[str | None, str | None]:
    return {r.request_id: r.cleanup for r in book.results.records}


def test_a_second_close_waits_until_the_first_has_recorded_every_job(server: Server) -> None:
    """The bug behind the lost Ctrl-C records: Locust's SIGTERM handler closes the book; while
    its cancels are on the wire a second stop (a user quitting, then the main greenlet's
    shutdown) closed it again, returned at once and wrote results without those jobs."""
    book = _book()
    for _ in range(3):
        _submit(book, server)
    gevent.sleep(0.02)  # submitted, now polling: all three queued
    server.hold_cancel.clear()
    first = gevent.spawn(book.close)
    gevent.sleep(0.02)
    assert [c for c, _ in server.calls].count("cancel") == 3  # the first close is cancelling
    gevent.spawn_later(0.05, server.hold_cancel.set)
    book.close()  # the second caller: returns only when the book is final
    assert _recorded(book) == {"job-1": "cancelled", "job-2": "cancelled", "job-3": "cancelled"}
    first.join(1)
    assert first.successful()
    assert len(book.results.records) == 3  # exactly once each
    assert book.results.ended_at > 0


def test_a_job_abandoned_right_after_its_submit_is_recorded_and_cancelled(server: Server) -> None:
    book = _book()
    _submit(book, server)
    gevent.sleep(0)  # the flow ran: its submit is answered, its first poll not yet sent
    assert server.calls == [("submit", "job-1")]
    book.close()
    assert server.calls == [("submit", "job-1"), ("cancel", "job-1")]
    assert server.jobs == {"job-1": "cancelled"}
    (rec,) = book.results.records
    assert (rec.request_id, rec.outcome, rec.cleanup) == ("job-1", "lost", "cancelled")


def test_a_submit_on_the_wire_longer_than_the_kill_timeout_is_still_recorded(
    server: Server,
) -> None:
    """The server has the job before its answer arrives: close must not kill that flow (its
    request_id would be unknown, the job never cancelled and missing from the report)."""
    book = _book()
    server.hold_submit.clear()
    _submit(book, server)
    gevent.sleep(0)
    assert server.jobs == {"job-1": "in_queue"}  # created; its answer is held
    gevent.spawn_later(0.1, server.hold_submit.set)
    book.close(timeout=0.01)
    assert _recorded(book) == {"job-1": "cancelled"}
    assert server.jobs == {"job-1": "cancelled"}


def test_a_flow_spawned_but_never_started_makes_no_submit_and_no_record(server: Server) -> None:
    book = _book()
    _submit(book, server)
    book.close()  # before the flow's greenlet first ran
    assert server.calls == []
    assert book.results.records == []
    assert not book.take_budget()


def test_a_hung_cleanup_still_leaves_the_job_in_the_report(server: Server) -> None:
    book = _book()
    _submit(book, server)
    gevent.sleep(0.02)
    server.hold_cancel.clear()  # the cancel never answers
    book.close(timeout=0.05)
    assert _recorded(book) == {"job-1": "timed out"}
    server.hold_cancel.set()
    gevent.sleep(0.01)  # the killed cleanup must not record it a second time
    assert len(book.results.records) == 1


def test_closing_makes_the_book_not_idle(server: Server) -> None:
    book = _book()
    assert book.idle
    book.close()
    assert book.closed
    assert not book.idle  # a user must not ask Locust to quit a second time


def test_stop_spending_cancels_the_queue_and_each_flow_ends_as_the_server_says(
    server: Server,
) -> None:
    """--stop-on-lost-slo: no more submits; queued jobs are cancelled while their flows go on,
    so they end cancelled (not lost); a job whose submit was on the wire is cancelled too."""
    book = _book()
    _submit(book, server)
    _submit(book, server)
    gevent.sleep(0.02)  # both accepted and polled: queued
    server.hold_submit.clear()
    _submit(book, server)  # its answer is held: accepted only after the stop
    gevent.sleep(0)
    book.stop_spending()
    assert not book.take_budget()
    assert not book.drained
    gevent.spawn_later(0.05, server.hold_submit.set)
    with gevent.Timeout(5):
        while not book.drained:
            gevent.sleep(0.01)
    assert server.jobs == {"job-1": "cancelled", "job-2": "cancelled", "job-3": "cancelled"}
    assert [c for c, _ in server.calls].count("cancel") == 3  # once each
    outcomes = {r.request_id: (r.outcome, r.cleanup) for r in book.results.records}
    assert outcomes == {f"job-{i}": ("cancelled", "cancelled") for i in (1, 2, 3)}
    assert book.submitted == 3
    book.stop_spending()  # again: nothing left to cancel, nothing sent
    assert [c for c, _ in server.calls].count("cancel") == 3
    book.close()
    assert len(book.results.records) == 3  # exactly once each

"""The capacity answer's rules, pinned with hand-made evidence and a predictor whose answers
are simple formulas, so every threshold and every branch shows in a figure."""

from __future__ import annotations

import itertools
import math

import pytest

from harness.load.measure.capacity import (
    LOWER_BOUND_MARGIN,
    MIN_JOBS,
    CapacityAnswer,
    CapacityModel,
    FormulaPredictor,
    ServiceFit,
    _lift,
    _servers,
    _tolerance,
    answer,
    erlang_c,
)
from harness.load.measure.intervals import Interval
from harness.load.measure.saturation import Evidence, Span, gather, quantile_bracket


class Linear:
    """Predicted waits fall as 1/servers: replay p95 = 8/servers; max rate = servers / 2."""

    def __init__(self) -> None:
        self.replays: list[int] = []

    def wait_quantile(self, servers: int, rate: float, q: float) -> float:
        return rate / servers

    def max_rate(self, servers: int, target: float, q: float) -> float:
        return servers / 2 + target

    def replay_quantile(self, servers, submits, services, q) -> float:
        self.replays.append(servers)
        return 8 / servers


def ev(**kw) -> Evidence:
    base = {"jobs": 101, "window": 50.0, "peak_running": 2, "queued_time": 0.0,
            "busy_low": 0, "busy_high": None, "busy_finishes": 0}  # fmt: skip
    return Evidence(**{**base, **kw})


def test_erlang_c_and_the_closed_form():
    assert erlang_c(1, 0.5) == pytest.approx(0.5)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    assert erlang_c(4, 4.0) == 1.0
    assert erlang_c(4, 0.0) == 0.0
    assert erlang_c(2, -1.0) == 0.0
    m = CapacityModel(servers=1, mean_service=1.0, cv2_service=1.0)
    assert m.saturation_rate == 1.0
    assert m.wait_quantile(0.5) == pytest.approx(2 * math.log(10))
    assert m.wait_quantile(0.5, q=0.9) == pytest.approx(2 * math.log(5))
    assert m.wait_quantile(0.04) == 0.0  # P(wait) = 0.04 <= 5%
    assert m.wait_quantile(1.0) == math.inf
    assert m.mean_wait(0.5) == pytest.approx(1.0)  # M/M/1: rho / (mu - lambda)
    assert m.mean_wait(1.0) == math.inf
    half = CapacityModel(2, 2.0, 0.0)  # M/D/2: Allen-Cunneen halves the waits
    assert half.saturation_rate == 1.0
    assert half.mean_wait(0.5) == pytest.approx((1 / 3) / (1.0 - 0.5) / 2)
    assert half.wait_quantile(0.5) == pytest.approx(math.log((1 / 3) / 0.05) / 0.5 / 2)
    rate = m.max_rate(target_wait=2.0)
    assert m.wait_quantile(rate) == pytest.approx(2.0, rel=1e-3)
    fitted = CapacityModel.fit([1.0, 3.0], servers=3, cv2_arrivals=0.5)
    assert (fitted.servers, fitted.mean_service, fitted.cv2_service) == (3, 2.0, 0.25)
    assert fitted.cv2_arrivals == 0.5
    with pytest.raises(ValueError, match="no service times"):
        CapacityModel.fit([], 1)


def test_the_formula_as_a_predictor():
    p = FormulaPredictor(1.0, 1.0)
    assert p.model(3) == CapacityModel(3, 1.0, 1.0, 1.0)
    assert p.wait_quantile(1, 0.5, 0.95) == pytest.approx(2 * math.log(10))
    assert p.max_rate(1, 2.0, 0.95) == pytest.approx(CapacityModel(1, 1.0, 1.0).max_rate(2.0))
    assert p.replay_quantile(1, [0.0, 2.0, 4.0], [1, 1, 1], 0.95) == pytest.approx(
        2 * math.log(10)
    )  # two gaps in 4 s: rate 0.5
    assert p.replay_quantile(1, [3.0, 3.0], [1, 1], 0.95) == math.inf


def test_service_fit():
    fit = ServiceFit.of([1.0, 2.0, 3.0], widths=[0.2, 0.4, 0.6])
    assert (fit.mean, fit.n) == (2.0, 3)
    assert fit.cv2 == pytest.approx((2 / 3) / 4)
    assert fit.upper == pytest.approx(2.0 + 1.96 * 1.0 / math.sqrt(3) + 0.2)
    assert ServiceFit.of([2.0, 2.0]).upper == 2.0
    with pytest.raises(ValueError, match="two service times"):
        ServiceFit.of([1.0])
    with pytest.raises(ValueError, match="positive mean"):
        ServiceFit.of([0.0, 0.0])


def _iv(a: float, b: float) -> Interval:
    return Interval(a, b)


def test_gather_reads_certain_and_possible_concurrency():
    spans = [
        # runs certainly 1-9 (possibly 0.5-9.5); never seen queued after its ack
        Span(_iv(0.0, 0.5), _iv(0.5, 1.0), _iv(9.0, 9.5)),
        # runs certainly 2-8 (possibly 1.5-8.5)
        Span(_iv(0.2, 1.5), _iv(1.5, 2.0), _iv(8.0, 8.5)),
        # certainly queued 3-7 (ack at 3, last seen queued at 7), certainly running 9.5-12
        Span(_iv(2.9, 3.0), _iv(7.0, 9.5), _iv(12.0, 12.5)),
        # waited only a poll interval: started.lower before its ack, so not certainly queued
        Span(_iv(20.0, 20.1), _iv(20.05, 20.6), _iv(21.0, 21.4)),
        Span(_iv(30.0, 30.1)),  # never seen starting
    ]
    e = gather(spans)
    assert e.jobs == 5
    assert e.window == 30.0
    assert e.peak_running == 2
    assert e.queued_time == pytest.approx(4.0)
    assert (e.busy_low, e.busy_high) == (2, 2)
    assert e.busy_finishes == 0  # both finishes fall after the queue cleared at 7
    assert e.servers_low == 2
    assert e.servers_pinned
    assert gather([]).window == 0.0
    # waiting while nothing could be running: a dispatch delay, no ceiling on the count
    delayed = gather([Span(_iv(0.0, 0.1), _iv(0.5, 0.6), _iv(2.0, 2.1))])
    assert (delayed.queued_time, delayed.busy_low, delayed.busy_high) == (
        pytest.approx(0.4), 0, None,
    )  # fmt: skip
    assert delayed.peak_running == 1
    flows = [Span(_iv(0.0, 0.0), _iv(0.0, 1.0), _iv(2.0, 3.0)),
             Span(_iv(0.5, 0.6), _iv(2.6, 3.0), _iv(4.0, 4.2))]  # fmt: skip
    f = gather(flows)
    # queued 0.6-2.6; the first job's finish point (2.5) falls inside: one busy finish
    assert (f.queued_time, f.busy_finishes) == (pytest.approx(2.0), 1)
    assert (f.busy_low, f.busy_high, f.peak_running) == (1, 1, 1)


def test_evidence_rules():
    assert ev(jobs=101, window=50.0).offered_rate == 2.0
    assert ev(jobs=1).offered_rate is None
    assert ev(window=0.0).offered_rate is None
    assert ev(queued_time=25.0).queued_share == 0.5
    assert ev(queued_time=80.0).queued_share == 1.0
    assert ev(window=0.0).queued_share == 0.0
    assert ev(queued_time=10.0, busy_finishes=9).plateau_rate is None
    assert ev(queued_time=10.0, busy_finishes=10).plateau_rate == 1.0
    assert ev(queued_time=0.0, busy_finishes=10).plateau_rate is None
    # offered 2/s; saturated needs half the window queued and plateau under 0.95 x 2 = 1.9/s
    assert ev(queued_time=25.0, busy_finishes=47).saturated  # 1.88/s
    assert not ev(queued_time=25.0, busy_finishes=48).saturated  # 1.92/s
    assert not ev(queued_time=24.9, busy_finishes=20).saturated  # not sustained
    assert not ev(jobs=1, queued_time=25.0, busy_finishes=20).saturated
    assert not ev(queued_time=25.0, busy_finishes=9).saturated
    assert ev(peak_running=3, busy_low=2).servers_low == 3
    assert ev(peak_running=2, busy_low=4).servers_low == 4
    assert ev(busy_low=3, busy_high=3, peak_running=3).servers_pinned
    assert not ev(busy_low=3, busy_high=4, peak_running=3).servers_pinned
    assert not ev(busy_low=0, busy_high=None, peak_running=0).servers_pinned


def test_quantile_bracket():
    waits = [_iv(i, i + 0.5) for i in range(20)]
    assert quantile_bracket(waits, 0.95) == (18, 18.5)
    assert quantile_bracket(waits, 0.5) == (9, 9.5)
    assert quantile_bracket([_iv(1, 2)], 0.95) == (1, 2)
    with pytest.raises(ValueError, match="no waits"):
        quantile_bracket([], 0.95)


def test_server_count_rules():
    fit = ServiceFit(2.0, 0.0, 30, 2.2)
    assert _servers(ev(peak_running=3, busy_low=3, busy_high=3), fit) == (
        3, True, "jobs certainly running while one certainly waited",
    )  # fmt: skip
    # not pinned: plateau x mean service, clamped to the proven range [low, high]
    plateau = {"queued_time": 10.0, "busy_finishes": 20}  # 2/s x 2 s = 4 servers
    assert _servers(ev(peak_running=3, busy_low=2, busy_high=6, **plateau), fit)[:2] == (4, True)
    assert _servers(ev(peak_running=5, busy_low=2, busy_high=6, **plateau), fit)[:2] == (5, True)
    assert _servers(ev(peak_running=1, busy_low=1, busy_high=3, **plateau), fit)[:2] == (3, True)
    assert _servers(ev(peak_running=2, busy_low=1, busy_high=3), fit) == (
        2, False, "most jobs seen running at once",
    )  # fmt: skip
    assert _servers(ev(peak_running=0), fit)[:2] == (1, False)
    assert _servers(ev(peak_running=2, **plateau), fit)[:2] == (2, False)  # no ceiling seen


def test_tolerance_and_lift():
    assert _tolerance([0.1, 0.3, 0.2], (1.0, 2.0)) == pytest.approx(2 * 0.2 + 0.2)
    assert _tolerance([], (0.0, 1.0)) == pytest.approx(0.1)
    p = Linear()
    assert _lift(p, 1, [0, 1], [1, 1], ceiling=2.0, q=0.95) == 4  # 8/4 = 2 <= 2
    assert p.replays == [1, 2, 3, 4]
    assert _lift(p, 5, [0, 1], [1, 1], ceiling=2.0, q=0.95) == 5
    p.replays.clear()
    assert _lift(p, 64, [0, 1], [1, 1], ceiling=0.1, q=0.95) == 128  # doubles from 64
    assert p.replays == [64, 128]


def _inputs(n: int, service: float = 2.0):
    services = [service] * n
    submits = [float(i) for i in range(n)]
    waits = [_iv(0.0, 0.1)] * (n - 3) + [_iv(1.0, 1.2)] * 3
    return services, submits, waits, [0.1] * n


def test_not_enough_load():
    services, submits, waits, widths = _inputs(MIN_JOBS - 1)
    found = answer(ev(), services, submits, waits, widths, target=1.0, predictor=Linear())
    assert found.kind == "not enough load"
    assert found.next_rate == 4.0  # twice the offered 2/s
    assert found.reason == f"{MIN_JOBS - 1} completed jobs with a run time; {MIN_JOBS} needed"
    assert found.servers is None
    assert found.max_rate is None
    none = answer(ev(jobs=1), [None] * 30, submits, waits, widths, target=1.0, predictor=Linear())
    assert none.kind == "not enough load"
    assert none.next_rate is None
    empty = answer(ev(), *_inputs(30)[:2], [], [0.1], target=1.0, predictor=Linear())
    assert empty.kind == "not enough load"


def test_an_estimate_when_a_queue_proved_every_server_busy():
    services, submits, waits, widths = _inputs(40)
    pinned = ev(peak_running=8, busy_low=8, busy_high=8, queued_time=30.0, busy_finishes=50)
    found = answer(pinned, services, submits, waits, widths, target=1.0, predictor=Linear())
    assert found.kind == "estimate"
    assert not found.lower_bound
    assert found.servers == 8
    assert found.servers_high == 8
    assert found.saturation_rate == 4.0  # 8 / 2 s
    assert found.max_rate == 5.0  # Linear: 8 / 2 + target
    assert found.predicted == 1.0  # 8 / 8
    assert found.measured == (1.0, 1.2)  # the 95th of 40: the 38th smallest
    assert found.reliable
    assert found.reason == ""
    assert found.saturated  # 30 of 50 s queued, 50/30 = 1.67/s < 0.95 x 39/50 ... offered
    assert found.saturation_measured == pytest.approx(50 / 30)
    assert found.offered_rate == 2.0
    assert (found.mean_service, found.cv2_service, found.next_rate) == (2.0, 0.0, None)
    data = found.to_dict()
    assert data["measured"] == [1.0, 1.2]
    assert data["kind"] == "estimate"
    calm = answer(
        ev(peak_running=8, busy_low=8, busy_high=8, queued_time=1.0, busy_finishes=50),
        services, submits, waits, widths, target=1.0, predictor=Linear(),
    )  # fmt: skip
    assert not calm.saturated
    assert calm.saturation_measured is None


def test_an_estimate_the_replay_contradicts_is_unreliable_and_says_why():
    services, submits, waits, widths = _inputs(40)
    two = ev(peak_running=2, busy_low=2, busy_high=2)
    found = answer(two, services, submits, waits, widths, target=1.0, predictor=Linear())
    # tolerance 2 x 0.1 + 0.1 x 1.2 = 0.32: the replay's 4.0 is far above 1.2 + 0.32
    assert not found.reliable
    assert found.reason == (
        "the fitted model (2 servers, measured service times) predicts a p95 queue wait of 4s "
        "for this run's own arrivals; the run measured 1-1.2s"
    )
    low = answer(
        ev(peak_running=16, busy_low=16, busy_high=16), services, submits, waits, widths,
        target=1.0, predictor=Linear(),
    )  # fmt: skip
    assert not low.reliable  # 8/16 = 0.5 < 1.0 - 0.32: predicts less waiting than measured
    edge = answer(
        ev(peak_running=11, busy_low=11, busy_high=11), services, submits, waits, widths,
        target=1.0, predictor=Linear(),
    )  # fmt: skip
    assert edge.reliable  # 8/11 = 0.727 >= 0.68


def test_a_lower_bound_when_no_queue_proved_the_count():
    services, submits, waits, widths = _inputs(40)
    p = Linear()
    found = answer(ev(peak_running=3), services, submits, waits, widths, target=1.0, predictor=p)
    assert found.kind == "lower bound"
    assert found.lower_bound
    # 3 servers would replay p95 = 2.67 > 1.2 + 0.32: lifted to 6 (8/6 = 1.33 <= 1.52)
    assert found.servers == 6
    assert found.servers_from == "fewer servers would have made this run's jobs wait longer"
    fit = ServiceFit.of(services, widths)
    assert fit.upper == pytest.approx(2.05)
    assert found.saturation_rate == pytest.approx(6 / 2.05)
    # max rate: min(floor, Linear's 6/2 + 1 = 4 scaled by 2/2.05) x margin
    assert found.max_rate == pytest.approx(min(6 / 2.05, 4 * 2 / 2.05) * LOWER_BOUND_MARGIN)
    assert found.next_rate == pytest.approx(max(2 * 2.0, 1.25 * 6 / 2.05))
    assert found.reliable
    kept = answer(ev(peak_running=7), services, submits, waits, widths, target=1.0, predictor=p)
    assert kept.servers == 7
    assert kept.servers_from == "most jobs seen running at once"
    assert kept.next_rate == pytest.approx(1.25 * 7 / 2.05)
    assert kept.max_rate == pytest.approx(min(7 / 2.05, 4.5 * 2 / 2.05) * LOWER_BOUND_MARGIN)
    # a replay that waits less than measured even at the floor contradicts the model
    quiet = [_iv(5.0, 5.0)] * 40
    odd = answer(ev(peak_running=7), services, submits, quiet, widths, target=1.0, predictor=p)
    assert not odd.reliable


def test_the_answer_type():
    a = CapacityAnswer("lower bound", 1.0, 0.95)
    assert a.lower_bound
    assert a.to_dict()["measured"] is None
    assert not CapacityAnswer("estimate", 1.0, 0.95).lower_bound


def _brute(spans: list[Span]) -> Evidence:
    """The same evidence by brute force: every count evaluated inside every elementary span."""
    cuts = sorted({t for s in spans for iv in (s.created, s.started, s.finished) if iv
                   for t in (iv.lower, iv.upper, iv.point)})  # fmt: skip

    def counts(t: float) -> tuple[int, int, int]:
        queued = sum(1 for s in spans if s.started and s.created.upper <= t < s.started.lower)
        certain = sum(1 for s in spans if s.started and s.finished
                      and s.started.upper <= t < s.finished.lower)  # fmt: skip
        possible = sum(
            1 for s in spans if s.started
            and s.started.lower <= t < (s.finished.upper if s.finished else math.inf)
        )  # fmt: skip
        return queued, certain, possible

    peak = low = finishes = 0
    queued_time, seen = 0.0, set()
    for a, b in itertools.pairwise(cuts):
        queued, certain, possible = counts((a + b) / 2)
        peak = max(peak, certain)
        if queued:
            queued_time += b - a
            low = max(low, certain)
            seen.add(possible)
            finishes += sum(1 for s in spans if s.finished and s.finished.point == b)
    floor = max(peak, low)
    high = min((p for p in seen if p >= floor), default=None)
    submits = [s.created.lower for s in spans]
    window = max(submits) - min(submits) if submits else 0.0
    return Evidence(len(spans), window, peak, queued_time, low, high, finishes)


def test_gather_agrees_with_brute_force_on_random_runs():
    import random

    rng = random.Random(11)
    for _ in range(300):
        spans = []
        for _ in range(rng.randint(1, 7)):
            t0 = rng.uniform(5, 20)
            created = _iv(t0, t0 + rng.uniform(0, 0.3))
            kind = rng.random()
            if kind < 0.1:
                spans.append(Span(created))
                continue
            s0 = created.lower + rng.uniform(0, 6)
            started = _iv(s0, s0 + rng.uniform(0, 2))
            if kind < 0.2:
                spans.append(Span(created, started))
                continue
            f0 = started.lower + rng.uniform(0, 6)
            spans.append(Span(created, started, _iv(f0, f0 + rng.uniform(0, 2))))
        got, want = gather(spans), _brute(spans)
        assert got.queued_time == pytest.approx(want.queued_time, abs=1e-9), spans
        assert (got.jobs, got.peak_running, got.busy_low, got.busy_high, got.busy_finishes) == (
            want.jobs, want.peak_running, want.busy_low, want.busy_high, want.busy_finishes,
        ), spans  # fmt: skip
        assert got.window == pytest.approx(want.window)


class Recording(Linear):
    """Linear, remembering every argument it was given."""

    def __init__(self, replay: float | None = None) -> None:
        super().__init__()
        self.calls: list[tuple] = []
        self.fixed = replay

    def max_rate(self, servers, target, q):
        self.calls.append(("max_rate", servers, target, q))
        return super().max_rate(servers, target, q)

    def replay_quantile(self, servers, submits, services, q):
        self.calls.append(("replay", servers, list(submits), list(services), q))
        value = super().replay_quantile(servers, submits, services, q)
        return value if self.fixed is None else self.fixed


def test_the_answer_hands_the_predictor_the_run_it_measured():
    services, submits, waits, widths = _inputs(MIN_JOBS + 1)
    services[3] = None  # unknown run time: replayed at the mean; exactly enough known
    p = Recording()
    pinned = ev(peak_running=8, busy_low=8, busy_high=8)
    found = answer(pinned, services, submits, waits, widths, target=1.5, predictor=p, q=0.9)
    assert found.kind == "estimate"
    assert (found.target, found.q) == (1.5, 0.9)
    filled = [2.0] * (MIN_JOBS + 1)
    assert p.calls == [("replay", 8, submits, filled, 0.9), ("max_rate", 8, 1.5, 0.9)]
    p = Recording()
    found = answer(ev(peak_running=3), services, submits, waits, widths, target=1.5,
                   predictor=p, q=0.9)  # fmt: skip
    assert p.calls[0] == ("replay", 3, submits, filled, 0.9)  # the lift, from the floor up
    assert p.calls[-1] == ("max_rate", found.servers, 1.5, 0.9)
    few = answer(ev(), services[: MIN_JOBS - 2], submits, waits, widths, target=1.5,
                 predictor=p, q=0.9)  # fmt: skip
    assert (few.kind, few.target, few.q, few.offered_rate) == ("not enough load", 1.5, 0.9, 2.0)


def test_reliability_at_the_edges_of_the_tolerance():
    services, submits, waits, widths = _inputs(40)
    tol = _tolerance(widths, (1.0, 1.2))
    pinned = ev(peak_running=4, busy_low=4, busy_high=4)
    for value, reliable in ((1.2 + tol, True), (1.0 - tol, True),
                            (1.2 + tol + 1e-9, False), (1.0 - tol - 1e-9, False)):  # fmt: skip
        found = answer(pinned, services, submits, waits, widths, target=1.0,
                       predictor=Recording(replay=value))  # fmt: skip
        assert found.reliable is reliable, value


def test_lift_stops_at_its_ceiling_count():
    always = Recording(replay=99.0)
    assert _lift(always, 100_000, [0, 1], [1, 1], ceiling=1.0, q=0.95) == 100_000
    assert always.calls == []


def test_closed_form_details():
    fitted = CapacityModel.fit([0.25, 0.75], servers=1)
    assert fitted.cv2_service == pytest.approx(0.25)
    assert fitted.cv2_arrivals == 1.0
    assert CapacityModel.fit([0.0, 0.0], servers=1).cv2_service == 0.0
    with pytest.raises(ValueError, match=r"^no service times measured$"):
        CapacityModel.fit([], 1)
    m = CapacityModel(1, 1.0, 1.0)
    rate = m.max_rate(2.0, q=0.9)
    assert m.wait_quantile(rate, q=0.9) == pytest.approx(2.0, rel=1e-3)
    p = FormulaPredictor(2.0, 0.5, 0.25)
    assert p.model(3) == CapacityModel(3, 2.0, 0.5, 0.25)
    assert p.wait_quantile(2, 0.5, 0.9) == CapacityModel(2, 2.0, 0.5, 0.25).wait_quantile(0.5, 0.9)
    assert p.max_rate(2, 1.0, 0.9) == CapacityModel(2, 2.0, 0.5, 0.25).max_rate(1.0, 0.9)
    half = FormulaPredictor(1.0, 1.0)
    assert half.replay_quantile(1, [0.0, 0.25, 0.5], [1, 1, 1], 0.95) == math.inf  # 4/s
    assert half.replay_quantile(1, [0.0, 2.5, 5.0], [1, 1, 1], 0.95) == pytest.approx(
        math.log(0.4 / 0.05) / 0.6
    )  # 0.4/s over a 5 s span


def test_messages_and_small_means():
    with pytest.raises(ValueError, match=r"^at least two service times are needed$"):
        ServiceFit.of([1.0])
    with pytest.raises(ValueError, match=r"^service times must have a positive mean$"):
        ServiceFit.of([0.0, 0.0])
    assert ServiceFit.of([0.5, 0.7]).mean == pytest.approx(0.6)
    with pytest.raises(ValueError, match=r"^no waits$"):
        quantile_bracket([], 0.95)
    fit = ServiceFit(2.0, 0.0, 30, 2.2)
    plateau = {"queued_time": 10.0, "busy_finishes": 20}
    assert _servers(ev(peak_running=3, busy_low=2, busy_high=6, **plateau), fit)[2] == (
        "completions/s while every server was busy x mean service time"
    )

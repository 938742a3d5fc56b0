"""One self-contained HTML report: tables plus matplotlib (Agg) plots inlined as base64 PNG.

No script, font or stylesheet is fetched: the file opens offline.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

__all__ = ["policy_table", "render_html"]

_CSS = (
    "body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;"
    "margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
    "th{background:#eee}.bad{color:#b00;font-weight:bold}.ok{color:#070}img{max-width:100%}"
)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return (
        f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'
    )


def _table(rows: list[list[Any]], head: list[str]) -> str:
    def cell(v: Any) -> str:
        return f"{v:.4g}" if isinstance(v, float) else html.escape(str(v))

    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return (
        "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + f"</tr>{body}</table>"
    )


def _latency_plot(section: dict[str, Any]) -> str:
    fig, ax = plt.subplots(figsize=(7, 3))
    for name in ("queue_wait", "run_time", "end_to_end"):
        values = sorted(
            (lo + hi) / 2
            for job in section["jobs"]
            if (b := job["intervals"].get(name))
            for lo, hi in [b]
        )
        if values:
            ax.plot(values, [(i + 1) / len(values) for i in range(len(values))], label=name)
    ax.set_xlabel("seconds (interval midpoints)")
    ax.set_ylabel("fraction of jobs")
    ax.set_title("latency distributions (CDF)")
    ax.legend()
    return _png(fig)


def _timeline_plot(section: dict[str, Any]) -> str:
    tl = section["timeline"]
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(tl["t"], tl["queued"], label="queued")
    ax.plot(tl["t"], tl["running"], label="running")
    ax2 = ax.twinx()
    ax2.plot(tl["t"], tl["completions_per_s"], "g--", label="completions/s")
    ax2.plot(tl["t"], tl["submits_per_s"], "k:", label="submits/s")
    ax.set_xlabel("seconds since first submit")
    ax.set_ylabel("jobs")
    ax2.set_ylabel("jobs/s")
    ax.set_title("queue depth and throughput over time")
    ax.legend(loc="upper left")
    ax2.legend(loc="upper right")
    return _png(fig)


def _policy_plot(advice: dict[str, Any]) -> str:
    fig, ax = plt.subplots(figsize=(7, 3))
    for point in advice.get("points", []):
        ax.scatter(point["polls_per_job"], point["detection_delay"], label=point["policy"])
    ax.set_xlabel("polls per job (mean)")
    ax.set_ylabel("detection delay, s (mean)")
    ax.set_title("poll policies: cost vs detection delay")
    ax.legend(fontsize=7)
    return _png(fig)


def _cancel_plot(table: dict[str, dict[str, int]]) -> str:
    fig, ax = plt.subplots(figsize=(7, 3.5))
    outcomes = sorted({o for counts in table.values() for o in counts})
    rows = list(table)
    bottom = [0] * len(rows)
    for outcome in outcomes:
        heights = [table[r].get(outcome, 0) for r in rows]
        ax.barh(rows, heights, left=bottom, label=outcome)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_xlabel("jobs")
    ax.set_title("cancel outcome by moment and state seen (answer -> final bucket)")
    ax.legend(fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    return _png(fig)


def _capacity_plot(cap: dict[str, Any]) -> str:
    fig, ax = plt.subplots(figsize=(7, 3))
    curve = cap["curve"]
    ax.plot([c[0] for c in curve], [c[1] for c in curve], label="M/G/c predicted p95 wait")
    if cap.get("offered_rate_measured") and cap.get("p95_queue_wait_measured") is not None:
        ax.scatter(
            [cap["offered_rate_measured"]],
            [cap["p95_queue_wait_measured"]],
            c="r",
            label="measured",
        )
    ax.axvline(cap["saturation_rate_predicted"], ls="--", c="k", label="predicted saturation")
    if cap.get("saturation_rate_true"):
        ax.axvline(cap["saturation_rate_true"], ls=":", c="g", label="true saturation")
    ax.set_xlabel("arrival rate, jobs/s")
    ax.set_ylabel("p95 queue wait, s")
    ax.set_title("capacity model")
    ax.legend(fontsize=7)
    return _png(fig)


def _section(section: dict[str, Any]) -> str:
    parts = [f"<h2>{html.escape(section['scenario'])}</h2>"]
    acc = section["accounting"]
    parts.append(_table([list(acc.values())], list(acc)))
    metrics = section["metrics"]
    rows = [
        [k, m["count"], m["p50"], m["p90"], m["p95"], m["p99"], m["max"], m["unit"]]
        for k, m in metrics.items()
        if "|" not in k  # per-policy rows: the compact comparison below
    ]
    parts.append(_table(rows, ["metric", "count", "p50", "p90", "p95", "p99", "max", "unit"]))
    policy_rows = policy_table(metrics)
    if policy_rows:
        parts.append("<p>per poll policy:</p>")
        head = ["policy", "jobs", "polls/job mean", "wasted polls mean"]
        head += ["detection delay mean s", "detection delay p95 s", "bytes/job mean"]
        parts.append(_table(policy_rows, head))
    bounds = section["bounds"]
    parts.append("<p>detection bounds (interval widths, s):</p>")
    parts.append(
        _table(
            [[k, b["median_width"], b["max_width"]] for k, b in bounds.items()],
            ["figure", "median width", "max width"],
        )
    )
    if section["jobs"]:
        parts += [_latency_plot(section), _timeline_plot(section)]
    violations = section["violations"]
    cls = "bad" if violations else "ok"
    parts.append(f'<p class="{cls}">violations: {len(violations)}</p>')
    if violations:
        parts.append(
            _table(
                [[v["request_id"], v["violation"]] for v in violations[:50]],
                ["request_id", "violation"],
            )
        )
    if section.get("server_timestamps"):
        parts.append(_server_times(section["server_timestamps"]))
    cap = section["capacity"]
    if cap.get("available"):
        if cap.get("lower_bound"):
            parts.append(
                f'<p class="bad">capacity: servers &ge; {cap["servers"]} '
                f"({html.escape(cap['note'])}); the saturation rate and max rate derived from it "
                "are approximate lower bounds (they also carry the service-time estimate's "
                "error), and their distance from the truth is not a prediction error.</p>"
            )
        keys = [k for k in cap if k not in ("curve", "available")]
        parts.append(_table([[k, cap[k]] for k in keys], ["capacity", "value"]))
        parts.append(_capacity_plot(cap))
    if "advice" in section and section["advice"].get("recommended"):
        adv = section["advice"]
        parts.append(f"<p><b>poll advice:</b> {html.escape(adv['reason'])}</p>")
        rows = [
            [p["policy"], p["jobs"], p["polls_per_job"], p["detection_delay"], "measured"]
            for p in adv["points"]
        ]
        rows += [
            [n, "", d["polls_per_job"], d["detection_delay"], "predicted"]
            for n, d in adv["common_defaults"].items()
        ]
        parts.append(_table(rows, ["policy", "jobs", "polls/job", "detection delay s", "source"]))
        parts.append(_policy_plot(adv))
    if section.get("cancel_outcomes"):
        table = section["cancel_outcomes"]
        parts.append(
            _table([[k, str(v)] for k, v in table.items()], ["moment / state", "outcomes"])
        )
        parts.append(_cancel_plot(table))
    if section.get("cancel_moments"):
        rows = [[m["moment"], m["attempts"], m["reason"]] for m in section["cancel_moments"]]
        parts.append(_table(rows, ["cancel moment", "attempts", "why none"]))
    if section.get("ground_truth"):
        gt = section["ground_truth"]
        parts.append(
            _table(
                [
                    [k, v if isinstance(v, float) else str(v)[:80]]
                    for k, v in gt.items()
                    if k != "misses"
                ],
                ["ground truth", "value"],
            )
        )
    if section.get("confidence"):
        parts.append(_confidence_table(section["confidence"]))
    return "\n".join(parts)


def _confidence_table(confidence: dict[str, Any]) -> str:
    rows = [
        [
            k,
            c["t"]["mean"],
            c["t"]["low"],
            c["t"]["high"],
            c["bootstrap"]["low"],
            c["bootstrap"]["high"],
        ]
        for k, c in confidence.items()
    ]
    return _table(rows, ["p95 over repeats", "mean", "t low", "t high", "boot low", "boot high"])


def _server_times(st: dict[str, Any]) -> str:
    """The server's own timestamps beside the client's figures: a small table, descriptive."""
    head = "<p>server timestamps (the server's clock, beside the client's; never substituted):</p>"
    if not st.get("results_read"):
        return head + f"<p>{html.escape(str(st.get('reason', 'none read')))}</p>"
    off = st.get("clock_offset", {})
    e2e = st.get("end_to_end", {})
    rows: list[list[Any]] = [
        ["/result read", st["results_read"]],
        ["created_at formats", str(st["formats"]["created_at"])],
        ["finished_at formats", str(st["formats"]["finished_at"])],
        ["unparseable stamps (kept raw)", st["unparseable"]],
        ["server end-to-end within client bounds", f"{st['within']} of {st['compared']}"],
        ["outside the bounds", st["outside"]],
        ["allowed resolution s", st["resolution"] if st["resolution"] is not None else "n/a"],
    ]
    rows += [[f"end-to-end {k} s", v] for k, v in e2e.items()]
    if off.get("jobs"):
        rows += [
            ["clock offset median s (created_at - submit midpoint)", off["median"]],
            ["clock offset min / max s", f"{off['min']:.4g} / {off['max']:.4g}"],
            ["submit half-RTT median s", off["median_half_rtt"]],
        ]
    parts = [head, _table(rows, ["server timestamps", "value"])]
    if st["outside_examples"]:
        keys = ["request_id", "server_end_to_end", "client_lower", "client_upper", "outside_by"]
        parts.append(_table([[e[k] for k in keys] for e in st["outside_examples"]], keys))
    return "\n".join(parts)


def _target(target: Any) -> str:
    if not isinstance(target, dict):
        return f"target: {html.escape(str(target or ''))}"
    what = "embedded emulator" if target.get("embedded") else "server"
    return f"target: <code>{html.escape(str(target.get('base_url', '')))}</code> ({what})"


def policy_table(metrics: dict[str, Any]) -> list[list[Any]]:
    """One row per poll policy from the `metric|policy` histograms."""
    policies = sorted({k.split("|", 1)[1] for k in metrics if "|" in k})

    def get(metric: str, policy: str, stat: str) -> Any:
        m = metrics.get(f"{metric}|{policy}")
        return "" if m is None else m[stat]

    return [
        [
            p,
            get("polls_per_job", p, "count"),
            get("polls_per_job", p, "mean"),
            get("wasted_polls", p, "mean"),
            get("detection_delay", p, "mean"),
            get("detection_delay", p, "p95"),
            get("bytes_per_job", p, "mean"),
        ]
        for p in policies
    ]


def render_html(report: dict[str, Any]) -> str:
    slos = report.get("slos", [])
    slo_rows = [
        [s["slo"], s.get("scope", "all"), s["actual"], "pass" if s["passed"] else "FAIL"]
        for s in slos
    ]
    body = [
        "<h1>chronoedit-harness load report</h1>",
        '<p class="bad">interrupted (Ctrl-C): partial run; queued jobs were cancelled</p>'
        if report.get("interrupted")
        else "",
        f"<p>{_target(report.get('target'))}</p>",
        _table([list(report["accounting"].values())], list(report["accounting"])),
    ]
    if slo_rows:
        body.append(_table(slo_rows, ["SLO", "scenario", "actual", "verdict"]))
    body += [_section(s) for s in report["scenarios"].values()]
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>load report</title>'
        f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>"
    )

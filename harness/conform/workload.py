"""The run's jobs: submit valid cases as one burst (so some queue), poll them all, cancel some.

Checks judge what this records. Cancels are aimed at jobs *seen* queued or in progress; when a
job moves in between (a race), the check accepts any answer the contract allows.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from harness import schemas
from harness.cases import Case, draw, valid_cases, valid_edges
from harness.checks import CancelTry, CheckContext, JobRecord, Read
from harness.client import Call, Phase
from harness.clock import Clock

__all__ = ["RESERVED_JOBS", "Workload"]

RESERVED_JOBS = 2  # left for probes that create a job only on a faulty server (invalid, auth)
REREADS = 3  # status reads of each finished job (a flapping terminal state shows in 2)


@dataclass
class Workload:
    ctx: CheckContext
    clock: Clock
    poll_interval: float
    job_timeout: float

    def cases(self) -> list[Case]:
        room = max(0, self.ctx.ledger.remaining - RESERVED_JOBS)
        schema = schemas.load("input")
        edges = valid_edges(schema, self.ctx.input_image_url)
        extra = [c for c in edges if c.extra]
        plain = [c for c in edges if not c.extra]
        chosen = (plain + extra)[:room]
        more = draw(valid_cases(schema, self.ctx.input_image_url), self.ctx.examples, self.ctx.seed)
        chosen += [c for c in more if c.label.startswith("generated")][: room - len(chosen)]
        return chosen

    def run(self) -> None:
        self.ctx.obs.job_timeout = self.job_timeout
        for case in self.cases():
            self._submit(case)
        self._track()
        self._finish()

    def _submit(self, case: Case) -> None:
        call = Call.submit(case.body, self.ctx.client.model_id, raw=case.payload())
        read = self.ctx.send(call)
        self.ctx.obs.submits.append((case, read))
        rid = read.body.get("request_id") if isinstance(read.body, dict) else None
        if read.ok and isinstance(rid, str) and rid:
            self.ctx.ledger.add(rid, "workload", "submitted")
            self.ctx.obs.jobs[rid] = JobRecord(rid, case, read)

    def _status(self, job: JobRecord) -> Read:
        return self.ctx.send(Call.on_request("status", job.request_id))

    def _cancel(self, job: JobRecord, kind: str, copies: int = 1) -> None:
        attempt = CancelTry(job.request_id, kind, job.last_word, len(job.all_statuses))
        call = Call.on_request("cancel", job.request_id)
        if copies == 1:
            attempt.replies.append(self.ctx.send(call))
        else:
            with ThreadPoolExecutor(max_workers=copies) as pool:
                attempt.replies += list(pool.map(lambda _: self.ctx.send(call), range(copies)))
        self.ctx.obs.cancels.append(attempt)

    def _kinds_done(self) -> set[str]:
        return {t.kind for t in self.ctx.obs.cancels}

    def _track(self) -> None:
        jobs = list(self.ctx.obs.jobs.values())
        targets: set[str] = set()
        pending_read: set[tuple[str, Phase]] = set()
        while True:
            active = [j for j in jobs if not j.terminal and not j.lost]
            if not active:
                return
            now = self.clock.now()
            for job in active:
                if now - job.submit.at > self.job_timeout:
                    job.lost = True
                    continue
                read = self._status(job)
                job.statuses.append(read)
                key = (job.request_id, read.phase)
                if read.phase in (Phase.QUEUED, Phase.RUNNING) and key not in pending_read:
                    pending_read.add(key)
                    result = self.ctx.send(Call.on_request("result", job.request_id))
                    job.pending_results.append(result)
            self._act(active, targets)
            self.clock.sleep(self.poll_interval)

    def _act(self, active: list[JobRecord], targets: set[str]) -> None:
        done = self._kinds_done()

        def last_phase(job: JobRecord) -> Phase:
            return job.statuses[-1].phase if job.statuses else Phase.UNKNOWN

        # Prefer randomly generated bodies as cancel targets: edge cases keep their output check.
        queued = [
            j for j in active if last_phase(j) is Phase.QUEUED and j.request_id not in targets
        ]
        queued.sort(key=lambda j: (not j.case.label.startswith("generated"), -self._position(j)))
        if "queued" not in done and queued:
            job = queued.pop(0)
            targets.add(job.request_id)
            self._cancel(job, "queued")
        if "race" not in done and queued:
            job = queued.pop(0)
            targets.add(job.request_id)
            self._cancel(job, "race", copies=2)
        running = [
            j for j in active if last_phase(j) is Phase.RUNNING and j.request_id not in targets
        ]
        running.sort(key=lambda j: -float(j.case.value("num_inference_steps", 8) or 8))
        if "running" not in done and running:
            targets.add(running[0].request_id)
            self._cancel(running[0], "running")

    @staticmethod
    def _position(job: JobRecord) -> int:
        body = job.statuses[-1].body if job.statuses else None
        pos = body.get("queue_position") if isinstance(body, dict) else None
        return pos if isinstance(pos, int) else 0

    def _finish(self) -> None:
        jobs = list(self.ctx.obs.jobs.values())
        for job in jobs:
            if job.lost:
                self._cancel(job, "lost")  # stop a job that may still bill; judged elsewhere
                continue
            job.final_result = self.ctx.send(Call.on_request("result", job.request_id))
            for _ in range(REREADS):
                job.rereads.append(self._status(job))
        done = [j for j in jobs if j.last_word == "completed"]
        if done:
            self._cancel(done[0], "finished")
            done[0].rereads.append(self._status(done[0]))
        for job in jobs:
            self.ctx.ledger.set_state(job.request_id, "lost" if job.lost else job.last_word or "?")

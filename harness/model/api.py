"""`ApiModel.handle(request) -> response`: routing, auth, validation, JSON, errors. No I/O.

Both faces (the ASGI emulator, the respx mock) are thin adapters over this one class.

Auth choice: a missing or unknown token gets HTTP 401 with error_code 401001 (the contract
makes the exact status OBSERVE; 401001 keeps the "first three digits are the status" rule).
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from harness.clock import Clock
from harness.model.config import MODEL_ID, ModelConfig, tenant_label
from harness.model.faults import FaultSet
from harness.model.http import HttpRequest, HttpResponse, json_response
from harness.model.images import NOT_AN_IMAGE, SAMPLES, ImageSource, sample_bytes
from harness.model.render import FORMATS, OutputCache, output_size, render_output
from harness.model.sim import Job, Simulation
from harness.model.validation import validate_submit

__all__ = ["ApiModel"]

_Render = Callable[[], HttpResponse]  # deferred work that must not hold the model lock

_MESSAGES = {
    400: "InvalidResourceIdentifier",
    401: "UserAccountError",
    404: "ResourceNotFound",
    409: "Conflict",
    422: "ValidationError",
    500: "InternalServerError",
    503: "ServiceUnavailable",
}


def iso(t: float | None) -> str | None:
    if t is None:
        return None
    stamp = datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


class ApiModel:
    def __init__(
        self,
        config: ModelConfig,
        clock: Clock,
        images: ImageSource,
        faults: FaultSet | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.images = images
        self.faults = faults or FaultSet()
        self.sim = Simulation(config)
        self._tenants = {token: i for i, token in enumerate(config.tokens)}
        self._ids = random.Random(config.seed ^ 0x1D5)
        self._files = OutputCache()
        self._lock = threading.Lock()  # the emulator's thread and a test thread may both call

    # -- entry point ---------------------------------------------------------------
    def handle(self, req: HttpRequest) -> HttpResponse:
        with self._lock:
            self.sim.advance(self.clock.now())
            if req.path.startswith("/_emulator/"):
                return self._emulator(req)
            if self.faults.chance("error_rate"):
                return self._error(503, 1, "temporarily unavailable (fault error_rate)")
            answer = self._route(req)
            drop = self.faults.chance("drop_rate")
        if not isinstance(answer, HttpResponse):
            answer = answer()  # an output image: rendered (tens of ms) outside the lock
        if drop:
            return HttpResponse(answer.status, answer.headers, b"", drop=True)
        return answer

    def ground_truth(self) -> list[dict[str, Any]]:
        with self._lock:
            self.sim.advance(self.clock.now())
            return self.sim.ground_truth()

    # -- responses -------------------------------------------------------------------
    def _json(self, status: int, payload: Any) -> HttpResponse:
        if "text_content_type" in self.faults:
            return json_response(status, payload, content_type="text/plain; charset=utf-8")
        return json_response(status, payload)

    def _error(
        self, status: int, sub: int, message: str, detail: list[dict[str, Any]] | None = None
    ) -> HttpResponse:
        code_status = status
        if "bad_error_code" in self.faults:
            code_status = 500 if status < 500 else 400
        text = f"{_MESSAGES.get(status, 'Error')}: {message}"
        if "error_body_not_json" in self.faults:
            return HttpResponse(
                status, (("content-type", "text/plain; charset=utf-8"),), text.encode()
            )
        payload: dict[str, Any] = {"error_code": code_status * 1000 + sub, "error_message": text}
        if detail is not None:
            payload["detail"] = detail
        return self._json(status, payload)

    def _method_not_allowed(self, allowed: str) -> HttpResponse:
        """405 with the `Allow` header RFC 9110 (15.5.6) requires on it."""
        answer = self._error(405, 1, f"method not allowed (allowed: {allowed})")
        return replace(answer, headers=(*answer.headers, ("allow", allowed)))

    def _not_found(self, what: str) -> HttpResponse:
        if "unknown_request_text" in self.faults and what == "request":
            return HttpResponse(404, (("content-type", "text/plain"),), b"not found")
        if "unknown_request_500" in self.faults:
            return self._error(500, 1, f"{what} not found")
        if "unknown_request_400" in self.faults:
            return self._error(400, 1, f"{what} not found")
        return self._error(404, 1, f"{what} not found")

    # -- routing ---------------------------------------------------------------------------
    def _route(self, req: HttpRequest) -> HttpResponse | _Render:
        path, method = req.path, req.method
        if path.startswith("/samples/") and method in ("GET", "HEAD"):
            return self._sample(path[len("/samples/") :])
        if path.startswith("/files/") and method in ("GET", "HEAD"):
            return self._file(req, path[len("/files/") :])
        if not path.startswith("/v1/"):
            return self._error(404, 1, "no such path")
        tenant = self._authenticate(req)
        if tenant is None:
            return self._error(401, 1, "missing or invalid token")
        if path.startswith("/v1/models/"):
            if method != "POST":
                return self._method_not_allowed("POST")
            if path[len("/v1/models/") :] != MODEL_ID:
                return self._error(400, 1, "unknown model_id")
            return self._submit(req, tenant)
        parts = path.split("/")  # ['', 'v1', 'requests', id, action]
        if len(parts) != 5 or parts[2] != "requests":
            return self._error(404, 1, "no such path")
        action = parts[4]
        expected = "POST" if action == "cancel" else "GET"
        if action not in ("status", "result", "cancel"):
            return self._error(404, 1, "no such path")
        if method != expected:
            return self._method_not_allowed(expected)
        job = self._lookup(parts[3], tenant)
        if job is None:
            return self._not_found("request")
        if action == "status":
            return self._status(req, job)
        if action == "result":
            return self._result(req, job)
        return self._cancel(job)

    def _tenant_of(self, req: HttpRequest) -> int | None:
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        return self._tenants.get(token.strip()) if scheme.lower() == "bearer" else None

    def _authenticate(self, req: HttpRequest) -> int | None:
        tenant = self._tenant_of(req)
        if tenant is None and "skip_auth" in self.faults:
            return 0
        return tenant

    def _lookup(self, request_id: str, tenant: int) -> Job | None:
        job = self.sim.jobs.get(request_id)
        if job is None or (job.tenant != tenant and "tenant_leak" not in self.faults):
            return None
        return job

    # -- endpoints -------------------------------------------------------------------------
    def _urls(self, base: str, request_id: str) -> dict[str, str]:
        root = f"{base}/v1/requests/{request_id}"
        return {"status_url": f"{root}/status", "result_url": f"{root}/result"}

    def _submit(self, req: HttpRequest, tenant: int) -> HttpResponse:
        checked = validate_submit(req.body, self.faults)
        if checked.body is None:
            status = 500 if "server_error_on_bad_input" in self.faults else 422
            first = checked.detail[0]
            where = ".".join(map(str, first["loc"]))
            return self._error(status, 1, f"{where}: {first['msg']}", checked.detail)
        body = checked.body
        seq = self.sim.submitted
        request_id = str(uuid.UUID(int=self._ids.getrandbits(128), version=4))
        steps = body.get("num_inference_steps", 8)
        fmt = body.get("output_format", "jpeg")
        job = Job(
            request_id=request_id,
            seq=seq,
            tenant=tenant,
            submitted_at=self.clock.now(),
            prompt=str(body.get("prompt", "")),
            seed=int(body.get("seed", 0)),
            steps=min(1000, max(1, int(steps))),
            resolution="720p" if body.get("resolution") == "720p" else "480p",
            output_format=fmt if fmt in FORMATS else "jpeg",
            expand=body.get("enable_prompt_expansion", True) is not False,
            image=self.images.start(str(body["image_url"])),
            lost="lose_jobs" in self.faults and seq % 3 == 2,
            random_failure=self.sim.rng.random() < self.config.failure_rate,
        )
        self.sim.submit(job)
        urls = self._urls(req.base_url, request_id)
        payload = {
            "request_id": request_id,
            **urls,
            "cancel_url": f"{req.base_url}/v1/requests/{request_id}/cancel",
        }
        if "missing_submit_url" in self.faults:
            del payload["cancel_url"]
        if "wrong_submit_url" in self.faults:
            other = str(uuid.UUID(int=self._ids.getrandbits(128), version=4))
            payload["status_url"] = self._urls(req.base_url, other)["status_url"]
        return self._json(200, payload)

    def _visible_state(self, job: Job) -> str:
        """The job's state as /result words, with lost jobs stuck in progress."""
        state = job.state
        if job.lost and state == "succeeded":
            return "in_progress"
        return {"queued": "in_queue", "running": "in_progress"}.get(state, state)

    def _status(self, req: HttpRequest, job: Job) -> HttpResponse:
        state = self._visible_state(job)
        if state in ("succeeded", "failed"):
            state = "completed"
        faults = self.faults
        if faults.active:
            n = job.bump("status")
            if state == "in_progress" and "status_goes_back" in faults and n % 2 == 0:
                state = "in_queue"
            unstable = state == "completed" and "terminal_unstable" in faults
            if unstable and job.bump("terminal") % 2 == 0:
                state = "in_progress"
            forget = state == "in_progress" and "forget_running" in faults
            if forget and job.bump("forget") % 2 == 0:
                return self._not_found("request")
        payload: dict[str, Any] = {"request_id": job.request_id, "status": state}
        if state == "in_queue" and "missing_queue_position" not in faults:
            position = self.sim.position(job) if job.state == "queued" else 0
            if "queue_position_grows" in faults:
                position += job.reads.get("status", 0)
            if "queue_position_from_tail" in faults and job.state == "queued":
                position = len(self.sim.queue) - 1 - position
            payload["queue_position"] = position
        if state == "in_progress" and "wrong_status_word" in faults:
            payload["status"] = "running"
        payload.update(self._urls(req.base_url, job.request_id))
        return self._json(200, payload)

    def _result(self, req: HttpRequest, job: Job) -> HttpResponse:
        state = self._visible_state(job)
        finished = state in ("succeeded", "failed", "cancelled")
        if not finished and "result_404_while_pending" in self.faults:
            return self._not_found("result")
        payload: dict[str, Any] = {
            "request_id": job.request_id,
            "status": state,
            "created_at": iso(job.submitted_at),
            "finished_at": iso(job.finished_at) if finished else None,
        }
        if state == "succeeded":
            ext = FORMATS[job.output_format][1]
            image = f"{req.base_url}/files/{job.request_id}.{ext}"
            payload["output"] = {} if "missing_output_image" in self.faults else {"image": image}
        elif state == "failed" and job.error is not None:
            payload["error"] = {"code": job.error.code, "message": job.error.message}
        return self._json(200, payload)

    def _cancel(self, job: Job) -> HttpResponse:
        faults = self.faults
        if job.state == "queued" and "lose_cancel" in faults:
            cancelled = True  # says so, but the job stays queued and will run
        elif job.state == "queued" and "refuse_queued_cancel" in faults:
            cancelled = False  # refused, and the job stays queued
        elif job.state == "queued" or (job.state == "running" and "cancel_in_progress" in faults):
            cancelled = self.sim.cancel(job, self.clock.now())
        else:
            cancelled = False
        if not cancelled and "cancel_409" in faults:
            return self._error(409, 1, "request can no longer be cancelled")
        state = "cancelled" if cancelled else self._visible_state(job)
        payload: dict[str, Any] = {
            "request_id": job.request_id,
            "status": "completed" if state in ("succeeded", "failed") else state,
            "outcome": "cancelled" if cancelled else "not_cancellable",
        }
        if "malformed_cancel_response" in faults:
            del payload["outcome"]
        if "cancel_text_body" in faults:
            return HttpResponse(202, (("content-type", "text/plain"),), b"accepted")
        return self._json(202, payload)

    # -- files ---------------------------------------------------------------------------
    def _sample(self, name: str) -> HttpResponse:
        if name not in SAMPLES and name != NOT_AN_IMAGE:
            return self._error(404, 1, "no such sample")
        data, ctype = sample_bytes(name)
        return HttpResponse(200, (("content-type", ctype),), data)

    def _file(self, req: HttpRequest, name: str) -> HttpResponse | _Render:
        """The image, or (not yet cached) a closure that renders it once the lock is released."""
        request_id, _, ext = name.rpartition(".")
        job = self.sim.jobs.get(request_id)
        if job is None or job.state != "succeeded" or job.lost or job.input is None:
            return self._error(404, 1, "no such file")
        pil_format, want_ext, ctype = FORMATS[job.output_format]
        if ext != want_ext:
            return self._error(404, 1, "no such file")
        headers = (("content-type", ctype),)
        cached = self._files.get(name)
        if cached is not None:
            return HttpResponse(200, headers, cached[0])
        source, prompt, seed = job.input, job.prompt, job.seed
        size = output_size(source.width, source.height, job.resolution)
        if "wrong_image_size" in self.faults:
            size = (512, 512)
        if "wrong_image_format" in self.faults:
            pil_format = "PNG"

        def render() -> HttpResponse:
            data = render_output(
                source, prompt=prompt, seed=seed, size=size, image_format=pil_format
            )
            with self._lock:
                self._files.put(name, (data, ctype))
            return HttpResponse(200, headers, data)

        return render

    # -- emulator-only endpoints (outside /v1; no token; tokens never shown) --------------
    def _emulator(self, req: HttpRequest) -> HttpResponse:
        what = req.path[len("/_emulator/") :]
        tenant = None
        if self.config.truth_needs_auth:  # reachable from other machines: a tenant's token
            tenant = self._tenant_of(req)  # never the skip_auth fault: this is no API path
            if tenant is None:
                return self._error(401, 1, "missing or invalid token")
        if what == "health":
            return json_response(
                200,
                {
                    "ok": True,
                    "now": self.clock.now(),
                    "faults": str(self.faults),
                    **self.sim.counts(),
                },
            )
        if what == "jobs":
            query = parse_qs(req.query)
            wanted = set(query.get("request_id", []))
            jobs = self.sim.ground_truth()
            if tenant is not None:  # only the tenant's own jobs
                jobs = [j for j in jobs if j["tenant"] == tenant_label(tenant)]
            if wanted:
                jobs = [j for j in jobs if j["request_id"] in wanted]
            return json_response(200, {"now": self.clock.now(), "jobs": jobs})
        return json_response(404, {"error_code": 404001, "error_message": "no such path"})

"""Life cycle, queue, cancel, tenants, retention: the same suite on the mock and live."""

from __future__ import annotations

from harness.schemas import validation_errors
from tests.emulator.faces import Face, with_config

BLOCKER = {"num_inference_steps": 50}  # ~1 s live: long enough to look at the queue


def test_submit_answer_has_four_urls_naming_the_job(face: Face) -> None:
    r = face.submit()
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert validation_errors("submit-response", body) == []
    rid = body["request_id"]
    for key, tail in (("status_url", "status"), ("result_url", "result"), ("cancel_url", "cancel")):
        assert body[key] == f"{face.base_url}/v1/requests/{rid}/{tail}"


def test_life_cycle_and_both_vocabularies(face: Face) -> None:
    rid = face.job()
    first = face.status(rid).json()
    assert validation_errors("status-response", first) == []
    assert first["status"] in ("in_queue", "in_progress")
    pending = face.result(rid)
    assert pending.status_code == 200
    assert pending.json()["status"] in ("in_queue", "in_progress")
    assert pending.json()["finished_at"] is None
    final = face.finish(rid)
    assert validation_errors("result-response", final) == []
    assert final["status"] == "succeeded"
    assert final["created_at"].endswith("Z")
    assert final["finished_at"].endswith("Z")
    assert face.status(rid).json()["status"] == "completed"
    truth = face.truth(rid)
    assert truth["state"] == "succeeded"
    assert truth["submitted_at"] <= truth["started_at"] <= truth["finished_at"]
    assert "token" not in str(face.ground_truth())


def test_states_never_go_back(face: Face) -> None:
    rid = face.job()
    order = ["in_queue", "in_progress", "completed"]
    seen: list[str] = []

    def done() -> bool:
        seen.append(face.status(rid).json()["status"])
        return seen[-1] == "completed"

    face.wait_until(done)
    ranks = [order.index(s) for s in seen]
    assert ranks == sorted(ranks)
    assert all(face.status(rid).json()["status"] == "completed" for _ in range(3))


def test_fifo_queue_positions(make_face) -> None:  # type: ignore[no-untyped-def]
    face = make_face(with_config(workers=1))
    blocker = face.job(**BLOCKER)
    queued = [face.job() for _ in range(4)]
    assert face.status(blocker).json()["status"] == "in_progress"
    positions = [face.status(rid).json()["queue_position"] for rid in queued]
    assert positions == [0, 1, 2, 3]
    assert face.cancel(queued[1]).json()["outcome"] == "cancelled"
    assert [face.status(rid).json().get("queue_position") for rid in queued] == [0, None, 1, 2]
    last: list[int] = []

    def drained() -> bool:
        body = face.status(queued[3]).json()
        if body["status"] == "in_queue":
            last.append(body["queue_position"])
        return body["status"] == "completed"

    face.wait_until(drained, timeout=20)
    assert last == sorted(last, reverse=True)  # never grows
    truth = [face.truth(r) for r in [blocker, queued[0], queued[2], queued[3]]]
    starts = [t["started_at"] for t in truth]
    assert starts == sorted(starts)  # FIFO


def test_cancel_queued_job_never_runs(make_face) -> None:  # type: ignore[no-untyped-def]
    face = make_face(with_config(workers=1))
    blocker = face.job(**BLOCKER)
    victim = face.job()
    r = face.cancel(victim)
    assert r.status_code == 202
    assert validation_errors("cancel-response", r.json()) == []
    assert r.json()["outcome"] == "cancelled"
    assert face.status(victim).json()["status"] == "cancelled"
    face.finish(blocker)
    assert face.status(victim).json()["status"] == "cancelled"
    assert face.result(victim).json()["status"] == "cancelled"
    assert face.truth(victim)["started_at"] is None
    assert face.cancel(victim).json()["outcome"] == "not_cancellable"


def test_cancel_running_or_finished_is_refused_with_202(face: Face) -> None:
    running = face.job(**BLOCKER)
    assert face.status(running).json()["status"] == "in_progress"
    r = face.cancel(running)
    assert (r.status_code, r.json()["outcome"]) == (202, "not_cancellable")
    assert face.finish(running)["status"] == "succeeded"
    again = face.cancel(running)
    assert (again.status_code, again.json()["outcome"]) == (202, "not_cancellable")
    assert face.status(running).json()["status"] == "completed"


def test_tenants_are_isolated(face: Face) -> None:
    rid = face.job()
    for call in (face.status, face.result, face.cancel):
        r = call(rid, 1)
        assert r.status_code == 404
        assert r.json()["error_code"] == 404001
    assert face.status(rid, 0).status_code == 200
    assert face.truth(rid)["state"] != "cancelled"


def test_missing_or_bad_token_is_401_on_every_endpoint(face: Face) -> None:
    rid = face.job()
    calls = [
        ("POST", "/v1/models/nvidia/chrono-edit/lora"),
        ("GET", f"/v1/requests/{rid}/status"),
        ("GET", f"/v1/requests/{rid}/result"),
        ("POST", f"/v1/requests/{rid}/cancel"),
    ]
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
        for method, path in calls:
            r = face.client.request(method, path, headers=headers, json={})
            assert r.status_code == 401
            assert r.json()["error_code"] == 401001
            assert validation_errors("error-response", r.json()) == []
    assert face.status(rid).json()["status"] != "cancelled"


def test_unknown_request_is_404(face: Face) -> None:
    for call in (face.status, face.result, face.cancel):
        r = call("no-such-id")
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/json"
        assert r.json()["error_code"] == 404001


def test_unknown_model_is_400001(face: Face) -> None:
    r = face.client.post(
        "/v1/models/nvidia/other", json={"image_url": "x", "prompt": "y"}, headers=face.auth()
    )
    assert (r.status_code, r.json()["error_code"]) == (400, 400001)


def test_finished_jobs_expire(make_face) -> None:  # type: ignore[no-untyped-def]
    face = make_face(with_config(retention=0.3))
    rid = face.job()
    face.finish(rid)
    face.wait_until(lambda: face.status(rid).status_code == 404)
    assert face.result(rid).json()["error_code"] == 404001
    assert face.truth(rid)["expired"] is True


def test_unreachable_image_fails_fast(face: Face) -> None:
    rid = face.job(image_url="http://127.0.0.1:9/nothing.png", num_inference_steps=50)
    final = face.finish(rid, timeout=5)
    assert final["status"] == "failed"
    assert final["error"]["code"] == "image_unreachable"
    assert face.status(rid).json()["status"] == "completed"
    truth = face.truth(rid)
    assert truth["finished_at"] - truth["started_at"] < 0.9  # well under the 1 s service time


def test_non_image_input_fails(face: Face) -> None:
    rid = face.job(image_url=face.sample("not-an-image.txt"))
    assert face.finish(rid)["error"]["code"] == "not_an_image"


def test_oversized_input_fails(make_face) -> None:  # type: ignore[no-untyped-def]
    face = make_face(with_config(max_image_bytes=1000))
    assert face.finish(face.job())["error"]["code"] == "image_too_large"


def test_random_failure_rate(make_face) -> None:  # type: ignore[no-untyped-def]
    face = make_face(with_config(failure_rate=1.0))
    final = face.finish(face.job())
    assert final["status"] == "failed"
    assert set(final["error"]) == {"code", "message"}

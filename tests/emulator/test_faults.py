"""Every fault mode: shown active, and the rest of the server still conformant. Both faces."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable

import httpx
import pytest
from PIL import Image

from harness.model import FAULTS, FaultSet
from tests.emulator.faces import Face, with_config

BLOCKER = {"num_inference_steps": 50}
Demo = Callable[[Face], None]
DEMOS: dict[str, Demo] = {}


def demo(name: str) -> Callable[[Demo], Demo]:
    def register(fn: Demo) -> Demo:
        DEMOS[name] = fn
        return fn

    return register


@demo("accept_out_of_range")
def _(face: Face) -> None:
    assert face.submit(num_inference_steps=100).status_code == 200
    assert face.submit(num_inference_steps=True).status_code == 422


@demo("accept_bad_enum")
def _(face: Face) -> None:
    assert face.submit(resolution="1080p", output_format="gif").status_code == 200
    assert face.submit(num_inference_steps=51).status_code == 422


@demo("accept_bool_as_integer")
def _(face: Face) -> None:
    assert face.submit(num_inference_steps=True).status_code == 200
    assert face.submit(resolution="1080p").status_code == 422


@demo("reject_integral_float")
def _(face: Face) -> None:
    r = face.submit(num_inference_steps=8.0)
    assert r.status_code == 422
    assert ["body", "num_inference_steps"] in [d["loc"] for d in r.json()["detail"]]
    assert face.submit(num_inference_steps=8).status_code == 200


@demo("server_error_on_bad_input")
def _(face: Face) -> None:
    r = face.submit(num_inference_steps=0)
    assert r.status_code == 500
    assert r.json()["error_code"] == 500001
    assert face.ground_truth() == []


@demo("error_body_not_json")
def _(face: Face) -> None:
    r = face.status("nope")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/plain")
    with pytest.raises(json.JSONDecodeError):
        r.json()
    assert face.status(face.job()).headers["content-type"] == "application/json"


@demo("bad_error_code")
def _(face: Face) -> None:
    r = face.status("nope")
    assert r.status_code == 404
    assert str(r.json()["error_code"])[:3] != "404"


@demo("skip_auth")
def _(face: Face) -> None:
    body = {"image_url": face.sample(), "prompt": "x"}
    r = face.client.post("/v1/models/nvidia/chrono-edit/lora", json=body)
    assert r.status_code == 200
    rid = face.job()
    assert face.status(rid, 1).status_code == 404  # tenants still apart


@demo("tenant_leak")
def _(face: Face) -> None:
    rid = face.job()
    assert face.status(rid, 1).status_code == 200
    assert face.result(rid, 1).status_code == 200
    assert face.cancel(rid, 1).status_code == 202
    assert face.client.get(f"/v1/requests/{rid}/status").status_code == 401


@demo("unknown_request_500")
def _(face: Face) -> None:
    assert face.status("nope").status_code == 500


@demo("unknown_request_400")
def _(face: Face) -> None:
    r = face.result("nope")
    assert (r.status_code, r.json()["error_code"]) == (400, 400001)


@demo("status_goes_back")
def _(face: Face) -> None:
    rid = face.job(**BLOCKER)
    seen = [face.status(rid).json()["status"] for _ in range(4)]
    assert seen[0] == "in_progress"
    assert "in_queue" in seen[1:]


@demo("terminal_unstable")
def _(face: Face) -> None:
    rid = face.job()
    face.finish(rid)
    seen = [face.status(rid).json()["status"] for _ in range(4)]
    assert "completed" in seen
    assert "in_progress" in seen[seen.index("completed") :]


@demo("cancel_in_progress")
def _(face: Face) -> None:
    rid = face.job(**BLOCKER)
    assert face.status(rid).json()["status"] == "in_progress"
    assert face.cancel(rid).json()["outcome"] == "cancelled"
    assert face.status(rid).json()["status"] == "cancelled"


@demo("lose_cancel")
def _(face: Face) -> None:
    face.job(**BLOCKER)
    face.job(**BLOCKER)
    victim = face.job()
    assert face.cancel(victim).json()["outcome"] == "cancelled"
    assert face.status(victim).json()["status"] == "in_queue"
    assert face.finish(victim, timeout=15)["status"] == "succeeded"


@demo("cancel_409")
def _(face: Face) -> None:
    rid = face.job(**BLOCKER)
    r = face.cancel(rid)
    assert r.status_code == 409
    assert r.json()["error_code"] == 409001
    assert face.finish(rid, timeout=15)["status"] == "succeeded"


@demo("wrong_status_word")
def _(face: Face) -> None:
    rid = face.job(**BLOCKER)
    assert face.status(rid).json()["status"] == "running"
    assert face.result(rid).json()["status"] == "in_progress"


@demo("missing_submit_url")
def _(face: Face) -> None:
    body = face.submit().json()
    assert "cancel_url" not in body
    assert body["request_id"] in body["status_url"]


@demo("wrong_submit_url")
def _(face: Face) -> None:
    body = face.submit().json()
    assert body["request_id"] not in body["status_url"]
    assert body["request_id"] in body["result_url"]


def _queued(face: Face) -> str:
    face.job(**BLOCKER)
    face.job(**BLOCKER)
    return face.job()


@demo("missing_queue_position")
def _(face: Face) -> None:
    body = face.status(_queued(face)).json()
    assert body["status"] == "in_queue"
    assert "queue_position" not in body


@demo("queue_position_grows")
def _(face: Face) -> None:
    rid = _queued(face)
    positions = [face.status(rid).json()["queue_position"] for _ in range(3)]
    assert positions == sorted(positions)
    assert positions[-1] > positions[0]


@demo("forget_running")
def _(face: Face) -> None:
    rid = face.job(**BLOCKER)
    codes = [face.status(rid).status_code for _ in range(4)]
    assert codes == [200, 404, 200, 404]
    assert face.status(rid).json()["status"] == "in_progress"


@demo("refuse_queued_cancel")
def _(face: Face) -> None:
    victim = _queued(face)
    r = face.cancel(victim)
    assert (r.status_code, r.json()["outcome"]) == (202, "not_cancellable")
    assert face.status(victim).json()["status"] == "in_queue"


@demo("queue_position_from_tail")
def _(face: Face) -> None:
    rid = _queued(face)
    first = face.status(rid).json()["queue_position"]
    face.job()  # joins behind it
    assert face.status(rid).json()["queue_position"] == first + 1


@demo("cancel_text_body")
def _(face: Face) -> None:
    r = face.cancel(face.job())
    assert r.status_code == 202
    assert r.headers["content-type"].startswith("text/plain")
    with pytest.raises(ValueError, match="Expecting value"):
        r.json()


@demo("unknown_request_text")
def _(face: Face) -> None:
    r = face.status("no-such-job")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/plain")


@demo("result_404_while_pending")
def _(face: Face) -> None:
    rid = face.job()
    assert face.result(rid).status_code == 404
    face.wait_until(lambda: face.status(rid).json()["status"] == "completed")
    assert face.result(rid).json()["status"] == "succeeded"


def _image(face: Face, **fields: object) -> bytes:
    final = face.finish(face.job(**fields))
    r = face.client.get(final["output"]["image"])
    assert r.headers["content-type"] == f"image/{fields.get('output_format', 'jpeg')}"
    return r.content


@demo("wrong_image_format")
def _(face: Face) -> None:
    assert _image(face, output_format="jpeg").startswith(b"\x89PNG")


@demo("wrong_image_size")
def _(face: Face) -> None:
    with Image.open(io.BytesIO(_image(face, output_format="webp"))) as img:
        assert (img.format, img.size) == ("WEBP", (512, 512))


@demo("missing_output_image")
def _(face: Face) -> None:
    final = face.finish(face.job())
    assert (final["status"], final["output"]) == ("succeeded", {})


@demo("malformed_cancel_response")
def _(face: Face) -> None:
    r = face.cancel(face.job())
    assert r.status_code == 202
    assert "outcome" not in r.json()


@demo("text_content_type")
def _(face: Face) -> None:
    r = face.status(face.job())
    assert r.headers["content-type"].startswith("text/plain")
    assert r.json()["status"] in ("in_queue", "in_progress")


@demo("lose_jobs")
def _(face: Face) -> None:
    rids = [face.job() for _ in range(3)]
    for rid in rids[:2]:
        assert face.finish(rid)["status"] == "succeeded"
    face.wait_until(lambda: face.truth(rids[2])["state"] == "lost")
    assert face.status(rids[2]).json()["status"] == "in_progress"
    assert face.result(rids[2]).json()["status"] == "in_progress"


@demo("error_rate=0.5")
def _(face: Face) -> None:
    codes = [face.submit().status_code for _ in range(30)]
    assert set(codes) == {200, 503}
    assert len(face.ground_truth()) == codes.count(200)  # a 503 creates no job


@demo("drop_rate=0.5")
def _(face: Face) -> None:
    outcomes = []
    for _ in range(20):
        try:
            outcomes.append(face.submit().status_code)
        except httpx.RemoteProtocolError:
            outcomes.append(0)
    assert set(outcomes) == {0, 200}
    assert len(face.ground_truth()) == 20  # processed, then the answer was lost


@demo("slow=0.2")
def _(face: Face) -> None:
    before = face.clock.now() if face.clock else time.monotonic()
    assert face.submit().status_code == 200
    after = face.clock.now() if face.clock else time.monotonic()
    assert after - before >= 0.2


def test_every_fault_has_a_demo() -> None:
    assert {name.partition("=")[0] for name in DEMOS} == set(FAULTS)


def _baseline(face: Face, fault: str) -> None:
    """What the fault does not touch still follows the contract."""
    if fault in {"error_rate", "drop_rate"}:
        return  # they touch every answer; their demo shows the rest is normal
    r = face.submit()
    assert r.status_code == 200
    rid = r.json()["request_id"]
    if fault != "result_404_while_pending":
        final = face.finish(rid, timeout=15)
        if fault not in {"tenant_leak", "cancel_in_progress"}:
            assert final["status"] == "succeeded"
        if fault not in {"missing_output_image", "tenant_leak", "cancel_in_progress"}:
            assert face.client.get(final["output"]["image"]).status_code == 200
    if fault != "skip_auth":
        assert face.client.get(f"/v1/requests/{rid}/status").status_code == 401
    if fault not in {"unknown_request_500", "unknown_request_400"}:
        assert face.result("nope").status_code == 404
    bad = face.submit(prompt=None)
    expected = 500 if fault == "server_error_on_bad_input" else 422
    assert bad.status_code == expected
    if fault not in {"error_body_not_json", "bad_error_code"}:
        assert str(bad.json()["error_code"])[:3] == str(expected)
    if fault not in {"text_content_type", "error_body_not_json"}:
        assert bad.headers["content-type"] == "application/json"


@pytest.mark.parametrize("spec", sorted(DEMOS))
def test_fault(make_face, spec: str) -> None:  # type: ignore[no-untyped-def]
    face = make_face(with_config(workers=2), FaultSet.parse([spec], seed=11))
    DEMOS[spec](face)
    _baseline(face, spec.partition("=")[0])

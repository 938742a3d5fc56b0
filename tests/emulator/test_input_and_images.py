"""Validation, output images and hosted samples, on both faces."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from harness.model import SAMPLES
from harness.schemas import validation_errors
from tests.emulator.faces import SUBMIT, Face


@pytest.mark.parametrize(
    "extra",
    [
        {"num_inference_steps": 8.0},
        {"num_inference_steps": 2, "seed": 5.0},
        {"unknown_field": [1, 2]},
        {"resolution": "720p", "output_format": "png", "enable_prompt_expansion": False},
    ],
)
def test_valid_input_accepted(face: Face, extra: dict[str, object]) -> None:
    assert face.submit(**extra).status_code == 200


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"num_inference_steps": True}, "num_inference_steps"),
        ({"num_inference_steps": 1}, "num_inference_steps"),
        ({"num_inference_steps": 51}, "num_inference_steps"),
        ({"num_inference_steps": 8.5}, "num_inference_steps"),
        ({"resolution": "1080p"}, "resolution"),
        ({"output_format": "gif"}, "output_format"),
        ({"enable_prompt_expansion": "yes"}, "enable_prompt_expansion"),
        ({"prompt": None}, "prompt"),
        ({"seed": False}, "seed"),
    ],
)
def test_invalid_input_rejected_naming_field(
    face: Face, extra: dict[str, object], field: str
) -> None:
    r = face.submit(**extra)
    assert r.status_code == 422
    body = r.json()
    assert body["error_code"] == 422001
    assert validation_errors("error-response", body) == []
    assert ["body", field] in [d["loc"] for d in body["detail"]]
    assert face.ground_truth() == []


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[1, 2]",
        b'"text"',
        b"",
        b'{"prompt": "only"}',
        # Python's json module reads these, but they are not JSON: malformed, not "extra field".
        b'{"image_url": "https://example.com/a.jpg", "prompt": "p", "extra": NaN}',
        b'{"image_url": "https://example.com/a.jpg", "prompt": "p", "extra": -Infinity}',
    ],
)
def test_bad_bodies_rejected(face: Face, raw: bytes) -> None:
    r = face.client.post(
        SUBMIT, content=raw, headers={**face.auth(), "content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["error_code"] == 422001
    assert face.ground_truth() == []


@pytest.mark.parametrize(
    ("sample", "resolution", "fmt", "size"),
    [
        ("landscape-16x9.jpg", "480p", "jpeg", (832, 464)),
        ("landscape-16x9.jpg", "720p", "webp", (1280, 720)),
        ("portrait-3x4.png", "480p", "png", (544, 720)),
        ("square-1x1.webp", "720p", "jpeg", (960, 960)),
    ],
)
def test_output_image_format_and_size(
    face: Face, sample: str, resolution: str, fmt: str, size: tuple[int, int]
) -> None:
    rid = face.job(image_url=face.sample(sample), resolution=resolution, output_format=fmt)
    final = face.finish(rid, timeout=15)
    assert final["status"] == "succeeded"
    url = final["output"]["image"]
    assert url == f"{face.base_url}/files/{rid}.{fmt}"
    r = face.client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"] == f"image/{fmt}"
    with Image.open(io.BytesIO(r.content)) as img:
        assert img.format == fmt.upper()
        assert img.size == size
        assert all(side % 16 == 0 for side in img.size)
    assert face.client.get(url).content == r.content  # cached, stable


def test_output_depends_on_input(face: Face) -> None:
    a = face.job(image_url=face.sample("landscape-16x9.jpg"), output_format="png")
    b = face.job(image_url=face.sample("square-1x1.webp"), output_format="png")
    urls = [face.finish(rid)["output"]["image"] for rid in (a, b)]
    pictures = [face.client.get(u).content for u in urls]
    assert pictures[0] != pictures[1]


def test_samples_are_real_images(face: Face) -> None:
    for name, (width, height, fmt, ctype) in SAMPLES.items():
        r = face.client.get(face.sample(name))
        assert r.status_code == 200
        assert r.headers["content-type"] == ctype
        with Image.open(io.BytesIO(r.content)) as img:
            assert (img.format, img.size) == (fmt, (width, height))
    assert face.client.get(face.sample("missing.png")).status_code == 404


def test_unknown_file_is_404(face: Face) -> None:
    assert face.client.get(f"{face.base_url}/files/nope.png").status_code == 404
    rid = face.job()
    assert face.client.get(f"{face.base_url}/files/{rid}.jpeg").status_code == 404  # not yet

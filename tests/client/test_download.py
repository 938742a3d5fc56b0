"""Output images: followed like a browser (redirects), fetched safely (addresses, token, size)."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator

import httpx
import pytest
import respx
from PIL import Image

from harness.client.bounds import Bounds
from harness.client.download import download_image, image_size
from harness.urls import fetch_refusal

API = "https://api.example.com"
CDN = "https://cdn.example.com"
AUTH = {"Authorization": "Bearer download-SECRET-9911"}


def _resolve(host: str, timeout: float) -> list[str]:
    """A fixed DNS: names resolve offline, and one name points inside."""
    return {"inside.example.com": ["10.1.2.3"], "rebind.example.com": ["169.254.169.254"]}.get(
        host, ["93.184.216.34"]
    )


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (832, 480), (10, 20, 30)).save(out, "JPEG")
    return out.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` pixels in a few dozen bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def http(mock: respx.MockRouter) -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def test_an_image_behind_redirects_is_followed_without_the_token(
    mock: respx.MockRouter, http: httpx.Client
) -> None:
    first = mock.get(f"{API}/files/a.jpg").respond(302, headers={"Location": f"{CDN}/x"})
    second = mock.get(f"{CDN}/x").respond(301, headers={"Location": "/y.jpg"})
    final = mock.get(f"{CDN}/y.jpg").respond(
        200, content=_jpeg(), headers={"Content-Type": "image/jpeg"}
    )
    got = download_image(
        http, f"{API}/files/a.jpg", base_url=API, bounds=Bounds(), auth=AUTH, resolve=_resolve
    )
    assert got.problem is None
    assert (got.status, got.size) == (200, (832, 480))
    assert got.content[:3] == b"\xff\xd8\xff"
    assert len(got.exchanges) == 3
    # the token goes to the API's own origin only, never to the CDN
    assert first.calls.last.request.headers.get("authorization") == AUTH["Authorization"]
    assert "authorization" not in second.calls.last.request.headers
    assert "authorization" not in final.calls.last.request.headers
    assert got.exchange.response_body == f"<{len(got.content)} bytes of image/jpeg, not kept>"


def test_redirects_are_followed_a_few_hops_only(mock: respx.MockRouter, http: httpx.Client) -> None:
    mock.get(f"{CDN}/loop").respond(302, headers={"Location": f"{CDN}/loop"})
    got = download_image(
        http, f"{CDN}/loop", base_url=API, bounds=Bounds(max_redirects=3), resolve=_resolve
    )
    assert got.problem == "more than 3 redirects"
    assert len(got.exchanges) == 4
    assert not got.retryable


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://rebind.example.com/x.png",  # a name that resolves to the metadata address
        "http://127.0.0.1:8080/x.png",  # this machine, for a public base URL
        "http://inside.example.com/x.png",  # a private range, for a public base URL
        "http://192.168.1.1/x.png",
        "file:///etc/passwd",
    ],
)
def test_a_public_server_cannot_point_the_harness_inside(
    mock: respx.MockRouter, http: httpx.Client, url: str
) -> None:
    route = mock.route().respond(200, content=b"secret")
    got = download_image(http, url, base_url=API, bounds=Bounds(), auth=AUTH, resolve=_resolve)
    assert got.problem is not None
    assert got.problem.startswith("refused")
    assert route.call_count == 0  # nothing was sent
    assert "secret" not in got.exchange.response_body


def test_a_redirect_into_the_metadata_service_is_refused(
    mock: respx.MockRouter, http: httpx.Client
) -> None:
    mock.get(f"{CDN}/img").respond(302, headers={"Location": "http://169.254.169.254/"})
    meta = mock.get("http://169.254.169.254/").respond(200, text="role-credentials")
    got = download_image(http, f"{CDN}/img", base_url=API, bounds=Bounds(), resolve=_resolve)
    assert (got.problem or "").startswith("refused http://169.254.169.254/")
    assert meta.call_count == 0


@pytest.mark.parametrize(
    ("url", "base", "allowed"),
    [
        ("http://127.0.0.1:9/x.png", "http://127.0.0.1:8000", True),  # the emulator
        ("http://localhost:9/x.png", "http://127.0.0.1:8000", True),
        ("http://10.0.0.5/x.png", "http://10.0.0.1:8000", True),  # an internal deployment
        ("http://127.0.0.1:9/x.png", "http://10.0.0.1:8000", False),
        ("http://169.254.169.254/", "http://127.0.0.1:8000", False),  # never
        ("https://cdn.example.com/x.png", "http://127.0.0.1:8000", True),
    ],
)
def test_what_a_base_url_allows(url: str, base: str, allowed: bool) -> None:
    def resolve(host: str, timeout: float) -> list[str]:
        return ["127.0.0.1"] if host == "localhost" else _resolve(host, timeout)

    assert (fetch_refusal(url, base, resolve=resolve) is None) is allowed


def test_an_image_over_the_cap_is_cut_and_not_kept(
    mock: respx.MockRouter, http: httpx.Client
) -> None:
    mock.get(f"{CDN}/big.png").respond(
        200, content=b"\x89PNG" + b"0" * 5000, headers={"Content-Type": "image/png"}
    )
    got = download_image(
        http, f"{CDN}/big.png", base_url=API, bounds=Bounds(max_image_bytes=1000), resolve=_resolve
    )
    assert (got.problem or "").startswith("BodyTooLarge")
    assert got.content == b""


def test_a_decompression_bomb_is_a_problem_not_a_picture(
    mock: respx.MockRouter, http: httpx.Client
) -> None:
    bomb = _png_header(40_000, 40_000)  # 1.6 gigapixels in a few dozen bytes
    mock.get(f"{CDN}/bomb.png").respond(200, content=bomb, headers={"Content-Type": "image/png"})
    got = download_image(http, f"{CDN}/bomb.png", base_url=API, bounds=Bounds(), resolve=_resolve)
    assert (got.problem or "").startswith("decompression bomb")
    assert got.size is None


def test_image_size_reads_the_header_only() -> None:
    assert image_size(_jpeg()) == ((832, 480), None)
    assert image_size(b"<html>not an image</html>") == (None, None)
    size, problem = image_size(_png_header(12_000, 12_000))  # over the limit, under twice it
    assert size is None
    assert (problem or "").startswith("decompression bomb")


def test_a_non_image_body_is_never_kept(mock: respx.MockRouter, http: httpx.Client) -> None:
    mock.get(f"{CDN}/x.png").respond(
        200, text='{"AccessKeyId": "AKIA..."}', headers={"Content-Type": "application/json"}
    )
    got = download_image(http, f"{CDN}/x.png", base_url=API, bounds=Bounds(), resolve=_resolve)
    assert "AKIA" not in got.exchange.response_body
    assert got.exchange.response_data is None


def test_a_transient_status_may_be_retried(mock: respx.MockRouter, http: httpx.Client) -> None:
    mock.get(f"{CDN}/x.png").respond(503)
    got = download_image(http, f"{CDN}/x.png", base_url=API, bounds=Bounds(), resolve=_resolve)
    assert (got.status, got.retryable, got.problem) == (503, True, None)

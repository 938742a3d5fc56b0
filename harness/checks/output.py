"""The edited picture: present, downloadable, in the requested format, at the right size."""

from __future__ import annotations

from harness import schemas
from harness.checks.context import CheckContext, Image
from harness.checks.observations import JobRecord
from harness.checks.registry import Verdict, check, failed, passed, sample, skipped
from harness.client import JobResult

__all__: list[str] = []

MAGIC = {
    "jpeg": lambda b: b[:3] == b"\xff\xd8\xff",
    "png": lambda b: b[:8] == b"\x89PNG\r\n\x1a\n",
    "webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
}
AREA = {"480p": 480 * 832, "720p": 720 * 1280}
SHORT = {"480p": 480, "720p": 720}
AREA_TOLERANCE = 0.12
SHORT_TOLERANCE = 0.04


def _succeeded(ctx: CheckContext) -> list[JobRecord]:
    return [
        j
        for j in ctx.obs.jobs.values()
        if j.final_result is not None and j.final_result.word == "succeeded"
    ]


def _image_url(job: JobRecord) -> str | None:
    assert job.final_result is not None
    return JobResult.parse(job.final_result.body).image_url


@check("output-image", rule="output.image")
def output_image(ctx: CheckContext) -> Verdict:
    jobs = _succeeded(ctx)
    if not jobs:
        return skipped("no job succeeded")
    for job in jobs:
        assert job.final_result is not None
        output = job.final_result.body.get("output")
        errors = schemas.validation_errors("output", output)
        if errors or _image_url(job) is None:
            why = errors[0] if errors else f"no image in output {output!r}"
            return failed(f"job {job.request_id}: {why}", [job.final_result.exchange])
    shown = sample(jobs, key=lambda j: str(j.case.value("output_format", "jpeg")))
    return passed(
        f"{len(jobs)} succeeded results carry an image URL",
        [j.final_result for j in shown if j.final_result is not None],
        judged=len(jobs),
    )


def _images(ctx: CheckContext) -> list[tuple[JobRecord, Image]]:
    found = []
    for job in _succeeded(ctx):
        url = _image_url(job)
        if url is not None:
            found.append((job, ctx.image(url)))
    return found


@check("output-format", rule="output.format")
def output_format(ctx: CheckContext) -> Verdict:
    images = _images(ctx)
    if not images:
        return skipped("no succeeded job carried an image URL")
    formats = set()
    for job, image in images:
        want = str(job.case.value("output_format", "jpeg"))
        formats.add(want)
        if image.problem is not None:
            return failed(f"image of {job.request_id}: {image.problem}", [image.exchange])
        if image.http_status != 200:
            return failed(
                f"image of {job.request_id} answered {image.http_status}", [image.exchange]
            )
        if want in MAGIC and not MAGIC[want](image.magic):
            return failed(
                f"job {job.request_id} asked for {want}, bytes start {image.magic[:12]!r}",
                [image.exchange],
            )
    # the first download, then one per requested format
    shown = sample(images, key=lambda p: str(p[0].case.value("output_format", "jpeg")))
    return passed(
        f"{len(images)} images downloaded in the requested format ({sorted(formats)})",
        [i for _, i in shown],
        judged=len(images),
    )


@check("output-size", rule="output.size")
def output_size(ctx: CheckContext) -> Verdict:
    images = [(j, i) for j, i in _images(ctx) if i.size is not None]
    if not images:
        return skipped("no downloaded image could be decoded")
    for job, image in images:
        assert image.size is not None
        res = str(job.case.value("resolution", "480p"))
        width, height = image.size
        area_off = abs(width * height / AREA.get(res, AREA["480p"]) - 1)
        short_off = abs(min(width, height) / SHORT.get(res, 480) - 1)
        if area_off > AREA_TOLERANCE and short_off > SHORT_TOLERANCE:
            return failed(
                f"job {job.request_id} asked for {res}, got {width}x{height}", [image.exchange]
            )
    shown = sample(images, key=lambda p: str(p[0].case.value("resolution", "480p")))
    return passed(
        f"{len(images)} images sized for their resolution",
        [i for _, i in shown],
        judged=len(images),
    )

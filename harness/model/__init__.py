"""One model of the API's behaviour, with no I/O: the emulator and the mock are faces on it."""

from __future__ import annotations

from harness.model.api import ApiModel
from harness.model.config import (
    DEFAULT_TOKENS,
    MAX_IMAGE_BYTES,
    MODEL_ID,
    ModelConfig,
    ServiceTimes,
)
from harness.model.faults import FAULTS, Fault, FaultSet, parse_fault, parse_faults
from harness.model.http import HttpRequest, HttpResponse
from harness.model.images import (
    DEFAULT_SAMPLE,
    NOT_AN_IMAGE,
    SAMPLES,
    FetchFailure,
    FetchOutcome,
    ImageSource,
    InputImage,
    LocalImageSource,
    PendingImage,
    sample_url,
)
from harness.model.render import output_size

__all__ = [
    "DEFAULT_SAMPLE",
    "DEFAULT_TOKENS",
    "FAULTS",
    "MAX_IMAGE_BYTES",
    "MODEL_ID",
    "NOT_AN_IMAGE",
    "SAMPLES",
    "ApiModel",
    "Fault",
    "FaultSet",
    "FetchFailure",
    "FetchOutcome",
    "HttpRequest",
    "HttpResponse",
    "ImageSource",
    "InputImage",
    "LocalImageSource",
    "ModelConfig",
    "PendingImage",
    "ServiceTimes",
    "output_size",
    "parse_fault",
    "parse_faults",
    "sample_url",
]

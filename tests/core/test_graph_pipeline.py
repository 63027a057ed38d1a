"""The Graph request pipeline scorekeeper builds: msgraph-core's middleware, in its order, with three changes."""

from __future__ import annotations

import httpx
import pytest
from msgraph_core.middleware import GraphTelemetryHandler  # type: ignore[import-untyped]

from scorekeeper.graph.retry import graph_middleware, read_retry_handler, telemetry_handler, write_safe_retry_handler

URLS = [
    "https://graph.microsoft.com/v1.0/$batch",
    "https://GRAPH.microsoft.com/beta/policies",
    "https://graph.microsoft.com:443/v1.0/organization",
    "https://graph.microsoft.us/v1.0/domains",
    "https://dod-graph.microsoft.us/v1.0/domains",
    "https://microsoftgraph.chinacloudapi.cn/v1.0/domains",
    "http://127.0.0.1:8765/v1.0/organization",
    "https://main.iam.ad.ext.azure.com/api/PasswordReset/PasswordResetPolicies",
    "https://graph.microsoft.com.evil.example/v1.0/",
]


@pytest.mark.parametrize("url", URLS)
def test_the_prebuilt_telemetry_check_answers_as_msgraph_core_does(url: str) -> None:
    assert telemetry_handler()().is_graph_url(httpx.URL(url)) == GraphTelemetryHandler().is_graph_url(httpx.URL(url))


def test_the_pipeline_is_msgraph_core_s_with_the_retry_and_telemetry_handlers_swapped_and_read_retry_last() -> None:
    names = [type(handler).__name__ for handler in graph_middleware()]
    assert names == [
        "RedirectHandler",
        write_safe_retry_handler().__name__,
        "ParametersNameDecodingHandler",
        "UrlReplaceHandler",
        "UserAgentHandler",
        "HeadersInspectionHandler",
        "BodyInspectionHandler",
        telemetry_handler().__name__,
        read_retry_handler().__name__,
    ]
    assert issubclass(telemetry_handler(), GraphTelemetryHandler)

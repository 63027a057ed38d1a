"""The Graph request pipeline scorekeeper builds: msgraph-core's middleware, in its order, with four changes."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from kiota_http.middleware import REQUEST_OPTIONS_KEY, BodyInspectionHandler, HeadersInspectionHandler
from kiota_http.middleware.options import BodyInspectionHandlerOption, HeadersInspectionHandlerOption
from msgraph_core.middleware import GraphTelemetryHandler  # type: ignore[import-untyped]

from scorekeeper.graph.retry import (
    graph_middleware,
    inspection_handlers,
    read_retry_handler,
    telemetry_handler,
    write_safe_retry_handler,
)

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
        inspection_handlers()[0].__name__,
        inspection_handlers()[1].__name__,
        telemetry_handler().__name__,
        read_retry_handler().__name__,
    ]
    assert issubclass(telemetry_handler(), GraphTelemetryHandler)
    assert issubclass(inspection_handlers()[0], HeadersInspectionHandler)
    assert issubclass(inspection_handlers()[1], BodyInspectionHandler)


class _Answer(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"x-answer": "yes"}, content=b"{}", request=request)


def _through(handler: object, options: dict[str, object]) -> httpx.Response:
    request = httpx.Request("GET", "https://graph.microsoft.com/v1.0/organization", extensions={})
    request.extensions[REQUEST_OPTIONS_KEY] = options
    return asyncio.run(handler.send(request, _Answer()))  # type: ignore[attr-defined]


def test_a_request_that_passes_its_own_inspection_option_gets_the_headers_and_body_as_from_kiota() -> None:
    headers, body = inspection_handlers()
    wanted = HeadersInspectionHandlerOption(inspect_request_headers=False, inspect_response_headers=True)
    _through(headers(), {HeadersInspectionHandlerOption.get_key(): wanted})
    assert wanted.response_headers.get("x-answer") == {"yes"}
    read = BodyInspectionHandlerOption(inspect_response_body=True)

    async def body_seen() -> bytes | None:  # kiota keeps a captured body in the sending task's context
        request = httpx.Request("GET", "https://graph.microsoft.com/v1.0/organization", extensions={})
        request.extensions[REQUEST_OPTIONS_KEY] = {BodyInspectionHandlerOption.get_key(): read}
        await body().send(request, _Answer())
        return read.response_body

    assert asyncio.run(body_seen()) == b"{}"


def test_a_request_without_an_inspection_option_is_not_inspected() -> None:
    handler = inspection_handlers()[0]()
    _through(handler, {})
    assert not handler.options.response_headers and not handler.options.request_headers, "nothing copied"

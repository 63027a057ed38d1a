"""The webhook channel: POST each notification as JSON, in a generic, Slack or Teams shape.

A webhook URL is a secret (whoever has a Slack or Teams webhook URL can post to the channel), so
it is never written in the config file: it comes from an environment variable or a file::

    [notifications.webhook]
    url_env = "SCOREKEEPER_WEBHOOK_URL"     # or: url_file = "/run/secrets/scorekeeper-webhook"
    format = "teams"                        # json | slack | teams
    timeout = 10                            # seconds per attempt
    retries = 3                             # extra attempts on 408/425/429/5xx and network errors
    backoff = 1.0                           # seconds before the first retry, doubled each time
    min_severity = "info"                   # info | warning | error
    kinds = ["drift", "run_failed"]         # optional: only these events

    allow_private = false                   # true admits loopback/private/link-local receivers

Only ``https`` to public addresses is accepted unless ``allow_private = true`` (which also admits
plain ``http://`` to loopback); see :mod:`scorekeeper.channels.address`. Errors name the receiver by scheme and host
only, never by its full URL.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit  # receiver() shows only scheme and host

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scorekeeper.channels import at_least, check_kinds
from scorekeeper.channels.address import destination_problem
from scorekeeper.channels.formats import FORMATS
from scorekeeper.config.model import format_validation_error
from scorekeeper.errors import (
    WebhookError,  # defined in the one error tree
)
from scorekeeper.plugin.hookspecs import hookimpl
from scorekeeper.util.secretfile import read_secret_file

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.

#: Answers worth another attempt: the receiver is busy, throttling or briefly broken.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
#: The longest ``Retry-After`` honoured, in seconds; a longer one is capped (notifications are not worth hours).
MAX_RETRY_AFTER = 60.0




class WebhookConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url_env: str | None = None
    url_file: Path | None = None
    format: Literal["json", "slack", "teams"] = "json"
    timeout: float = Field(default=10.0, gt=0, le=300)
    retries: int = Field(default=3, ge=0, le=10)
    backoff: float = Field(default=1.0, ge=0, le=60)
    min_severity: Literal["info", "warning", "error"] = "info"
    kinds: list[str] | None = None
    allow_private: bool = False  # loopback, private and link-local receivers (see channels/address.py)

    _kinds = field_validator("kinds")(check_kinds)

    @model_validator(mode="before")
    @classmethod
    def _no_inline_url(cls, data: Any) -> Any:
        if isinstance(data, dict) and "url" in data:
            raise ValueError(
                "url must not be written in the config file (a webhook URL is a secret): use url_env or url_file"
            )
        return data

    @model_validator(mode="after")
    def _one_source(self) -> WebhookConfig:
        if (self.url_env is None) == (self.url_file is None):
            raise ValueError("give exactly one of url_env and url_file")
        return self

    def url(self) -> str:
        """Read the URL from its environment variable or file, and check it."""
        if self.url_env is not None:
            value = os.environ.get(self.url_env, "").strip()
            if not value:
                raise WebhookError(f"environment variable {self.url_env} (url_env) is not set")
        else:
            assert self.url_file is not None
            try:
                value = read_secret_file(self.url_file)
            except OSError as exc:
                raise WebhookError(f"cannot read url_file {self.url_file}: {exc.strerror or exc}") from None
            except ValueError as exc:
                raise WebhookError(f"url_file {exc}") from None
            if not value:
                raise WebhookError(f"url_file {self.url_file} is empty")
        problem = destination_problem(value, self.allow_private)
        if problem:
            raise WebhookError(problem)
        return value


def receiver(url: str) -> str:
    """The part of a URL that is safe to show: scheme and host (the path carries the secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def check_config(table: dict[str, Any], where: str = "") -> list[str]:
    """Problems with a ``[notifications.webhook]`` table (keys after ``where``), and a URL source yielding nothing."""
    try:
        WebhookConfig(**table).url()
    except ValidationError as exc:
        return format_validation_error(where, exc)
    except WebhookError as exc:
        return [f"{where + '.' if where else ''}url: {exc}"]
    return []


def _retry_after(value: str | None) -> float | None:
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


async def deliver(
    url: str,
    payload: dict[str, Any],
    settings: WebhookConfig,
    *,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    transport: Any = None,
) -> int:
    """POST ``payload`` with retries; return the number of attempts, or raise :class:`WebhookError`."""
    import httpx

    last = ""
    attempts = settings.retries + 1
    async with httpx.AsyncClient(timeout=settings.timeout, transport=transport, follow_redirects=False) as client:
        for attempt in range(1, attempts + 1):
            wait = settings.backoff * 2 ** (attempt - 1)
            try:
                response = await client.post(url, json=payload)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}"
            else:
                if response.is_success:
                    return attempt
                last = f"HTTP {response.status_code}"
                if response.status_code not in RETRY_STATUSES:
                    break
                wait = _retry_after(response.headers.get("retry-after")) or wait
            if attempt < attempts:
                await sleep(wait)
    raise WebhookError(f"POST to {receiver(url)} failed after {attempt} attempt(s): {last}")


@hookimpl
async def scorekeeper_notify(event: dict[str, Any], config: dict[str, Any]) -> None:
    if not config:
        return
    settings = WebhookConfig(**config)
    if not at_least(event.get("severity", "info"), settings.min_severity):
        return
    if settings.kinds is not None and event.get("kind") not in settings.kinds:
        return
    await deliver(settings.url(), FORMATS[settings.format](event), settings)

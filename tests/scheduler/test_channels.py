"""The built-in channels: webhook payloads, configuration, delivery and retries; the log channel."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from scorekeeper.channels import formats, webhook
from scorekeeper.channels import log as log_channel
from scorekeeper.channels.notify import Notifier, check_channels
from scorekeeper.plugin.manager import load_plugins
from tests.scheduler.conftest import CHANNELS
from tests.scheduler.receiver import Receiver

EVENT: dict[str, Any] = {
    "kind": "drift",
    "severity": "warning",
    "tenant": "contoso",
    "summary": "Drift in contoso: 1 setting stopped passing since run 4",
    "at": "2025-11-26T06:00:00+00:00",
    "schedule_id": 2,
    "run_id": 5,
    "items": [{"line": "SSPR/enabled: pass → fail (value 'all' → 'none', desired 'all')"}],
}


def settings(**values: Any) -> webhook.WebhookConfig:
    return webhook.WebhookConfig(**{"url_env": "SK_HOOK", "backoff": 0, "allow_private": True, **values})


# ----------------------------------------------------------------------------- payload shapes
def test_slack_payload_is_escaped_mrkdwn_text() -> None:
    event = dict(EVENT, summary="a <b> & c")
    payload = formats.slack_payload(event)
    assert list(payload) == ["text"]
    assert payload["text"].splitlines() == [
        ":warning: *a &lt;b&gt; &amp; c*",
        "• SSPR/enabled: pass → fail (value 'all' → 'none', desired 'all')",
    ]


def test_teams_payload_is_an_adaptive_card_message() -> None:
    payload = formats.teams_payload(EVENT)
    [attachment] = payload["attachments"]
    assert payload["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.2"
    title, facts, line = card["body"]
    assert title["text"] == EVENT["summary"] and title["color"] == "Warning"
    assert {f["title"]: f["value"] for f in facts["facts"]} == {
        "Tenant": "contoso",
        "Event": "drift",
        "At": "2025-11-26T06:00:00+00:00",
        "Run": "5",
    }
    assert line["text"] == EVENT["items"][0]["line"]


def test_long_item_lists_are_cut_in_chat_formats_but_not_in_json() -> None:
    event = dict(
        EVENT, items=[{"control": "C", "setting": f"s{i}", "status": "unknown", "reason": "403"} for i in range(25)]
    )
    text = formats.slack_payload(event)["text"]
    assert text.count("\n• ") == formats.MAX_ITEMS + 1 and text.endswith("… and 15 more")
    assert formats.json_payload(event)["items"] == event["items"]


def test_item_lines_for_every_kind_of_item() -> None:
    assert formats.item_line({"control": "C", "setting": "s", "before": 1, "after": 2, "outcome": "applied"}) == (
        "C/s: 1 → 2 (applied)"
    )
    assert formats.item_line(
        {"control": "C", "setting": "s", "expires": "2020-01-31", "reason": "legacy", "status": "fail"}
    ) == ("C/s: accepted until 2020-01-31 (legacy); now fail")
    assert formats.item_line(
        {"control": "C", "setting": "s", "status": "unknown", "reason": "403", "missing_permissions": ["P.Read"]}
    ) == ("C/s: unknown: missing permission P.Read")


# ----------------------------------------------------------------------------- configuration
@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"url": "https://hooks.example/x", "url_env": "X"}, "url must not be written in the config file"),
        ({}, "give exactly one of url_env and url_file"),
        ({"url_env": "A", "url_file": "/b"}, "give exactly one of url_env and url_file"),
        ({"url_env": "SK_HOOK", "format": "discord"}, "format: Input should be 'json', 'slack' or 'teams'"),
        ({"url_env": "SK_HOOK", "kinds": ["drift", "nope"]}, "unknown event kind(s) 'nope'"),
        ({"url_env": "SK_HOOK", "retries": 99}, "retries: Input should be less than or equal to 10"),
        ({"url_env": "SK_UNSET_HOOK"}, "url: environment variable SK_UNSET_HOOK (url_env) is not set"),
    ],
)
def test_bad_webhook_tables_are_refused_in_one_line(table: dict[str, Any], problem: str, monkeypatch) -> None:
    monkeypatch.setenv("SK_HOOK", "https://hooks.example/services/secret")
    monkeypatch.delenv("SK_UNSET_HOOK", raising=False)
    [found] = webhook.check_config(table, "notifications.webhook")
    assert found.startswith("notifications.webhook")
    assert problem in found and "\n" not in found


def test_url_file_and_plain_http_rules(tmp_path, monkeypatch) -> None:
    secret = tmp_path / "hook"
    secret.write_text("https://hooks.example/services/T0/B0/secret\n")
    assert webhook.WebhookConfig(url_file=secret).url() == "https://hooks.example/services/T0/B0/secret"
    assert webhook.check_config({"url_file": str(secret)}) == []
    monkeypatch.setenv("SK_HOOK", "http://hooks.example/services/secret")
    assert webhook.check_config({"url_env": "SK_HOOK"}) == [
        "url: the webhook URL must be https (plain http only to loopback, with allow_private = true)"
    ]
    assert webhook.check_config({"url_file": str(tmp_path / "missing")})[0].startswith("url: cannot read url_file")


def test_channel_tables_are_checked_against_installed_channels(monkeypatch) -> None:
    plugins = load_plugins(CHANNELS)
    monkeypatch.setenv("SK_HOOK", "https://hooks.example/x")
    assert check_channels(plugins, {"webhook": {"url_env": "SK_HOOK"}, "log": {"min_severity": "warning"}}) == []
    assert check_channels(plugins, {"pager": {"x": 1}, "log": {"level": "loud"}}) == [
        "notifications.pager: no notification channel named 'pager' (available: log, webhook)",
        "notifications.log.level: unknown key (check the spelling)",
    ]


# ----------------------------------------------------------------------------- delivery
async def test_delivery_retries_busy_receivers_then_succeeds() -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    with Receiver(statuses=[503, 500]) as server:
        attempts = await webhook.deliver(server.url, {"x": 1}, settings(backoff=0.5), sleep=record)
        assert server.next() == {"x": 1}
    assert attempts == 3
    assert waits == [0.5, 1.0]  # exponential backoff


async def test_retry_after_is_honoured_and_capped() -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    with Receiver(statuses=[429, 429], headers={"Retry-After": "7"}) as server:
        await webhook.deliver(server.url, {"x": 1}, settings(), sleep=record)
    with Receiver(statuses=[429], headers={"Retry-After": "86400"}) as server:
        await webhook.deliver(server.url, {"x": 1}, settings(), sleep=record)
    assert waits == [7.0, 7.0, webhook.MAX_RETRY_AFTER]


async def test_a_rejected_payload_is_not_retried_and_the_error_hides_the_url_path() -> None:
    with Receiver(statuses=[400, 400]) as server:
        with pytest.raises(webhook.WebhookError) as failed:
            await webhook.deliver(server.url, {"x": 1}, settings(retries=3))
        assert server.attempts == 1
    message = str(failed.value)
    assert message.startswith("POST to http://127.0.0.1:") and message.endswith("failed after 1 attempt(s): HTTP 400")
    assert "secret-token-path" not in message


async def test_an_unreachable_receiver_fails_after_every_retry() -> None:
    with Receiver() as server:
        url = server.url
    with pytest.raises(webhook.WebhookError, match=r"failed after 3 attempt\(s\): ConnectError"):
        await webhook.deliver(url, {"x": 1}, settings(retries=2, timeout=2))


async def test_hook_filters_by_kind_and_severity_and_sends_the_chosen_format(monkeypatch) -> None:
    with Receiver() as server:
        monkeypatch.setenv("SK_HOOK", server.url)
        plugins = load_plugins(CHANNELS)
        notifier = Notifier(
            plugins,
            {"webhook": {"url_env": "SK_HOOK", "format": "slack", "min_severity": "warning", "allow_private": True}},
        )
        await notifier(dict(EVENT, severity="info", summary="quiet"))
        await notifier(EVENT)
        assert server.next()["text"].startswith(":warning: *Drift in contoso")
        assert server.attempts == 1


async def test_a_failing_channel_is_logged_and_does_not_stop_the_others(monkeypatch, caplog) -> None:
    monkeypatch.delenv("SK_UNSET_HOOK", raising=False)
    plugins = load_plugins(CHANNELS)
    notifier = Notifier(plugins, {"webhook": {"url_env": "SK_UNSET_HOOK"}, "log": {"enabled": True}})
    with caplog.at_level(logging.INFO):
        await notifier(EVENT)
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("[drift] Drift in contoso") for m in messages)  # the log channel delivered
    assert any("plugin webhook: scorekeeper_notify raised WebhookError" in m and "SK_UNSET_HOOK" in m for m in messages)


# ----------------------------------------------------------------------------- log channel
def test_log_channel_text_json_and_filters(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="scorekeeper.notifications"):
        log_channel.scorekeeper_notify(event=EVENT, config={"format": "json"})
        log_channel.scorekeeper_notify(event=EVENT, config={"min_severity": "error"})
        log_channel.scorekeeper_notify(event=EVENT, config={"kinds": ["run_failed"]})
        log_channel.scorekeeper_notify(event=EVENT, config={})  # not configured: silent
        log_channel.scorekeeper_notify(event=EVENT, config={"enabled": True})
    first, second = caplog.records
    assert json.loads(first.getMessage()) == EVENT and first.levelno == logging.WARNING
    assert second.getMessage().splitlines() == [
        "[drift] Drift in contoso: 1 setting stopped passing since run 4",
        "    SSPR/enabled: pass → fail (value 'all' → 'none', desired 'all')",
    ]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://169.254.169.254/latest", "link-local"),
        ("https://127.0.0.1:8443/hook", "loopback"),
        ("https://10.1.2.3/hook", "private"),
        ("https://[fd00:ec2::254]/hook", "private"),
        ("https://metadata.google.internal/x", "metadata host"),
        ("https://localhost/x", "local or metadata host"),
        ("http://127.0.0.1:9/x", "must be https"),
    ],
)
def test_webhooks_to_non_public_addresses_need_allow_private(url: str, kind: str, monkeypatch) -> None:
    monkeypatch.setenv("SK_HOOK", url)
    [found] = webhook.check_config({"url_env": "SK_HOOK"}, "notifications.webhook")
    assert kind in found and "/latest" not in found and "/hook" not in found
    assert webhook.check_config({"url_env": "SK_HOOK", "allow_private": True}) == []

"""Turning a notification event into what each kind of webhook receiver accepts.

* ``json`` — the event itself, for any receiver that parses JSON (a SIEM, a ticketing bridge).
* ``slack`` — a Slack incoming-webhook message: ``{"text": ...}`` in Slack's mrkdwn.
* ``teams`` — a Microsoft Teams message carrying an Adaptive Card (``{"type": "message",
  "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", ...}]}``), the
  shape Teams' Workflows "post to a channel when a webhook request is received" accepts.

Long lists are cut to :data:`MAX_ITEMS` lines so a message stays readable in a chat window;
the ``json`` format always carries everything.
"""

from __future__ import annotations

from typing import Any

MAX_ITEMS = 10
_SLACK_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


def item_line(item: dict[str, Any]) -> str:
    """One human line for one item of an event, whatever its kind."""
    if item.get("line"):
        return str(item["line"])
    where = "/".join(str(x) for x in (item.get("control"), item.get("setting")) if x) or "run"
    if "outcome" in item:  # a change
        tail = f" — {item['error']}" if item.get("error") else ""
        return f"{where}: {item.get('before')!r} → {item.get('after')!r} ({item['outcome']}){tail}"
    if "expires" in item:  # an expired exception
        now = f"; now {item['status']}" if item.get("status") else ""
        return f"{where}: accepted until {item['expires']} ({item.get('reason', '')}){now}"
    missing = item.get("missing_permissions") or []
    cause = f"missing permission {', '.join(missing)}" if missing else item.get("reason", "")
    return f"{where}: {item.get('status', '')}: {cause}"


def _lines(event: dict[str, Any]) -> list[str]:
    items = event.get("items") or []
    lines = [item_line(i) for i in items[:MAX_ITEMS]]
    if len(items) > MAX_ITEMS:
        lines.append(f"… and {len(items) - MAX_ITEMS} more")
    return lines


def json_payload(event: dict[str, Any]) -> dict[str, Any]:
    return event


def _slack_escape(text: str) -> str:
    for raw, escaped in _SLACK_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def slack_payload(event: dict[str, Any]) -> dict[str, Any]:
    marker = {"error": ":red_circle:", "warning": ":warning:"}.get(event.get("severity", ""), ":information_source:")
    text = f"{marker} *{_slack_escape(event['summary'])}*"
    text += "".join(f"\n• {_slack_escape(line)}" for line in _lines(event))
    return {"text": text}


def teams_payload(event: dict[str, Any]) -> dict[str, Any]:
    colour = {"error": "Attention", "warning": "Warning"}.get(event.get("severity", ""), "Default")
    facts = [
        {"title": "Tenant", "value": str(event.get("tenant", ""))},
        {"title": "Event", "value": str(event.get("kind", ""))},
        {"title": "At", "value": str(event.get("at", ""))},
    ]
    if event.get("run_id") is not None:
        facts.append({"title": "Run", "value": str(event["run_id"])})
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": event["summary"], "weight": "Bolder", "wrap": True, "color": colour},
        {"type": "FactSet", "facts": facts},
    ]
    body += [{"type": "TextBlock", "text": line, "wrap": True, "spacing": "None"} for line in _lines(event)]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.2",
                    "body": body,
                },
            }
        ],
    }


FORMATS = {"json": json_payload, "slack": slack_payload, "teams": teams_payload}

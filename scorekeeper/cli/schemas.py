"""The ``--json`` contract: one JSON Schema per command, built here and published in ``docs/schemas/``.

Scripts and CI jobs read scorekeeper's machine output; a renamed key breaks them silently. So
every ``--json`` document is an object carrying ``schema_version`` (:data:`SCHEMA_VERSION`,
raised when a key is renamed or removed, not when one is added), runs are named by ``run_id``
everywhere, and every command that reports settings groups them the same way: a run's
``controls`` list, each control with its ``findings`` and ``changes`` (``plan`` lists each
control's ``items``). ``python -m scorekeeper.cli.schemas`` rewrites ``docs/schemas/``; a test fails
when the files are stale and validates every command's real output against its schema.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scorekeeper.securescore import schema as score_schema

#: Raised when a key of any ``--json`` document is renamed or removed (adding keys keeps it).
SCHEMA_VERSION = 1
STATUSES = ["pass", "fail", "manual", "unknown", "not_applicable", "error", "pending", "staged", "advice"]
RUN_KINDS = ["assess", "plan", "remediate", "verify", "rollback"]
RUN_STATUSES = ["running", "completed", "failed", "interrupted"]

_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC"}
_ANY: dict[str, Any] = {"description": "a JSON value as the tenant or plugin reported it"}


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": True,
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_STR = {"type": "string"}
_INT = {"type": "integer"}
_NUM = {"type": "number"}
_BOOL = {"type": "boolean"}
_STRS = {"type": "array", "items": _STR}

#: The plan a remediation carried out (or, with nothing to do, what it left to people): each control's items.
_PLANS = {
    "type": "array",
    "items": _obj({"control": _STR, "items": {"type": "array", "items": {"$ref": "#/$defs/plan_item"}}}),
    "description": "the confirmed plan, each item with its impact and stage (guided items included)",
}

DEFS: dict[str, Any] = {
    "impact": {
        **_nullable(
            _obj(
                {
                    "summary": _STR,
                    "harm": {"enum": ["none", "degrades", "locks_out"]},
                    "affected": {
                        "type": "array",
                        "items": _obj({"id": _STR, "name": _STR, "kind": _STR, "detail": _STR}),
                    },
                    "remedy": _STR,
                    "sources": _STRS,
                }
            )
        ),
        "description": "Whom the change affects, from the tenant's data (every affected principal, not only the "
        "first shown in text); harm locks_out keeps it out of an automated plan unless [remediation] accept_impact "
        "names the setting; null: the plugin declared none.",
    },
    "stage": {
        **_nullable(
            _obj(
                {
                    "stages": _STRS,
                    "current": _INT,
                    "name": _STR,
                    "next": _nullable(_STR),
                    "next_desired": _ANY,
                    "ready": _BOOL,
                    "needs": _STR,
                    "evidence": _STR,
                }
            )
        ),
        "description": "Where a staged rollout stands (status staged while not final); null: not staged.",
    },
    "finding": _obj(
        {
            "setting": _STR,
            "title": _STR,
            "status": {"enum": STATUSES},
            "current": _ANY,
            "desired": _ANY,
            "remediation": {"enum": ["automated", "guided", "none"]},
            "reason": _STR,
            "steps": _STRS,
            "missing_permissions": _STRS,
            "excepted": _STR,
            "impact": {"$ref": "#/$defs/impact"},
            "stage": {"$ref": "#/$defs/stage"},
            "level": {
                "enum": ["criterion", "baseline", "advice"],
                "description": "assess --json: what kind of requirement the setting is (docs/configuration.md "
                "[remediation] requirements); absent where the control is not installed.",
            },
            "baselines": {
                **_STRS,
                "description": "assess --json: the baseline references that cite the setting "
                '("CISA MS.AAD.3.4v1", "CIS M365 5.2.3.7"); a requirements entry selects them by prefix.',
            },
        },
        ["setting", "title", "status", "current", "desired", "remediation", "reason", "steps"],
    ),
    "change": _obj(
        {
            "id": _nullable(_INT),
            "setting": _STR,
            "before": _ANY,
            "after": _ANY,
            "outcome": {"enum": ["applied", "failed", "skipped"]},
            "resource": {"type": "object"},
            "created": _BOOL,
            "error": _STR,
            "rolled_back_by": _nullable(_INT),
        },
        ["id", "setting", "before", "after", "outcome"],
    ),
    "control_result": _obj(
        {
            "control": _STR,
            "title": _STR,
            "score": _nullable(_NUM),
            "max_score": _nullable(_NUM),
            "error": _STR,
            "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
            "changes": {"type": "array", "items": {"$ref": "#/$defs/change"}},
        }
    ),
    "actor": _nullable(_obj({"os_user": _STR, "host": _STR, "identity": _STR})),
    "run": _obj(
        {
            "run_id": _INT,
            "tenant": _STR,
            "kind": {"enum": RUN_KINDS},
            "status": {"enum": RUN_STATUSES},
            "started_at": _TIME,
            "finished_at": _TIME,
            "actor": {"$ref": "#/$defs/actor"},
            "versions": {"$ref": "#/$defs/versions"},
            "organization": {"$ref": "#/$defs/organization"},
            "controls": {"type": "array", "items": {"$ref": "#/$defs/control_result"}},
        }
    ),
    "versions": {
        **_nullable({"type": "object", "required": ["scorekeeper"], "additionalProperties": _STR}),
        "description": "The code the run used: scorekeeper and each plugin distribution -> its version, "
        "as `scorekeeper plugins --json` names them; null: not recorded (runs before history migration 0007).",
    },
    "organization": {
        **_nullable(
            _obj({"display_name": _nullable(_STR), "primary_domain": _nullable(_STR), "unread": _nullable(_STR)})
        ),
        "description": "The tenant's names as this run read them (GET /organization: displayName, the isDefault "
        "verified domain), or in `unread` why it could not; null: the run read none (only assessments read "
        "them; runs before history migration 0008).",
    },
    "plan_item": _obj(
        {
            "setting": _STR,
            "title": _STR,
            "current": _ANY,
            "desired": _ANY,
            "kind": {"enum": ["automated", "guided", "none"]},
            "api": _STR,
            "steps": _STRS,
            "undo_of": _nullable(_INT),
            "impact": {"$ref": "#/$defs/impact"},
            "stage": {"type": "string", "description": "the stage this item moves the setting to; empty: not staged"},
        },
        ["setting", "current", "desired", "kind", "api", "steps"],
    ),
    "plan": _obj(
        {
            "run_id": _INT,
            "tenant": _STR,
            "kind": {"const": "plan"},
            "versions": {"$ref": "#/$defs/versions"},
            "organization": {"$ref": "#/$defs/organization"},
            "controls": {
                "type": "array",
                "items": _obj({"control": _STR, "items": {"type": "array", "items": {"$ref": "#/$defs/plan_item"}}}),
            },
        }
    ),
    "remediation": {
        "allOf": [
            {"$ref": "#/$defs/run"},
            _obj({"plan_run_id": _nullable(_INT), "plans": _PLANS}, ["plan_run_id"]),
        ],
        "description": "A remediate run; run_id is null and controls empty when nothing automated was left to do.",
    },
    "nothing_to_remediate": _obj(
        {
            "run_id": {"type": "null"},
            "plan_run_id": _INT,
            "tenant": _STR,
            "kind": {"const": "remediate"},
            "status": {"const": "nothing_to_do"},
            "controls": {"type": "array", "maxItems": 0},
            "plans": _PLANS,
        },
        ["run_id", "plan_run_id", "tenant", "kind", "status", "controls"],
    ),
    "refusal": _obj(
        {
            "control": _STR,
            "setting": _STR,
            "stage": _STR,
            "reason": {
                "type": "string",
                "description": "what is missing: not allowed by [remediation] promote, or what the next stage needs",
            },
        }
    ),
    "promotion": {
        "allOf": [
            {"oneOf": [{"$ref": "#/$defs/remediation"}, {"$ref": "#/$defs/nothing_to_remediate"}]},
            _obj({"refused": {"type": "array", "items": {"$ref": "#/$defs/refusal"}}}),
        ],
        "description": "A promotion is a remediate run of staged settings moving to their next stage, with the "
        "staged settings left where they are and why.",
    },
    "run_summary": _obj(
        {
            "run_id": _INT,
            "tenant": _STR,
            "kind": {"enum": RUN_KINDS},
            "status": {"enum": RUN_STATUSES},
            "scheduled": _BOOL,
            "started_at": _TIME,
            "finished_at": _nullable(_TIME),
            "counts": {"type": "object", "additionalProperties": _INT},
            "parent_run_id": _nullable(_INT),
            "controls": _STRS,
            "actor": {"$ref": "#/$defs/actor"},
            "drift": _INT,
        }
    ),
    "drift_event": _obj(
        {
            "id": _nullable(_INT),
            "tenant": _STR,
            "control": _STR,
            "setting": _nullable(_STR),
            "kind": {"enum": ["setting_regressed", "score_dropped"]},
            "previous_run_id": _nullable(_INT),
            "run_id": _INT,
        }
    ),
}


def _versioned(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` (an object schema or an allOf) with the required ``schema_version`` beside it."""
    version = _obj({"schema_version": {"const": SCHEMA_VERSION}})
    return {"allOf": [version, body]}


def _one_or_many(ref: str) -> dict[str, Any]:
    """One run (the object itself) for one tenant, ``{"runs": [...]}`` for several."""
    return {
        "oneOf": [
            {"$ref": ref},
            _obj({"runs": {"type": "array", "items": {"$ref": ref}}}),
        ]
    }


COMMANDS: dict[str, dict[str, Any]] = {
    "assess": _one_or_many("#/$defs/run"),
    "plan": _one_or_many("#/$defs/plan"),
    "remediate": {
        "oneOf": [
            {"$ref": "#/$defs/remediation"},
            {"$ref": "#/$defs/nothing_to_remediate"},
            _obj({"runs": {"type": "array"}}),
        ]
    },
    "promote": {"oneOf": [{"$ref": "#/$defs/promotion"}, _obj({"runs": {"type": "array"}})]},
    "verify": _one_or_many("#/$defs/run"),
    "rollback": {"$ref": "#/$defs/run"},
    "history": _obj({"runs": {"type": "array", "items": {"$ref": "#/$defs/run_summary"}}}),
    "history-run": {
        "allOf": [
            {"$ref": "#/$defs/run"},
            _obj(
                {
                    "drift": {"type": "array", "items": {"$ref": "#/$defs/drift_event"}},
                    "planned_from": {
                        **_nullable(_INT),
                        "description": "the run this one's changes were planned from (impact is recorded there)",
                    },
                    "impacts": {
                        "type": "array",
                        "items": _obj(
                            {
                                "control": _STR,
                                "setting": _STR,
                                "stage": _nullable(_STR),
                                "impact": {"$ref": "#/$defs/impact"},
                                "accepted": {
                                    "type": "boolean",
                                    "description": "it locked people out and [remediation] accept_impact allowed it",
                                },
                            }
                        ),
                    },
                },
                ["drift"],
            ),
        ]
    },
    "controls": _obj(
        {
            "controls": {
                "type": "array",
                "items": _obj(
                    {
                        "control": _STR,
                        "title": _STR,
                        "plugin": _STR,
                        "settings": {"type": "array", "items": _obj({"id": _STR, "title": _STR, "remediation": _STR})},
                    }
                ),
            }
        }
    ),
    "plugins": _obj({"plugins": {"type": "array"}, "problems": {"type": "array"}}),
    "permissions": _obj({"controls": {"type": "array"}, "all": {"type": "object"}}),
    "drift": _obj({"events": {"type": "array", "items": {"$ref": "#/$defs/drift_event"}}}),
    "schedule-list": _obj(
        {
            "schedules": {
                "type": "array",
                "items": _obj(
                    {
                        "id": _INT,
                        "tenant": _STR,
                        "control": _nullable(_STR),
                        "next_run_at": _nullable(_TIME),
                        "timezone": _STR,
                    }
                ),
            }
        }
    ),
    "score": score_schema.SCORE,
}
DEFS.update(score_schema.DEFS)


def schema(command: str) -> dict[str, Any]:
    """The JSON Schema (2020-12) of ``scorekeeper <command> --json``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://scorekeeper.invalid/schemas/{command}.json",
        "title": f"scorekeeper {command.replace('-', ' ')} --json (schema_version {SCHEMA_VERSION})",
        **_versioned(COMMANDS[command]),
        "$defs": DEFS,
    }


def versioned(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``schema_version`` first: what every ``--json`` output is."""
    return {"schema_version": SCHEMA_VERSION, **data}


def write_all(folder: Path) -> list[Path]:
    """Write one ``<command>.json`` per command into ``folder``; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for command in COMMANDS:
        path = folder / f"{command}.json"
        path.write_text(json.dumps(schema(command), indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # python -m scorekeeper.cli.schemas [FOLDER]
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "docs" / "schemas"
    for written_path in write_all(target):
        print(written_path)

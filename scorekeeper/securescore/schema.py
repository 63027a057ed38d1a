# ruff: noqa: E501  (descriptions kept whole)
"""The ``score --json`` document's schema, in the shape :mod:`scorekeeper.cli.schemas` publishes.

``scorekeeper.cli.schemas`` adds :data:`DEFS` to its shared definitions and :data:`SCORE` as the
``score`` command's body, so ``python -m scorekeeper.cli.schemas`` writes ``docs/schemas/score.json``
and its tests validate the real output. One tenant gives an overview, several a fleet.
"""

from __future__ import annotations

from typing import Any

# fmt: off
DEFS: dict[str, Any] = {'score_number_or_null': {'type': ['number', 'null']},
 'score_overview': {'type': 'object',
                    'additionalProperties': False,
                    'required': ['schema_version',
                                 'tenant',
                                 'tenant_id',
                                 'scored_at',
                                 'current_score',
                                 'max_score',
                                 'available',
                                 'comparisons',
                                 'controls',
                                 'trend'],
                    'properties': {'schema_version': {'$ref': '#/$defs/score_schema_version'},
                                   'tenant': {'type': 'string', 'description': "The tenant's name in the config."},
                                   'tenant_id': {'type': 'string',
                                                 'description': 'Directory (tenant) id; empty when history alone '
                                                                'does not hold it.'},
                                   'scored_at': {'type': ['string', 'null'],
                                                 'format': 'date-time',
                                                 'description': 'createdDateTime of the secureScore entry shown.'},
                                   'current_score': {'$ref': '#/$defs/score_number_or_null'},
                                   'max_score': {'$ref': '#/$defs/score_number_or_null'},
                                   'available': {'type': 'number',
                                                 'description': 'Points still available over the controls listed '
                                                                '(after filters).'},
                                   'comparisons': {'type': 'array',
                                                   'description': "Microsoft's averageComparativeScores.",
                                                   'items': {'type': 'object',
                                                             'additionalProperties': False,
                                                             'required': ['basis', 'average_score'],
                                                             'properties': {'basis': {'type': 'string'},
                                                                            'average_score': {'$ref': '#/$defs/score_number_or_null'}}}},
                                   'controls': {'type': 'array',
                                                'items': {'$ref': '#/$defs/score_control'},
                                                'description': 'Sorted by points available, most first.'},
                                   'trend': {'type': 'array',
                                             'items': {'$ref': '#/$defs/score_point'},
                                             'description': 'One point per day, oldest first.'},
                                   'coverage': {'$ref': '#/$defs/score_coverage'}}},
 'score_control': {'type': 'object',
                   'additionalProperties': False,
                   'required': ['id',
                                'title',
                                'category',
                                'service',
                                'score',
                                'max_score',
                                'available',
                                'implementation_status',
                                'action_url',
                                'action_type',
                                'state',
                                'covered_by',
                                'rank',
                                'tier',
                                'user_impact',
                                'implementation_cost',
                                'deprecated'],
                   'properties': {'id': {'type': 'string',
                                         'description': "The control profile's id (controlName in controlScores)."},
                                  'title': {'type': 'string'},
                                  'category': {'type': 'string',
                                               'description': 'controlCategory: Identity, Data, Device, Apps, '
                                                              'Infrastructure.'},
                                  'service': {'type': 'string'},
                                  'score': {'$ref': '#/$defs/score_number_or_null'},
                                  'max_score': {'$ref': '#/$defs/score_number_or_null'},
                                  'available': {'$ref': '#/$defs/score_number_or_null'},
                                  'implementation_status': {'type': 'string'},
                                  'action_url': {'type': 'string'},
                                  'action_type': {'type': 'string'},
                                  'state': {'type': 'object',
                                            'additionalProperties': False,
                                            'required': ['state',
                                                         'comment',
                                                         'assigned_to',
                                                         'updated_by',
                                                         'updated_at'],
                                            'description': 'The newest controlStateUpdates entry.',
                                            'properties': {'state': {'type': 'string',
                                                                     'description': 'Default, Ignored, ThirdParty or '
                                                                                    'Reviewed, as Microsoft returns '
                                                                                    'it.'},
                                                           'comment': {'type': 'string'},
                                                           'assigned_to': {'type': 'string'},
                                                           'updated_by': {'type': 'string'},
                                                           'updated_at': {'type': ['string', 'null'],
                                                                          'format': 'date-time'}}},
                                  'covered_by': {'type': ['string', 'null'],
                                                 'description': 'The installed scorekeeper plugin that covers this '
                                                                'control.'},
                                  'rank': {'type': ['integer', 'null']},
                                  'tier': {'type': 'string'},
                                  'user_impact': {'type': 'string'},
                                  'implementation_cost': {'type': 'string'},
                                  'deprecated': {'type': 'boolean'}}},
 'score_point': {'type': 'object',
                 'additionalProperties': False,
                 'required': ['day', 'score', 'max_score', 'source'],
                 'properties': {'day': {'type': 'string', 'format': 'date'},
                                'score': {'$ref': '#/$defs/score_number_or_null'},
                                'max_score': {'$ref': '#/$defs/score_number_or_null'},
                                'source': {'enum': ['assessment', 'read', 'imported'],
                                           'description': "imported: Microsoft's own history, imported on the "
                                                          "tenant's first run."}}},
 'score_fleet': {'type': 'object',
                 'additionalProperties': False,
                 'required': ['schema_version', 'tenants', 'fleet'],
                 'properties': {'schema_version': {'$ref': '#/$defs/score_schema_version'},
                                'tenants': {'type': 'array', 'items': {'$ref': '#/$defs/score_overview'}},
                                'fleet': {'type': 'array',
                                          'description': 'One row per control, sorted by total_available, most '
                                                         'first.',
                                          'items': {'type': 'object',
                                                    'additionalProperties': False,
                                                    'required': ['control',
                                                                 'title',
                                                                 'covered_by',
                                                                 'available',
                                                                 'total_available'],
                                                    'properties': {'control': {'type': 'string'},
                                                                   'title': {'type': 'string'},
                                                                   'covered_by': {'type': ['string', 'null']},
                                                                   'available': {'type': 'object',
                                                                                 'additionalProperties': {'type': 'number'},
                                                                                 'description': 'Tenant name → '
                                                                                                'points available.'},
                                                                   'total_available': {'type': 'number'}}}}}},
 'score_schema_version': {'const': 1, 'description': 'scorekeeper.cli.schemas.SCHEMA_VERSION'}}

_TOTALS: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["points", "covered", "automated"],
    "properties": {
        "points": {"type": "number", "description": "maxScore summed over the controls the tenant is scored on."},
        "covered": {"type": "number", "description": "Of those, the points of controls an installed plugin covers."},
        "automated": {
            "type": "number",
            "description": "Of those, the points of controls whose remediation is automated: scorekeeper writes every change that earns them.",
        },
        "not_applicable": {
            "type": "number",
            "description": "Of the covered points, those of controls whose settings do not apply in the tenant (usually a licence it lacks): not counted as automated.",
        },
    },
}
DEFS["score_coverage_totals"] = _TOTALS
DEFS["score_coverage"] = {
    "type": "object",
    "additionalProperties": False,
    "description": "score --json with one tenant: which plugin covers each control and how it is remediated (scorekeeper.domain.coverage; docs/securescore.md).",
    "required": ["totals", "categories", "controls"],
    "properties": {
        "totals": {"$ref": "#/$defs/score_coverage_totals"},
        "categories": {
            "type": "object",
            "additionalProperties": {"$ref": "#/$defs/score_coverage_totals"},
            "description": "controlCategory → totals.",
        },
        "controls": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "category", "plugin", "distribution", "remediation", "points"],
                "properties": {
                    "id": {"type": "string"},
                    "category": {"type": "string"},
                    "plugin": {"type": ["string", "null"], "description": "The plugin's entry-point name."},
                    "distribution": {"type": ["string", "null"], "description": "The plugin's distribution."},
                    "remediation": {"enum": ["automated", "guided", "assess-only", "not-applicable", None]},
                    "points": {"type": "number", "description": "maxScore when the tenant is scored on it, else 0."},
                },
            },
        },
    },
}

DEFS["score_set_state"] = {
    "type": "object",
    "description": "score set-state --json: one remediate run per tenant, with its changes and their read-back.",
    "required": ["schema_version", "runs"],
    "properties": {
        "schema_version": {"$ref": "#/$defs/score_schema_version"},
        "runs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["run_id", "tenant", "status", "changes", "verification"],
                "properties": {
                    "run_id": {"type": "integer"},
                    "tenant": {"type": "string"},
                    "status": {"type": "string"},
                    "changes": {"type": "array", "items": {"$ref": "#/$defs/change"}},
                    "verification": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
                },
            },
        },
    },
}

SCORE: dict[str, Any] = {'description': "One tenant's whole Secure Score (an overview), or with several tenants (--group, --all-tenants, "
                '--tenant repeated) the fleet: every overview and the control × tenant grid of points available. '
                'Numbers are what Microsoft reported (secureScores, secureScoreControlProfiles); null where '
                'Microsoft sent nothing. `available` is max_score − score, null for a control the tenant is not '
                'scored on.',
 'oneOf': [{'$ref': '#/$defs/score_overview'}, {'$ref': '#/$defs/score_fleet'},
           {'$ref': '#/$defs/score_set_state'}]}
# fmt: on

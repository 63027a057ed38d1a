"""Shared read plumbing for plugins: the read result, batch items, paging and the Secure Score.

Every plugin reads the same way — one Graph ``$batch``, each item turned into a :class:`Read`,
long lists followed through ``@odata.nextLink``, and the control's Secure Score taken from
``/security/secureScores`` and ``/security/secureScoreControlProfiles/{control}`` — so it is
written once here, and a fix reaches every plugin.

This is the public face plugins import (the names stay stable across releases); the
implementation lives in :mod:`scorekeeper.plugin.reads`, which is internal and may move.
"""

from scorekeeper.plugin.reads import (
    PROFILE,
    SCORES,
    Read,
    ScoreReading,
    all_pages,
    get_request,
    read_batch,
    remembered_request,
    remembered_request_for_id,
    secure_score,
    secure_score_finding,
    secure_score_requests,
    secure_score_setting,
    sign_ins_request,
)

__all__ = [
    "PROFILE",
    "SCORES",
    "Read",
    "ScoreReading",
    "all_pages",
    "get_request",
    "read_batch",
    "remembered_request",
    "remembered_request_for_id",
    "secure_score",
    "secure_score_finding",
    "secure_score_requests",
    "secure_score_setting",
    "sign_ins_request",
]

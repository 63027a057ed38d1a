"""Shared read plumbing for plugins: the read result, batch items, paging and the Secure Score.

The implementation of the public :mod:`scorekeeper.reads` (whose docstring is the full story).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scorekeeper.domain.model import Finding, RemediationKind, SecureScore, Setting, Status

if TYPE_CHECKING:
    from kiota_abstractions.request_information import RequestInformation

    from scorekeeper.graph.batch import BatchItem
    from scorekeeper.graph.errors import GraphCallError
    from scorekeeper.plugin.context import TenantContext

#: The batch keys :func:`secure_score_requests` uses and :func:`secure_score` reads.
SCORES, PROFILE = "secure_scores", "score_profile"
#: How far back :func:`sign_ins_request` reads (Entra keeps sign-in logs 30 days with P1/P2).
SIGN_IN_DAYS = 30
#: The newest sign-ins :func:`sign_ins_request` reads (one page; Graph's largest ``$top`` for signIns is 1000).
SIGN_IN_TOP = 999
#: Graph sends the report-only results (``reportOnlyFailure``…) of appliedConditionalAccessPolicy
#: only to a caller that asks for the evolvable enum's newer members (``unknownFutureValue`` otherwise).
PREFER_UNKNOWN_ENUMS = "include-unknown-enum-members"


@dataclass(frozen=True)
class Read:
    """One read's JSON body, or the HTTP status and message explaining why there is none.

    ``status`` is 0 when no HTTP answer arrived. ``denied`` means Graph refused the permission
    (401/403): report the setting ``unknown`` with the permission, never ``fail``.
    """

    value: Any = None
    status: int = 200
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def denied(self) -> bool:
        return self.status in (401, 403)

    @property
    def items(self) -> list[Any]:
        """The ``value`` list of a collection read (empty when the read failed or is not a list)."""
        if not self.ok or not isinstance(self.value, dict):
            return []
        return list(self.value.get("value") or [])

    @classmethod
    def of(cls, item: BatchItem) -> Read:
        """The read result of one ``$batch`` answer."""
        if item.ok:
            return cls(item.body)
        return cls(None, item.status, f"HTTP {item.status} {item.error_code or 'error'}: {item.error_message}".strip())

    @classmethod
    def failed(cls, error: GraphCallError) -> Read:
        """A read that raised (the request itself, or a whole batch)."""
        return cls(None, error.status, str(error))


async def all_pages(tenant: TenantContext, read: Read) -> Read:
    """``read`` with every page after it: follows ``@odata.nextLink`` so a long list is read whole.

    A page that fails fails the whole read: a list with a hole in it would be taken for the
    tenant's real state.
    """
    from scorekeeper.graph.errors import GraphCallError

    if not read.ok or not isinstance(read.value, dict):
        return read
    values = list(read.value.get("value") or [])
    link = read.value.get("@odata.nextLink")
    while link:
        url = urlsplit(str(link))
        version, _, rest = url.path.lstrip("/").partition("/")
        try:
            page = await tenant.graph_request("GET", rest + (f"?{url.query}" if url.query else ""), version=version)
        except GraphCallError as exc:
            return Read.failed(exc)
        values += (page or {}).get("value") or []
        link = (page or {}).get("@odata.nextLink")
    return Read({"value": values})


async def read_batch(
    tenant: TenantContext, requests: dict[str, RequestInformation], *, paged: tuple[str, ...] = ()
) -> dict[str, Read]:
    """Send ``requests`` as one ``$batch`` (or as few as Graph allows); follow the pages of ``paged``.

    A batch that could not be sent at all gives every key the same failed :class:`Read`.
    """
    import asyncio

    from scorekeeper.graph.errors import GraphCallError

    try:
        items = await tenant.batch(requests)
    except GraphCallError as exc:
        return {key: Read.failed(exc) for key in requests}
    reads = {key: Read.of(item) for key, item in items.items()}
    keys = []
    for key in paged:  # a list Graph sent whole is what all_pages would give, without a task of its own
        read = reads.get(key)
        if read is None or not read.ok or not isinstance(read.value, dict):
            continue
        if read.value.get("@odata.nextLink"):
            keys.append(key)
        else:
            reads[key] = Read({"value": list(read.value.get("value") or [])})
    if keys:
        pages = await asyncio.gather(*(all_pages(tenant, reads[key]) for key in keys))
        for key, whole in zip(keys, pages, strict=True):
            reads[key] = whole
    return reads


def get_request(
    tenant: TenantContext, path: str, *, version: str = "v1.0", headers: dict[str, str] | None = None
) -> RequestInformation:
    """A GET of ``path`` (relative to the API version's root, query included) for :func:`read_batch`.

    For what the fluent builders do not reach (``/beta`` rows): sent this way, the read rides in
    the tenant's shared ``$batch`` (a beta batch beside the v1.0 one, at the same moment) instead
    of costing an HTTP request of its own.
    """
    from kiota_abstractions.method import Method
    from kiota_abstractions.request_information import RequestInformation

    from scorekeeper.graph.client import graph_root

    info = RequestInformation()
    info.http_method = Method.GET
    info.url = f"{graph_root(tenant.graph)}/{version}/{path.lstrip('/')}"
    for name, value in (headers or {}).items():
        info.headers.try_add(name, value)
    return info


def sign_ins_request(tenant: TenantContext) -> RequestInformation:
    """The newest sign-ins of the last :data:`SIGN_IN_DAYS` days with their report-only results.

    One request for every control that reads sign-ins: built identically (the window starts at a
    day's midnight), so the engine's shared reads send it once per tenant and a control asking
    for it later in the same assessment gets the answer without a second round trip.
    """
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.audit_logs.sign_ins.sign_ins_request_builder import SignInsRequestBuilder

    start = datetime.now(UTC).date() - timedelta(days=SIGN_IN_DAYS)
    query = SignInsRequestBuilder.SignInsRequestBuilderGetQueryParameters(
        top=SIGN_IN_TOP, filter=f"createdDateTime ge {start.isoformat()}T00:00:00Z"
    )
    info = tenant.graph.audit_logs.sign_ins.to_get_request_information(RequestConfiguration(query_parameters=query))
    info.headers.try_add("Prefer", PREFER_UNKNOWN_ENUMS)
    return info


#: (API version, path relative to the version's root, headers) of a remembered GET, by the caller's key.
RequestForm = tuple[str, str, tuple[tuple[str, str], ...]]
_FORMS: dict[Hashable, RequestForm] = {}
#: A bound on the forms remembered (a guard: callers' keys are a fixed set).
_MAX_FORMS = 1024
#: Stands for an object id in a remembered form: a GUID needs no escaping in a URL, so the form with
#: the real id is this text replaced.
_ID = "00000000-0000-0000-0000-00000000f0f0"
#: An object id as Graph writes it (hex digits and hyphens only: nothing a URL template escapes).
_OBJECT_ID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def remembered_request(
    tenant: TenantContext, key: Hashable, build: Callable[[], RequestInformation]
) -> RequestInformation:
    """A new GET of the form ``build()`` gives, walking the SDK's builder only the first time for ``key``.

    The msgraph-sdk's fluent builders are the source of truth for a v1.0 URL, but walking them (a
    builder per path segment, a query-parameter dataclass, a URI template expanded) costs more CPU
    than the rest of a read's way into the ``$batch``, and a fleet builds the same requests for
    every tenant: the tenant is in the token, never in the URL. So the request's form (API version,
    URL relative to its root, headers — ``%24select`` and ``Accept`` as the builder wrote them, so
    the engine's shared reads still see one read where another control uses the builder) is
    remembered per process, and every call gets a new ``RequestInformation`` of that form on the
    tenant's own service root (a national cloud's tenant reads its own endpoint).

    ``key`` names everything the request depends on except the tenant, unique in the process:
    start it with your module's ``__name__``. Only a GET without a body has a form.
    """
    version, path, headers = _remember(tenant, key, build)
    return get_request(tenant, path, version=version, headers=dict(headers))


def remembered_request_for_id(
    tenant: TenantContext, key: Hashable, object_id: str, build: Callable[[str], RequestInformation]
) -> RequestInformation:
    """Like :func:`remembered_request` for a read about one object (``build(object_id)``): one form for every id.

    A value that is not an object id in Graph's own spelling goes through the builder every time
    (it may need escaping).
    """
    if not _OBJECT_ID.fullmatch(object_id):
        return build(object_id)
    version, path, headers = _remember(tenant, key, lambda: build(_ID))
    return get_request(tenant, path.replace(_ID, object_id), version=version, headers=dict(headers))


def secure_score_requests(tenant: TenantContext, control_id: str) -> dict[str, RequestInformation]:
    """The two reads behind a control's Secure Score, to put in the plugin's own batch."""
    return {
        SCORES: remembered_request(tenant, (__name__, SCORES), lambda: _latest_score_request(tenant)),
        PROFILE: remembered_request(
            tenant, (__name__, PROFILE, control_id), lambda: _profile_request(tenant, control_id)
        ),
    }


def _remember(tenant: TenantContext, key: Hashable, build: Callable[[], RequestInformation]) -> RequestForm:
    form = _FORMS.get(key)
    if form is None:
        form = _form(tenant, build())
        if len(_FORMS) >= _MAX_FORMS:
            _FORMS.clear()
        _FORMS[key] = form
    return form


def _form(tenant: TenantContext, info: RequestInformation) -> RequestForm:
    """(API version, URL relative to its root, headers) of a builder's GET on the tenant's client."""
    from kiota_abstractions.method import Method

    if info.http_method is not Method.GET or info.content:
        raise ValueError("only a GET without a body has a form to remember")
    base = str(tenant.graph.request_adapter.base_url).rstrip("/")
    info.path_parameters.setdefault("baseurl", base)  # what the adapter fills in when it sends
    url, root = str(info.url), base.rsplit("/", 1)[0]
    if not url.startswith(root + "/"):
        raise ValueError(f"request {url} is not under the client's root {root}")
    version, _, path = url[len(root) + 1 :].partition("/")
    return version, path, tuple(sorted((info.request_headers or {}).items()))


def _latest_score_request(tenant: TenantContext) -> RequestInformation:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.security.secure_scores.secure_scores_request_builder import SecureScoresRequestBuilder

    latest = SecureScoresRequestBuilder.SecureScoresRequestBuilderGetQueryParameters(top=1)
    return tenant.graph.security.secure_scores.to_get_request_information(RequestConfiguration(query_parameters=latest))


def _profile_request(tenant: TenantContext, control_id: str) -> RequestInformation:
    profiles = tenant.graph.security.secure_score_control_profiles
    return profiles.by_secure_score_control_profile_id(control_id).to_get_request_information()


@dataclass(frozen=True)
class ScoreReading:
    """What the tenant says about one control's Secure Score; ``why`` explains a missing part."""

    entry: dict[str, Any] | None
    max_score: float | None
    snapshot: SecureScore | None
    why: str = ""
    read: Read | None = None  # the failed read, when one failed


def _taken_at(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None  # the engine stamps the time it stores the snapshot
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def secure_score(reads: dict[str, Read], control_id: str) -> ScoreReading:
    """Parse the control's entry in the latest ``secureScore`` and its profile's ``maxScore``."""
    scores, profile = reads.get(SCORES, Read(None, 0, "not read")), reads.get(PROFILE, Read(None, 0, "not read"))
    if not scores.ok:
        return ScoreReading(None, None, None, scores.error, scores)
    latest = next(iter(scores.items), None)
    found = next((c for c in (latest or {}).get("controlScores") or [] if c.get("controlName") == control_id), None)
    entry = None
    if found is not None:
        entry = {
            "score": found.get("score"),
            "scoreInPercentage": found.get("scoreInPercentage"),
            "implementationStatus": found.get("implementationStatus"),
            "count": found.get("count"),  # additional data in the SDK model; a string in Graph's JSON
            "total": found.get("total"),
            "createdDateTime": (latest or {}).get("createdDateTime"),
        }
    raw_max = profile.value.get("maxScore") if profile.ok and isinstance(profile.value, dict) else None
    max_score = float(raw_max) if isinstance(raw_max, int | float) else None
    score = entry.get("score") if entry else None
    snapshot = None
    if entry is not None:
        snapshot = SecureScore(
            control=control_id,
            score=float(score) if isinstance(score, int | float) else None,
            max_score=max_score,
            taken_at=_taken_at(entry.get("createdDateTime")),
        )
    why = ""
    if entry is None:
        why = "the tenant's Secure Score has no entry for this control yet"
    elif max_score is None:
        why = f"the control profile could not be read ({profile.error or 'no maxScore'})"
    return ScoreReading(entry, max_score, snapshot, why, None if profile.ok else profile)


def secure_score_finding(reading: ScoreReading, control_id: str, *, setting: str = "secure_score") -> Finding:
    """The informational finding for the control's score: pass at full marks, fail below, else unknown."""
    base: dict[str, Any] = {"control": control_id, "setting": setting, "remediation": RemediationKind.NONE}
    if reading.read is not None and reading.entry is None:
        missing = ("SecurityEvents.Read.All",) if reading.read.denied else ()
        return Finding(
            **base,
            status=Status.UNKNOWN,
            reason=f"could not be read ({reading.read.error}).",
            missing_permissions=missing,
        )
    entry = reading.entry or {}
    score = entry.get("score")
    if reading.entry is None or reading.max_score is None or not isinstance(score, int | float):
        return Finding(
            **base,
            status=Status.UNKNOWN,
            current=reading.entry,
            desired=reading.max_score,
            reason=f"{reading.why or 'no score in the answer'}.",
        )
    status = Status.PASS if float(score) >= reading.max_score else Status.FAIL
    reason = f"{float(score):g} of {reading.max_score:g} points."
    if status is Status.FAIL:
        reason += " Secure Score refreshes about once a day, so a fix shows on a later run."
    return Finding(**base, status=status, current=reading.entry, desired=reading.max_score, reason=reason)


def secure_score_setting(control_id: str, *, title: str = "The control's Secure Score") -> Setting:
    """The informational ``secure_score`` setting every control reports beside its own settings.

    Declared once here so that every plugin reads the score the same way, with the same
    permission, and :func:`secure_score_finding` answers for it.
    """
    return Setting(
        id="secure_score",
        title=title,
        remediation=RemediationKind.NONE,
        read_api=f"Graph GET /security/secureScores?$top=1, GET /security/secureScoreControlProfiles/{control_id}",
        read_permissions=("SecurityEvents.Read.All",),
        docs_url="https://learn.microsoft.com/defender-xdr/microsoft-secure-score",
    )

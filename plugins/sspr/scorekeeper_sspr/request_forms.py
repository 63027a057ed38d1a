"""Read requests built once per process, handed out fresh per tenant.

The msgraph-sdk's fluent builders are the source of truth for every v1.0 URL this plugin reads,
but walking them (a builder object per path segment, a ``RequestInformation`` configured from a
query-parameter dataclass, a URI template expanded) costs more CPU than the rest of a request's
way to the ``$batch``, and a fleet builds the same dozen requests for every tenant: the tenant
is in the token, never in the URL. So each request's *form* — API version, URL relative to that
version's root, headers — is taken from the builder the first time and remembered; every later
call returns a new ``RequestInformation`` of that form (no kiota object is shared between calls,
since the batch code fills in per-call state) on the tenant's own service root, so a national
cloud's tenant still reads its own endpoint.

The form is exactly what the builder expands to (``%24select`` and the ``Accept`` header
included), so the engine's shared reads still see one read where another control builds the
same request through the builder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation

if TYPE_CHECKING:
    from scorekeeper import TenantContext

__all__ = ["remembered", "remembered_for_id"]

#: (version, path relative to the version root, headers) of a GET, by the caller's key.
Form = tuple[str, str, tuple[tuple[str, str], ...]]
_FORMS: dict[Hashable, Form] = {}
#: A bound on the keys remembered (a guard: callers' keys are a fixed set).
_MAX_FORMS = 256
#: Stands for an object id in a remembered form; an object id (a GUID) needs no escaping in a URL,
#: so the form with the real id is this text replaced.
_ID = "00000000-0000-0000-0000-00000000f0f0"
#: An object id as Graph writes it (hex digits and hyphens only: nothing a URL template escapes).
_OBJECT_ID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def _form(tenant: TenantContext, info: RequestInformation) -> Form:
    """The version, relative URL and headers ``info`` expands to on this tenant's client (any API version)."""
    if info.http_method is not Method.GET or info.content:
        raise ValueError("only a GET without a body has a form to remember")
    base = str(tenant.graph.request_adapter.base_url).rstrip("/")
    info.path_parameters.setdefault("baseurl", base)  # what the adapter fills in when it sends
    url, root = str(info.url), base.rsplit("/", 1)[0]
    if not url.startswith(root + "/"):
        raise ValueError(f"request {url} is not under the client's root {root}")
    version, _, path = url[len(root) + 1 :].partition("/")
    return version, f"/{path}", tuple(sorted((info.request_headers or {}).items()))


def remembered(tenant: TenantContext, key: Hashable, build: Callable[[], RequestInformation]) -> RequestInformation:
    """A fresh GET of the form ``build()`` gives, built through the builder only the first time for ``key``.

    ``key`` must name everything the request depends on except the tenant (a fixed set of keys).
    """
    version, path, headers = _remember(tenant, key, build)
    return _fresh(tenant, version, path, headers)


def remembered_for_id(
    tenant: TenantContext, key: Hashable, object_id: str, build: Callable[[str], RequestInformation]
) -> RequestInformation:
    """Like :func:`remembered` for a request about one object (``build(object_id)``): one form for every id.

    A value that is not an object id in Graph's own spelling goes through the builder every time
    (it may need escaping).
    """
    if not _OBJECT_ID.fullmatch(object_id):
        return build(object_id)
    version, path, headers = _remember(tenant, key, lambda: build(_ID))
    return _fresh(tenant, version, path.replace(_ID, object_id), headers)


def _fresh(tenant: TenantContext, version: str, path: str, headers: tuple[tuple[str, str], ...]) -> RequestInformation:
    """A new GET of this form on the tenant's own service root (what ``scorekeeper.reads.get_request`` builds)."""
    info = RequestInformation(Method.GET)
    root = str(tenant.graph.request_adapter.base_url).rstrip("/").rsplit("/", 1)[0]
    info.url = f"{root}/{version}{path}"
    for name, value in headers:
        info.headers.try_add(name, value)
    return info


def _remember(tenant: TenantContext, key: Hashable, build: Callable[[], RequestInformation]) -> Form:
    form = _FORMS.get(key)
    if form is None:
        form = _form(tenant, build())
        if len(_FORMS) >= _MAX_FORMS:
            _FORMS.clear()
        _FORMS[key] = form
    return form

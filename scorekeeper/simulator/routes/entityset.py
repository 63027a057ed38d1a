"""What the core's route modules share: finding an addressed object, and read-only entity sets.

Most of the Microsoft read APIs the simulator follows come as a pair over one list in the
tenant's state: ``GET /things`` (a page, with the query options its page documents) and
``GET /things/{id}`` (one object, or Graph's 404 naming the id). :func:`entity_set` declares
both, so an area says only what differs between pairs (state key, Graph type, permissions,
Microsoft's pages, what the list may filter and sort, how large a page is). The query options
themselves are answered by the metadata-driven OData layer (:meth:`RequestContext.collection`
and :meth:`RequestContext.entity`), never here. :func:`lookup` is the one "find it or 404" for
every route that addresses an object by id.

Not part of the extension API (``scorekeeper.simulator``): extensions declare their own routes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from scorekeeper.simulator.routing import RequestContext, RouteTable, find

#: A licence check run before the route answers (``licensing.require_p2``): raises GraphError.
Guard = Callable[[dict[str, Any]], None]
#: What a read shows of a stored object: the request (its ``$select``) and whether one object was
#: addressed decide; e.g. :func:`scorekeeper.simulator.routes.applications.key_hidden`.
Reveal = Callable[[RequestContext, dict[str, Any], bool], dict[str, Any]]


def lookup(
    ctx: RequestContext, items: Sequence[dict[str, Any]], item_id: str | None = None, *keys: str
) -> dict[str, Any]:
    """The object ``item_id`` addresses (the route's ``{id}`` when None), or Graph's 404 naming it.

    Matched by ``id`` first, then by each of ``keys`` in turn (a directory role by its
    ``roleTemplateId``, a service principal by its ``appId``), case-insensitively as Graph does.
    """
    wanted = ctx.params["id"] if item_id is None else item_id
    found = find(items, wanted) or next((f for key in keys if (f := find(items, wanted, key))), None)
    if found is None:
        raise ctx.not_found(wanted)
    return found


def entity_set(
    table: RouteTable,
    path: str,
    *,
    key: str,
    returns: str,
    permissions: Iterable[str],
    pages: tuple[str, str],
    filterable: Iterable[str] = (),
    sortable: Iterable[str] = (),
    page_size: int = 100,
    max_top: int = 999,
    top: bool = True,
    skip: bool = False,
    guard: Guard | None = None,
    delegated_only: Iterable[str] = (),
    reveal: Reveal | None = None,
) -> None:
    """Declare ``GET path`` and ``GET path/{id}`` on ``table``, served from the state list ``key``.

    ``returns`` is the Graph type of one item (the routes' type and the ``$filter`` errors'
    resource); ``pages`` the list page and the get page on learn.microsoft.com. The list answers
    with ``path`` (without its leading ``/``) as its ``@odata.context`` fragment, the get with
    ``…/$entity``. ``filterable``, ``sortable``, ``page_size``, ``max_top``, ``top`` and ``skip`` are
    what the list page documents beyond the metadata (see :meth:`RequestContext.collection`).
    ``guard`` runs first on both (a licence the API needs). A missing state key reads as an
    empty list, as a tenant that has none of the objects. ``reveal`` shapes each object before
    the OData layer does (a property Graph returns only for one object read with ``$select``).
    """
    fragment = path.lstrip("/")
    permissions = tuple(permissions)
    delegated_only = tuple(delegated_only)
    filters, sorts = tuple(filterable), tuple(sortable)
    list_page, get_page = pages

    @table.get(path, permissions=permissions, delegated_only=delegated_only, doc=list_page, returns=returns)
    def list_items(ctx: RequestContext) -> dict[str, Any]:
        if guard is not None:
            guard(ctx.state)
        items = list(ctx.state.get(key) or [])
        return ctx.collection(
            [reveal(ctx, item, False) for item in items] if reveal is not None else items,
            fragment,
            type_name=returns,
            filterable=filters,
            sortable=sorts,
            page_size=page_size,
            max_top=max_top,
            top=top,
            skip=skip,
        )

    @table.get(f"{path}/{{id}}", permissions=permissions, delegated_only=delegated_only, doc=get_page, returns=returns)
    def get_item(ctx: RequestContext) -> dict[str, Any]:
        if guard is not None:
            guard(ctx.state)
        item = lookup(ctx, ctx.state.get(key) or [])
        return ctx.entity(reveal(ctx, item, True) if reveal is not None else item, f"{fragment}/$entity")

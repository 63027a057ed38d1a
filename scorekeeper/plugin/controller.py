"""What a control plugin registers: a :class:`Controller` carrying one Secure Score control's behaviour.

A plugin subclasses :class:`Controller`, sets ``control`` (the declaration: id, settings,
permissions, config model) and implements ``assess``; ``remediate``, ``verify`` and
``rollback`` are optional. It registers an instance from its one hook::

    class PasswordAge(Controller):
        control = CONTROL

        async def assess(self, tenant: TenantContext) -> Assessment: ...
        async def remediate(self, tenant: TenantContext, plan: Plan) -> list[Change]: ...

    @hookimpl
    def scorekeeper_register_controls(register: RegisterControl) -> None:
        register(PasswordAge())

The engine calls the methods of the controller registered for a control, and only those: there
is no dispatch by control id in plugin code, and a typo in a method name is an ``AttributeError``
a type checker finds, not a hook that silently never runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from scorekeeper.domain.model import Change, Control, Finding, Plan, Restoration
    from scorekeeper.plugin.context import Assessment, TenantContext

#: The methods a controller may implement, in the order the engine calls them.
METHODS = ("assess", "remediate", "verify", "rollback")


class Controller:
    """The behaviour of one Secure Score control: subclass it, set ``control``, implement ``assess``.

    Every method receives a :class:`scorekeeper.TenantContext` for one tenant and this control
    (``tenant.desired`` is the validated ``[controls.<id>]`` table). Methods are ``async``.
    """

    #: The control's declaration. Set it on the subclass (or pass it to ``__init__``).
    control: Control

    def __init__(self, control: Control | None = None) -> None:
        if control is not None:
            self.control = control

    async def assess(self, tenant: TenantContext) -> Assessment | list[Finding]:
        """Read the tenant and return one :class:`scorekeeper.Finding` per declared setting.

        Must never write. A value that cannot be read is ``Status.UNKNOWN`` with the reason (and
        ``missing_permissions`` when Graph answered 403), never ``Status.FAIL``. Return an
        :class:`scorekeeper.Assessment` to include the control's Secure Score as the tenant
        reports it (:func:`scorekeeper.reads.secure_score` parses it). Report per-setting
        progress through ``tenant.progress``.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement assess")

    async def remediate(self, tenant: TenantContext, plan: Plan) -> list[Change]:
        """Carry out the automated items of ``plan`` and return the changes made.

        Called only after the plan was shown and confirmed (or ``--yes``), and only with items
        the plan lists. Write through ``tenant.write`` / ``write_together`` / ``create``: one
        call per request, recorded before it leaves, returning the :class:`scorekeeper.Change`;
        return them all. The engine verifies what you return (and refuses, before sending, a
        write to a setting the plan does not list). Never handle rollback here: rollback is
        :meth:`rollback`, and the default restores what the write helper recorded.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement remediate")

    async def verify(self, tenant: TenantContext, changes: Sequence[Change]) -> list[Finding] | None:
        """Read back every setting ``changes`` touched; return one finding per setting, or ``None``.

        Each finding's ``status`` is whether the setting now *passes* (compliance) and its
        ``verification`` whether the write *stuck*; build them with
        :func:`scorekeeper.verification.verified`. ``None`` (the default) lets the engine
        re-assess and check each recorded write against a fresh read of its resource.
        """
        return None

    async def rollback(self, tenant: TenantContext, change: Change) -> Restoration | None:
        """Make the resource ``change`` wrote equal to ``change.before`` again; ``None`` for the default.

        Called for every change of the run being rolled back, newest first, whatever its outcome
        (applied, failed, ambiguous, or started and never finished). Must be idempotent: re-read,
        compare, write only if it differs. The default (:func:`scorekeeper.restore.restore`)
        handles everything the write helper recorded — ``PATCH``/``PUT`` fields and created
        objects (found by id, or by marker when the create's answer was lost); override only for
        writes it cannot express (an action such as ``/assign``) and return ``None`` for the rest.
        """
        return None

    def implements(self, method: str) -> bool:
        """Whether this controller overrides ``method`` (the engine's defaults apply otherwise)."""
        return getattr(type(self), method, None) is not getattr(Controller, method, None)


class RegisterControl(Protocol):
    """The ``register`` callable ``scorekeeper_register_controls`` receives: ``register(controller)``."""

    def __call__(self, controller: Controller, /) -> None: ...

"""The :class:`Simulator`: simulated tenants, their tokens, the request log and the state diff."""

from __future__ import annotations

import copy
import json
import os
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scorekeeper.errors import (
    SimulatorStateError,  # defined in the one error tree
)
from scorekeeper.simulator.extension import SimulatorExtension, installed_extensions
from scorekeeper.simulator.faults import Faults
from scorekeeper.simulator.observe import SERVER_MAINTAINED, LoggedRequest, StateChange, diff
from scorekeeper.simulator.profiles import ProfileError, build_state, tenant_id_for
from scorekeeper.simulator.routing import Router, now_iso
from scorekeeper.simulator.tokens import GRAPH_AUDIENCE, PORTAL_AUDIENCE, application_permissions, issue

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.

STATE_FORMAT = 1
#: Directory role template id of Global Administrator, carried in delegated tokens' ``wids``.
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"


@dataclass
class Tenant:
    """One simulated tenant: its id, the profile it started from, and its current state (JSON)."""

    id: str
    profile: str
    state: dict[str, Any]
    index: int = 0


class Simulator:
    """Stateful Microsoft Graph + Azure portal SSPR API for one or more simulated tenants.

    Build one with :meth:`from_profiles` or :meth:`load`; serve :attr:`app` over
    ``httpx.ASGITransport`` (in-process) or uvicorn (``scorekeeper simulator serve``).
    """

    def __init__(
        self,
        tenants: Sequence[Tenant],
        *,
        secret: str | None = None,
        extensions: Iterable[SimulatorExtension] | None = None,
        seed: int = 0,
    ) -> None:
        if not tenants:
            raise ValueError("a simulator needs at least one tenant")
        self.tenants: dict[str, Tenant] = {t.id: t for t in tenants}
        self.secret = secret or secrets.token_hex(32)
        self.extensions: tuple[SimulatorExtension, ...] = tuple(
            installed_extensions() if extensions is None else extensions
        )
        names = [e.name for e in self.extensions]
        if len(set(names)) != len(names):
            raise ValueError(f"two extensions share a name: {', '.join(sorted(names))}")
        for tenant in self.tenants.values():
            self._init_extensions(tenant)
        from scorekeeper.simulator.routes import core_routes

        self.router = Router([*core_routes(), *(r for e in self.extensions for r in e.routes)])
        self.faults = Faults(seed)
        self.request_log: list[LoggedRequest] = []
        #: Directory audit entries for the writes served, per tenant id (see simulator/audit.py).
        self.directory_audits: dict[str, list[dict[str, Any]]] = {}
        self.lock = threading.RLock()
        self._mark = self._snapshot()
        self._app: Any = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_profiles(
        cls, *names: str, extensions: Iterable[SimulatorExtension] | None = None, seed: int = 0
    ) -> Simulator:
        """One tenant per profile name (``"weak-cloud"`` when none is given).

        ``extensions=None`` includes every installed extension (entry point group
        ``scorekeeper.simulator``); pass a list to choose, or ``[]`` for the core alone.
        """
        chosen = names or ("weak-cloud",)
        tenants = []
        for index, name in enumerate(chosen):
            tenant_id = tenant_id_for(name, chosen[:index].count(name))
            tenants.append(Tenant(tenant_id, name, build_state(name, tenant_id, index), index))
        return cls(tenants, extensions=extensions, seed=seed)

    def _init_extensions(self, tenant: Tenant) -> None:
        from scorekeeper.simulator.profiles import _fill

        stored = tenant.state.setdefault("extensions", {})
        for extension in self.extensions:
            if extension.name not in stored:
                domains = tenant.state.get("organization", {}).get("verifiedDomains") or [{}]
                replacements = {"$TENANT_ID": tenant.id, "$DOMAIN": str(domains[0].get("name", ""))}
                stored[extension.name] = _fill(extension.initial_state(tenant.profile), replacements)

    # ------------------------------------------------------------------ tenants and tokens
    @property
    def tenant_id(self) -> str:
        return next(iter(self.tenants))

    @property
    def tenant_ids(self) -> list[str]:
        return list(self.tenants)

    def tenant(self, tenant_id: str) -> Tenant:
        try:
            return self.tenants[tenant_id]
        except KeyError:
            raise KeyError(f"no simulated tenant {tenant_id}") from None

    def known_permissions(self) -> list[str]:
        """Every Graph permission some route accepts: what ``roles=None`` tokens carry."""
        return sorted({p for r in self.router.routes if r.api == "graph" for p in r.permissions})

    def issue_token(self, tenant_id: str | None = None, roles: Iterable[str] | None = None) -> str:
        """An app-only Graph token (``idtyp`` app, ``roles``); ``roles=None`` grants every application permission."""
        tid = tenant_id or self.tenant_id
        self.tenant(tid)
        chosen = application_permissions(self.known_permissions()) if roles is None else list(roles)
        return issue(self.secret, tid, audience=GRAPH_AUDIENCE, roles=chosen)

    def issue_delegated_token(
        self,
        tenant_id: str | None = None,
        *,
        scopes: Iterable[str] | None = None,
        audience: str = PORTAL_AUDIENCE,
        directory_roles: Iterable[str] = (GLOBAL_ADMINISTRATOR,),
    ) -> str:
        """A delegated (user) token: for the portal API by default, or for Graph with ``audience``.

        Portal tokens carry ``scp`` ``user_impersonation``; Graph ones the given ``scopes``
        (every known permission when None). ``directory_roles`` become the ``wids`` claim.
        """
        tid = tenant_id or self.tenant_id
        self.tenant(tid)
        if scopes is None:
            scopes = ["user_impersonation"] if audience == PORTAL_AUDIENCE else self.known_permissions()
        return issue(self.secret, tid, audience=audience, scopes=list(scopes), extra={"wids": list(directory_roles)})

    # ------------------------------------------------------------------ serving
    @property
    def app(self) -> Any:
        if self._app is None:
            from scorekeeper.simulator.app import SimulatorApp

            self._app = SimulatorApp(self)
        return self._app

    # ------------------------------------------------------------------ observing
    def writes(self) -> list[LoggedRequest]:
        """Successful PATCH/POST/PUT/DELETE requests (batched ones included), in order."""
        return [r for r in self.request_log if r.is_write]

    def _snapshot(self) -> dict[str, Any]:
        return {tid: copy.deepcopy(t.state) for tid, t in self.tenants.items()}

    def mark(self) -> None:
        """Remember the current state; :meth:`state_diff` reports changes since."""
        with self.lock:
            self._mark = self._snapshot()

    def state_diff(self, *, include_server_maintained: bool = False) -> list[StateChange]:
        """Differences since :meth:`mark` (or since creation/load); ``[]`` when nothing changed.

        Timestamps and counters the service keeps itself (``lastModifiedDateTime``,
        ``modifiedDateTime``, ``version``) are left out unless asked for: a rollback restores
        settings, not the time they were last touched.
        """
        ignore = frozenset() if include_server_maintained else SERVER_MAINTAINED
        with self.lock:
            changes: list[StateChange] = []
            for tid, tenant in self.tenants.items():
                changes += diff(tid, self._mark.get(tid, {}), tenant.state, ignore=ignore)
            return changes

    # ------------------------------------------------------------------ sign-in logs
    def add_sign_in(self, user_id: str, tenant_id: str | None = None, **attempt: Any) -> dict[str, Any]:
        """Log one sign-in for ``user_id``, its Conditional Access results evaluated against today's policies.

        ``attempt`` takes the fields of :class:`scorekeeper.simulator.signins.Attempt`: ``app_id``,
        ``client_app`` ("Browser", "Exchange ActiveSync", "IMAP4"…), ``ip_address``, ``created``
        (ISO time), ``mfa``, ``sign_in_risk``, ``user_risk``, ``compliant_device``. A report-only
        policy gets ``reportOnly*`` results, an enforced one ``success``/``failure``. Returns the signIn.
        """
        from scorekeeper.simulator.signins import Attempt, sign_in

        with self.lock:
            state = self.tenant(tenant_id or self.tenant_id).state
            attempt.setdefault("created", now_iso())
            entry = sign_in(state, Attempt(user_id, **attempt))
            state.setdefault("signIns", []).append(entry)
            return entry

    # ------------------------------------------------------------------ Secure Score
    def refresh_secure_score(self, tenant_id: str | None = None) -> dict[str, Any]:
        """Compute today's Secure Score from the state, as Microsoft does about once a day.

        Real scores do not move when a setting changes; this lets tests and the demo show the
        score that the next daily refresh would give. Returns the new ``secureScore`` object.
        """
        from scorekeeper.simulator.score import refresh

        with self.lock:
            return refresh(self.tenant(tenant_id or self.tenant_id))

    # ------------------------------------------------------------------ persistence
    def to_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "secret": self.secret,
            "tenants": [
                {"id": t.id, "profile": t.profile, "index": t.index, "state": t.state} for t in self.tenants.values()
            ],
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write tenants, state and the token secret; atomic, and readable only by the owner."""
        from scorekeeper.util.private import private_dir

        target = Path(path)
        private_dir(target.parent)
        temp = target.with_name(target.name + ".tmp")
        with self.lock:
            data = json.dumps(self.to_json())
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
        temp.replace(target)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, extensions: Iterable[SimulatorExtension] | None = None) -> Simulator:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SimulatorStateError(f"{path}: no such state file") from None
        except (OSError, ValueError) as exc:
            raise SimulatorStateError(f"{path}: not a simulator state file ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT or not data.get("tenants"):
            raise SimulatorStateError(f"{path}: not a simulator state file of format {STATE_FORMAT}")
        tenants = [Tenant(t["id"], t["profile"], t["state"], int(t.get("index", 0))) for t in data["tenants"]]
        return cls(tenants, secret=str(data["secret"]), extensions=extensions)

    def reset(self) -> None:
        """Every tenant back to its profile's state; the log, faults and mark are cleared."""
        with self.lock:
            for tenant in self.tenants.values():
                tenant.state = build_state(tenant.profile, tenant.id, tenant.index)
                self._init_extensions(tenant)
            self.request_log.clear()
            self.directory_audits.clear()
            self.faults.clear()
            self._mark = self._snapshot()


__all__ = ["ProfileError", "Simulator", "SimulatorStateError", "Tenant"]

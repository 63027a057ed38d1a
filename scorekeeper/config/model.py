"""The TOML configuration: tenants, desired values per control and accepted-risk exceptions.

Everything is validated before anything talks to a tenant, and every problem is collected so
``scorekeeper config check`` can list them all at once. Secrets are never stored here: a
tenant names the environment variable or file that holds them.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scorekeeper.config.templates import PartnerSettings, expand_templates, parse_partner
from scorekeeper.config.validation import format_validation_error as format_validation_error
from scorekeeper.domain.levels import DEFAULT_REQUIREMENTS, Level
from scorekeeper.errors import ConfigError
from scorekeeper.graph.client import DEFAULT_GRAPH_URL, is_loopback
from scorekeeper.graph.portal import DEFAULT_PORTAL_URL, PORTAL_CLIENT_ID
from scorekeeper.util.suggest import did_you_mean

#: Microsoft Graph's service roots: the global service and the national clouds, as listed in
#: Microsoft's "national cloud deployments" page (docs/configuration.md names them).
GRAPH_HOSTS = frozenset(
    {"graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn"}
)
#: The Azure portal's API host whose resource (74658136-…) the portal sign-in asks a token for.
#: The US Government portal API has a host and resource of its own, which scorekeeper does not
#: support yet; no other host may receive an admin's delegated portal token.
PORTAL_HOSTS = frozenset({"main.iam.ad.ext.azure.com"})
#: Microsoft Entra ID's sign-in hosts (azure-identity's AzureAuthorityHosts: public, US Government, China).
AUTHORITY_HOSTS = frozenset({"login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn"})

AuthKind = Literal[
    "client-secret",
    "certificate",
    "managed-identity",
    "workload-identity",
    "device-code",
    "interactive",
    "azure-cli",
    "default",
    "static",
]
PortalAuthKind = Literal["none", "device-code", "interactive", "static"]
DEMO_TENANT = "demo"

#: Keys that would put a secret in the file; each maps to the way it should be given instead.
_SECRET_KEYS = {
    "client_secret": "client_secret_env or client_secret_file",
    "certificate_password": "certificate_password_env",
    "password": "an environment variable",
}


class TenantConfig(BaseModel):
    """One ``[tenants.NAME]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    tenant_id: str = ""
    auth: AuthKind = "default"
    client_id: str | None = None
    client_secret_env: str | None = None
    client_secret_file: Path | None = None
    certificate_path: Path | None = None
    certificate_password_env: str | None = None
    token_file_path: Path | None = None  # workload identity federation
    token: str | None = None  # auth = "static" only, loopback only
    token_env: str | None = None
    graph_url: str = DEFAULT_GRAPH_URL
    portal_url: str = DEFAULT_PORTAL_URL
    #: Seconds to wait for one HTTP answer from Graph or the portal before the call fails.
    request_timeout: float = Field(default=60.0, gt=0, le=600)
    portal_auth: PortalAuthKind = "none"
    portal_client_id: str = PORTAL_CLIENT_ID
    portal_token: str | None = None
    portal_token_env: str | None = None
    allow_unencrypted_token_cache: bool = False
    simulator: bool = False
    profile: str = "weak-cloud"
    state: Path | None = None
    #: The identity platform's host for sign-in (azure-identity's ``authority``): a national cloud's
    #: (login.microsoftonline.us, login.partner.microsoftonline.cn) or a loopback simulator's URL.
    authority: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, instead in _SECRET_KEYS.items():
                if key in data:
                    raise ValueError(f"{key} must not be written in the config file: use {instead}")
        return data

    @field_validator("graph_url", "portal_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        if value.startswith("http://") and not is_loopback(value):
            raise ValueError("plain http is allowed only on loopback (127.0.0.1, localhost, ::1)")
        return value.rstrip("/")

    @field_validator("authority")
    @classmethod
    def _authority(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("http://"):
            if not is_loopback(value):
                raise ValueError("plain http is allowed only on loopback (a simulator's token endpoint)")
            return value.rstrip("/")
        host = value.removeprefix("https://").rstrip("/")
        if host not in AUTHORITY_HOSTS:
            known = ", ".join(sorted(AUTHORITY_HOSTS))
            raise ValueError(f"{host!r} is not a Microsoft sign-in host: use one of {known}")
        return host

    @field_validator("graph_url")
    @classmethod
    def _graph_host(cls, value: str) -> str:
        host = urlsplit(value).hostname or ""
        if not is_loopback(value) and host not in GRAPH_HOSTS:
            raise ValueError(
                f"{host!r} is not a Microsoft Graph endpoint: use one of {', '.join(sorted(GRAPH_HOSTS))} "
                "(or a loopback simulator)"
            )
        return value

    @field_validator("portal_url")
    @classmethod
    def _portal_host(cls, value: str) -> str:
        host = urlsplit(value).hostname or ""
        if not is_loopback(value) and host not in PORTAL_HOSTS:
            raise ValueError(
                f"{host!r} is not the Azure portal's API: an admin's portal token goes only to "
                f"{', '.join(sorted(PORTAL_HOSTS))} (or a loopback simulator with static auth)"
            )
        return value

    @model_validator(mode="after")
    def _auth_fields(self) -> TenantConfig:
        needs: dict[str, tuple[str, ...]] = {
            "client-secret": ("tenant_id", "client_id"),
            "certificate": ("tenant_id", "client_id", "certificate_path"),
            "workload-identity": ("tenant_id", "client_id"),
            "device-code": ("tenant_id",),
            "interactive": ("tenant_id",),
        }
        if self.simulator:
            return self
        missing = [f for f in needs.get(self.auth, ()) if not getattr(self, f)]
        if missing:
            raise ValueError(f"auth = {self.auth!r} needs {', '.join(missing)}")
        if self.auth == "client-secret" and not (self.client_secret_env or self.client_secret_file):
            raise ValueError("auth = 'client-secret' needs client_secret_env or client_secret_file")
        if self.auth == "static":
            if not (self.token or self.token_env):
                raise ValueError("auth = 'static' needs token or token_env")
            if not (is_loopback(self.graph_url) and is_loopback(self.portal_url)):
                raise ValueError("auth = 'static' is refused unless graph_url and portal_url are both loopback")
        if is_loopback(self.portal_url) and "static" not in (self.auth, self.portal_auth):
            raise ValueError("a loopback portal_url is accepted only with auth or portal_auth = 'static'")
        if self.portal_auth == "static":
            if not (self.portal_token or self.portal_token_env):
                raise ValueError("portal_auth = 'static' needs portal_token or portal_token_env")
            if not is_loopback(self.portal_url):
                raise ValueError("portal_auth = 'static' is refused unless portal_url is loopback")
        return self

    @property
    def simulated(self) -> bool:
        return self.simulator


class ExceptionRule(BaseModel):
    """An accepted risk: a setting that may fail until ``expires``, for a stated reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    control: str
    setting: str
    reason: str = Field(min_length=3)
    expires: date
    tenant: str | None = None  # every tenant when absent

    def covers(self, tenant: str, control: str, setting: str) -> bool:
        return self.control == control and self.setting == setting and self.tenant in (None, tenant)

    def expired(self, today: date) -> bool:
        return self.expires < today


@dataclass(frozen=True)
class ExceptionTarget:
    """Where an ``[[exceptions]]`` table points, and its place in the file.

    Kept for every table whose ``control`` and ``setting`` are strings, valid or not, so one
    ``config check`` names a mistyped control beside the same table's other problems, and every
    line carries the table's own index (the valid rules alone would renumber them).
    """

    index: int
    control: str
    setting: str
    rule: ExceptionRule | None = None


class Settings(BaseModel):
    """``[scorekeeper]``: engine-wide options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Tenants assessed at once. 64 keeps a one-process fleet pass bound by the client's CPU, not by
    #: round trips, up to about a second of latency per tenant; more only holds more tenants in memory
    #: (measured at 4/16/64/128 in docs/performance.md). At most 256: every tenant in flight draws on
    #: Graph's one per-app limit across all tenants (130,000 requests per 10 s), and a typo must not
    #: open thousands of connections.
    concurrency: int = Field(default=64, ge=1, le=256)
    db: str | None = None


class HistorySettings(BaseModel):
    """``[history]``: how long runs are kept (``scorekeeper history prune``; never pruned when unset)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    keep_days: int | None = Field(default=None, ge=1, le=36_500)


#: ``control.setting`` or ``control.*``, as ``accept_impact`` and ``promote`` name settings.
_SETTING_REF = re.compile(r"^[A-Za-z0-9_-]+\.(\*|[A-Za-z0-9_-]+)$")
_LEVEL_WORDS = tuple(level.value for level in Level)


class RemediationSettings(BaseModel):
    """``[remediation]``: which requirements fail a tenant, and what remediation may do beyond the default.

    ``requirements`` selects the settings that can fail a tenant (``scorekeeper.domain.levels``):
    level names (``criterion``, ``baseline``, ``advice``) or the start of a baseline reference as
    a setting cites it ("CISA", "CIS M365"). ``accept_impact`` names settings (``control.setting``
    or ``control.*``) whose change is planned although its impact locks someone out; ``promote``
    names staged settings that may move to their next stage once the tenant's evidence says so.
    A tenant overrides any key in ``[tenants.NAME.remediation]`` (the key replaces the shared one).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    requirements: tuple[str, ...] = DEFAULT_REQUIREMENTS
    accept_impact: tuple[str, ...] = ()
    promote: tuple[str, ...] = ()

    @field_validator("requirements")
    @classmethod
    def _requirements(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError(f"select at least one requirement (the default is {list(DEFAULT_REQUIREMENTS)})")
        for entry in value:
            word = entry.strip()
            if not word:
                raise ValueError("an empty requirement selects nothing")
            # One lowercase word is a level name; a baseline prefix is written as settings cite it ("CISA").
            if word not in _LEVEL_WORDS and word.islower() and " " not in word:
                raise ValueError(
                    f"unknown requirement {word!r}{did_you_mean(word, _LEVEL_WORDS)}: use "
                    f'{", ".join(_LEVEL_WORDS)} or a baseline prefix as settings cite it ("CISA", "CIS M365")'
                )
        return tuple(dict.fromkeys(v.strip() for v in value))

    @field_validator("accept_impact", "promote")
    @classmethod
    def _setting_refs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [v for v in value if not _SETTING_REF.match(v)]
        if bad:
            raise ValueError(f'{bad[0]!r} is not control.setting or control.* (e.g. "SelfServicePasswordReset.*")')
        return tuple(dict.fromkeys(value))

    def accepts_impact(self, control: str, setting: str) -> bool:
        """Whether a change of ``control.setting`` may be planned although it locks someone out."""
        return _names(self.accept_impact, control, setting)

    def promotes(self, control: str, setting: str) -> bool:
        """Whether ``control.setting`` may move to its next stage (when the tenant's evidence allows)."""
        return _names(self.promote, control, setting)


def _names(refs: Iterable[str], control: str, setting: str) -> bool:
    return f"{control}.{setting}" in refs or f"{control}.*" in refs


@dataclass
class Config:
    """A validated configuration. ``controls`` stays raw until plugins are loaded to validate it."""

    tenants: dict[str, TenantConfig]
    controls: dict[str, dict[str, Any]] = field(default_factory=dict)
    exceptions: list[ExceptionRule] = field(default_factory=list)
    #: Every ``[[exceptions]]`` table's target, in file order (see :class:`ExceptionTarget`).
    exception_targets: tuple[ExceptionTarget, ...] = ()
    settings: Settings = field(default_factory=Settings)
    notifications: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: Path | None = None
    #: ``[groups.NAME] tenants = [...]``: group name → its tenants, in the order written.
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: ``[tenants.NAME.controls.ID]``: tenant → control → the keys that tenant overrides.
    overrides: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    history: HistorySettings = field(default_factory=HistorySettings)
    #: ``[remediation]`` as written (validated); see :meth:`remediation`.
    remediation_values: dict[str, Any] = field(default_factory=dict)
    #: ``[tenants.NAME.remediation]``: tenant → the keys that tenant overrides.
    remediation_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: ``[templates.NAME]`` as written, and the template each tenant was built from (config/templates.py).
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    tenant_templates: dict[str, str] = field(default_factory=dict)
    #: The tenant tables as written (before their template was folded in), for :meth:`template_source`.
    raw_tenant_tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: ``[reports]``: the operator's name and logo every report shows (:class:`ReportsSettings`).
    reports: ReportsSettings = field(default_factory=lambda: ReportsSettings())
    #: ``[partner]``: the partner tenant and the template of its multi-tenant app (config/templates.py).
    partner: PartnerSettings | None = None
    #: The built-in ``demo`` when real tenants are configured: reachable by name only (:meth:`tenant`),
    #: never listed in :attr:`tenants`, ``--all-tenants``, groups or error messages.
    demo: TenantConfig | None = None
    _remediation: dict[str | None, RemediationSettings] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.exceptions and not self.exception_targets:  # built in code rather than read from a file
            self.exception_targets = tuple(
                ExceptionTarget(i, rule.control, rule.setting, rule) for i, rule in enumerate(self.exceptions)
            )

    def tenant(self, name: str) -> TenantConfig:
        found = self.tenants.get(name) or (self.demo if self.demo is not None and name == DEMO_TENANT else None)
        if found is None:
            raise ConfigError([unknown_tenant(name, self.tenants)], self.source)
        return found

    def named(self, name: str) -> bool:
        """Whether ``name`` is a tenant a command may be given by name (the configured ones, and ``demo``)."""
        return name in self.tenants or (self.demo is not None and name == DEMO_TENANT)

    def select_tenants(
        self,
        names: Iterable[str] = (),
        groups: Iterable[str] = (),
        all_tenants: bool = False,
        *,
        required: bool = True,
        configured_only: bool = True,
        in_history: Iterable[str] | None = None,
    ) -> list[str]:
        """The tenants that ``--tenant NAME ...``, ``--group NAME ...`` and ``--all-tenants`` name.

        The one place every command turns those options into tenant names: the tenants given
        and the members of the groups given, in that order without repeats; every configured
        tenant for ``all_tenants`` (or when nothing is given and ``required`` is false). Every
        unknown name is reported in one :class:`ConfigError` line, with what is configured.
        ``configured_only=False`` is for reading history: a tenant removed from the config
        still has runs, so a ``--tenant`` name in ``in_history`` (the tenants history holds) is
        taken as written (groups still must exist); any other unknown name is refused, with the
        closest names. Without ``in_history`` every name is taken.
        ``demo`` is chosen only by name when real tenants are configured.
        """
        names, groups = list(names), list(groups)
        if all_tenants:
            if names or groups:
                raise ConfigError(["--all-tenants already names every tenant: drop --tenant/--group"], self.source)
            return sorted(self.tenants)
        if not names and not groups:
            if required:
                raise ConfigError(
                    ["name a tenant with --tenant NAME, a group with --group NAME or --all-tenants; try --tenant demo"],
                    self.source,
                )
            return sorted(self.tenants)
        kept = set(in_history or ())
        unknown = [
            unknown_tenant(n, [*self.tenants, *kept])
            for n in dict.fromkeys(names)
            if not self.named(n) and n not in kept and (configured_only or in_history is not None)
        ]
        unknown += [
            f"unknown group {g!r}{did_you_mean(g, self.groups)}" + ("" if self.groups else " (no [groups.NAME] table)")
            for g in dict.fromkeys(groups)
            if g not in self.groups
        ]
        if unknown:
            raise ConfigError(["; ".join(unknown)], self.source)
        chosen = [*names, *(member for g in groups for member in self.groups[g])]
        return list(dict.fromkeys(chosen))

    def remediation(self, tenant: str | None = None) -> RemediationSettings:
        """``[remediation]`` with ``[tenants.TENANT.remediation]`` laid over it key by key (validated at parse)."""
        if tenant not in self._remediation:  # asked once per control of every run: built once per tenant
            values = dict(self.remediation_values)
            if tenant is not None:
                values.update(self.remediation_overrides.get(tenant, {}))
            self._remediation[tenant] = RemediationSettings(**values)
        return self._remediation[tenant]

    def template_source(self, tenant: str, key: str) -> str | None:
        """``templates.NAME.KEY`` when ``tenant`` took the dotted ``key`` from its template, else ``None``."""
        name = self.tenant_templates.get(tenant)
        if name is None:
            return None
        from scorekeeper.config.templates import inherited_keys

        own = self.raw_tenant_tables.get(tenant, {})
        if key not in inherited_keys(self.templates.get(name, {}), own):
            return None
        return f"templates.{name}.{key.rsplit('.', 1)[0]}" if "." in key else f"templates.{name}"

    def remediation_source(self, tenant: str, key: str) -> str:
        """Where ``tenant``'s ``[remediation]`` key comes from: its override, the shared table, or the default."""
        if key in self.remediation_overrides.get(tenant, {}):
            return self.template_source(tenant, f"remediation.{key}") or f"tenants.{tenant}.remediation"
        return "remediation" if key in self.remediation_values else "default"

    def groups_of(self, tenant: str) -> list[str]:
        """The groups ``tenant`` belongs to, by name."""
        return sorted(name for name, members in self.groups.items() if tenant in members)

    def control_values(self, control_id: str, tenant: str | None = None) -> dict[str, Any]:
        """``[controls.ID]`` with ``[tenants.TENANT.controls.ID]`` laid over it key by key.

        A key the tenant's table names replaces the shared key whole (lists are not merged);
        every other key keeps the shared value, and the plugin's defaults fill the rest.
        """
        values = dict(self.controls.get(control_id, {}))
        if tenant is not None:
            values.update(self.overrides.get(tenant, {}).get(control_id, {}))
        return values


def unknown_tenant(name: str, known: Iterable[str]) -> str:
    """One line for a tenant name nobody configured: the closest names (difflib), never the whole list."""
    names = sorted(set(known))
    close = difflib.get_close_matches(name.lower(), [n.lower() for n in names], n=3, cutoff=0.6)
    by_lower = {n.lower(): n for n in names}
    if close:
        return f"unknown tenant {name!r} (did you mean {' or '.join(repr(by_lower[c]) for c in close)}?)"
    if not names:
        return f"unknown tenant {name!r}: no tenant is configured"
    return f"unknown tenant {name!r}: none of the {len(names)} configured tenant(s) is close (scorekeeper config show)"


def demo_tenant(data_dir: Path) -> TenantConfig:
    """The built-in tenant that needs no account: the simulator, with its state kept on disk."""
    return TenantConfig(
        name=DEMO_TENANT,
        simulator=True,
        profile="weak-cloud",
        state=data_dir / "simulator" / "demo.json",
        auth="static",
        portal_auth="static",
    )


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(os.environ.get("SCOREKEEPER_DATA_DIR") or user_data_dir("scorekeeper", appauthor=False))


def find_config_file(explicit: str | Path | None) -> Path | None:
    """``--config``, else ``$SCOREKEEPER_CONFIG``, else ``./scorekeeper.toml``, else the user config dir."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("SCOREKEEPER_CONFIG")
    if env:
        return Path(env)
    local = Path("scorekeeper.toml")
    if local.is_file():
        return local
    from platformdirs import user_config_dir

    user = Path(user_config_dir("scorekeeper", appauthor=False)) / "scorekeeper.toml"
    return user if user.is_file() else None


def parse_config(data: dict[str, Any], source: Path | None = None, *, data_dir: Path | None = None) -> Config:
    """Validate a parsed TOML document; raise :class:`ConfigError` listing every problem."""
    problems: list[str] = []
    known_sections = {
        "tenants",
        "controls",
        "exceptions",
        "scorekeeper",
        "notifications",
        "groups",
        "history",
        "remediation",
        "templates",
        "partner",
        "reports",
    }
    problems += [
        f"{key}: unknown section{did_you_mean(key, known_sections)} "
        f"(expected one of {', '.join(sorted(known_sections))})"
        for key in data
        if key not in known_sections
    ]

    tenants: dict[str, TenantConfig] = {}
    overrides: dict[str, dict[str, dict[str, Any]]] = {}
    remediation_overrides: dict[str, dict[str, Any]] = {}
    raw = data.get("tenants")
    written: dict[str, Any] = raw if isinstance(raw, dict) else {}
    data, tenant_templates = expand_templates(data, problems)  # before anything reads [tenants] or [groups]
    raw_tenants = data.get("tenants", {})
    if not isinstance(raw_tenants, dict):
        problems.append("tenants: must be a table of [tenants.NAME] tables")
        raw_tenants = {}
    for name, table in raw_tenants.items():
        if not isinstance(table, dict):
            problems.append(f"tenants.{name}: must be a table")
            continue
        secrets = [key for key in _SECRET_KEYS if key in table]
        problems += [
            f"tenants.{name}: {key} must not be written in the config file: use {_SECRET_KEYS[key]}" for key in secrets
        ]
        table = {k: v for k, v in table.items() if k not in secrets}  # the rest is still checked
        tenant_remediation = table.pop("remediation", None)
        if tenant_remediation is not None and _check_remediation(
            f"tenants.{name}.remediation", tenant_remediation, problems
        ):
            remediation_overrides[name] = tenant_remediation
        tenant_controls = table.pop("controls", {})
        if isinstance(tenant_controls, dict) and all(isinstance(v, dict) for v in tenant_controls.values()):
            if tenant_controls:
                overrides[name] = tenant_controls
        else:
            problems.append(f"tenants.{name}.controls: must be [tenants.{name}.controls.<ControlId>] tables")
        try:
            tenants[name] = TenantConfig(name=name, **table)
        except ValidationError as exc:
            problems += format_validation_error(f"tenants.{name}", exc, TenantConfig)
        except TypeError as exc:
            problems.append(f"tenants.{name}: {exc}")
    # The simulated demo joins the list only when nothing else is configured; with real tenants
    # it is still there by name (``--tenant demo``), never in --all-tenants, groups or error lists.
    demo = None
    if DEMO_TENANT not in tenants and DEMO_TENANT not in raw_tenants:
        demo = demo_tenant(data_dir or default_data_dir())
        if not tenants and not raw_tenants:
            tenants[DEMO_TENANT], demo = demo, None
    hidden = DEMO_TENANT if demo is not None else ""  # named explicitly (an exception, a group): still allowed

    controls = data.get("controls", {})
    if not isinstance(controls, dict) or not all(isinstance(v, dict) for v in controls.values()):
        problems.append("controls: must be [controls.<ControlId>] tables")
        controls = {}

    exceptions: list[ExceptionRule] = []
    raw_exceptions = data.get("exceptions", [])
    if not isinstance(raw_exceptions, list):
        problems.append("exceptions: must be an array of [[exceptions]] tables")
        raw_exceptions = []
    targets: list[ExceptionTarget] = []
    for index, table in enumerate(raw_exceptions):
        named = isinstance(table, dict) and all(isinstance(table.get(k), str) for k in ("control", "setting"))
        try:
            rule = ExceptionRule(**table) if isinstance(table, dict) else None
        except ValidationError as exc:
            problems += format_validation_error(f"exceptions[{index}]", exc, ExceptionRule)
            rule = None
            if named:
                targets.append(ExceptionTarget(index, table["control"], table["setting"]))
            continue
        if rule is not None:
            targets.append(ExceptionTarget(index, rule.control, rule.setting, rule))
        if rule is None:
            problems.append(f"exceptions[{index}]: must be a table")
        elif rule.tenant and rule.tenant not in tenants and rule.tenant not in raw_tenants and rule.tenant != hidden:
            known = [*tenants, *raw_tenants]
            problems.append(
                f"exceptions[{index}].tenant: unknown tenant {rule.tenant!r}{did_you_mean(rule.tenant, known)}"
            )
        else:
            exceptions.append(rule)

    settings = _parse_section(data, "scorekeeper", Settings, problems)

    notifications = data.get("notifications", {})
    if not isinstance(notifications, dict) or not all(isinstance(v, dict) for v in notifications.values()):
        problems.append("notifications: must be [notifications.<channel>] tables")
        notifications = {}

    groups = _parse_groups(data.get("groups", {}), set(tenants) | set(raw_tenants) | {hidden} - {""}, problems)

    history = _parse_section(data, "history", HistorySettings, problems)
    reports = _parse_reports(data, source, problems)

    remediation_values = data.get("remediation", {})
    if not _check_remediation("remediation", remediation_values, problems):
        remediation_values = {}
    for name, values in list(remediation_overrides.items()):  # the merged table must hold too
        if not _check_remediation(f"tenants.{name}.remediation", {**remediation_values, **values}, problems):
            del remediation_overrides[name]

    config = Config(
        tenants=tenants,
        controls=controls,
        exceptions=exceptions,
        exception_targets=tuple(targets),
        settings=settings,
        notifications=notifications,
        source=source,
        groups=groups,
        overrides=overrides,
        history=history,
        remediation_values=remediation_values,
        remediation_overrides=remediation_overrides,
        templates=data.get("templates", {}) if isinstance(data.get("templates"), dict) else {},
        tenant_templates=tenant_templates,
        raw_tenant_tables={t: written[t] for t in tenant_templates if isinstance(written.get(t), dict)},
        partner=parse_partner(data.get("partner"), data.get("templates") or {}, problems),
        reports=reports,
        demo=demo,
    )
    if problems:
        raise ConfigError(problems, source, controls, overrides, partial=config)
    return config


_Section = TypeVar("_Section", bound=BaseModel)


#: What a report logo may be, told by its first bytes (never by its name alone): PNG, JPEG, SVG.
LOGO_MAX_BYTES = 512 * 1024
_LOGO_KINDS = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


class ReportsSettings(BaseModel):
    """``[reports]``: who made the report (an MSP's name) and its logo, shown in every report.

    ``logo`` is a PNG, JPEG or SVG file of at most 512 KB, relative to the config file's folder;
    reports embed it as a data URI so an HTML report stays one file.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    operator: str = Field(default="", max_length=120)
    logo: Path | None = None

    @property
    def logo_type(self) -> str:
        """The logo's media type (``image/png``...), "" without a logo."""
        return _LOGO_KINDS.get(self.logo.suffix.lower(), "") if self.logo else ""


def _parse_reports(data: dict[str, Any], source: Path | None, problems: list[str]) -> ReportsSettings:
    """``[reports]``, its logo resolved against the config file's folder and checked now, not at render."""
    settings = _parse_section(data, "reports", ReportsSettings, problems)
    logo = settings.logo
    if logo is None:
        return settings
    if not logo.is_absolute() and source is not None:
        logo = source.parent / logo
    problem = _logo_problem(logo)
    if problem:
        problems.append(f"reports.logo: {problem}")
        return settings.model_copy(update={"logo": None})
    return settings.model_copy(update={"logo": logo})


def _logo_problem(path: Path) -> str:
    """Why ``path`` cannot be a report logo ("" when it can): missing, not PNG/JPEG/SVG, too big."""
    kind = _LOGO_KINDS.get(path.suffix.lower())
    if kind is None:
        return f"{path} is not a .png, .jpg, .jpeg or .svg file"
    try:
        size = path.stat().st_size
        if size > LOGO_MAX_BYTES:
            return f"{path} is {size // 1024} KB; a logo may be at most {LOGO_MAX_BYTES // 1024} KB"
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    looks = {
        "image/png": head.startswith(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg": head.startswith(b"\xff\xd8\xff"),
        "image/svg+xml": b"<svg" in head.lower(),
    }
    return "" if looks[kind] else f"{path} does not hold {kind} data (its first bytes say otherwise)"


def _parse_section(data: dict[str, Any], key: str, model: type[_Section], problems: list[str]) -> _Section:
    """``[key]`` as ``model``; a bad section adds its problems and falls back to the defaults.

    Falling back keeps one pass over the file: ``config check`` lists this section's problems beside
    every other section's instead of stopping at the first.
    """
    try:
        return model(**data.get(key, {}))
    except (ValidationError, TypeError) as exc:
        problems += format_validation_error(key, exc, model) if isinstance(exc, ValidationError) else [f"{key}: {exc}"]
        return model()


def _check_remediation(where: str, table: Any, problems: list[str]) -> bool:
    """Whether ``table`` is a valid ``[remediation]`` table; its problems are added under ``where``."""
    if not isinstance(table, dict):
        problems.append(f"{where}: must be a table")
        return False
    try:
        RemediationSettings(**table)
    except ValidationError as exc:
        problems += format_validation_error(where, exc, RemediationSettings)
        return False
    return True


def _parse_groups(raw: Any, tenant_names: set[str], problems: list[str]) -> dict[str, tuple[str, ...]]:
    """``[groups.NAME] tenants = [...]``; every problem (unknown tenant, empty group, bad type) is collected."""
    if not isinstance(raw, dict):
        problems.append("groups: must be [groups.NAME] tables")
        return {}
    groups: dict[str, tuple[str, ...]] = {}
    for name, table in raw.items():
        if not isinstance(table, dict):
            problems.append(f"groups.{name}: must be a table with tenants = [...]")
            continue
        problems += [f"groups.{name}.{key}: unknown key (check the spelling)" for key in table if key != "tenants"]
        members = table.get("tenants")
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            problems.append(f"groups.{name}.tenants: must be a list of tenant names")
            continue
        if not members:
            problems.append(f"groups.{name}.tenants: a group needs at least one tenant")
            continue
        for index, member in enumerate(members):
            if member not in tenant_names:
                problems.append(f"groups.{name}.tenants[{index}]: unknown tenant {member!r}")
            elif members.index(member) != index:
                problems.append(f"groups.{name}.tenants[{index}]: {member!r} is listed twice")
        groups[name] = tuple(dict.fromkeys(members))
    return groups


def load_config(explicit: str | Path | None = None, *, data_dir: Path | None = None) -> Config:
    """Find, read and validate the configuration; no file at all means only the demo tenant."""
    path = find_config_file(explicit)
    if path is None:
        return parse_config({}, None, data_dir=data_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"config file not found: {path}"], None) from None
    except IsADirectoryError:
        raise ConfigError([f"config file {path} is a folder, not a file"], None) from None
    except OSError as exc:
        raise ConfigError([f"cannot read config file {path}: {exc.strerror}"], None) from None
    return parse_config(parse_toml(raw, path), path, data_dir=data_dir)


def parse_toml(raw: bytes, path: Path | None = None) -> dict[str, Any]:
    """TOML bytes → a document; anything that is not UTF-8 TOML text is one :class:`ConfigError` line."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(["the file is UTF-16 text; TOML must be UTF-8 (re-save it as UTF-8)"], path)
    if b"\x00" in raw:
        raise ConfigError(["the file is binary (it contains NUL bytes), not TOML text"], path)
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ConfigError([f"not UTF-8 text (invalid byte at offset {exc.start}); TOML must be UTF-8"], path) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], path) from None
    except (RecursionError, MemoryError):
        raise ConfigError(["not valid TOML: arrays or tables nested too deeply"], path) from None


def validate_control_config(
    control_id: str, model: type[BaseModel] | None, values: dict[str, Any]
) -> tuple[Any, list[str]]:
    """Validate ``[controls.<id>]`` with the plugin's model; return (instance, problems)."""
    if model is None:
        extra = [f"controls.{control_id}.{key}: this control takes no settings" for key in values]
        return None, extra
    try:
        return model(**values), []
    except ValidationError as exc:
        return None, format_validation_error(f"controls.{control_id}", exc, model)

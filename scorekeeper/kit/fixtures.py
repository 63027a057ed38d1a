"""Simulated tenants built from a plugin author's own fixture data, not only the shipped profiles.

Fixture data has the shape of the simulator's profile files (see docs/simulator.md), so what an
author learns from ``scorekeeper/simulator/profiles/*.json`` applies unchanged:

```python
{"extends": "weak-cloud",                              # a shipped profile to start from ...
 "set": {"portal.passwordResetPolicies.enablementType": 2,
         "extensions.my-plugin.policy.isEnabled": True},  # ... dotted paths, plugin state included
 "add": {"conditionalAccessPolicies": [{...}]}}         # ... items appended to a list, not restating it
{"tenant": {...}, "name": "bare"}                     # or a whole tenant state of its own
```

``name`` is the profile name the tenant carries and that simulator extensions choose their
initial state by (default: the ``extends`` profile, else ``"fixture"``). ``set`` is applied after
the extensions' initial state, so it may reach into ``extensions.<name>``; ``add`` appends items
to the list at each dotted path after that (an item whose ``id`` is already there replaces it),
as in the profile files. A JSON file holding the
same object may be given as a :class:`pathlib.Path`. :meth:`FixtureSimulator.reset` rebuilds the
fixture, not the bare profile.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import FixtureError as FixtureError
from scorekeeper.simulator import ProfileError, Simulator, SimulatorExtension, Tenant
from scorekeeper.simulator.profiles import _fill, add_path, build_state, profile_names, set_path, tenant_id_for

#: A shipped profile's name, fixture data, or a JSON file holding fixture data.
ProfileSpec = str | Mapping[str, Any] | os.PathLike[str]
KEYS = frozenset({"description", "name", "extends", "tenant", "set", "add", "generate"})


@dataclass(frozen=True)
class Recipe:
    """How to (re)build one simulated tenant: a base state and the dotted paths set on top."""

    name: str
    extends: str | None = None
    tenant: dict[str, Any] | None = None
    sets: dict[str, Any] = field(default_factory=dict)
    adds: dict[str, Any] = field(default_factory=dict)
    generate: dict[str, int] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What the tenant id is derived from: shipped profiles keep the ids ``from_profiles`` gives."""
        plain = (
            self.extends is not None
            and not self.sets
            and not self.adds
            and not self.generate
            and self.name == self.extends
        )
        return self.name if plain else f"fixture:{self.name}"

    def base_state(self, tenant_id: str, index: int) -> dict[str, Any]:
        if self.extends is not None:
            state = build_state(self.extends, tenant_id, index)
        else:
            state = _fill(copy.deepcopy(self.tenant or {}), replacements(tenant_id, index))
        if self.generate:
            from scorekeeper.simulator.generate import generate

            generate(state, dict(self.generate), seed=self.name)
        return state

    def apply_sets(self, tenant: Tenant) -> None:
        values = replacements(tenant.id, tenant.index)
        for dotted, value in self.sets.items():
            set_path(tenant.state, dotted, _fill(copy.deepcopy(value), values))
        for dotted, items in self.adds.items():
            add_path(tenant.state, dotted, _fill(copy.deepcopy(items), values))


def replacements(tenant_id: str, index: int) -> dict[str, str]:
    """The placeholders profile files may use, with the same values the shipped profiles get."""
    today = datetime.now(UTC).date()
    return {
        "$TENANT_ID": tenant_id,
        "$DOMAIN": f"contoso{index or ''}.onmicrosoft.com",
        "$YESTERDAY": (today - timedelta(days=1)).isoformat(),
        "$TODAY": today.isoformat(),
    }


def recipe_for(spec: ProfileSpec) -> Recipe:
    """Check one profile name or fixture and say precisely what is wrong with it."""
    if isinstance(spec, str):
        if spec not in profile_names():
            raise FixtureError(
                f"unknown simulator profile {spec!r} (shipped: {', '.join(profile_names())}); "
                "pass fixture data as a dict or a pathlib.Path to a JSON file"
            )
        return Recipe(name=spec, extends=spec)
    if isinstance(spec, os.PathLike):
        path = Path(spec)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise FixtureError(f"fixture file {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise FixtureError(f"fixture file {path} is not JSON: {exc}") from None
        return _from_data(data, where=str(path))
    if isinstance(spec, Mapping):
        return _from_data(spec, where="fixture data")
    raise FixtureError(f"a profile is a name, a dict or a pathlib.Path, not {type(spec).__name__}")


def _from_data(data: Any, *, where: str) -> Recipe:
    if not isinstance(data, Mapping):
        raise FixtureError(f"{where} must be a JSON object, not {type(data).__name__}")
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise FixtureError(f"{where} has unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(KEYS))})")
    extends, tenant = data.get("extends"), data.get("tenant")
    if (extends is None) == (tenant is None):
        raise FixtureError(f"{where} needs exactly one of 'extends' (a shipped profile) and 'tenant' (a whole state)")
    if extends is not None and extends not in profile_names():
        raise FixtureError(f"{where} extends unknown profile {extends!r} (shipped: {', '.join(profile_names())})")
    if tenant is not None and not isinstance(tenant, Mapping):
        raise FixtureError(f"{where}: 'tenant' must be an object holding the whole tenant state")
    sets = data.get("set") or {}
    if not isinstance(sets, Mapping) or not all(isinstance(k, str) for k in sets):
        raise FixtureError(f"{where}: 'set' must map dotted paths to values")
    adds = data.get("add") or {}
    if not isinstance(adds, Mapping) or not all(isinstance(k, str) for k in adds):
        raise FixtureError(f"{where}: 'add' must map dotted paths to the items to append")
    name = data.get("name") or extends or "fixture"
    return Recipe(
        name=str(name),
        extends=extends,
        tenant=dict(tenant) if tenant is not None else None,
        sets=dict(sets),
        adds=dict(adds),
        generate=dict(data.get("generate") or {}),
    )


class FixtureSimulator(Simulator):
    """A :class:`Simulator` whose tenants come from recipes; ``reset`` rebuilds the fixtures."""

    def __init__(
        self, recipes: Iterable[Recipe], *, extensions: Iterable[SimulatorExtension] | None = None, seed: int = 0
    ) -> None:
        chosen = list(recipes)
        tenants, keys = [], []
        for index, recipe in enumerate(chosen):
            tenant_id = tenant_id_for(recipe.key, keys.count(recipe.key))
            keys.append(recipe.key)
            tenants.append(Tenant(tenant_id, recipe.name, recipe.base_state(tenant_id, index), index))
        self.recipes = {t.id: r for t, r in zip(tenants, chosen, strict=True)}
        super().__init__(tenants, extensions=extensions, seed=seed)
        self._apply_sets()
        self.mark()

    def _apply_sets(self) -> None:
        for tenant_id, recipe in self.recipes.items():
            try:
                recipe.apply_sets(self.tenants[tenant_id])
            except ProfileError as exc:
                raise FixtureError(f"fixture {recipe.name!r}: {exc}") from None
            except (KeyError, TypeError, AttributeError) as exc:
                raise FixtureError(f"fixture {recipe.name!r}: a 'set' path does not fit the state ({exc})") from None

    def reset(self) -> None:
        """Every tenant back to its fixture (base state, extensions' initial state, then ``set``)."""
        with self.lock:
            for tenant in self.tenants.values():
                tenant.state = self.recipes[tenant.id].base_state(tenant.id, tenant.index)
                self._init_extensions(tenant)
            self._apply_sets()
            self.request_log.clear()
            self.faults.clear()
            self.mark()


def simulator_for(
    *profiles: ProfileSpec,
    profile_data: ProfileSpec | Iterable[ProfileSpec] | None = None,
    extensions: Iterable[SimulatorExtension] | None = None,
    seed: int = 0,
) -> Simulator:
    """One simulated tenant per profile name or fixture (``weak-cloud`` when none is given).

    ``profile_data`` adds fixture tenants after the positional ones. ``extensions=None`` serves
    every installed simulator extension; pass a list to choose (``[]``: the core simulator alone).
    Shipped profiles alone give a plain ``Simulator.from_profiles`` with the same tenant ids.
    """
    specs: list[ProfileSpec] = list(profiles)
    if profile_data is not None:
        many = isinstance(profile_data, Iterable) and not isinstance(profile_data, str | Mapping | os.PathLike)
        specs += list(profile_data) if many else [profile_data]  # type: ignore[arg-type]
    recipes = [recipe_for(spec) for spec in specs or ["weak-cloud"]]
    if all(isinstance(spec, str) for spec in specs):
        return Simulator.from_profiles(*(r.name for r in recipes), extensions=extensions, seed=seed)
    return FixtureSimulator(recipes, extensions=extensions, seed=seed)

"""Attestations: a person's statement that a guided setting is done, kept apart from what runs found.

A guided setting cannot be read from the tenant, so a person's word is the only evidence there
is; it is stored as said (who, when, a note) and never changed, and readers take the newest per
setting. Nothing here runs inside a run's transaction: a person attests at any time.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import col

from scorekeeper.domain.model import Attestation
from scorekeeper.store import bulk, convert
from scorekeeper.store.tables import AttestationRow
from scorekeeper.store.transactions import Transactions

__all__ = ["AttestationHistory"]


class AttestationHistory(Transactions):
    """Recording attestations and reading them per tenant, per control or for many tenants at once."""

    def record_attestation(self, att: Attestation) -> int:
        """Keep a person's statement that a guided setting is done; returns its id."""
        with self._write() as session:
            self._ensure_tenant(session, att.tenant)
            row = AttestationRow(
                tenant=att.tenant, control=att.control, setting=att.setting, by=att.by, note=att.note, at=att.at
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    def attested_pairs(self) -> set[tuple[str, str]]:
        """Every (tenant, control) with at least one attestation: lets a fleet skip asking the rest."""
        with self._read() as session:
            rows = session.execute(select(col(AttestationRow.tenant), col(AttestationRow.control)).distinct())
            return {(tenant, control) for tenant, control in rows}

    def attestations(self, tenant: str, control: str | None = None) -> list[Attestation]:
        """A tenant's attestations, oldest first (so a dict built from them keeps the newest per setting)."""
        query = select(AttestationRow).where(col(AttestationRow.tenant) == tenant)
        if control is not None:
            query = query.where(col(AttestationRow.control) == control)
        with self._read() as session:
            rows = session.execute(query.order_by(col(AttestationRow.at), col(AttestationRow.id)))
            return [convert.attestation_from_row(r) for r in rows.scalars()]

    def attestations_of(self, tenants: Iterable[str]) -> dict[str, list[Attestation]]:
        """The attestations of each of ``tenants``, oldest first."""
        with self._read() as session:
            return bulk.attestations_of(session, list(tenants))

"""What a run found, written to history: one control at a time, or the whole run in one transaction.

Two paths because two kinds of caller need them: a run that reports controls as they finish
(:meth:`ResultHistory.record_control_result`) and a fleet, for which each tenant run must cost
one commit, not five (:meth:`ResultHistory.record_run`, Core statements from ``runwrite.py``).
Both store the same rows, so a report cannot tell which path wrote a run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from scorekeeper.domain.model import Actor, ControlResult, Organization
from scorekeeper.domain.securescore import AssessedScore
from scorekeeper.store import baselines, convert, driftdetect, runwrite, summary, tenant_scores
from scorekeeper.store.overview import ASSESSING_KINDS
from scorekeeper.store.records import StoreError
from scorekeeper.store.tables import RUN_STATUSES, ControlResultRow, RunRow, ScoreSnapshotRow
from scorekeeper.store.transactions import Transactions

__all__ = ["ResultHistory", "RunRecord"]


@dataclass(frozen=True)
class RunRecord:
    """One run's :meth:`ResultHistory.record_run` call, held so that several can share a transaction.

    ``options`` are ``record_run``'s keyword arguments (``detect_drift``, ``versions``...).
    """

    run_id: int
    results: Sequence[ControlResult]
    status: str = "completed"
    error: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)


class ResultHistory(Transactions):
    """Storing a run's findings, score snapshots, unrecorded changes and (with the whole run) its drift."""

    def record_control_result(self, run_id: int, result: ControlResult) -> None:
        """Store one control's findings and Secure Score snapshot for a run.

        Changes that carry an id were stored by :meth:`change_started` and are left alone; any
        without one (a caller that did not record them as they happened) are stored now, so that
        nothing a run reports is lost.
        """
        with self._write() as session:
            run = session.get(RunRow, run_id)
            if run is None:
                raise StoreError(f"no run {run_id} in history")
            session.add(ControlResultRow(run_id=run_id, control=result.control, title=result.title, error=result.error))
            runwrite.insert_findings(session, run_id, result.findings)
            if result.score is not None:
                session.add(
                    ScoreSnapshotRow(
                        run_id=run_id,
                        tenant=run.tenant,
                        control=result.control,
                        score=result.score.score,
                        max_score=result.score.max_score,
                        taken_at=result.score.taken_at or self._clock(),
                    )
                )
            touched = {result.control, *(f.control for f in result.findings)}
            summary.lock_current(session, run.tenant, touched)
            if run.kind in ASSESSING_KINDS:
                runwrite.point_latest(session, run.tenant, result.control, run_id)
            session.flush()
            summary.refresh(session, [(run.tenant, control) for control in touched])  # exact, from the tables
            now = self._clock()
            for change in result.changes:
                if change.id is None:
                    row = convert.change_row(run_id, result.control, change, now)
                    row.finished_at = now
                    session.add(row)

    def record_run(
        self,
        run_id: int,
        results: Iterable[ControlResult],
        status: str = "completed",
        error: str = "",
        *,
        detect_drift: bool = False,
        versions: Mapping[str, str] | None = None,
        organization: Organization | None = None,
        identity: str = "",
        tenant_id: str = "",
        tenant_score: AssessedScore | None = None,
        drift_authors: Mapping[tuple[str, str], Mapping[str, str]] | None = None,
    ) -> Actor | None:
        """Store every control's result, close the run and (optionally) record its drift: one transaction.

        What :meth:`record_control_result` for each control, :meth:`finish_run` and
        :meth:`detect_drift` do one by one, in a single write with bulk statements, so a fleet
        pays one commit per tenant run instead of five. Returns the run's actor (as
        :meth:`run_actor` would), so the caller needs no second read. In the same transaction:
        ``versions`` (scorekeeper's and each plugin distribution's, ``scorekeeper.engine.versions``)
        and ``organization`` (the tenant's names as the run read them,
        ``scorekeeper.graph.organization``), ``None`` recording nothing for them; ``identity``, what
        :meth:`record_identity` would record, and ``tenant_id``, what :meth:`record_tenant_id`
        would ("" for neither); ``tenant_score``, the tenant's whole Secure Score as
        :meth:`record_tenant_scores` would keep it (with the days to import on a first run);
        ``drift_authors``, who moved each ``(control, setting)`` off its baseline and when, as the
        tenant's audit log told the engine (added to the ``setting_drifted`` events).
        """
        record = RunRecord(
            run_id,
            list(results),
            status,
            error,
            {
                "detect_drift": detect_drift,
                "versions": versions,
                "organization": organization,
                "identity": identity,
                "tenant_id": tenant_id,
                "tenant_score": tenant_score,
                "drift_authors": drift_authors,
            },
        )
        return self.record_runs([record])[0]

    def record_runs(self, records: Sequence[RunRecord]) -> list[Actor]:
        """:meth:`record_run` for each of ``records``, all in one transaction (a group commit); the actors in order.

        For a fleet's assessments only (``HistoryWrites.record_in_group``): either every run of
        the group is recorded or none is, and until the commit each stays ``running`` — a crash
        before it loses these results and nothing else, and :meth:`interrupt_stale_runs` closes
        the runs as ``interrupted``. Nothing a tenant write depends on (a remediation's
        before-values, a run started before its writes) may wait in a group: those are committed
        by their own calls before the write leaves (see ``history.py``).
        """
        for record in records:
            if record.status not in RUN_STATUSES or record.status == "running":
                raise StoreError(f"a run cannot finish as {record.status!r}; expected completed, failed or interrupted")
        with self._write_connection() as core:  # no session: prepared statements on the driver (prepared.py)
            actors = [self._record(core, r.run_id, list(r.results), r.status, r.error, **r.options) for r in records]
        for record in records:
            self.heartbeat.remove_run(record.run_id)  # finished: nothing left to keep alive
        return actors

    def _record(
        self,
        core: Connection,
        run_id: int,
        results: list[ControlResult],
        status: str,
        error: str,
        *,
        detect_drift: bool = False,
        versions: Mapping[str, str] | None = None,
        organization: Organization | None = None,
        identity: str = "",
        tenant_id: str = "",
        tenant_score: AssessedScore | None = None,
        drift_authors: Mapping[tuple[str, str], Mapping[str, str]] | None = None,
    ) -> Actor:
        """One run's part of :meth:`record_runs`, inside its transaction."""
        now = self._clock()
        profiles = tenant_scores.profile_set(tenant_score.profiles) if tenant_score is not None else None
        digest = profiles.digest if profiles is not None else None
        today = tenant_score.today if tenant_score is not None else None
        map_digest = tenant_scores.controls_digest(today.controls) if today is not None else None
        digests = {"profiles_digest": digest, "controls_digest": map_digest}
        digests["versions_digest"] = runwrite.versions_digest(versions)
        run = runwrite.run_for_results(core, {"run_id": run_id, **digests})
        if run is None:
            raise StoreError(f"no run {run_id} in history")
        # The previous assessment's bodies: an unchanged run's digests need no lookup, drift compares the ids.
        before = runwrite.run_bodies(core, run.previous_id) if run.previous_id is not None else []
        known = {digest: body_id for body_id, digest in before}
        body_ids = runwrite.write_results(core, run_id, run.tenant, run.kind, results, now, known)
        unrecorded = []
        for result in results:
            for change in result.changes:
                if change.id is None:
                    row = convert.change_row(run_id, result.control, change, now)
                    row.finished_at = now
                    unrecorded.append(row)
        if unrecorded:
            runwrite.insert_changes(core, unrecorded)
        who = identity or run.identity or ""
        finish = {"id_": run_id, "status": status, "error": error, "finished_at": now, "who": who}
        if versions is not None or organization is not None:
            stored = runwrite.versions_id(core, versions, run.versions_id)
            finish |= runwrite.run_facts(run_id, stored, organization)
            runwrite.FINISH_RUN_WITH_FACTS_PREPARED.execute(core, finish)
        else:
            runwrite.FINISH_RUN_PREPARED.execute(core, finish)
        if tenant_id and tenant_id != run.tenant_id:  # an unchanged directory id is not written again
            runwrite.set_tenant_id(core, run.tenant, tenant_id)
        if tenant_score is not None:
            known_maps = {map_digest: run.controls_id} if map_digest and run.controls_id is not None else None
            tenant_scores.add_record(
                core,
                run.tenant,
                run_id,
                tenant_score,
                profiles=profiles,
                known_set_id=run.profiles_id,
                known_maps=known_maps,
            )
        # The one drift rule, as detect_drift (idempotent; against the previous completed
        # assessment, both read with the run above); this run's facts from memory.
        # Baselines first: a verified remediation establishes them, a rollback moves them back.
        if run.kind == "remediate":
            baselines.establish(core, run.tenant, run_id, results, now)
        elif run.kind == "rollback":
            baselines.withdraw_rolled_back(core, run.tenant, run_id, results)
        if detect_drift and status == "completed" and not run.drift_recorded:
            total = tenant_score.today if tenant_score is not None else driftdetect.read_total(core, run_id)
            facts = driftdetect.facts_of(results, total)
            previous_ids = [body_id for body_id, _ in before] if run.previous_id is not None else None
            # This run's control-score map as stored (its id looked up by digest above): the previous
            # run's score pointing at the same map is not read and decoded again.
            known_map = (run.controls_id, today.controls) if run.controls_id is not None and today else None
            driftdetect.drift_against(
                core,
                run_id,
                run.tenant,
                run.previous_id,
                facts,
                body_ids,
                previous_ids,
                authors=drift_authors,
                known_map=known_map,
            )
        return Actor(os_user=run.os_user or "", host=run.host or "", identity=who)

"""How long a fleet report of N tenants takes to build from history and render, and how big it is.

Assesses one simulated tenant per shipped profile for real (the in-process simulator, the real
plugins), then writes those findings and scores into history as ``--tenants`` tenants with
``--runs`` assessments each, a week apart (so every tenant has a previous run and a trend),
through the public ``HistoryStore`` API, with each sample's 90 days of whole-tenant Secure
Score and control profiles. Then times ``build_report`` over every tenant's latest
assessment and each format's renderer, and prints seconds and bytes. The issue's bar: 200
tenants in under 2 s and under 5 MB (HTML). Nothing is asserted; the figures go to docs/reports.md.

``--history FILE`` keeps the seeded history in FILE and, when FILE exists, reports from it
without seeding again: old and new code can then be timed alternately on the same history, each
in a fresh process (the first build and render in a process is what a user waits for).
``--format`` limits the renderers timed (repeatable; all of them by default). The HTML line also
says how many rows the fleet page's "Settings across the fleet" has (one per distinct state).

    .venv/bin/python benchmarks/report_fleet.py [--tenants 200] [--runs 3] [--distinct] [--keep DIR]
                                                [--history FILE] [--format html ...]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scorekeeper.domain.model import ControlResult, SecureScore
from scorekeeper.domain.securescore import ControlScore, DailyScore
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.reports import FORMATS, render
from scorekeeper.reports.build import build_report, latest_assessments
from scorekeeper.store import HistoryStore
from scorekeeper.testing import make_engine, simulator_for

PROFILES = ("weak-cloud", "hardened", "hybrid-writeback-off", "o365-only", "large")


def real_results(store: HistoryStore, data_dir: Path) -> list[tuple[ControlResult, ...]]:
    """One real assessment per profile: the controls' results as the plugins returned them."""
    sims = {p: simulator_for(p) for p in PROFILES}
    engine = make_engine(sims, store, data_dir)
    runs = asyncio.run(engine.assess(list(sims)))
    return [run.controls for run in runs]


def whole_scores(store: HistoryStore) -> list[tuple[list[DailyScore], Any]]:
    """Each sample tenant's daily totals and newest assessed score with its control profiles."""
    found = []
    for name in PROFILES:
        days = [
            DailyScore(datetime.combine(p.day, datetime.min.time(), UTC), p.score, p.max_score)
            for p in store.score_trend(name)
        ]
        found.append((days, store.latest_tenant_score(name)))
    return found


def distinct(controls: tuple[ControlResult, ...], tenant: str) -> tuple[ControlResult, ...]:
    """The sample's results with every finding made the tenant's own (its name in the reason).

    The benchmark's tenants are copies of a few samples, so most of their findings are equal and
    history stores (and a report reads and renders) each equal finding once; ``--distinct``
    measures the other end, a fleet in which no two tenants have an equal finding.
    """
    return tuple(
        replace(c, findings=tuple(replace(f, reason=f"{f.reason} [{tenant}]") for f in c.findings)) for c in controls
    )


def seed(
    store: HistoryStore,
    samples: list[tuple[ControlResult, ...]],
    tenants: int,
    runs: int,
    totals: list[Any],
    *,
    unique: bool = False,
) -> list[str]:
    names = [f"tenant-{i:03d}" for i in range(tenants)]
    start = datetime.now(UTC) - timedelta(weeks=runs)
    for i, name in enumerate(names):
        for r in range(runs):
            controls = samples[(i + r) % len(samples)]
            if unique:
                controls = distinct(controls, name)
            run_id = store.start_run(name, "assess", controls=[c.control for c in controls], tenant_id=f"{i:08d}-0000")
            at = start + timedelta(weeks=r, minutes=i)
            for control in controls:
                score = control.score
                if score is not None:
                    score = SecureScore(control.control, score.score, score.max_score, at)
                store.record_control_result(run_id, replace(control, score=score))
            store.finish_run(run_id)
        days, latest = totals[i % len(totals)]
        store.record_tenant_scores(name, days, source="imported")  # 90 days, as a first run imports them
        if latest is not None:  # the newest assessment's total and every control profile
            score, profiles = latest
            rows = [ControlScore.from_dict(p, "") for p in profiles]
            store.record_tenant_scores(name, [score], source="assessment", run_id=run_id, profiles=rows)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3, help="assessments per tenant")
    parser.add_argument("--keep", type=Path, help="write the rendered reports into this folder")
    parser.add_argument("--distinct", action="store_true", help="no two tenants share a finding (see distinct())")
    parser.add_argument("--history", type=Path, help="seed this history file once; later runs report from it")
    parser.add_argument("--format", action="append", choices=sorted(FORMATS), help="time only these renderers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.history or Path(tmp) / "history.db"
        seeded = path.exists()
        store = HistoryStore.open(str(path))
        names = [f"tenant-{i:03d}" for i in range(args.tenants)]
        if seeded:
            print(f"reporting from {path} (seeded before; --distinct and --runs are what it was seeded with)")
        else:
            t = time.perf_counter()
            samples = real_results(store, Path(tmp))
            names = seed(store, samples, args.tenants, args.runs, whole_scores(store), unique=args.distinct)
            shared = "no finding shared between tenants" if args.distinct else "findings shared as the samples repeat"
            print(f"seeded {args.tenants} tenants × {args.runs} runs in {time.perf_counter() - t:.1f} s ({shared})")
        plugins = load_plugins()
        t, c = time.perf_counter(), time.process_time()
        run_ids = latest_assessments(store, names)
        report = build_report(store, run_ids, controls=plugins.controls, generator={"scorekeeper": "bench"})
        built, built_cpu = time.perf_counter() - t, time.process_time() - c
        settings = sum(len(s.settings) for s in report.tenants)
        tenants = len(report.tenants)
        print(f"build_report: {built:.3f} s ({built_cpu:.3f} s CPU) for {tenants} tenants, {settings} settings")
        for fmt in args.format or FORMATS:
            t, c = time.perf_counter(), time.process_time()
            text = render(report, fmt)
            took, cpu = time.perf_counter() - t, time.process_time() - c
            size = len(text.encode())
            states = f", {text.count(' data-n=')} state rows" if fmt == "html" and report.fleet else ""
            print(
                f"{fmt:>10}: render {took:.3f} s ({cpu:.3f} s CPU), build + render {built + took:.3f} s"
                f" ({built_cpu + cpu:.3f} s CPU), {size / 1e6:.2f} MB{states}"
            )
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                (args.keep / f"fleet.{fmt}").write_text(text, encoding="utf-8")
        store.close()


if __name__ == "__main__":
    main()

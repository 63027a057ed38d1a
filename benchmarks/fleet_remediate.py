"""Remediation and rollback of a served fleet, in requests and round trips per tenant, beside the minimum.

What a person types, each in a process of its own, against ``scorekeeper simulator serve --tenants N
--latency MS`` (its own process too, so the server's CPU is not the client's):

1. ``scorekeeper remediate --all-tenants --yes`` (``--group`` over every tenant where the command
   has no ``--all-tenants``, so an older commit can be measured the same way);
2. ``scorekeeper rollback --fleet RUN --yes`` of that remediation.

Each command runs under a thin wrapper that records every HTTP request where it reaches the socket
(below the SDK's middleware): its tenant (the ``tid`` of its bearer token), method, path, the
requests inside a ``$batch``, and when it left and was answered. Per tenant it prints

- **requests** on the wire (a ``$batch`` is one) and the requests they carried;
- **writes** (``PATCH``/``PUT``/``POST``/``DELETE``, batched ones included; a ``$batch`` of reads is no write)
  beside the **distinct resources written** (the minimum number of writes when every write to one
  resource is merged);
- **round trips**: the longest chain of that tenant's requests each of which left after the
  previous one was answered (sequential dependent waves; what the tenant waits for at any
  latency), beside the **minimum**: remediation = the plan's read, the before-values' read, the
  writes, the read-back (4; one more where a write needs the id of an object created first);
  rollback = the read, the restores, the read-back (3);
- the command's wall and CPU (``/proc/PID/stat`` of the exited child, start-up included) and the
  wire's limit, latency × round trips × tenants ÷ concurrency (``wall / limit`` is how far from it).

Exactness: every tenant's writable state (the resources below, read raw over HTTP with its own
tokens) is read before the remediation, after it and after the rollback; the rollback is exact when
the last equals the first (server-maintained timestamps aside). The remediation's written paths
are checked to be covered by what is read. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/fleet_remediate.py [--tenants 1 50 200] [--latency 100] [--concurrency 64]
        [--profile weak-cloud] [--repeat 1] [--scorekeeper PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from fleet import start_server  # the same served fleet as benchmarks/fleet.py

#: What the exactness check reads of every tenant: each resource a shipped plugin writes (api, version, path).
STATE = (
    ("graph", "v1.0", "policies/authorizationPolicy"),
    ("graph", "beta", "policies/authenticationMethodsPolicy"),
    ("graph", "v1.0", "domains"),
    ("graph", "v1.0", "groupSettings"),
    ("graph", "v1.0", "identity/conditionalAccess/policies"),
    ("graph", "v1.0", "deviceManagement/deviceConfigurations"),
    ("graph", "v1.0", "policies/adminConsentRequestPolicy"),
    ("portal", "", "PasswordReset/PasswordResetPolicies?getPasswordResetEnabledGroup=true"),
    ("portal", "", "PasswordReset/OnPremisesPasswordResetPolicies"),
)
WRITES = frozenset({"PATCH", "PUT", "POST", "DELETE"})


# --- the wrapper the commands run under ----------------------------------------------------------------


def _tid(authorization: str, cache: dict[str, str]) -> str:
    """The ``tid`` claim of a bearer token (unverified: the benchmark only sorts requests by tenant)."""
    found = cache.get(authorization)
    if found is None:
        token = authorization.removeprefix("Bearer ").strip()
        try:
            payload = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            found = str(claims.get("tid") or "?")
        except (IndexError, ValueError):
            found = "?"
        cache[authorization] = found
    return found


def _inner(body: bytes) -> list[str]:
    """The methods of the requests a ``$batch`` body carries."""
    try:
        return [str(r.get("method", "GET")).upper() for r in json.loads(body).get("requests") or []]
    except ValueError:
        return []


def _wrapped(log_path: str, argv: list[str]) -> None:
    """Run ``scorekeeper *argv`` recording every request at the transport; the log is written at exit."""
    import httpx

    from scorekeeper.graph.transport import AiohttpTransport

    log: list[tuple[str, str, str, list[str], float, float, int]] = []
    tids: dict[str, str] = {}
    for transport in (httpx.AsyncHTTPTransport, AiohttpTransport):
        original = transport.handle_async_request

        async def recorded(self: Any, request: httpx.Request, _original: Any = original) -> httpx.Response:
            tenant = _tid(request.headers.get("authorization", ""), tids)
            inner = _inner(request.content) if request.url.path.endswith("/$batch") else []
            left = time.monotonic()
            status = 0
            try:
                response = await _original(self, request)
                status = response.status_code
                return response
            finally:
                log.append((tenant, request.method, request.url.path, inner, left, time.monotonic(), status))

        transport.handle_async_request = recorded  # type: ignore[method-assign]

    # The lean request path (graph/lean.py) sends below httpx, through AiohttpTransport.exchange.
    exchange = getattr(AiohttpTransport, "exchange", None)
    if exchange is not None:

        async def exchanged(self: Any, method: str, url: Any, headers: Any, body: Any, *rest: Any) -> Any:
            authorization = next((v for k, v in headers if k.lower() == "authorization"), "")
            tenant = _tid(authorization, tids)
            inner = _inner(body or b"") if str(url.path).endswith("/$batch") else []
            left = time.monotonic()
            status = 0
            try:
                answer = await exchange(self, method, url, headers, body, *rest)
                status = answer.status_code
                return answer
            finally:
                log.append((tenant, method, str(url.path), inner, left, time.monotonic(), status))

        AiohttpTransport.exchange = exchanged  # type: ignore[method-assign,assignment]

    def dump() -> None:
        Path(log_path).write_text(json.dumps(log))

    sys.argv = ["scorekeeper", *argv]
    from scorekeeper.cli.main import main

    # Written as main() ends (its SystemExit passes through here first): the command's quick exit
    # (util/quickexit.py) ends the process in the first atexit handler it registered, before one
    # registered here would run.
    try:
        main()
    finally:
        dump()


# --- measuring ----------------------------------------------------------------------------------------


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrapped(argv: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """One command in its own process under :func:`_wrapped`: wall, CPU, exit code and the request log."""
    command = [sys.executable, __file__, "--wrapped", str(log), "--", *argv]
    started = time.perf_counter()
    proc = subprocess.Popen(
        command,
        env=env,
        cwd=log.parent,  # not the checkout: an older commit must not find this one's alembic.ini
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
    wall = time.perf_counter() - started
    cpu = proc_cpu_seconds(proc.pid)
    proc.wait()
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    requests = json.loads(log.read_text()) if log.is_file() else []
    return {"wall": wall, "cpu": cpu, "exit": proc.returncode, "requests": requests, "stdout": out, "stderr": err}


def round_trips(spans: list[tuple[float, float]]) -> int:
    """The longest chain of requests each leaving after the previous one was answered (greedy by answer time)."""
    chain, free_at = 0, float("-inf")
    for left, answered in sorted(spans, key=lambda s: s[1]):
        if left >= free_at:
            chain += 1
            free_at = answered
    return chain


def per_tenant(requests: list[list[Any]]) -> dict[str, dict[str, Any]]:
    tenants: dict[str, dict[str, Any]] = {}
    for tenant, method, path, inner, left, answered, _status in requests:
        one = tenants.setdefault(tenant, {"requests": 0, "carried": 0, "writes": 0, "spans": [], "written": set()})
        one["requests"] += 1
        one["carried"] += len(inner) or 1
        one["spans"].append((left, answered))
        batch_writes = sum(1 for m in inner if m in WRITES)
        if inner:
            one["writes"] += batch_writes
        elif method in WRITES:
            one["writes"] += 1
            # One resource whichever API version wrote it; each create makes an object of its own.
            where = path.removesuffix("/assign").replace("/beta/", "/").replace("/v1.0/", "/")
            if method == "POST" and not path.endswith("/assign"):
                where += f" (create {one['writes']})"
            one["written"].add(where)
    for one in tenants.values():
        one["round_trips"] = round_trips(one.pop("spans"))
    return tenants


async def read_state(config: Path, concurrency: int) -> dict[str, dict[str, Any]]:
    """Every served tenant's :data:`STATE`, read raw over HTTP with its own tokens: tenant id → path → body."""
    import httpx

    tables = tomllib.loads(config.read_text())["tenants"]
    served = [t for name, t in sorted(tables.items()) if name.startswith("sim-")]
    limit = asyncio.Semaphore(concurrency)
    out: dict[str, dict[str, Any]] = {}
    async with httpx.AsyncClient(timeout=120) as client:

        async def one(table: dict[str, Any]) -> None:
            state: dict[str, Any] = {}
            async with limit:
                for api, version, path in STATE:
                    if api == "graph":
                        url, token = f"{table['graph_url']}/{version}/{path}", table["token"]
                    else:
                        url, token = f"{table['portal_url']}/{path}", table["portal_token"]
                    answer = await client.get(url, headers={"Authorization": f"Bearer {token}"})
                    state[f"{api} {version} {path}".replace("  ", " ")] = (
                        answer.json() if answer.status_code == 200 else answer.status_code
                    )
            out[table["tenant_id"]] = state

        await asyncio.gather(*(one(t) for t in served))
    return out


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    from scorekeeper.simulator.observe import diff

    found = []
    for tenant, state in before.items():
        for key, value in state.items():
            found += [f"{key}: {c}" for c in diff(tenant, value, after.get(tenant, {}).get(key))]
    return found


def has_all_tenants(env: dict[str, str]) -> bool:
    """Whether the measured code's ``remediate`` takes ``--all-tenants`` (an older commit's does not)."""
    command = [sys.executable, "-c", "from scorekeeper.cli.main import main; main()", "remediate", "--help"]
    # Not from the checkout's directory: ``python -c`` would import this checkout's package first.
    help_text = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir()).stdout
    return "--all-tenants" in help_text


def latest_remediation(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        row = connection.execute("SELECT max(id) FROM runs WHERE kind = 'remediate'").fetchone()
    if not row or row[0] is None:
        raise SystemExit("the remediation recorded no run")
    return int(row[0])


def summarise(result: dict[str, Any], count: int) -> dict[str, Any]:
    tenants = per_tenant(result["requests"])
    served = [t for t in tenants.values()]
    if not served:
        return {"requests": 0.0, "carried": 0.0, "writes": 0.0, "resources": 0.0, "round_trips": []}
    return {
        "requests": sum(t["requests"] for t in served) / count,
        "carried": sum(t["carried"] for t in served) / count,
        "writes": sum(t["writes"] for t in served) / count,
        "resources": sum(len(t["written"]) for t in served) / count,
        "round_trips": sorted(t["round_trips"] for t in served),
        "written": sorted({p.split(" (create")[0] for t in served for p in t["written"]}),
    }


def measure(count: int, args: argparse.Namespace) -> dict[str, Any]:
    server, snippet, _ = start_server(count, args.latency, args.profile)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            tmp = args.keep or scratch  # --keep: the history and the request logs stay for `history RUN --json`
            data = Path(tmp)
            data.mkdir(parents=True, exist_ok=True)
            config = data / "scorekeeper.toml"
            names = [
                line.split(".", 1)[1].rstrip("]\n") for line in snippet.splitlines() if line.startswith("[tenants.")
            ]
            groups = f"[groups.fleet]\ntenants = {json.dumps(names)}\n\n"
            extra = ""
            if args.advice:  # every level planned: more settings, and two controls writing the authorization policy
                extra = '[remediation]\nrequirements = ["criterion", "baseline", "advice"]\n\n'
            config.write_text(f"[scorekeeper]\nconcurrency = {args.concurrency}\n\n{extra}{groups}{snippet}")
            env = {**os.environ, "SCOREKEEPER_DATA_DIR": tmp, "SCOREKEEPER_CONFIG": str(config)}
            env.pop("SCOREKEEPER_DB", None)
            if args.scorekeeper_src:
                src = Path(args.scorekeeper_src)
                paths = [str(src), *(str(p) for p in sorted((src / "plugins").iterdir()) if p.is_dir())]
                env["PYTHONPATH"] = os.pathsep.join([*paths, *filter(None, [env.get("PYTHONPATH")])])
            select = ["--all-tenants"] if has_all_tenants(env) else ["--group", "fleet"]
            before = asyncio.run(read_state(config, args.concurrency))
            served = proc_cpu_seconds(server.pid)
            remediated = run_wrapped(["remediate", *select, "--yes"], env, data / "remediate.json")
            remediated["server_cpu"] = proc_cpu_seconds(server.pid) - served
            middle = asyncio.run(read_state(config, args.concurrency))
            if remediated["exit"] not in (0, 1, 3):  # 1: some tenant's write failed; its rollback is measured too
                raise SystemExit(f"remediate exited {remediated['exit']}:\n{remediated['stderr'][-3000:]}")
            run_id = latest_remediation(data / "history.db")
            served = proc_cpu_seconds(server.pid)
            rolled = run_wrapped(["rollback", "--fleet", str(run_id), "--yes"], env, data / "rollback.json")
            rolled["server_cpu"] = proc_cpu_seconds(server.pid) - served
            after = asyncio.run(read_state(config, args.concurrency))
            return {
                "tenants": count,
                "select": select,
                "remediate": remediated,
                "rollback": rolled,
                "changed": len(differences(before, middle)),
                "left": differences(before, after),
                "remediate_summary": summarise(remediated, count),
                "rollback_summary": summarise(rolled, count),
            }
    finally:
        server.terminate()
        server.wait()


def report(result: dict[str, Any], args: argparse.Namespace) -> None:
    n, conc, latency = result["tenants"], args.concurrency, args.latency / 1000
    print(
        f"{n} tenant(s), {args.profile}, {args.latency:.0f} ms latency, concurrency {conc} "
        f"(`remediate {' '.join(result['select'])} --yes`, then `rollback --fleet RUN --yes`); load {_load()}"
    )
    for phase, minimum in (("remediate", 4), ("rollback", 3)):
        run, summary = result[phase], result[f"{phase}_summary"]
        trips = summary["round_trips"] or [0]
        limit = latency * minimum * n / min(conc, n)
        print(
            f"  {phase}: exit {run['exit']}, wall {run['wall']:.2f} s, CPU {run['cpu'] / n * 1000:.0f} ms per tenant "
            f"({run['cpu']:.1f} s; the served simulator's {run.get('server_cpu', 0.0):.1f} s)"
        )
        print(
            f"    per tenant: {summary['requests']:.1f} requests ({summary['carried']:.1f} carried), "
            f"{summary['writes']:.1f} writes to {summary['resources']:.1f} distinct resources (the minimum writes)"
        )
        print(
            f"    round trips per tenant: min {trips[0]} / median {statistics.median(trips):.0f} / max {trips[-1]} "
            f"(minimum {minimum})"
        )
        print(
            f"    wire limit (latency × minimum round trips × tenants ÷ concurrency): {limit:.2f} s; "
            f"wall / limit = {run['wall'] / limit if limit else float('nan'):.1f}"
        )
        if run["exit"] not in (0, 3):
            print("    stderr: " + run["stderr"].strip().replace("\n", "\n            ")[-1500:])
            failing = [line for line in run["stdout"].splitlines() if "exit 0" not in line and line.strip()]
            print("    stdout: " + "\n            ".join(failing[:12]))
    print(f"  resources written: {', '.join(result['remediate_summary'].get('written', []))}")
    if args.verbose:
        for phase in ("remediate", "rollback"):
            first = sorted(result[phase]["requests"], key=lambda r: r[4])
            tenant = next((r[0] for r in first if r[0] != "?"), "")
            start = first[0][4] if first else 0.0
            print(f"  {phase}, one tenant's requests (ms from its first):")
            for who, method, path, inner, left, answered, status in first:
                if who == tenant:
                    carried = f" ({len(inner)}: {' '.join(inner)})" if inner else ""
                    at = f"{(left - start) * 1000:7.0f} {(answered - start) * 1000:7.0f}"
                    print(f"    {at} {status} {method} {path}{carried}")
    print(f"  remediation changed {result['changed']} value(s) over the fleet")
    left = result["left"]
    print(f"  after rollback: {'every tenant reads as before' if not left else f'{len(left)} difference(s) left'}")
    for line in left[:10]:
        print(f"    {line}")


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--latency", type=float, default=100.0, help="milliseconds per HTTP exchange")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--profile", default="weak-cloud", help="the simulator profile of the tenants")
    parser.add_argument(
        "--scorekeeper-src", default="", help="a checkout whose scorekeeper package the commands import (an old commit)"
    )
    parser.add_argument("--advice", action="store_true", help="plan advice-level settings too ([remediation])")
    parser.add_argument("--verbose", action="store_true", help="list one tenant's requests")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this file")
    parser.add_argument(
        "--keep", default="", help="keep the config, history.db and request logs in this directory (one tenant count)"
    )
    parser.add_argument("--wrapped", default=None, help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.wrapped is not None:
        _wrapped(args.wrapped, [a for a in rest if a != "--"])
        return
    results = []
    for count in args.tenants:
        result = measure(count, args)
        report(result, args)
        results.append(result)
    if args.json is not None:
        for result in results:
            for phase in ("remediate", "rollback"):
                result[phase].pop("requests", None)
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()

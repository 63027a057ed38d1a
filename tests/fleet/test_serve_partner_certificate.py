"""``scorekeeper simulator serve --tenants N --partner``: the app's certificate, written, registered, usable.

The served process writes a self-signed certificate and its key beside the state file (mode 0600),
lists it in the app's ``keyCredentials`` (saved in the state file) and prints a config whose
commented alternative signs in with it; azure-identity's CertificateCredential then gets a token
from that process. Served again from the same state, it keeps the same certificate.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scorekeeper.config.model import TenantConfig
from scorekeeper.engine.auth import graph_credential
from scorekeeper.simulator import Simulator
from scorekeeper.simulator.appcert import key_credential, read_certificate, thumbprint
from scorekeeper.simulator.fleet import PARTNER_APP_ID, key_credentials
from scorekeeper.simulator.tokens import verify


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A served partner fleet: the snippet it printed on stdout; its stderr once it has stopped."""

    snippet: str
    stderr: str = ""


@contextmanager
def _serve(state: Path) -> Iterator[Served]:
    """``simulator serve --tenants 2 --partner --state STATE`` in a process of its own, until the block ends."""
    port = _free_port()
    command = [str(Path(sys.executable).with_name("scorekeeper")), "simulator", "serve", "--tenants", "2"]
    command += ["--partner", "--port", str(port), "--state", str(state)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stderr is not None
    lines: list[str] = []
    while not any(line.startswith("graph_url") for line in lines):
        line = server.stdout.readline()
        assert line, f"serve exited early: {server.stderr.read()}"
        lines.append(line)
    for _ in range(600):  # until uvicorn listens (the snippet is printed just before)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            server.wait(timeout=0.05) if server.poll() is not None else None
    served = Served("".join(lines))
    try:
        yield served
    finally:
        server.terminate()
        served.stderr = server.communicate(timeout=10)[1]


def test_serve_partner_writes_registers_and_signs_in_with_the_apps_certificate(tmp_path: Path) -> None:
    state = tmp_path / "msp.json"
    cert_path = tmp_path / "msp.partner-cert.pem"
    with _serve(state) as served:
        snippet = served.snippet
        assert cert_path.stat().st_mode & 0o777 == 0o600
        cert = read_certificate(cert_path)
        assert cert is not None
        template = tomllib.loads(snippet)["templates"]["msp"]
        assert template["auth"] == "client-secret"  # the secret stays the default ...
        assert re.search(r'^# auth = "certificate"$', snippet, re.M)  # ... the certificate its alternative
        assert f'# certificate_path = "{cert_path}"' in snippet
        sim = Simulator.load(state)
        registered = key_credentials(sim, sim.tenant_id, PARTNER_APP_ID)
        assert [k["key"] for k in registered] == [key_credential(cert.x509)["key"]]
        assert any(k["type"] == "AsymmetricX509Cert" and k["usage"] == "Verify" for k in registered)
        customer = sim.tenant_ids[1]
        tenant = TenantConfig.model_validate(
            {
                "name": "customer",
                "tenant_id": customer,
                "auth": "certificate",
                "client_id": template["client_id"],
                "certificate_path": str(cert_path),
                "authority": template["authority"],
                "graph_url": template["graph_url"],
            }
        )
        token = graph_credential(tenant).get_token("https://graph.microsoft.com/.default").token
        assert verify(sim.secret, token).tenant_id == customer
    assert f"certificate: {cert_path} (thumbprint {thumbprint(cert.x509)}" in served.stderr
    with _serve(state):
        again = read_certificate(cert_path)
    assert again == cert  # served again from the same state: the same certificate, still registered
    assert len(key_credentials(Simulator.load(state), sim.tenant_id, PARTNER_APP_ID)) == 1

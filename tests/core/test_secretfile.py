"""Secret files are read with a bound: a device, a FIFO or a huge file is one line, never MemoryError."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scorekeeper.errors import AuthError, WebhookError
from scorekeeper.util.secretfile import MAX_SECRET_BYTES, read_secret_file


def test_a_secret_file_is_read_stripped(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("  s3cret\n", encoding="utf-8")
    assert read_secret_file(secret) == "s3cret"


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_before_it_is_read(path: str) -> None:
    with pytest.raises(ValueError, match="is not a regular file"):
        read_secret_file(Path(path))


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="is not a regular file"):
        read_secret_file(fifo)


def test_a_file_larger_than_any_secret_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * (MAX_SECRET_BYTES + 1))
    with pytest.raises(ValueError, match="larger than 64 KiB"):
        read_secret_file(big)


def test_the_webhook_url_file_on_dev_zero_is_one_line() -> None:
    from scorekeeper.channels.webhook import WebhookConfig

    settings = WebhookConfig(url_file=Path("/dev/zero"))
    with pytest.raises(WebhookError, match=r"^url_file /dev/zero is not a regular file$"):
        settings.url()


def test_a_client_secret_file_on_dev_zero_is_one_line() -> None:
    from scorekeeper.engine.auth import _secret

    with pytest.raises(AuthError, match=r"^client secret: /dev/zero is not a regular file$"):
        _secret(None, Path("/dev/zero"), "client secret")

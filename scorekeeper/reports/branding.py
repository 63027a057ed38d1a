"""The operator's name and logo from ``[reports]``, as the report model carries them.

The logo was checked when the configuration was loaded (type by its first bytes, size); here it
becomes a ``data:`` URI so that an HTML report stays one self-contained file.
"""

from __future__ import annotations

import base64

from scorekeeper.config.model import ReportsSettings
from scorekeeper.errors import ReportError
from scorekeeper.reports.model import Branding


def branding_of(settings: ReportsSettings) -> Branding:
    """``[reports]`` as a :class:`Branding`; :class:`ReportError` when the logo went missing since loading."""
    logo = ""
    if settings.logo is not None:
        try:
            data = settings.logo.read_bytes()
        except OSError as exc:
            raise ReportError(f"reports.logo: cannot read {settings.logo}: {exc.strerror or exc}") from None
        logo = f"data:{settings.logo_type};base64,{base64.b64encode(data).decode('ascii')}"
    return Branding(operator=settings.operator.strip(), logo=logo)

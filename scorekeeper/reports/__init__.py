"""Reports for people and pipelines that were not at the terminal, built from history only.

:func:`~scorekeeper.reports.build.build_report` turns runs in history into one
:class:`~scorekeeper.reports.model.Report` (one tenant or a fleet); each format is a small
module that renders that model and decides nothing itself:

=============  =================================  ==========================================
format         module                             for
=============  =================================  ==========================================
html           :mod:`.html` (+ templates/)        auditors and managers: one offline file
md             :mod:`.markdown`                   a CI job summary (``$GITHUB_STEP_SUMMARY``)
json           :mod:`.jsondoc`                    machines; ``docs/report-schema.json``
csv            :mod:`.tabular`                    spreadsheets: one row per setting
actionplan     :mod:`.tabular`                    failing settings with owner/due date columns
junit          :mod:`.junit`                      CI test views (Azure DevOps, Jenkins, GitLab)
sarif          :mod:`.sarif`                      GitHub code scanning
=============  =================================  ==========================================
"""

from __future__ import annotations

import importlib
from pathlib import Path

from scorekeeper.reports.collector import collector_paused
from scorekeeper.reports.model import Report

#: format → (module:function, file name endings that select it)
FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "html": ("scorekeeper.reports.html:render_html", (".html", ".htm")),
    "md": ("scorekeeper.reports.markdown:render_markdown", (".md", ".markdown")),
    "json": ("scorekeeper.reports.jsondoc:render_json", (".json",)),
    "csv": ("scorekeeper.reports.tabular:render_csv", (".csv",)),
    "actionplan": ("scorekeeper.reports.tabular:render_actionplan", ()),
    "junit": ("scorekeeper.reports.junit:render_junit", (".xml", ".junit")),
    "sarif": ("scorekeeper.reports.sarif:render_sarif", (".sarif", ".sarif.json")),
}


def format_for(path: str | Path) -> str | None:
    """The format a file name asks for by its ending (``.sarif.json`` is SARIF, not JSON); else ``None``."""
    name = Path(path).name.lower()
    best: tuple[int, str] | None = None
    for fmt, (_, endings) in FORMATS.items():
        for ending in endings:
            if name.endswith(ending) and (best is None or len(ending) > best[0]):
                best = (len(ending), fmt)
    return best[1] if best else None


@collector_paused()
def render(report: Report, fmt: str) -> str:
    """``report`` rendered as ``fmt`` (a key of :data:`FORMATS`), the cycle collector paused (``collector``)."""
    module_name, function = FORMATS[fmt][0].split(":")
    renderer = getattr(importlib.import_module(module_name), function)
    text: str = renderer(report)
    return text

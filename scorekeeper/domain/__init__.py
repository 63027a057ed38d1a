"""The domain: the objects every layer exchanges and the rules that judge them (internal).

Frozen dataclasses (``model``), Secure Score types, and the judgements front ends share and never
repeat: a score behind passing settings is pending, a licence gates a setting, only guided settings
are attested, dated platform changes ahead, what a plan item moves, and whether a run could not be
assessed (``outcome``). Imports nothing above it: no Graph, no store, no plugins.
"""

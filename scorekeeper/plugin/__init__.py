"""The plugin API: what a control plugin is handed and registers (internal home of the public names).

``hookspecs`` (the contract), ``controller`` (what a plugin registers per control), ``context``
(the :class:`TenantContext` it reads and writes through), ``reads`` and ``writes`` (the read
plumbing and the write helper), ``manager`` (discovery, validation, dispatch). Plugins import
these names from :mod:`scorekeeper` and the public faces beside it, never from here.
"""

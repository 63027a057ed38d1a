"""One finding per setting, as plain functions of a :class:`~scorekeeper_sspr.rows.context.RowContext`.

Rows are grouped by what they read, so a change to one Graph or portal object touches one module;
:mod:`scorekeeper_sspr.rows.table` lists every row explicitly (no name lookups at run time).
This ``__init__`` imports nothing, so a row module importing a sibling never re-enters it.
"""

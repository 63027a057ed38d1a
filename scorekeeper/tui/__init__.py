"""The admins' dashboard: a Textual front end over the engine and the history store.

It renders what the engine reports and the store keeps; it decides nothing itself. Textual is
imported only here and below, so the rest of scorekeeper never pays for it.
"""

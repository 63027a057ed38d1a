"""Small helpers that know nothing of the domain: event loop, GC policy, private files, safe text (internal)."""

"""Click commands kept out of ``scorekeeper/cli.py``, each module registered lazily or with one line."""

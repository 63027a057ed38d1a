"""Scheduled assessments: schedules in the history database, a foreground daemon, drift and notifications.

``spec`` validates and describes schedules, ``store`` keeps them, ``runner`` carries out one
fire (assess, drift, remediation, notifications), ``daemon`` wires APScheduler 3 and shutdown,
``notify`` delivers events through the ``scorekeeper_notify`` hook, ``events`` builds them, and
``cli`` holds the ``schedule``, ``scheduler`` and ``drift`` commands. Nothing here is imported by
``scorekeeper --help``.
"""

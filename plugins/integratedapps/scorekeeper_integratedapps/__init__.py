"""scorekeeper plugin for the Secure Score control ``IntegratedApps`` (user consent to applications).

Written from scorekeeper's documentation alone (docs/writing-plugins.md and the generated
reference), the way a third party would write it; it imports only the public API.
"""

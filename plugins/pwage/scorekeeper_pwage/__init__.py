"""scorekeeper plugin for the Secure Score control ``PWAgePolicyNew`` ("Do not expire passwords").

Written only against scorekeeper's public API, the way any third-party plugin would be.
"""

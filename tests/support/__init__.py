"""Helpers the test suite and the benchmarks share; never shipped in the wheel."""

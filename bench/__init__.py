"""Benchmarks (not tests): ours against the naive way, in one run. `python -m bench --help`."""

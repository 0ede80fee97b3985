"""Silta's benchmarks: each figure next to a baseline measured in the same run.

`scripts/bench` (or `python -m bench`) runs every benchmark in its own process, prints one
table and writes it to bench/results.md with the machine and the date. Machines here are
noisy, so the table gives medians and ratios to a baseline, never one absolute time alone.
"""

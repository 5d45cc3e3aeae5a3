"""Suites of ``tools/analysis_tools/benchmark.py``: the cost of privacy, as ratios measured in one run."""

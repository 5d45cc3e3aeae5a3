"""The benchmark suites of ``tools/analysis_tools/benchmark.py``: the cost of privacy, as ratios in one run."""

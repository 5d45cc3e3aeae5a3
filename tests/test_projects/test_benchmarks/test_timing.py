"""The interleaved rounds and the ratios every benchmark row rests on."""
from projects.benchmarks.suites.timing import ratios, time_interleaved


def test_ratios_pair_rounds_and_compare_best_times():
    timings = {'a': [2., 4., 9.], 'b': [1., 1., 3.]}
    median_ratio, min_ratio = ratios(timings, 'a', 'b')
    assert median_ratio == 3.  # per-round ratios 2, 4, 3
    assert min_ratio == 2.  # best 2 over best 1


def test_rounds_interleave_and_rotate():
    calls = []
    candidates = {name: (lambda name=name: calls.append(name)) for name in 'xyz'}
    timings = time_interleaved(candidates, repeats=3)
    assert calls[:3] == ['x', 'y', 'z']  # one warm-up call each
    assert calls[3:] == list('xyz') + list('yzx') + list('zxy')
    for clock in (timings.wall, timings.cpu):
        assert all(len(t) == 3 and all(v >= 0 for v in t) for t in clock.values())

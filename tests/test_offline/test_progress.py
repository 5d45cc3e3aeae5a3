"""The progress line (mmppml/offline/progress.py): plain lines without a terminal, redrawn in place on one."""
import io

import pytest

from mmppml.offline import progress as progress_module
from mmppml.offline.progress import Progress, format_seconds


class Clock:

    def __init__(self):
        self.now = 100.

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(progress_module.time, 'monotonic', clock)
    return clock


class Terminal(io.StringIO):

    def isatty(self):
        return True


@pytest.mark.parametrize('seconds, text', [(0, '0:00:00'), (59.6, '0:01:00'), (3725, '1:02:05'),
                                           (100 * 3600, '100:00:00')])
def test_seconds_are_formatted_as_hours_minutes_seconds(seconds, text):
    assert format_seconds(seconds) == text


def test_without_a_terminal_one_plain_line_every_period_and_at_the_end(clock):
    out = io.StringIO()
    progress = Progress(10, out, every=5.)
    assert not progress.tty
    for _ in range(9):  # 1 s per image: a line after 5 s, then only at the end
        clock.now += 1.
        progress.update()
    clock.now += 1.
    progress.update()
    progress.close()
    assert out.getvalue() == ('encrypting 5/10 (50%) 1.0 img/s, ETA 0:00:05\n'
                              'encrypting 10/10 (100%) 1.0 img/s, ETA 0:00:00\n')
    assert '\r' not in out.getvalue() and '\033' not in out.getvalue()


def test_on_a_terminal_the_line_is_redrawn_in_place(clock):
    out = Terminal()
    progress = Progress(4, out, every=60.)
    assert progress.tty and progress.every == 0.2  # the period given is for logs
    for _ in range(4):
        clock.now += 0.5
        progress.update()
    progress.close()
    text = out.getvalue()
    assert text.count('\r') == 4 and text.count('\033[K') == 4 and text.endswith('\033[K\n')
    assert '\rencrypting 2/4 (50%) 2.0 img/s, ETA 0:00:01\033[K' in text


def test_rate_and_eta_before_anything_is_done(clock):
    progress = Progress(3, None)
    assert progress.rate == 0. and progress.line() == 'encrypting 0/3 (0%) 0.0 img/s, ETA ?'
    assert Progress(0, None).line().startswith('encrypting 0/0 (100%)')


def test_no_stream_writes_nothing(clock, capsys):
    progress = Progress(2, None)
    progress.update(2)
    progress.close()
    assert progress.done == 2 and capsys.readouterr() == ('', '')

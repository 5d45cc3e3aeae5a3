"""A dependency-free progress line with throughput (images/s) and time left."""
import sys
import time
from typing import Optional, TextIO


def format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    return f'{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}'


class Progress:
    """Print ``done/total``, rate and ETA: redrawn in place on a terminal, a line every ``every`` s else.

    Args:
        total (int): number of items to process in this run.
        stream (TextIO, optional): default ``sys.stderr``; None disables output.
        every (float): seconds between lines when the stream is not a terminal.
    """

    def __init__(self, total: int, stream: Optional[TextIO] = sys.stderr, every: float = 10.) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.tty = bool(stream is not None and hasattr(stream, 'isatty') and stream.isatty())
        self.every = 0.2 if self.tty else every
        self.start = self.last = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start

    @property
    def rate(self) -> float:
        """Items per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.

    def line(self) -> str:
        rate = self.rate
        eta = format_seconds((self.total - self.done) / rate) if rate > 0 else '?'
        pct = 100. * self.done / self.total if self.total else 100.
        return f'encrypting {self.done}/{self.total} ({pct:.0f}%) {rate:.1f} img/s, ETA {eta}'

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.stream is not None and (now - self.last >= self.every or self.done == self.total):
            self.last = now
            self.stream.write(('\r' + self.line() + '\033[K') if self.tty else self.line() + '\n')
            self.stream.flush()

    def close(self) -> None:
        if self.stream is not None and self.tty:
            self.stream.write('\n')
            self.stream.flush()

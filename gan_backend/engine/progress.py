"""A progress line on stderr with the elapsed time and an ETA, for the long trainings
(GAN epochs, the mixture classifier, AVB and its VAE baseline)."""
from __future__ import annotations

import sys
import time

__all__ = ["ProgressLine", "format_seconds", "eta_text"]


def format_seconds(s: float) -> str:
    """A duration for progress lines: ``42s``, ``3m07s`` or ``2h05m``.

    Examples
    --------
    >>> format_seconds(42.4), format_seconds(187), format_seconds(7500)
    ('42s', '3m07s', '2h05m')
    """
    s = int(round(s))
    h, m = divmod(s // 60, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s % 60:02d}s" if m else f"{s}s")


def eta_text(elapsed: float, done: int, total: int) -> str:
    """``", ETA t"``: the time left at the mean time per step so far; empty before the first
    step and after the last.

    Examples
    --------
    >>> eta_text(30.0, 3, 10), eta_text(30.0, 10, 10)
    (', ETA 1m10s', '')
    """
    return f", ETA {format_seconds(elapsed / done * (total - done))}" if 0 < done < total else ""


class ProgressLine:
    """One self-overwriting line on stderr, silent unless ``enabled``:
    ``[label] step/total (pct%) elapsed, ETA t  name=value ...``, ended by a newline at the
    last step, or by :meth:`close` (which ``with`` calls) when the work stops before it, so
    that an error message starts on a line of its own. The ETA is the elapsed time per step
    so far times the steps left.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgressLine(True, 4, "demo", stream=out)
    >>> [s for s in range(1, 5) if bar.due(s)]
    [1, 2, 3, 4]
    >>> bar.show(4, loss=0.25)
    >>> out.getvalue().startswith("\\r[demo] 4/4 (100%)") and out.getvalue().endswith("loss=0.25   \\n")
    True
    """

    def __init__(self, enabled: bool, total: int, label: str, *, stream=None):
        self.enabled, self.total, self.label = bool(enabled), int(total), label
        self.every = max(1, self.total // 100)
        self.stream = stream
        self.t0 = time.perf_counter()
        self._open = False  # a line is on screen without its newline

    def __enter__(self) -> "ProgressLine":
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False

    def _out(self):
        return sys.stderr if self.stream is None else self.stream

    def close(self) -> None:
        """End the line if one is shown without its newline (the work stopped early)."""
        if self._open:
            self._out().write("\n")
            self._out().flush()
            self._open = False

    def due(self, step: int) -> bool:
        """Whether ``step`` is one to show: every hundredth of the total, and the last."""
        return self.enabled and (step % self.every == 0 or step == self.total)

    def show(self, step: int, **values) -> None:
        """Write the line for ``step`` (values that are None are left out)."""
        if not self.enabled:
            return
        stream = self._out()
        vals = "  ".join(f"{k}={v:.4g}" for k, v in values.items() if v is not None)
        el = time.perf_counter() - self.t0
        stream.write(f"\r[{self.label}] {step}/{self.total} ({100 * step // self.total:3d}%) "
                     f"{format_seconds(el)}{eta_text(el, step, self.total)}  {vals}   ")
        self._open = step < self.total
        if not self._open:
            stream.write("\n")
        stream.flush()

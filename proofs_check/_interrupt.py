"""Ctrl-C during a run (standard library only: the command imports it before hypothesis, sympy
or fdiv).

A KeyboardInterrupt can be lost inside a library: one raised in a garbage-collection callback
(hypothesis times its collections) is printed as "Exception ignored" and dropped, and one
raised inside hypothesis' generation was measured to let the row run to its end. Within
:func:`interrupts_kept`, a Ctrl-C raises KeyboardInterrupt as usual and is also remembered,
so the runner raises it again at its next :func:`raise_if_interrupted` (before each instance
and after each hypothesis pass): the run stops as interrupted, never as a finished report.
The table driver of ``gan_backend`` uses the same two for its scheduling loop (a Dask future's
``__del__`` is such a finaliser).
"""
from __future__ import annotations

import contextlib
import signal
import sys
import threading

__all__ = ["caused_by_interrupt", "interrupts_kept", "raise_if_interrupted", "interrupted"]

_pending = [False]  # a Ctrl-C arrived inside interrupts_kept()


def caused_by_interrupt(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is in ``exc``'s chain of causes and contexts (a Ctrl-C inside
    an extension module's initialisation surfaces as ``ImportError: initialization failed``).

    Examples
    --------
    >>> try:
    ...     try:
    ...         raise KeyboardInterrupt
    ...     except KeyboardInterrupt as ki:
    ...         raise ImportError("initialization failed") from ki
    ... except ImportError as exc:
    ...     caused_by_interrupt(exc), caused_by_interrupt(ValueError("x"))
    (True, False)
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _remember_and_raise(signum, frame):
    _pending[0] = True
    raise KeyboardInterrupt


@contextlib.contextmanager
def interrupts_kept():
    """Within: SIGINT raises KeyboardInterrupt and is remembered for :func:`raise_if_interrupted`;
    when Python drops it (a finaliser, a gc callback), its "Exception ignored" traceback is not
    printed, since the run stops on it anyway. Only Python's default handler is replaced, and
    only in the main thread (elsewhere, and under a handler someone else installed, nothing
    changes); nested uses share the outer one."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    _pending[0] = False
    previous_hook = sys.unraisablehook

    def quiet_when_remembered(unraisable):  # the remembered Ctrl-C, dropped by Python: no traceback
        if not (isinstance(unraisable.exc_value, KeyboardInterrupt) and _pending[0]):
            previous_hook(unraisable)

    signal.signal(signal.SIGINT, _remember_and_raise)
    sys.unraisablehook = quiet_when_remembered
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.unraisablehook = previous_hook
        _pending[0] = False


def raise_if_interrupted() -> None:
    """Raise KeyboardInterrupt if a Ctrl-C arrived inside :func:`interrupts_kept` (even one
    that a library swallowed)."""
    if _pending[0]:
        raise KeyboardInterrupt


def interrupted() -> bool:
    """Whether a Ctrl-C arrived inside :func:`interrupts_kept` (however its exception ended
    up: dropped, or turned into another one by an extension module interrupted while it
    initialised, e.g. SciPy's ``TypeError: expected a message argument``)."""
    return _pending[0]

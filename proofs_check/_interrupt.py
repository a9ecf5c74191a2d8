"""Telling a Ctrl-C apart from a row's own failure (standard library only: the command imports
it before hypothesis, sympy or fdiv)."""
from __future__ import annotations

__all__ = ["caused_by_interrupt"]


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

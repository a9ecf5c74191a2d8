"""Argument types and output-path checks shared by the commands (run before any work).

Each check raises ``ValueError("argument --flag: ...")``, which ``python -m gan_backend``
turns into one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import os
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from gan_backend.engine.objectives import get_objective

__all__ = ["positive_int", "nonnegative_int", "seed", "steps", "workers", "MAX_STEPS", "MAX_WORKERS", "output_file", "plot_file", "distinct_outputs",
           "output_dir", "scheduler_address", "objective_spec", "MAX_INT"]

#: The largest integer any size, count or seed argument accepts (int64): larger values
#: would overflow the arrays and seeds they become.
MAX_INT = 2**63 - 1

#: Schemes of a Dask scheduler address that ``--scheduler`` can reach.
_SCHEMES = ("tcp", "tls")

#: Seconds to wait for a Dask scheduler to accept a connection.
SCHEDULER_TIMEOUT_S = 5.0


def _int(text: str, low: int, what: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}") from None
    if v < low or v > MAX_INT:
        shown = text if len(text) <= 30 else f"{text[:12]}...({len(text)} digits)"
        raise argparse.ArgumentTypeError(f"must be {what} at most 2**63 - 1; got {shown!r}"
                                         if v > MAX_INT else f"must be {what}; got {shown!r}")
    return v


def positive_int(text: str) -> int:
    """argparse type: an integer in [1, 2**63)."""
    return _int(text, 1, "a positive integer")


def nonnegative_int(text: str) -> int:
    """argparse type: an integer in [0, 2**63)."""
    return _int(text, 0, "a nonnegative integer")


#: The most training steps a ``--steps`` argument accepts (hours of training at the
#: commands' network sizes; the defaults are a few thousand).
MAX_STEPS = 10**7

#: The most local worker processes ``--workers`` starts.
MAX_WORKERS = 256


def steps(text: str) -> int:
    """argparse type: a number of training steps in [1, :data:`MAX_STEPS`]."""
    v = _int(text, 1, "a positive integer")
    if v > MAX_STEPS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_STEPS}; got {v}")
    return v


def workers(text: str) -> int:
    """argparse type: a number of local worker processes in [1, :data:`MAX_WORKERS`]."""
    v = _int(text, 1, "a positive integer")
    if v > MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_WORKERS}; got {v}")
    return v


def decay_start(text: str):
    """argparse type: ``none`` (constant learning rates) or a fraction in [0, 1), the part
    of the training before a linear learning-rate decay (``GanConfig.lr_decay_start``)."""
    if text.strip().lower() == "none":
        return "none"
    try:
        v = float(text)
    except ValueError:
        v = float("nan")
    if not 0 <= v < 1:
        raise argparse.ArgumentTypeError(f"must be 'none' or a fraction in [0, 1); got {text!r}")
    return v


def seed(text: str) -> int:
    """argparse type: a seed, an integer in [0, 2**63)."""
    return _int(text, 0, "a nonnegative integer")


def output_file(flag: str, path, *, suffixes: tuple[str, ...] | None = None) -> None:
    """``path`` can be written as a file: its suffix is one of ``suffixes`` (when given),
    it is not a directory, and the file itself opens for writing (an existing file is
    opened without changing it; a new one is created and removed again)."""
    if path is None:
        return
    text = os.fspath(path)
    p = Path(os.path.realpath(text))  # a symbolic link is checked (and written) at its target
    if suffixes is not None and Path(text).suffix.lower() not in suffixes:
        raise ValueError(f"argument {flag}: {text!r} must end in {' or '.join(suffixes)}")
    if p.is_dir():
        raise ValueError(f"argument {flag}: {text!r} is a directory, not a file")
    if not p.parent.is_dir():
        raise ValueError(f"argument {flag}: directory {str(p.parent)!r} does not exist")
    existed = p.exists()
    try:
        with open(p, "ab" if existed else "xb"):  # the path itself, content untouched
            pass
    except OSError as exc:
        raise ValueError(f"argument {flag}: {text!r} cannot be written ({exc.strerror})") from None
    if not existed:
        p.unlink()


def plot_file(flag: str, path) -> None:
    """:func:`output_file` for a figure: the suffix is a format Matplotlib writes."""
    if path is None:
        return
    from matplotlib.backend_bases import FigureCanvasBase  # lazy: matplotlib costs ~0.4 s at CLI start-up

    formats = tuple(f".{ext}" for ext in sorted(FigureCanvasBase.get_supported_filetypes()))
    output_file(flag, path, suffixes=formats)


def distinct_outputs(*outputs: tuple[str, object]) -> None:
    """The ``(flag, path)`` pairs name different files (paths resolved; None skipped)."""
    seen: dict[str, str] = {}
    for flag, path in outputs:
        if path is None:
            continue
        real = os.path.realpath(os.fspath(path))
        if real in seen:
            raise ValueError(f"argument {flag}: {os.fspath(path)!r} is the same file as {seen[real]}; "
                             "give each output its own path")
        seen[real] = flag


def output_dir(flag: str, path, *, create: bool = True) -> Path:
    """``path`` is (or, with ``create``, is created as) a writable directory; returns it.
    With ``create=False`` nothing is written: a missing directory must have an existing,
    writable ancestor."""
    p = Path(os.fspath(path))
    if p.exists() and not p.is_dir():
        raise ValueError(f"argument {flag}: {str(path)!r} is a file, not a directory")
    if not create:
        anc = Path(os.path.abspath(p))
        while not anc.exists():
            anc = anc.parent
        if not anc.is_dir() or not os.access(anc, os.W_OK | os.X_OK):
            raise ValueError(f"argument {flag}: directory {str(anc)!r} is not writable")
        return p
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"argument {flag}: cannot create directory {str(path)!r} ({exc.strerror})") from None
    try:
        with tempfile.TemporaryFile(dir=p):
            pass
    except OSError as exc:
        raise ValueError(f"argument {flag}: directory {str(path)!r} is not writable ({exc.strerror})") from None
    return p


def scheduler_address(flag: str, address: str | None, *, timeout: float = SCHEDULER_TIMEOUT_S) -> str | None:
    """``address`` (``[tcp://|tls://]HOST:PORT``) is well formed and a server accepts a
    connection there within ``timeout`` seconds; returns it unchanged (None: no scheduler)."""
    if address is None:
        return None
    text = address.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    try:
        parts = urlsplit(f"//{rest}")
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if scheme not in _SCHEMES or not host or port is None or parts.path or parts.query:
        raise ValueError(f"argument {flag}: {address!r} is not a Dask scheduler address "
                         "([tcp://]HOST:PORT, e.g. tcp://127.0.0.1:8786)")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise ValueError(f"argument {flag}: no Dask scheduler answers at {address!r} ({why}); start one "
                         "with `dask scheduler` and `dask worker ADDRESS`") from None
    return address


def objective_spec(text: str) -> str:
    """argparse type of ``--objective``: a GAN objective spec that
    :func:`gan_backend.engine.objectives.get_objective` accepts, returned unchanged."""
    try:
        get_objective(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("`objective` ", "")) from None
    return text

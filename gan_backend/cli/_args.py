"""Argument types and output-path checks shared by the commands (run before any work).

Each check raises ``ValueError("argument --flag: ...")``, which ``python -m gan_backend``
turns into one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

__all__ = ["positive_int", "nonnegative_int", "seed", "output_file", "output_dir"]


def _int(text: str, low: int, what: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}") from None
    if v < low:
        raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}")
    return v


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    return _int(text, 1, "a positive integer")


def nonnegative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    return _int(text, 0, "a nonnegative integer")


def seed(text: str) -> int:
    """argparse type: a seed, an integer in [0, 2**63)."""
    v = _int(text, 0, "a nonnegative integer")
    if v >= 2**63:
        raise argparse.ArgumentTypeError(f"must be a nonnegative integer below 2**63; got {text!r}")
    return v


def output_file(flag: str, path) -> None:
    """``path`` can be written as a file: not a directory, its directory exists and is writable."""
    if path is None:
        return
    p = Path(os.path.abspath(os.fspath(path)))
    if p.is_dir():
        raise ValueError(f"argument {flag}: {str(path)!r} is a directory, not a file")
    if not p.parent.is_dir():
        raise ValueError(f"argument {flag}: directory {str(p.parent)!r} does not exist")
    try:
        if p.exists():
            with open(p, "ab"):  # opened for writing, content untouched
                pass
        else:
            with tempfile.TemporaryFile(dir=p.parent):
                pass
    except OSError as exc:
        where = str(path) if p.exists() else f"directory {str(p.parent)!r}"
        raise ValueError(f"argument {flag}: {where} is not writable ({exc.strerror})") from None


def output_dir(flag: str, path) -> Path:
    """``path`` is (or is created as) a writable directory; returns it."""
    p = Path(os.fspath(path))
    if p.exists() and not p.is_dir():
        raise ValueError(f"argument {flag}: {str(path)!r} is a file, not a directory")
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

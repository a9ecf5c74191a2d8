"""Argument types and output checks shared by the ``avb`` and ``digits`` commands.

Every check raises ``argparse.ArgumentTypeError`` (argparse turns it into one line naming
the argument) or ``ValueError`` naming the argument (``__main__`` turns it into one line,
exit status 2); all of them run before any training.
"""
from __future__ import annotations

import argparse
import os
import tempfile

__all__ = ["positive_int", "seed", "ensure_writable_dir", "check_writable_file"]


def positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}")
    return v


def seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a nonnegative integer; got {text!r}") from None
    if not 0 <= v < 2**63:
        raise argparse.ArgumentTypeError(f"must be a nonnegative integer below 2**63; got {text!r}")
    return v


def ensure_writable_dir(flag: str, path: str) -> str:
    """Create ``path`` (and parents) if needed and check a file can be written in it."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise ValueError(f"argument {flag}: cannot write to directory {path!r} ({exc.strerror or exc})") from None
    return path


def check_writable_file(flag: str, path: str | None) -> None:
    """``path``'s directory must exist and be writable (the file itself is written later)."""
    if path is None:
        return
    parent = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(parent):
        raise ValueError(f"argument {flag}: directory {parent!r} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (os.path.isdir(path)):
        raise ValueError(f"argument {flag}: cannot write {path!r}")

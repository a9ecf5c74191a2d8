"""One command at a time per output folder, and never over another experiment's outputs.

:func:`claim` is entered by every command that writes a folder of outputs, after its
arguments are checked and before any work:

- it locks the folder (``flock`` on the directory itself; no file is written): a second
  command on the same folder gets one line and exit status 2 while the first runs;
- it reads ``DIR/command.txt``, the command line that made the folder's outputs (the
  convention of ``results/*/``): its command and the settings that identify its outputs
  (the command module's ``identity(args)``, e.g. the preset). A folder whose
  ``command.txt`` names another experiment, or without one but holding files this command
  would write (``writes``, glob patterns), holds another experiment's outputs: refused
  unless ``force``;
- it writes this command line to ``command.txt``, so the next run of the same experiment
  resumes.
"""
from __future__ import annotations

import contextlib
import io
import os
import shlex
from pathlib import Path

from gan_backend.cli.parser import build_parser

try:
    import fcntl
except ImportError:  # no flock on this platform (Windows): no lock
    fcntl = None

__all__ = ["claim", "check_dir", "foreign_outputs", "identify", "owner", "COMMAND_FILE"]

COMMAND_FILE = "command.txt"
_PREFIX = ("python", "-m", "gan_backend")


def owner(line: str) -> tuple[str, dict] | None:
    """``(command, identity)`` of a ``python -m gan_backend ...`` command line, or None
    when it is not one (another program, a bad command line)."""
    try:
        words = shlex.split(line)
    except ValueError:
        return None
    for i in range(len(words)):  # "python3 -m gan_backend", ".venv/bin/python -m gan_backend", ...
        if words[i:i + 2] == ["-m", "gan_backend"]:
            words = words[i + 2:]
            break
    else:
        return None
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            args = build_parser().parse_args(words)
    except SystemExit:
        return None
    return identify(args)


def _recorded(out: Path) -> tuple[str, tuple[str, dict] | None] | None:
    """(first line of ``command.txt``, its owner) or None when there is no such file."""
    try:
        text = (out / COMMAND_FILE).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError:
        return ("(unreadable command.txt)", None)
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line, owner(line)


def foreign_outputs(flag: str, out: Path, command: str, identity: dict, writes, *, force: bool = False,
                    adopt: bool = False) -> None:
    """Raise ``ValueError`` if ``out`` holds outputs of another experiment (see the module
    docstring); ``adopt``: the caller knows the folder is this experiment's (its store)."""
    if force or not out.is_dir():
        return
    rec = _recorded(out)
    if rec is not None and rec[1] == (command, identity):
        return
    if rec is None and adopt:
        return
    clash = sorted({q.name for pat in writes for q in out.glob(pat)})
    if rec is None and not clash:  # no outputs of this command's kind, no record of another's
        return
    who = f"`{rec[0]}`" if rec is not None else "another experiment (no command.txt)"
    shown = ", ".join(clash[:4]) + (f" and {len(clash) - 4} more" if len(clash) > 4 else "")
    raise ValueError(f"argument {flag}: {str(out)!r} holds the outputs of {who}"
                     + (f": {shown}" if shown else "")
                     + "; use another --out, or --force to write there")


@contextlib.contextmanager
def _lock(flag: str, out: Path):
    if fcntl is None:
        yield
        return
    fd = os.open(out, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ValueError(f"argument {flag}: {str(out)!r} is in use by another running gan_backend "
                             "command; wait for it to finish or use another --out") from None
        yield
    finally:
        os.close(fd)


def identify(args) -> tuple[str, dict]:
    """``(command, identity)`` of parsed command-line ``args``."""
    ident = getattr(args, "_identity", None)
    return args.command, (ident(args) if ident is not None else {})


def check_dir(flag: str, out: Path, args, writes, *, adopt: bool = False) -> None:
    """:func:`foreign_outputs` for the command of ``args`` (``--force`` read from them)."""
    command, ident = identify(args)
    foreign_outputs(flag, Path(out), command, ident, writes, force=getattr(args, "force", False), adopt=adopt)


@contextlib.contextmanager
def claim(flag: str, out: Path, args, writes, *, adopt: bool = False):
    """Lock ``out`` (an existing directory), refuse another experiment's outputs (unless
    ``args.force``), record the command line of ``args`` in ``command.txt``; yields ``out``.
    The lock is released on exit."""
    out = Path(out)
    with _lock(flag, out):
        check_dir(flag, out, args, writes, adopt=adopt)
        tmp = out / f".{COMMAND_FILE}.tmp"
        tmp.write_text(shlex.join([*_PREFIX, *args._argv]) + "\n", encoding="utf-8")
        os.replace(tmp, out / COMMAND_FILE)
        yield out

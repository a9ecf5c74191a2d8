"""The argument parser of the experiment commands: argparse whose errors are one line on
stderr with exit status 2 (``python -m gan_backend`` and the study runners under
``gan_backend/experiments`` share it)."""
from __future__ import annotations

import argparse
import sys

__all__ = ["OneLineParser", "report_error"]


def report_error(prog: str, message: str) -> int:
    """Write ``{prog}: error: {message}`` to stderr as one line (the message's whitespace
    runs, newlines included, become single spaces) and return the exit status 2."""
    sys.stderr.write(f"{prog}: error: {' '.join(str(message).split())}\n")
    return 2


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are a single line and exit status 2.

    :meth:`error` exits, as argparse's does; :meth:`fail` writes the same line and returns
    2, for the checks a command makes after parsing (``return p.fail(...)`` from ``main``).
    """

    def error(self, message: str):  # noqa: D401 - argparse API
        sys.exit(report_error(self.prog, message))

    def parse_args(self, args=None, namespace=None):
        """argparse's, except that arguments no parser recognised are reported by the
        subcommand's parser (set as the ``_parser`` default of a subparser), so the line
        names the command: ``python -m gan_backend digits: error: unrecognized arguments``."""
        ns, extra = self.parse_known_args(args, namespace)
        if extra:
            getattr(ns, "_parser", self).error(f"unrecognized arguments: {' '.join(extra)}")
        return ns

    def fail(self, message: str) -> int:
        """The one-line error of :meth:`error`, returning the exit status 2 instead of exiting."""
        return report_error(self.prog, message)

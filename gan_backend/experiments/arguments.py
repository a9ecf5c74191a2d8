"""The argument parser of the experiment commands: argparse whose errors are one line on
stderr with exit status 2 (``python -m gan_backend`` and the study runners under
``gan_backend/experiments`` share it)."""
from __future__ import annotations

import argparse
import sys

__all__ = ["OneLineParser"]


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are a single line and exit status 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        sys.stderr.write(f"{self.prog}: error: {' '.join(str(message).split())}\n")
        sys.exit(2)

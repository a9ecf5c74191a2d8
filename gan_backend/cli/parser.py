"""The argument parser of ``python -m gan_backend``: one subparser per command module of
``gan_backend/cli`` (:func:`gan_backend.cli.iter_commands`), and errors as one line on
stderr with exit status 2."""
from __future__ import annotations

import argparse

from gan_backend.cli import iter_commands
from gan_backend.experiments.arguments import OneLineParser

__all__ = ["PROG", "OneLineParser", "build_parser"]

PROG = "python -m gan_backend"


def build_parser() -> OneLineParser:
    parser = OneLineParser(prog=PROG, description="``python -m gan_backend <command> ...``: the subcommands found in ``gan_backend/cli``.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=OneLineParser)
    for mod in iter_commands():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=(mod.__doc__ or mod.HELP).strip(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run, _prog=p.prog, _identity=getattr(mod, "identity", None), _parser=p)
    return parser

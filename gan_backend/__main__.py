"""``python -m gan_backend <command> ...``: the subcommands found in ``gan_backend/cli``.

Bad arguments exit with status 2 and ONE line on stderr naming the argument (no usage
block, no traceback): argparse's own errors and any ``ValueError`` raised while a
command validates its input. A training that diverges
(:class:`~gan_backend.engine.train.TrainingDivergedError`) is also one line, exit status 1;
Ctrl-C is one line, exit status 130.
"""
from __future__ import annotations

import argparse
import sys

from gan_backend.engine._backend import BackendUnavailableError
from gan_backend.cli import iter_commands
from gan_backend.engine.train import TrainingDivergedError

PROG = "python -m gan_backend"


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are a single line and exit status 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        sys.stderr.write(f"{self.prog}: error: {' '.join(str(message).split())}\n")
        sys.exit(2)


def build_parser() -> OneLineParser:
    parser = OneLineParser(prog=PROG, description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=OneLineParser)
    for mod in iter_commands():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=(mod.__doc__ or mod.HELP).strip(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run, _prog=p.prog, _identity=getattr(mod, "identity", None))
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    args = build_parser().parse_args(argv)
    args._argv = argv
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:  # Ctrl-C outside a driver's own handling: finished work is kept
        sys.stderr.write(f"{args._prog}: interrupted\n")
        return 130
    except (ValueError, BackendUnavailableError) as exc:
        sys.stderr.write(f"{args._prog}: error: {' '.join(str(exc).split())}\n")
        return 2
    except TrainingDivergedError as exc:  # names the objective, the epoch, the quantity
        sys.stderr.write(f"{args._prog}: error: {' '.join(str(exc).split())}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""``python -m gan_backend <command> ...``: the subcommands found in ``gan_backend/cli``.

Bad arguments exit with status 2 and ONE line on stderr naming the argument (no usage
block, no traceback): argparse's own errors and any ``ValueError`` raised while a
command validates its input. A training that diverges
(:class:`~gan_backend.engine.train.TrainingDivergedError`) is also one line, exit status 1;
Ctrl-C is one line, exit status 130.
"""
from __future__ import annotations

import sys

from gan_backend.engine._backend import BackendUnavailableError
from gan_backend.cli.parser import build_parser
from gan_backend.engine.train import TrainingDivergedError


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

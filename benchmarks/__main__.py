"""Entry point: ``python -m benchmarks [--smoke] [--only B1,B3]``; exits 1 on any FAIL, and 2,
before running anything, when ``--only`` names a row that does not exist (or names none).

``--smoke`` runs every row with tiny sizes (used by the test suite to keep the code
alive; its verdicts are not meaningful and never fail the exit code).
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import benchmarks
from benchmarks._harness import HEADER, format_row


def _number(row_id: str) -> int:
    return int(row_id[1:])


def row_modules():
    """The row modules in print order: by number (B1, B2, ..., B10), except that a module
    with ``PRINT_AFTER = "B<k>"`` comes right after row k (B12, the reference GAN step, is
    printed beside B3, the toy GAN step)."""
    found = [info.name for info in pkgutil.iter_modules(benchmarks.__path__)
             if info.name.startswith("b") and info.name[1:2].isdigit()]
    mods = [importlib.import_module(f"benchmarks.{name}") for name in found]
    key = lambda m: (_number(getattr(m, "PRINT_AFTER", m.ID)), m.ID != getattr(m, "PRINT_AFTER", m.ID),
                     _number(m.ID))
    yield from sorted(mods, key=key)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, verdicts not judged")
    ap.add_argument("--only", nargs="+", action="extend", metavar="IDS",
                    help="row ids, comma- or space-separated (repeatable), e.g. B1,B3 or B1 B3")
    args = ap.parse_args(argv)
    modules = list(row_modules())
    only = None
    if args.only is not None:
        only = {s.strip().upper() for s in ",".join(args.only).split(",") if s.strip()}
        unknown = sorted(only - {m.ID for m in modules})
        if not only or unknown:
            what = f"unknown row id(s) {', '.join(unknown)}" if unknown else "it names no row"
            ap.exit(2, f"python -m benchmarks: error: --only: {what}; the rows are "
                       f"{', '.join(m.ID for m in modules)}\n")
    print(HEADER, flush=True)
    failed = False
    for mod in modules:
        if only is not None and mod.ID not in only:
            continue
        for row in mod.rows(smoke=args.smoke):
            print(format_row(row), flush=True)
            failed |= not (row.passed or row.skipped or row.info)
    return 0 if (args.smoke or not failed) else 1


if __name__ == "__main__":
    sys.exit(main())

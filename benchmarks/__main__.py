"""Entry point: ``python -m benchmarks [--smoke] [--only B1,B3]``; exits 1 on any FAIL.

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


def _modules():
    found = [info.name for info in pkgutil.iter_modules(benchmarks.__path__)
             if info.name.startswith("b") and info.name[1:2].isdigit()]
    for name in sorted(found, key=lambda s: int(s[1:].split("_")[0])):  # B1, B2, ..., B10
        yield importlib.import_module(f"benchmarks.{name}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, verdicts not judged")
    ap.add_argument("--only", default="", help="comma-separated row ids, e.g. B1,B2")
    args = ap.parse_args(argv)
    only = {s.strip().upper() for s in args.only.split(",") if s.strip()}
    print(HEADER, flush=True)
    failed = False
    for mod in _modules():
        if only and mod.ID not in only:
            continue
        for row in mod.rows(smoke=args.smoke):
            print(format_row(row), flush=True)
            failed |= not (row.passed or row.skipped or row.info)
    return 0 if (args.smoke or not failed) else 1


if __name__ == "__main__":
    sys.exit(main())

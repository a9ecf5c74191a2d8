"""Point every reference to a document outside the repository at its page under ``docs/``.

The code, tests and README cite the theory, the public contract, the performance targets and the
style rules by the names of documents that lived beside the repository. Their content now lies
in the documentation site; this script rewrites the references in place::

    python docs/tools/retarget_theory_refs.py          # rewrite, then list what changed
    python docs/tools/retarget_theory_refs.py --check  # only report; exit 1 if anything would change

Mapping (plain text, so "THEORY.md §0" becomes "docs/theory.md §0")::

    THEORY.md       -> docs/theory.md
    CONTRACT.md     -> docs/contract.md
    PERFORMANCE.md  -> docs/performance.md
    STYLE.md        -> docs/contributing.md

and the README's remark that the theory lies "in the project's shared folder, beside this
repository" is removed. Files under ``docs/`` and this script are left alone; the test
``tests/test_docs.py::test_no_reference_to_a_document_outside_the_repository`` checks the result.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAPPING = {
    "THEORY.md": "docs/theory.md",
    "CONTRACT.md": "docs/contract.md",
    "PERFORMANCE.md": "docs/performance.md",
    "STYLE.md": "docs/contributing.md",
}
# A name not already inside a path (so "docs/theory.md" is never rewritten twice).
_PATTERN = re.compile(r"(?<![\w/.-])(" + "|".join(re.escape(k) for k in MAPPING) + r")(?![\w-])")
_SHARED = re.compile(r"\s*\(in the project's shared folder, beside this repository\)")
TEXT_SUFFIXES = {".py", ".md", ".ipynb", ".toml", ".txt", ".cfg", ".ini", ".sh", ".rst", ".yml", ".yaml", ".json"}
TEXT_NAMES = {"Makefile", "run"}
SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", ".hypothesis", ".pytest_cache", "build", "runs", "out",
             "dask-worker-space", "docs"}


def text_files(root: Path = ROOT):
    """The repository's text files, outside ``docs/`` and the ignored build/cache folders."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS or part.endswith(".egg-info") for part in rel.parts[:-1]):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES):
            yield path


def retarget(text: str) -> str:
    """``text`` with every outside-document reference pointed at its docs page."""
    return _SHARED.sub("", _PATTERN.sub(lambda m: MAPPING[m.group(1)], text))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="report the files that would change; change nothing")
    args = ap.parse_args(argv)
    changed = []
    for path in text_files():
        try:
            old = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        new = retarget(old)
        if new != old:
            changed.append((path.relative_to(ROOT), len(_PATTERN.findall(old)) + len(_SHARED.findall(old))))
            if not args.check:
                path.write_text(new, encoding="utf-8")
    for rel, n in changed:
        print(f"{rel}: {n} reference(s) {'to rewrite' if args.check else 'rewritten'}")
    print(f"{len(changed)} file(s), {sum(n for _, n in changed)} reference(s)", file=sys.stderr)
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())

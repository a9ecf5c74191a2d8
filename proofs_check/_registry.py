"""All report rows, in docs/theory.md order: statements, their known-false variants, and the
symbolic / grid derivations."""
from __future__ import annotations

import functools
import signal

__all__ = ["rows", "get", "select", "run_by_id", "ignore_sigint"]


@functools.lru_cache(maxsize=1)
def _rows() -> tuple:
    from proofs_check import (_convergence, _facts, _gan, _iteration, _lambda_one, _lemmas, _optimal, _wasserstein,
                              demos, symbolic)

    groups = [_facts.STATEMENTS, symbolic.ROWS, _gan.STATEMENTS, demos.ROWS, _lemmas.STATEMENTS,
              _optimal.STATEMENTS, _lambda_one.STATEMENTS, _convergence.STATEMENTS, _iteration.STATEMENTS, _wasserstein.STATEMENTS]
    out = [r for g in groups for r in g]
    ids = [r.id for r in out]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise RuntimeError(f"duplicate row ids: {sorted(dup)}")
    return tuple(sorted(out, key=_order))


def _order(row):
    """docs/theory.md order: by statement number, the statement before its variants; rows without a
    statement number (per-f symbolic rows) next to S6, whose identity they verify."""
    head = row.id.split("-")[0]
    num = int(head[1:]) if head[:1] == "S" and head[1:].isdigit() else 6
    return (num, row.id != head, row.id)


def rows() -> list:
    """Every row (:class:`~proofs_check.Statement` or :class:`~proofs_check.Derivation`).

    Examples
    --------
    >>> import proofs_check
    >>> [r.id for r in proofs_check.rows()][:3]
    ['S1', 'S1-gan', 'S1-log_trick']
    """
    return list(_rows())


def get(row_id: str):
    """The row with id ``row_id`` (``KeyError`` naming the known ids otherwise).

    Examples
    --------
    >>> import proofs_check
    >>> proofs_check.get("S13-exact").expect
    'holds'
    """
    for r in _rows():
        if r.id == row_id:
            return r
    raise KeyError(f"unknown statement id {row_id!r}; known: {', '.join(r.id for r in _rows())}")


def select(only: str | None, *, extra=()) -> list:
    """Rows matching a comma-separated list of ids; ``S11`` also selects ``S11-kl`` etc.

    ``None`` selects every row. A selection that names nothing (``""``, ``",,"``) or an
    unknown id raises ``KeyError`` (never an empty, green run). ``extra``: a user's rows (see
    ``--statements``), selected by the same rules after the built-in ones.

    Examples
    --------
    >>> import proofs_check
    >>> [r.id for r in proofs_check.select("S13")]
    ['S13', 'S13-exact', 'S13-not-abs-cont']
    """
    every = [*_rows(), *extra]
    if only is None:
        return every
    keys = [k.strip() for k in str(only).split(",") if k.strip()]
    if not keys:
        raise KeyError(f"--only {only!r} names no statement id; give comma-separated ids such as S12,S13")
    chosen = [r for r in every if any(r.id == k or r.id.startswith(k + "-") for k in keys)]
    missing = [k for k in keys if not any(r.id == k or r.id.startswith(k + "-") for r in every)]
    if missing:
        raise KeyError(f"unknown statement id(s) {missing}; known: {', '.join(r.id for r in every)}")
    return chosen


def ignore_sigint() -> None:
    """Initializer of the CLI's worker processes: Ctrl-C is handled by the parent alone (one
    line, no worker tracebacks; the parent stops the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@functools.lru_cache(maxsize=4)
def _user(sources: tuple, plugins: bool) -> tuple:
    from proofs_check._plugins import user_rows

    return tuple(user_rows(sources, plugins=plugins, builtin=_rows()))


def run_by_id(row_id: str, instances: int, seed: int, sources: tuple = (), plugins: bool = False):
    """Run one row by id (the entry point of the CLI's worker processes); a user's row is found
    by loading ``sources`` and, with ``plugins``, the entry points (once per process)."""
    from proofs_check._runner import run_row

    extra = _user(tuple(sources), bool(plugins)) if sources or plugins else ()
    row = next((r for r in extra if r.id == row_id), None)
    return run_row(row if row is not None else get(row_id), instances=instances, seed=seed)

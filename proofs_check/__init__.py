"""proofs_check: every statement S1-S20 of docs/theory.md checked numerically and symbolically.

Run ``python -m proofs_check`` for the report. Programmatic use::

    >>> import proofs_check
    >>> s12 = proofs_check.get("S12")
    >>> s12.id, s12.expect
    ('S12', 'holds')
    >>> outcome = proofs_check.run_row(s12, instances=20, seed=1)   # doctest: +SKIP
    >>> outcome.verdict                                     # doctest: +SKIP
    'HOLDS'

Statements (:class:`Statement`) carry a hypothesis strategy that constructs instances satisfying
their assumptions (public in :mod:`proofs_check.strategies`) and a check returning both sides
of the (in)equality and the slack; known-false variants (``expect == "refuted"``) must be
refuted by a counterexample; :class:`Derivation` rows are symbolic (:mod:`proofs_check.symbolic`)
or grid demonstrations (:mod:`proofs_check.demos`). A user's own rows: :func:`statement`,
``python -m proofs_check --statements MODULE``, :mod:`proofs_check.testing` (docs:
"Write your own statement").

Every public name is loaded on first use (PEP 562 ``__getattr__``): ``python -m proofs_check``
parses its arguments (and handles Ctrl-C) before hypothesis, sympy or fdiv are imported.
"""
from importlib import import_module as _import_module

_LAZY = {
    "Statement": "proofs_check._core", "Derivation": "proofs_check._core", "Check": "proofs_check._core",
    "Part": "proofs_check._core", "Outcome": "proofs_check._runner", "check": "proofs_check._core",
    "as_check": "proofs_check._core", "eq": "proofs_check._core", "ge": "proofs_check._core",
    "le": "proofs_check._core", "truth": "proofs_check._core",
    "rows": "proofs_check._registry", "get": "proofs_check._registry", "select": "proofs_check._registry",
    "run": None, "run_row": "proofs_check._runner",
    "strategies": "", "table": "proofs_check._report", "summary": "proofs_check._report",
    "statement": "proofs_check._plugins", "PluginError": "proofs_check._plugins",
}
__all__: list[str] = list(_LAZY)


def run(ids: str | None = None, *, instances: int = 200, seed: int = 0) -> list:
    """Run the rows selected by ``ids`` (comma-separated; all when None) and return outcomes.

    Examples
    --------
    >>> import proofs_check
    >>> [(o.id, o.verdict) for o in proofs_check.run("S1-gan,S1-log_trick", instances=5)]
    [('S1-gan', 'REFUTED'), ('S1-log_trick', 'REFUTED')]
    """
    from proofs_check._registry import select
    from proofs_check._runner import run_row

    return [run_row(r, instances=instances, seed=seed) for r in select(ids)]


_SUBMODULES = ("symbolic", "demos", "testing", "tolerances")  # public modules, loaded on first attribute use


def __getattr__(name: str):
    if name in _SUBMODULES:
        return _import_module(f"proofs_check.{name}")
    if name not in _LAZY or _LAZY[name] is None:
        raise AttributeError(f"module 'proofs_check' has no attribute {name!r}")
    module = _LAZY[name]
    value = _import_module(f"proofs_check.{name}") if module == "" else getattr(_import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

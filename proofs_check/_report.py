"""The report: a plain-text table and the JSON document of docs/contract.md."""
from __future__ import annotations

import json
import math
import textwrap

from proofs_check._runner import Outcome

__all__ = ["table", "report_json", "format_slack", "summary"]

_TITLE_WIDTH = 58
"""Width of the title column; a longer title is printed whole, pushing the numbers right."""


def format_slack(v) -> str:
    if v is None:
        return "-"
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.3g}"


def table(outcomes: list[Outcome], *, width: int = _TITLE_WIDTH) -> str:
    """The human-readable table: id, title (whole), instances, violations, worst (relative) slack,
    verdict, and under each refuted or failing row its (shrunk) counterexample as Python source
    on one line (``instance = (np.array([...]), ...)``: paste it after ``import numpy as np, fdiv,
    proofs_check.strategies``).

    Examples
    --------
    >>> import proofs_check
    >>> text = proofs_check.table(proofs_check.run("S12", instances=5))
    >>> text.splitlines()[0].split()[:3], "HOLDS" in text
    (['id', 'title', 'inst'], True)
    """
    head = f"{'id':<26} {'title':<{width}} {'inst':>5} {'viol':>5} {'worst slack*':>12}  verdict"
    lines = [head, "-" * len(head)]
    for o in outcomes:
        title = o.title
        lines.append(f"{o.id:<26} {title:<{width}} {o.instances:>5} {o.violations:>5} "
                     f"{format_slack(o.worst_rel_slack):>12}  {o.verdict}")
        if o.error:
            lines.append(f"{'':<26} error: {o.error}")
        if o.counterexample and o.verdict != "HOLDS":
            lines.extend(_cx_lines(o.counterexample))
    lines += ["", "* slack / (1 + |lhs| + |rhs|) at the worst instance (slack = rhs - lhs for <=, -|lhs - rhs| for ==);",
              "  absolute slacks and tolerances are in the JSON report"]
    loose = [o for o in outcomes if o.loose]
    if loose:
        lines += ["", "Where the slides are loose (surfaced, not papered over):"]
        for o in loose:
            lines += textwrap.wrap(f"{o.id}: {o.loose}", 117, initial_indent="  ", subsequent_indent="      ")
    return "\n".join(lines)


def _cx_lines(cx: dict) -> list[str]:
    pad = " " * 27
    if "exception" in cx:
        first = f"exception: {cx['exception']}"
    elif cx.get("relation") == "is" and cx.get("lhs") == "nan" and cx.get("rhs") == "nan":
        first = f"counterexample: {cx.get('part')}"
    else:
        first = (f"counterexample: {cx.get('part')}: lhs={_num(cx.get('lhs'))} "
                 f"rhs={_num(cx.get('rhs'))} slack={_num(cx.get('slack'))}")
    inst = cx.get("instance_repr") or json.dumps(cx.get("instance"), separators=(", ", ": "))
    return [pad + first, f"{pad}instance = {inst}"]


def _num(v) -> str:
    return format_slack(v) if isinstance(v, (int, float)) or v is None else str(v)


def summary(outcomes: list[Outcome]) -> str:
    """One line: how many statements hold and how many known-false variants are refuted,
    ending in "all as expected" or the ids of the rows that are not.

    Examples
    --------
    >>> import proofs_check
    >>> proofs_check.summary(proofs_check.run("S12,S1-gan", instances=5))
    '1/1 statements and derivations hold; 1/1 known-false variants refuted; all as expected'
    """
    held = sum(o.verdict == "HOLDS" for o in outcomes)
    refuted = sum(o.verdict == "REFUTED" for o in outcomes)
    bad = [o.id for o in outcomes if not o.ok]
    n_expect_hold = sum(o.expect == "holds" for o in outcomes)
    n_expect_ref = sum(o.expect == "refuted" for o in outcomes)
    s = (f"{held}/{n_expect_hold} statements and derivations hold; "
         f"{refuted}/{n_expect_ref} known-false variants refuted")
    return s + (f"; NOT OK: {', '.join(bad)}" if bad else "; all as expected")


def report_json(outcomes: list[Outcome], *, instances: int, seed: int, seconds: float) -> str:
    doc = {"statements": [o.to_json() for o in outcomes],
           "instances": instances, "seed": seed, "ok": all(o.ok for o in outcomes),
           "seconds": round(seconds, 3)}
    return json.dumps(doc, indent=2, allow_nan=False)

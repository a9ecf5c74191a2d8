"""The report rows of :mod:`proofs_check` as a generated page, and the ``proofs-rows`` directive.

``docs/_generated/checks_rows.inc.md`` holds one anchored entry per row of
``proofs_check.rows()`` (label ``row-<id>``, lower case), written when the configuration is read,
so a new row appears with no edit to the docs. In a page, ``{proofs-rows} S12`` renders the links
to every row whose id is ``S12`` or starts with ``S12-``; an id that matches no row is a build
error, so the theory page cannot cite a check that does not exist.
"""
from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx import addnodes
from sphinx.util import logging

from _gen import GENERATED, md_escape, write_if_changed

logger = logging.getLogger(__name__)


def label(row_id: str) -> str:
    """The reference label of a report row."""
    return "row-" + row_id.lower()


def _rows():
    import proofs_check

    return proofs_check.rows()


def matching(rows, key: str) -> list:
    """The rows whose id is ``key`` or a variant of it (``key-...``), in report order."""
    return [r for r in rows if r.id == key or r.id.startswith(key + "-")]


def _entry(row) -> str:
    expect = "holds" if row.expect == "holds" else "known false: must be refuted"
    lines = [f"({label(row.id)})=", f"## `{row.id}`", "",
             f"*{type(row).__name__}, {expect}.* {md_escape(row.title)}", ""]
    for name, text in (("Source", row.source), ("Where the slides are loose", row.loose), ("Notes", row.notes)):
        if text:
            lines += [f"**{name}.** {md_escape(text)}", ""]
    return "\n".join(lines)


def _generate(app, config) -> None:
    text = "\n".join(_entry(r) for r in _rows())
    write_if_changed(GENERATED / "checks_rows.inc.md", text)


class ProofsRows(Directive):
    """``proofs-rows ID``: links to the report rows checking statement ``ID`` and its variants."""

    required_arguments = 1
    has_content = False

    def run(self):
        key = self.arguments[0]
        found = matching(_rows(), key)
        if not found:
            return [self.state.document.reporter.error(f"proofs-rows: no proofs_check row has id {key!r}",
                                                       line=self.lineno)]
        para = nodes.paragraph()
        para += nodes.strong(text="Checked by ")
        para += nodes.literal(text=f"python -m proofs_check --only {key}")
        para += nodes.Text(": ")
        for k, row in enumerate(found):
            if k:
                para += nodes.Text(", ")
            ref = addnodes.pending_xref("", refdomain="std", reftype="ref", reftarget=label(row.id),
                                        refexplicit=True, refwarn=True)
            ref += nodes.literal(text=row.id)
            para += ref
            para += nodes.Text(" (holds)" if row.expect == "holds" else " (refuted)")
        para += nodes.Text(".")
        return [para]


def setup(app):
    app.connect("config-inited", _generate)
    app.add_directive("proofs-rows", ProofsRows)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

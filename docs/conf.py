"""Sphinx configuration of the toolkit's documentation site.

Build with ``make docs`` (HTML, warnings are errors). Three small local extensions in
``docs/_ext`` generate pages at build time, so new commands, report rows and results appear
without editing the docs: ``cli_pages`` (every argparse parser), ``checks_page`` (every
``proofs_check`` row, plus the ``proofs-rows`` directive of the theory page) and
``results_page`` (whatever lies under ``results/``).
"""
from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

project = "adagan-theory-toolkit"
author = "the toolkit's authors"
copyright = "the toolkit's authors, BSD-3-Clause"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "api_pages",
    "code_refs",
    "cli_pages",
    "checks_page",
    "results_page",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "**/*.inc.md", "tools", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

# MyST: $...$ and $$...$$ math, heading anchors for links such as theory.md#s12.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
# Notebooks are rendered read-only from their committed form; nothing is executed at build time.
nb_execution_mode = "off"

# API reference: autosummary pages from each package's __all__; numpydoc renders the docstrings.
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "inherited-members": False, "show-inheritance": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()

# A broken cross-reference fails the build (nitpicky + -W in `make docs`).
nitpicky = True
nitpick_ignore_regex = [
    # numpydoc's parameter-type strings and standard-library / NumPy types are not documented here.
    (r"py:(class|obj|data)", r"(np|numpy|numpy\.typing|np\.random|collections\.abc|typing|os|pathlib|argparse)\..*"),
    (r"py:(class|obj|data)", r"(optional|default|array_like|array-like|callable|float|int|str|bool|None|tuple|list|dict|object|ndarray|sequence|iterable|mapping|Path|Generator)"),
]

html_theme = "furo"
html_title = "adagan-theory-toolkit"
html_static_path: list[str] = []

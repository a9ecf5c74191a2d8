"""Sphinx configuration of the toolkit's documentation site.

Build with ``make docs`` (HTML, warnings are errors, broken references included). Small
local extensions in ``docs/_ext`` generate pages at build time, so new public names, commands,
report rows and results appear without editing the docs: ``api_pages`` (one page per package
from its ``__all__``), ``cli_pages`` (every argparse parser), ``checks_page`` (every
``proofs_check`` row, plus the ``proofs-rows`` directive of the theory page) and
``results_page`` (whatever lies under ``results/``, and the notebooks). ``code_refs`` accepts a
reference to code that exists but has no page of its own, so only a name that exists nowhere
breaks the build.
"""
from __future__ import annotations

import os
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
# Notebooks: `make docs` executes them at build time (DOCS_NB_EXECUTION=cache: each notebook runs
# once and is re-run only when its code changes; the cache lives in docs/_build/.jupyter_cache), so the
# site shows their figures. The test suite's build leaves the variable unset and renders them
# without outputs (they are executed by tests/test_notebooks.py instead).
nb_execution_mode = os.environ.get("DOCS_NB_EXECUTION", "off")
nb_execution_timeout = 3600
nb_execution_raise_on_error = True

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

html_theme = "furo"
html_title = "adagan-theory-toolkit"
html_static_path: list[str] = []

"""Sphinx configuration of lbopt's documentation (``make docs``; warnings are errors, the tutorials execute)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

from lbopt import __version__

project = "lbopt"
author = "the lbopt developers"
copyright = "2026, the lbopt developers"
release = __version__
version = ".".join(__version__.split(".")[:2])

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_click",
    "lbopt_docs",
]

exclude_patterns = ["_build", "jupyter_execute", "_generated", "**/.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}  # autosummary writes .rst stubs
root_doc = "index"

# MyST: headings get anchors so that pages can link to sections; $…$ math in the guides
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3

# The tutorials are MyST notebooks executed at every build, in the folder of their page (so that they find
# ../../instances); an error in a cell fails the build.
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

autosummary_generate = True
templates_path = ["_templates"]
autodoc_typehints = "none"  # numpydoc renders the types from the docstrings
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "pydata_sphinx_theme"
html_title = f"lbopt {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False

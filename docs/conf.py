"""Sphinx configuration of nengo-lmu's documentation (``make docs``).

The site has four parts: the theory and hardware facts the code follows
(``theory.rst``, ``hardware.rst``), the API reference (``api.rst``, one
``automodule`` per public module), the notebooks (copied from ``notebooks/``
and executed in their small setting, see below) and the README (included
whole, so its results are the README's own numbers).

Environment variables:

``NENGO_LMU_DOCS_EXECUTE``
    ``always`` (default) executes every notebook while building, with
    ``NENGO_LMU_QUICK=1`` (the tests' small setting); ``never`` renders the
    notebooks without outputs, for a quick look at the text.
"""

import os
import pathlib
import shutil
import sys
import warnings

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document this checkout, installed or not

import nengo_lmu  # noqa: E402

# the pairs of versions this package was verified with (see CHANGES.rst)
warnings.filterwarnings("ignore", message=".*has not been tested with your")

project = "nengo-lmu"
author = "nengo-lmu contributors"
copyright = "nengo-lmu contributors"  # noqa: A001
release = nengo_lmu.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "nbsphinx",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "notebooks/**/*-results*"]
html_theme = "alabaster"
html_title = f"nengo-lmu {release}"
pygments_style = "sphinx"

# --- API reference -------------------------------------------------------------
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
# snnTorch's export runs in a venv of its own (make install-nir): document the
# module without importing PyTorch
autodoc_mock_imports = ["torch", "snntorch", "nirtorch"]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# --- the README (MyST) -------------------------------------------------------------
myst_heading_anchors = 3
# numpydoc docstrings list their references without citing each in the text
suppress_warnings = ["myst.header", "ref.citation"]

# --- notebooks -------------------------------------------------------------------
# The notebooks live in notebooks/ (committed without outputs). Sphinx reads
# only files under docs/, so each build copies them to docs/notebooks/
# (ignored by git) afresh: the results stores the notebooks write next to
# themselves never survive from one build to the next, so what the pages show
# is what this version of the code computes.
_copy = DOCS / "notebooks"
shutil.rmtree(_copy, ignore_errors=True)
shutil.copytree(
    ROOT / "notebooks",
    _copy,
    ignore=shutil.ignore_patterns("*-results*", ".ipynb_checkpoints"),
)

nbsphinx_execute = os.environ.get("NENGO_LMU_DOCS_EXECUTE", "always")
nbsphinx_allow_errors = False
nbsphinx_timeout = 600
nbsphinx_execute_arguments = [
    "--InlineBackend.figure_formats={'png'}",
    "--InlineBackend.rc=figure.dpi=80",
]
nbsphinx_prolog = """
.. note::

   This page was executed while the documentation was built, in the
   notebook's small setting (``NENGO_LMU_QUICK=1``): shorter runs and fewer
   neurons, so its numbers differ from the full setting's. The notebook is
   ``{{ env.doc2path(env.docname, base=False) }}``
   in the repository; run it without ``NENGO_LMU_QUICK`` for the full setting.
"""
# the kernels inherit this process's environment
os.environ["NENGO_LMU_QUICK"] = "1"
os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend draws the figures
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
)

# nbsphinx converts Markdown cells with pandoc; pypandoc-binary (the docs
# extra) ships the executable, so put it on the PATH unless one is there
if shutil.which("pandoc") is None:
    try:
        import pypandoc  # noqa: PLC0415

        _pandoc = pathlib.Path(pypandoc.get_pandoc_path())
        os.environ["PATH"] = f"{_pandoc.parent}{os.pathsep}{os.environ['PATH']}"
    except (ImportError, OSError):
        pass  # nbsphinx then says that pandoc is missing

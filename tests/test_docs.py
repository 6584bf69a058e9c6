"""The documentation's references hold (``make docs`` builds it, warnings as errors).

These checks read files only (no Sphinx): the package, tests, notebooks,
README and docs cite the documentation's pages, never files that are not in
the repository; every section they cite exists; and the API reference lists
every module of the package.
"""

import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

#: Notes that lived outside the repository while the package was written;
#: what users need from them is in docs/ (theory.rst, hardware.rst). Spelled
#: in pieces so that this file does not cite them itself.
OUTSIDE = tuple(
    name + suffix
    for name, suffix in (("THEORY", ".md"), ("DESIGN", ".md"), ("STYLE", ".md"),
                         ("LOIHI", "-NOTES"), ("ANALOG", "-NOTES"))
) + ("../" + "shared/",)

TEXT_SUFFIXES = {".py", ".md", ".rst", ".ipynb", ".txt", ".cfg", ".ini", ".toml", ""}
SKIP_PARTS = {".git", ".venv", ".venv-nir", "_build", "build", "__pycache__"}


def repository_files():
    """The repository's text files (git's, ignored ones left out), else a walk."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        paths = [ROOT / p for p in out.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        paths = [p for p in ROOT.rglob("*") if p.is_file()]
    return [
        p
        for p in paths
        if p.is_file()
        and p.suffix in TEXT_SUFFIXES
        and not SKIP_PARTS.intersection(p.relative_to(ROOT).parts)
        and not p.relative_to(ROOT).parts[:2] == ("docs", "notebooks")  # a build copy
    ]


def test_repository_files_found():
    names = {p.relative_to(ROOT).as_posix() for p in repository_files()}
    assert {"README.md", "docs/conf.py", "nengo_lmu/dynamics.py"} <= names


@pytest.mark.parametrize("name", OUTSIDE)
def test_no_citation_of_files_outside_the_repository(name):
    hits = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in repository_files()
        for i, line in enumerate(p.read_text(errors="replace").splitlines(), 1)
        if name in line
    ]
    assert not hits, f"{name} is not in the repository; cite docs/ instead: {hits}"


def labels():
    """Every ``.. _label:`` target in docs/ (and MyST's ``(label)=``)."""
    found = set()
    for path in DOCS.glob("*.rst"):
        found.update(re.findall(r"^\.\. _([\w-]+):\s*$", path.read_text(), flags=re.M))
    for path in DOCS.glob("*.md"):
        found.update(re.findall(r"^\(([\w-]+)\)=\s*$", path.read_text(), flags=re.M))
    return found


def cited_labels():
    """``(path, label)`` for every ``:ref:`` in the package and the docs."""
    paths = list((ROOT / "nengo_lmu").rglob("*.py")) + list(DOCS.glob("*.rst"))
    paths += list(DOCS.glob("*.md"))
    pattern = re.compile(r":ref:`(?:[^`<]*<([\w-]+)>|([\w-]+))`")
    return [
        (path.relative_to(ROOT).as_posix(), a or b)
        for path in paths
        for a, b in pattern.findall(path.read_text())
    ]


def test_cited_labels_exist():
    cited = cited_labels()
    assert len(cited) >= 10, "the package should cite the theory pages"
    known = labels()
    missing = [(path, label) for path, label in cited if label not in known]
    assert not missing, f"labels cited but not defined in docs/: {missing}"


def section_titles(page):
    """The section titles of an RST page (a line underlined with = or -)."""
    lines = (DOCS / page).read_text().splitlines()
    return {
        a.strip()
        for a, b in zip(lines, lines[1:])
        if a.strip()
        and re.fullmatch(r"([=\-*])\1+", b.strip())
        and len(b) >= len(a.strip())
    }


def test_plain_text_citations_name_existing_sections():
    """'<Page> page, section 'Title'' in comments, tests, notebooks and README."""
    pages = {"Theory": "theory.rst", "Hardware facts": "hardware.rst"}
    pattern = re.compile(r"(Theory|Hardware facts)\W+page, section '([^']+)'")
    cited = [
        (p.relative_to(ROOT).as_posix(), page, title)
        for p in repository_files()
        if p.parts[-2:] != ("tests", "test_docs.py")
        for page, title in pattern.findall(p.read_text(errors="replace"))
    ]
    assert len(cited) >= 5
    missing = [c for c in cited if c[2] not in section_titles(pages[c[1]])]
    assert not missing, f"sections cited but not in docs/: {missing}"


def test_api_reference_lists_every_module():
    """docs/api.rst is the one list of modules: each must be there, once."""
    package = ROOT / "nengo_lmu"
    modules = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in package.rglob("*.py")
    } - {"nengo_lmu.__main__", "nengo_lmu.version"}
    api = (DOCS / "api.rst").read_text()
    listed = re.findall(r"^\.\. automodule:: ([\w.]+)\s*$", api, flags=re.M)
    assert len(listed) == len(set(listed)), "a module is listed twice"
    missing, unknown = sorted(modules - set(listed)), sorted(set(listed) - modules)
    assert not missing, f"not in docs/api.rst: {missing}"
    assert not unknown, f"no such module: {unknown}"


def test_section_underlines_fit_their_titles():
    """A quick form of the check `make docs` (warnings as errors) makes: every
    reStructuredText title is underlined to its full length."""
    short = []
    for path in sorted(DOCS.glob("*.rst")):
        lines = path.read_text().splitlines()
        for i in range(1, len(lines)):
            line, title = lines[i], lines[i - 1]
            if line and set(line) <= set("-=*~^") and title.strip() and not set(title) <= set("-=*~^"):
                if len(line) < len(title):
                    short.append(f"{path.name}:{i + 1}: {title}")
    assert not short, short

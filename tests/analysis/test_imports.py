"""The modules of nengo_lmu.analysis import each other without cycles."""

import ast
import pathlib
import subprocess
import sys

import nengo_lmu.analysis

PACKAGE = "nengo_lmu.analysis"
FOLDER = pathlib.Path(nengo_lmu.analysis.__file__).parent
MODULES = sorted(p.stem for p in FOLDER.glob("*.py") if p.stem != "__init__")


def imported(name):
    """The analysis modules that module ``name`` imports, at its top or in a function."""
    tree = ast.parse((FOLDER / f"{name}.py").read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            if target.startswith(PACKAGE + ".") and parts[2] in MODULES:
                out.add(parts[2])
    return out - {name}


def test_analysis_imports_form_no_cycle():
    graph = {name: imported(name) for name in MODULES}
    assert graph["study"] >= {"figures"} and graph["figures"] >= {"families"}  # non-empty
    done, path = set(), []

    def visit(name):
        if name in path:
            cycle = path[path.index(name):] + [name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        path.append(name)
        for other in sorted(graph[name]):
            visit(other)
        path.pop()
        done.add(name)

    for name in MODULES:
        visit(name)


def test_every_analysis_module_imports_first():
    """Each module imports when no other module of nengo_lmu has been imported."""
    code = f"""
import importlib, sys
import nengo
for name in {MODULES!r}:
    for loaded in [m for m in sys.modules if m.split(".")[0] == "nengo_lmu"]:
        del sys.modules[loaded]
    importlib.import_module("{PACKAGE}." + name)
print("imported", len({MODULES!r}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["imported", str(len(MODULES))]

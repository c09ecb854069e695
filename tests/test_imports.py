"""Every module of the app imports on its own, first: no import circle hides behind the order the app happens to
import things in (a benchmark importing handlers.digests first once met one the app never did)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "domain", "handlers", "storage")

# Imports each module first, forgetting the app's own modules in between (libraries stay imported: they are not
# ours, and importing them again each time would take minutes). Prints each module that fails, with why.
EACH_FIRST = """
import importlib, sys, traceback
ours = lambda name: name.split(".")[0] in {packages!r}
for module in {modules!r}:
    for name in [n for n in sys.modules if ours(n)]:
        del sys.modules[name]
    try:
        importlib.import_module(module)
    except Exception as error:
        print(module, "->", type(error).__name__, error)
"""


def _modules() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # Alembic loads these by path, not as modules
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_every_module_imports_when_it_is_the_first_one_imported():
    modules = _modules()
    assert len(modules) > 150  # the app's packages were found
    script = EACH_FIRST.format(packages=PACKAGES, modules=modules)
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == []

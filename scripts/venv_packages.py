"""Makes the packages a script needs importable: when one is missing, the
script is run again with the python of a virtualenv of its own in .build/
(created, and the packages installed from PyPI, the first time)."""
import importlib
import os
import subprocess
import sys

repository = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def require(venv_name, modules, packages):
    try:
        for module in modules:
            importlib.import_module(module)
        return
    except ImportError:
        pass
    venv = os.path.join(repository, ".build", venv_name)
    python = os.path.join(venv, "bin", "python3")
    if sys.executable == python:
        sys.exit(f"{', '.join(packages)} could not be installed in {venv}")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", *packages], check=True)
    os.execv(python, [python] + sys.argv)

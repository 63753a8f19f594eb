"""Make the checkout start like an installed copy before a start-up time is measured."""

from __future__ import annotations

import compileall
from pathlib import Path


def compile_package_bytecode() -> None:
    """Compile binfolio's modules to bytecode, as ``pip install`` does.

    With ``PYTHONDONTWRITEBYTECODE`` set (as on our CI machines) an editable install would
    otherwise compile every binfolio module from source on every run, ~0.1 s that no installed
    copy pays.
    """
    import binfolio

    compileall.compile_dir(Path(binfolio.__file__).parent, quiet=1)

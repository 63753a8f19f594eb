"""``python -m binfolio`` is the same as the ``binfolio`` command."""

from binfolio.entrypoints.cli import main

main()

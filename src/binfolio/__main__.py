"""``python -m binfolio`` is the same as the ``binfolio`` command."""

from binfolio.cli import main

main()

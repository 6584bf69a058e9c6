"""``python -m nengo_lmu`` runs the ``nengo-lmu`` command."""

import sys

from nengo_lmu.cli import main

if __name__ == "__main__":  # pragma: no cover -- run as a program in tests/test_cli.py
    sys.exit(main())

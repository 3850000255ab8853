"""``python -m ghostscan`` runs the command-line interface."""

import sys

from ghostscan.cli import main

sys.exit(main())

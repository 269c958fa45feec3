"""Entry point of the console executable ``hvassist`` (CLI; with no command it starts the app)."""

import sys

from hvassist.cli import main

sys.exit(main())

"""Entry point of the windowed executable ``hvassist-gui``."""

import sys

from hvassist.gui.app import main

sys.exit(main())

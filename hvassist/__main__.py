import sys

from hvassist.cli import main

sys.exit(main())

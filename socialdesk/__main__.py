"""python -m socialdesk: the same as the socialdesk command."""

import sys

from socialdesk.cli import main

sys.exit(main())

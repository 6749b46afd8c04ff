"""python -m core.demo: build a synthetic caseload (see core.demo)."""

import sys

from core.demo import main

sys.exit(main())

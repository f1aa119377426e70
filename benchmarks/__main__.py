"""`python -m benchmarks [--quick] [--only NAME] [--runs N] [--json FILE]`: the suite."""

from __future__ import annotations

import sys

from benchmarks.main import main

sys.exit(main())

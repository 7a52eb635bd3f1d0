"""`python -m archsim` entry point."""

import sys

from archsim.cli import main

sys.exit(main())

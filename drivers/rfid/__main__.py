"""``python -m drivers.rfid --pty``: run the simulated FEIG reader as its own process.

Same as ``python -m drivers.rfid.simulator`` (see :func:`drivers.rfid.simulator.main`), without
runpy's warning about a module imported by its own package.
"""

import sys

from drivers.rfid.simulator import main

sys.exit(main())

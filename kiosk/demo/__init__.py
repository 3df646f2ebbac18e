"""The demo: the kiosk on the embedded library system with simulated hardware, a control panel
that plays the patron's hands, and scripted patrons (scenarios) with a screenshot per step.

Why apart from ``kiosk.ui``: the demo composes everything (the assembly, simulated devices, the
embedded library system) to drive the real screens; the screens themselves know only the core's
port. ``kiosk demo`` is the command (:mod:`kiosk.commands.demo`).
"""

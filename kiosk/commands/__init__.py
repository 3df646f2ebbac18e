"""Sub-commands of the ``kiosk`` command, one module each.

Each module defines ``register(subparsers)``, which adds its parser and sets ``handler`` (a
callable taking the parsed arguments and returning the exit status). Modules import their heavy
dependencies inside the handler so that ``kiosk --help`` stays fast.
"""

"""Sub-commands of the CLI, one module per face of a domain (each defines ``app``).

Modules here import only typer at module level, so ``chikuden --help`` stays fast; heavy
imports happen inside the command functions.
"""

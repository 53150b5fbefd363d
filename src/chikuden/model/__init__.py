"""The model: pure, vectorised functions over a leading scenario axis, one module per domain.

The model never reads files, prints, or imports a face. ``system.run`` wires the domains.
"""

"""The best use of the fund (``chikuden optimize``, docs/optimize.md).

:mod:`chikuden.optimize.portfolio` builds the candidates (the plants pipeline and the generic
blocks of data/candidates.yaml), solves the mixed-integer programme with HiGHS
(:func:`scipy.optimize.milp`), its LP relaxation for the shadow prices of the budget
(:func:`scipy.optimize.linprog`), the step curve of the optimum against the fund size, and names
the constraints that make a programme infeasible. :mod:`chikuden.optimize.report` draws the page.
"""

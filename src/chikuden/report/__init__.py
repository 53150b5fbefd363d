"""The self-contained HTML report: ``render_report(results, lang)`` in
:mod:`chikuden.report.html` (not imported here, so that the package loads without Jinja2).

Numbers are formatted by :mod:`chikuden.formatting`, shared by every face.
"""

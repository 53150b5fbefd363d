"""Faces of the results for readers: the self-contained HTML report and number formatting.

``render_report(results, lang)`` lives in :mod:`chikuden.report.html`; it is not imported here
so that ``chikuden.report.format`` loads without Jinja2 or the model.
"""

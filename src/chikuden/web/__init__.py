"""The web simulator: a FastAPI application with a JSON API and server-rendered pages.

``chikuden serve`` runs :func:`chikuden.web.app.create_app` under uvicorn. The JSON API
(:mod:`chikuden.web.api`, :mod:`chikuden.web.calculators`) calls the Python API
(:mod:`chikuden.api`) and nothing below it; the pages are :mod:`chikuden.web.pages`.
docs/web.md describes the endpoints.
"""

"""The domain calculators as JSON endpoints: ``POST /api/calculators/{service-area,
minerals-stress,product}`` (each calls :mod:`chikuden.calculators` through the Python API)."""

from __future__ import annotations

from fastapi import APIRouter

from chikuden.web.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/calculators", responses=ERROR_RESPONSES)

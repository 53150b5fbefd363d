"""Errors of the JSON API: every bad input is a 4xx with one body shape.

``{"error": {"field": ..., "value": ..., "allowed": ..., "message": ...}}``: the field of the
request (``parameters.finance.budget_jpy``, ``scenario``, ``lang``), the value given (as text,
shortened), what is allowed, and one line saying what is wrong and what to do. Sources:

- :class:`ApiError`, raised by the endpoints where they know the field;
- :class:`chikuden.errors.ChikudenError` from the Python API (the message names the field);
- pydantic's validation of the request (types, missing or unknown fields, malformed JSON);
- unknown routes and methods under ``/api`` (404, 405) and bodies over the size limit (413,
  :class:`BodyLimit`).

A 5xx is a fault of chikuden (or a scenario store that cannot be reached, 503), never of the
input.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chikuden.errors import ChikudenError, ScenarioNotFoundError
from chikuden.reading import show


class ErrorDetail(BaseModel):
    """What was wrong with a request."""

    field: str | None = Field(
        description="The request field at fault (dotted: parameters.finance.budget_jpy), "
        "or null when the request as a whole is at fault"
    )
    value: str | None = Field(description="The value given, as text (shortened), or null")
    allowed: str | None = Field(description="What the field allows, or null")
    message: str = Field(description="One line: what is wrong and what to do")


class ErrorBody(BaseModel):
    """The body of every 4xx answer of the API."""

    error: ErrorDetail


class ApiError(Exception):
    """A bad request whose field the endpoint knows."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        value: Any = None,
        allowed: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.value = None if value is None else _text(value)
        self.allowed = allowed


def _text(value: Any) -> str:
    return show(value)


def error_response(
    status: int,
    message: str,
    field: str | None = None,
    value: str | None = None,
    allowed: str | None = None,
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(field=field, value=value, allowed=allowed, message=message))
    return JSONResponse(body.model_dump(), status_code=status)


# What a field allows, by pydantic's error type (when the error's context does not say).
_ALLOWED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "dict_type": "a JSON object",
    "list_type": "a JSON array",
    "model_type": "a JSON object",
    "missing": "a value (the field is required)",
    "extra_forbidden": "only the fields documented in /openapi.json",
    "finite_number": "a finite number",
    "json_invalid": "a JSON document",
}


def _location(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or None


async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A request the API schema refuses (FastAPI's validation, before any handler): a 400
    for a body that is not JSON, else a 422 naming the first field, its value and what it allows."""
    errors = exc.errors()
    first: dict[str, Any] = dict(errors[0]) if errors else {}
    kind = str(first.get("type", ""))
    ctx = first.get("ctx") or {}
    if kind == "json_invalid":
        body = exc.body if isinstance(exc.body, str) else ""
        pos = next((p for p in first.get("loc", ()) if isinstance(p, int)), 0)
        line = body.count("\n", 0, pos) + 1
        column = pos - (body.rfind("\n", 0, pos) + 1) + 1
        reason = str(ctx.get("error", "syntax error"))
        return error_response(
            400,
            f"the body is not valid JSON: {reason} at line {line}, column {column}; send a "
            "JSON object as documented in /openapi.json",
            allowed=_ALLOWED[kind],
        )
    field = _location(first.get("loc", ()))
    allowed = str(ctx["expected"]) if "expected" in ctx else _ALLOWED.get(kind)
    given = first.get("input")
    value = None if kind == "missing" else _text(given)
    msg = str(first.get("msg", "invalid value"))
    where = f"{field} = {value}" if field and value is not None else (field or "the request")
    more = f" ({len(errors)} problems; this is the first)" if len(errors) > 1 else ""
    return error_response(
        422,
        f"{where}: {msg}{more}; give {allowed or 'a value as /openapi.json documents'}",
        field,
        value,
        allowed,
    )


async def _on_api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.message, exc.field, exc.value, exc.allowed)


async def _on_chikuden_error(request: Request, exc: ChikudenError) -> JSONResponse:
    from chikuden.roadmap.errors import ConflictError, LedgerError

    message = str(exc)
    if isinstance(exc, ConflictError):
        return error_response(409, message)
    if isinstance(exc, LedgerError):  # the server's database, not the request
        return error_response(503, f"the scenario store cannot be used: {message}")
    status = 404 if isinstance(exc, ScenarioNotFoundError) else 422
    return error_response(status, message)


async def _on_http_error(request: Request, exc: StarletteHTTPException) -> Any:
    if not request.url.path.startswith("/api"):
        from fastapi.exception_handlers import http_exception_handler

        return await http_exception_handler(request, exc)
    if exc.status_code == 404:
        message = f"no endpoint {request.url.path}; /openapi.json lists the endpoints"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}; see /openapi.json"
    else:
        message = str(exc.detail)
    return error_response(exc.status_code, message)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every bad input into a 4xx :class:`ErrorBody`."""
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, _on_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(ChikudenError, _on_chikuden_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_error)  # type: ignore[arg-type]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorBody,
        "description": "Malformed JSON or YAML, or a derived lever with nothing to rescale",
    },
    404: {"model": ErrorBody, "description": "Unknown scenario or route"},
    413: {"model": ErrorBody, "description": "Body over the size limit"},
    422: {"model": ErrorBody, "description": "A field with a value that is not allowed"},
}
"""The error answers every endpoint documents in the OpenAPI."""


class BodyLimit:
    """ASGI middleware: refuse a request body over ``limit`` bytes with 413, before the
    application reads any of it (by its Content-Length) or as soon as the streamed body passes
    the limit (chunked uploads)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and not length.isdigit():  # servers refuse these before us
            bad = error_response(400, "the Content-Length header is not a number of bytes")
            await bad(scope, receive, send)
            return
        if length is not None and int(length) > self.limit:
            await self._refuse(scope, receive, send)
            return
        if length is not None:  # the server stops the body at its declared length
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413,
            f"the request body is larger than the limit of {self.limit:,} bytes; send less "
            "(a scenario file is a few kilobytes)",
            allowed=f"at most {self.limit:,} bytes",
        )
        await response(scope, receive, send)

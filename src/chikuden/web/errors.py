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

The message is in the request's language: ``lang`` of the query string, else ``lang`` of a
JSON body (:func:`request_lang`), English without either. An :class:`ApiError` or
:class:`~chikuden.errors.ChikudenError` raised with a :class:`~chikuden.errors.Msg` is
translated (:meth:`~chikuden.errors.Msg.localized`); ``field``, ``value`` and ``allowed`` are the
same in every language (a client matches on them).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chikuden.errors import N_, ChikudenError, Msg, ScenarioNotFoundError, localized, worded
from chikuden.i18n import LANGS
from chikuden.reading import show

BODY_KEY = "chikuden.body"
"""The scope key under which :class:`BodyLimit` keeps the request body's chunks (an error's
language may be the body's ``lang``)."""


class ErrorDetail(BaseModel):
    """What was wrong with a request."""

    field: str | None = Field(
        description="The request field at fault (dotted: parameters.finance.budget_jpy), "
        "or null when the request as a whole is at fault"
    )
    value: str | None = Field(description="The value given, as text (shortened), or null")
    allowed: str | None = Field(description="What the field allows, or null")
    message: str = Field(
        description="One line: what is wrong and what to do, in the request's language (lang "
        "of the query string, else lang of a JSON body; English without either)"
    )


class ErrorBody(BaseModel):
    """The body of every 4xx answer of the API."""

    error: ErrorDetail


class ApiError(Exception):
    """A bad request whose field the endpoint knows."""

    def localized(self, lang: str) -> str:
        """The message in ``lang`` (English when it was raised as text)."""
        return localized(self.message, lang)

    def __init__(
        self,
        status: int,
        message: str | Msg | ChikudenError,
        field: str | None = None,
        value: Any = None,
        allowed: str | None = None,
    ) -> None:
        super().__init__(str(message))
        self.status = status
        self.message = message
        self.field = field
        self.value = None if value is None else _text(value)
        self.allowed = allowed


def _text(value: Any) -> str:
    return show(value)


def request_lang(request: Request) -> str:
    """The language a request asks for: ``lang`` of its query string, else ``lang`` of its JSON
    body (kept by :class:`BodyLimit`), else English; a language chikuden lacks reads English."""
    lang = request.query_params.get("lang")
    if lang is None:
        chunks = request.scope.get(BODY_KEY)
        if chunks and "json" in request.headers.get("content-type", ""):
            import json

            try:
                doc = json.loads(b"".join(chunks))
            except ValueError:
                doc = None
            lang = doc.get("lang") if isinstance(doc, dict) else None
    return lang if isinstance(lang, str) and lang in LANGS else "en"


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
    "float_type": N_("a number"),
    "float_parsing": N_("a number"),
    "int_type": N_("a whole number"),
    "int_parsing": N_("a whole number"),
    "string_type": N_("text"),
    "bool_type": N_("true or false"),
    "dict_type": N_("a JSON object"),
    "list_type": N_("a JSON array"),
    "model_type": N_("a JSON object"),
    "missing": N_("a value (the field is required)"),
    "extra_forbidden": N_("only the fields documented in /openapi.json"),
    "finite_number": N_("a finite number"),
    "json_invalid": N_("a JSON document"),
}
# What is wrong, by pydantic's error type, in the languages other than English (English keeps
# pydantic's own sentence); any other type reads as "the value is not allowed".
_REASONS = {
    "float_type": N_("not a number"),
    "float_parsing": N_("not a number"),
    "int_type": N_("not a whole number"),
    "int_parsing": N_("not a whole number"),
    "int_from_float": N_("not a whole number"),
    "string_type": N_("not text"),
    "bool_type": N_("not true or false"),
    "bool_parsing": N_("not true or false"),
    "dict_type": N_("not a JSON object"),
    "model_type": N_("not a JSON object"),
    "model_attributes_type": N_("not a JSON object"),
    "list_type": N_("not a JSON array"),
    "missing": N_("the field is required"),
    "extra_forbidden": N_("not a field of this request"),
    "finite_number": N_("not a finite number"),
    "literal_error": N_("not one of the values allowed"),
    "enum": N_("not one of the values allowed"),
    "greater_than": N_("too small"),
    "greater_than_equal": N_("too small"),
    "less_than": N_("too large"),
    "less_than_equal": N_("too large"),
    "string_too_long": N_("too long"),
    "string_too_short": N_("too short"),
    "too_long": N_("too many items"),
    "too_short": N_("too few items"),
}
_NOT_ALLOWED = N_("the value is not allowed")


def _location(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or None


def _expected(text: str) -> Msg:
    """pydantic's ``expected`` (``'en' or 'ja'``) as it wrote it in English, the choices
    listed in the other languages."""
    return worded(text, N_("one of {choices}", choices=text.replace(" or ", ", ")))


async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A request the API schema refuses (FastAPI's validation, before any handler): a 400
    for a body that is not JSON, else a 422 naming the first field, its value and what it allows."""
    lang = request_lang(request)
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
        message = N_(
            "the body is not valid JSON: {reason} at line {line}, column {column}; send a "
            "JSON object as documented in /openapi.json",
            reason=reason,
            line=line,
            column=column,
        )
        return error_response(400, message.localized(lang), allowed=str(_ALLOWED[kind]))
    field = _location(first.get("loc", ()))
    allowed: Msg | None = _expected(str(ctx["expected"])) if "expected" in ctx else None
    allowed = allowed or _ALLOWED.get(kind)
    given = first.get("input")
    value = None if kind == "missing" else _text(given)
    why = worded(str(first.get("msg", "invalid value")), _REASONS.get(kind, _NOT_ALLOWED))
    where: str | Msg = (
        f"{field} = {value}" if field and value is not None else (field or N_("the request"))
    )
    more: str | Msg = (
        N_(" ({n} problems; this is the first)", n=len(errors)) if len(errors) > 1 else ""
    )
    message = N_(
        "{where}: {why}{more}; give {allowed}",
        where=where,
        why=why,
        more=more,
        allowed=allowed or N_("a value as /openapi.json documents"),
    )
    return error_response(
        422, message.localized(lang), field, value, None if allowed is None else str(allowed)
    )


async def _on_api_error(request: Request, exc: ApiError) -> JSONResponse:
    message = exc.localized(request_lang(request))
    return error_response(exc.status, message, exc.field, exc.value, exc.allowed)


async def _on_chikuden_error(request: Request, exc: ChikudenError) -> JSONResponse:
    from chikuden.roadmap.errors import ConflictError, LedgerError

    message = exc.localized(request_lang(request))
    if isinstance(exc, ConflictError):
        return error_response(409, message)
    if isinstance(exc, LedgerError):  # the server's database, not the request
        store = N_("the scenario store cannot be used: {reason}", reason=message)
        return error_response(503, store.localized(request_lang(request)))
    status = 404 if isinstance(exc, ScenarioNotFoundError) else 422
    return error_response(status, message)


async def _on_http_error(request: Request, exc: StarletteHTTPException) -> Any:
    if not request.url.path.startswith("/api"):
        from fastapi.exception_handlers import http_exception_handler

        return await http_exception_handler(request, exc)
    if exc.status_code == 404:
        message: str | Msg = N_(
            "no endpoint {path}; /openapi.json lists the endpoints", path=request.url.path
        )
    elif exc.status_code == 405:
        message = N_(
            "{method} is not allowed on {path}; see /openapi.json",
            method=request.method,
            path=request.url.path,
        )
    else:
        message = str(exc.detail)
    return error_response(exc.status_code, localized(message, request_lang(request)))


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
            refusal = N_("the Content-Length header is not a number of bytes")
            bad = error_response(400, refusal.localized(_query_lang(scope)))
            await bad(scope, receive, send)
            return
        if length is not None and int(length) > self.limit:
            await self._refuse(scope, receive, send)
            return
        kept: list[bytes] = []  # the body as the application reads it: an error's language
        scope[BODY_KEY] = kept
        if length is not None:  # the server stops the body at its declared length

            async def keep() -> Message:
                message = await receive()
                if message["type"] == "http.request":
                    kept.append(message.get("body", b""))
                return message

            await self.app(scope, keep, send)
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
        kept.append(body)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = N_(
            "the request body is larger than the limit of {limit:,} bytes; send less "
            "(a scenario file is a few kilobytes)",
            limit=self.limit,
        )
        response = error_response(
            413,
            message.localized(_query_lang(scope)),
            allowed=f"at most {self.limit:,} bytes",
        )
        await response(scope, receive, send)


def _query_lang(scope: Scope) -> str:
    """``lang`` of the query string (the body is not read yet), else English."""
    from urllib.parse import parse_qs

    found = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", ["en"])
    return found[0] if found[0] in LANGS else "en"

"""OpenAPI 3 document built from the registered API routes, so it cannot drift from them."""
from __future__ import annotations

import re
from typing import Any, Callable

from flask import Flask

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
}


def api_doc(*, request: dict | None = None, responses: dict[int, Any] | None = None,
            params: list[dict] | None = None, tags: list[str] | None = None) -> Callable:
    """Attach request/response schemas to a view; the summary is its docstring's first line."""

    def wrap(view: Callable) -> Callable:
        view.openapi = {"request": request, "responses": responses or {}, "params": params or [],  # type: ignore[attr-defined]
                        "tags": tags or []}
        return view

    return wrap


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []
    for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule):
        kind = "integer" if conv == "int" else "string"
        params.append({"name": name, "in": "path", "required": True, "schema": {"type": kind}})
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), params


def build_spec(app: Flask) -> dict[str, Any]:
    """Every /api and /auth rule, with its methods, summary and documented shapes."""
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not (rule.rule.startswith("/api/") or rule.rule.startswith("/auth/")):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", {})
        doc = (view.__doc__ or "").strip().splitlines()
        path, path_params = _path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            responses: dict[str, Any] = {
                str(code): {"description": desc} if isinstance(desc, str) else desc
                for code, desc in (meta.get("responses") or {200: "OK"}).items()
            }
            responses["default"] = {"description": "Error",
                                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            op: dict[str, Any] = {
                "operationId": f"{rule.endpoint}_{method.lower()}",
                "summary": doc[0] if doc else "",
                "tags": meta.get("tags") or [rule.endpoint.split(".")[0]],
                "parameters": path_params + list(meta.get("params") or []),
                "responses": responses,
            }
            if meta.get("request") and method in ("POST", "PUT", "PATCH"):
                op["requestBody"] = {"required": True,
                                     "content": {"application/json": {"schema": meta["request"]}}}
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.0.3",
        "info": {"title": "Korea Sovereign AI Public Contest API", "version": "1.0.0",
                 "description": "Public JSON API of the contest platform. Errors: "
                                "{\"error\": {\"code\", \"message\"}}."},
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {"csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
                                "session": {"type": "apiKey", "in": "cookie", "name": "arena_session"}},
        },
    }

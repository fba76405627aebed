"""OpenAPI 3 document built from the registered API routes, so it cannot drift from them."""
from __future__ import annotations

import re
from typing import Any, Callable

from flask import Flask
from pydantic import BaseModel

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
}


def api_doc(*, request: type[BaseModel] | None = None, responses: dict[int, Any] | None = None,
            params: list[dict] | None = None, tags: list[str] | None = None,
            content: dict[str, Any] | None = None) -> Callable:
    """Attach request/response schemas to a view; the summary is its docstring's first line.

    `request` is the pydantic model the view validates its body with (app.bodies), never a
    hand-written schema: the document shows exactly what validation accepts. `content` documents a
    body that is not a JSON object (a file upload): media type -> OpenAPI media type object.
    """
    if request is not None and not (isinstance(request, type) and issubclass(request, BaseModel)):
        raise TypeError("api_doc(request=...) takes the body's pydantic model")
    body = request_schema(request) if request is not None else None

    def wrap(view: Callable) -> Callable:
        view.openapi = {"request": body, "responses": responses or {}, "params": params or [],  # type: ignore[attr-defined]
                        "tags": tags or [], "content": content}
        return view

    return wrap


def request_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema as an OpenAPI 3.0 schema object (refs inlined, nullable, no titles)."""
    schema = model.model_json_schema()
    return _openapi30(schema, schema.pop("$defs", {}))


def _openapi30(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_openapi30(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _openapi30(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":  # field names, not keywords: keep every one
            out[key] = {name: _openapi30(sub, defs) for name, sub in value.items()}
        elif key == "propertyNames":  # 3.0 cannot say what a map's keys must be; validation still checks them
            continue
        elif key != "title" and not (key == "default" and value is None):
            out[key] = _openapi30(value, defs)
    if "const" in out:
        out["enum"] = [out.pop("const")]
    variants = out.get("anyOf")
    if variants and {"type": "null"} in variants:  # JSON Schema's null variant is 3.0's `nullable`
        rest = [v for v in variants if v != {"type": "null"}]
        del out["anyOf"]
        out.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
        out["nullable"] = True
    return out


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
            if (meta.get("request") or meta.get("content")) and method in ("POST", "PUT", "PATCH"):
                op["requestBody"] = {"required": True, "content": meta.get("content")
                                     or {"application/json": {"schema": meta["request"]}}}
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

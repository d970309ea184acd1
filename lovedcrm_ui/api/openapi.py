"""``/openapi.json`` that tells the truth about error bodies (docs/API-ERRORS.md)."""

from typing import Any

from fastapi import FastAPI

# FastAPI declares every 422 as ``{"detail": [ValidationError, …]}``; ours also answer 422 for a rule the schema
# cannot express (password policy, assignee not a member) with a string ``detail``, and every error has a ``code``
UNPROCESSABLE = {
    'title': 'HTTPValidationError',
    'type': 'object',
    'required': ['detail', 'code'],
    'properties': {
        'detail': {
            'title': 'Detail',
            'anyOf': [
                {'type': 'array', 'items': {'$ref': '#/components/schemas/ValidationError'}},
                {'type': 'string'},
            ],
        },
        'code': {'title': 'Code', 'type': 'string'},
    },
}


def declare_error_bodies(app: FastAPI) -> None:
    """Make the app's OpenAPI document describe the 422 bodies the error handlers really send."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()  # FastAPI builds once and caches; replacing the component is idempotent
        components = schema.get('components', {}).get('schemas', {})
        if 'HTTPValidationError' in components:
            components['HTTPValidationError'] = UNPROCESSABLE
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

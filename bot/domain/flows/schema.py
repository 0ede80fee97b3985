"""The JSON Schema of flow files, generated from the pydantic models (never written by hand)."""

from __future__ import annotations

import json

from bot.domain.flows.model import Flow


def schema_json() -> str:
    """The schema as stable, indented JSON."""
    schema = Flow.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Silta conversation flow"
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"

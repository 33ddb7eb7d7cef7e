"""The OpenAPI description: what drf-spectacular cannot infer, said once here.

- Reads need no credentials (``{}`` among the security requirements).
- Embedded records read as summaries and are written as slugs.
- Every operation declares the errors it can answer with, in the shape DRF gives them.
- Lists also answer in CSV (``?format=csv``), the whole result as one string.
"""

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.generators import SchemaGenerator as BaseSchemaGenerator
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings

from .fields import SLUG_PATTERN


class AutoSchema(BaseAutoSchema):
    def get_auth(self):
        auths = super().get_auth()
        if self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method != "GET" or not hasattr(self.view, "wants_drafts"):
            return parameters
        parameters.append(
            OpenApiParameter(
                "include_drafts",
                OpenApiTypes.BOOL,
                description=_("Editors only: include draft records (401 without credentials, 403 without rights)."),
            )
        )
        if getattr(self.view, "action", None) == "list":
            parameters.append(
                OpenApiParameter(
                    "format",
                    str,
                    enum=["json", "csv"],
                    description=_("csv: the whole filtered list as CSV, streamed, without pagination."),
                )
            )
        return parameters


class EmbeddedRelatedFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "relations.api.fields.EmbeddedRelatedField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            return auto_schema.resolve_serializer(self.target.summary, direction).ref
        return {"type": "string", "pattern": SLUG_PATTERN, "description": str(_("The related record's slug."))}


class OptionalURLFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "relations.api.fields.OptionalURLField"

    def map_serializer_field(self, auto_schema, direction):
        # No top-level type: drf-spectacular would otherwise add format "uri" beside the anyOf.
        address = {"type": "string", "format": "uri", "minLength": 1}
        if self.target.max_length:
            address["maxLength"] = self.target.max_length
        schema = {"anyOf": [address, {"type": "string", "maxLength": 0}]}
        if self.target.help_text:
            schema["description"] = str(self.target.help_text)
        return schema


ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Field name (or non_field_errors, or detail) mapped to what is wrong with it.",
    "additionalProperties": {},
}
ERRORS = {
    "400": ("ValidationError", _("The request cannot be used: invalid filter, page size or field values.")),
    "401": ("Error", _("Credentials are needed (or the ones given are wrong).")),
    "403": ("Error", _("The credentials given do not allow this.")),
    "404": ("Error", _("No such record, page or format.")),
    "405": ("Error", _("This method is not allowed here.")),
    "406": ("Error", _("None of the formats in Accept can be served.")),
    "429": ("Error", _("Too many requests: wait for the number of seconds in Retry-After.")),
}
WRITE_ERRORS = {
    "409": ("Error", _("The record changed since the version sent, or others still refer to it.")),
    "415": ("Error", _("Send the body as application/json.")),
}


def add_errors_and_formats(result, generator, request, public):
    """Postprocessing hook: error responses, 304 on reads, CSV on lists."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ValidationError", VALIDATION_ERROR_SCHEMA)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "ordering":
                    # An empty ordering is refused like any empty filter.
                    parameter["schema"]["minItems"] = 1
            responses = operation.setdefault("responses", {})
            errors = dict(ERRORS)
            if method in {"post", "put", "patch", "delete"}:
                errors.update(WRITE_ERRORS)
            if method == "delete":
                errors.pop("415")
            for code, (component, description) in errors.items():
                responses.setdefault(
                    code,
                    {
                        "description": str(description),
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                    },
                )
            if method == "get":
                responses.setdefault("304", {"description": str(_("Not modified since the ETag or date sent."))})
                ok = responses.get("200", {})
                ok["headers"] = {
                    "ETag": {"schema": {"type": "string"}, "description": "Send back in If-None-Match."},
                    "Last-Modified": {"schema": {"type": "string"}, "description": "Time of the latest change."},
                }
                content = ok.get("content", {})
                if "text/csv" in content:
                    content["text/csv"] = {"schema": {"type": "string", "description": "CSV, one row per record."}}
            if method == "delete":
                responses.get("204", {}).pop("content", None)
    return result


class SchemaGenerator(BaseSchemaGenerator):
    """The schema the API serves, generated once a process for each version and language.

    It follows from the code alone (served public: the same for every client), and generating it walks
    every view, serializer and filter (90 ms a request with the content a hundred times over, no query).
    ``manage.py spectacular`` keeps the plain generator.
    """

    generated = {}

    def get_schema(self, request=None, public=False):
        key = (self.api_version, public, get_language())
        if key in self.generated:
            return self.generated[key]
        schema = super().get_schema(request=request, public=public)
        # Kept only for the site's languages and no version or a known one: ``?lang=`` and ``?version=`` are
        # the client's to choose, and one kept schema for each value sent would grow without end.
        versions = api_settings.ALLOWED_VERSIONS or ()
        if key[2] in dict(settings.LANGUAGES) and (self.api_version is None or self.api_version in versions):
            self.generated[key] = schema
        return schema

"""Refuse text PostgreSQL cannot store before it gets near the database."""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers

# NUL, and halves of a surrogate pair.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def contains_unstorable_text(value):
    if isinstance(value, str):
        return bool(_UNSTORABLE.search(value))
    if isinstance(value, dict):
        return any(contains_unstorable_text(key) or contains_unstorable_text(item) for key, item in value.items())
    if isinstance(value, list):
        return any(contains_unstorable_text(item) for item in value)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if contains_unstorable_text(data):
            raise exceptions.ParseError(_("Text may not contain NUL characters or unpaired surrogates."))
        return data

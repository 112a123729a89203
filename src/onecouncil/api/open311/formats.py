"""GeoReport v2 responses: the same content as JSON or XML, and the error format."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

# XML names for the items of each list (GeoReport v2 and the FixMyStreet extension).
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_request_updates": "request_update",
    "errors": "error",
}


# What XML 1.0 forbids in a document, even as a character reference: the C0 controls
# other than tab, line feed and carriage return, lone surrogates, and U+FFFE and U+FFFF.
# Text is stored as it was received; an XML answer shows each as U+FFFD, so one request
# holding a vertical tab cannot make every later answer that includes it unreadable.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return XML_FORBIDDEN.sub("\ufffd", text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_safe(str(value))


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, xml_safe(name))
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _append(element, ITEM_NAMES.get(name, "item"), item)
    else:
        element.text = _text(value)


def to_xml(root: str, content: Any) -> bytes:
    element = ET.Element(root)
    if isinstance(content, list):
        for item in content:
            _append(element, ITEM_NAMES.get(root, "item"), item)
    else:
        for key, value in content.items():
            _append(element, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")


def respond(fmt: str, root: str, content: Any, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(
            to_xml(root, content), status=status, content_type="text/xml; charset=utf-8"
        )
    return HttpResponse(
        json.dumps(content, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def error(
    fmt: str, status: int, *descriptions: str, headers: dict[str, str] | None = None
) -> HttpResponse:
    errors = [{"code": status, "description": d} for d in descriptions]
    response = respond(fmt, "errors", errors, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response

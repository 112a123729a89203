"""What every API answer gets at the edge, in one place for Open311 and REST: reads from
any web page (CORS), preflights answered, and JSON and XML compressed.

- **Cross-origin.** Every answer under the APIs carries ``Access-Control-Allow-Origin:
  *`` and never ``Access-Control-Allow-Credentials``: a browser sends no cookie with
  such a request, so nothing a signed-in person could read is exposed; a REST call still
  needs its key in ``Authorization``, which only the page holding it can send.
- **Preflights.** ``OPTIONS`` answers 204 with the methods and headers a client may use.
- **Compression.** JSON and XML answers are gzipped for clients that accept it. Only
  these, never HTML pages (whose CSRF tokens a compression side channel could reveal).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware

API_PREFIXES = ("/open311/", "/api/")
ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, If-None-Match"
EXPOSED_HEADERS = "ETag, Last-Modified, Retry-After, X-Results-Limit, X-Results-Truncated"
COMPRESSED_TYPES = ("application/json", "text/xml", "application/xml")


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIXES)


class ApiEdgeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self._gzip = GZipMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not _is_api(request):
            return self.get_response(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response: HttpResponseBase = HttpResponse(status=204)
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
            if response.get("Content-Type", "").startswith(COMPRESSED_TYPES):
                response = self._gzip.process_response(request, response)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response

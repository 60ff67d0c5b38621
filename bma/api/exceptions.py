"""One table from BmaError codes to API responses: {"code": ..., "message": ..., "extra": ...}."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from bma.core.errors import BmaError


def exception_handler(exc, context):
    if isinstance(exc, BmaError):
        return Response({"code": exc.code.code, "message": exc.message, "extra": exc.extra}, status=exc.http_status)
    return drf_exception_handler(exc, context)

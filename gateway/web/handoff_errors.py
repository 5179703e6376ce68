"""Hand-off's refusals as HTTP statuses and /agent socket codes: one table, so a REST call
and the same action over Socket.IO fail alike."""
from __future__ import annotations

from gateway.json_api.errors import ApiError
from handoff.errors import HandoffRefused, InvalidRequest, NotFound, NotYours, WrongState

HTTP_STATUS = {NotFound: 404, NotYours: 403, WrongState: 409, InvalidRequest: 422}
SOCKET_CODE = {NotFound: "not_found", NotYours: "forbidden", WrongState: "conflict", InvalidRequest: "invalid_payload"}


def _kind(exc: HandoffRefused) -> type[HandoffRefused]:
    return next(kind for kind in HTTP_STATUS if isinstance(exc, kind))


def http_status(exc: HandoffRefused) -> int:
    return HTTP_STATUS[_kind(exc)]


def socket_code(exc: HandoffRefused) -> str:
    return SOCKET_CODE[_kind(exc)]


def api_error(exc: HandoffRefused) -> ApiError:
    return ApiError(http_status(exc), str(exc))

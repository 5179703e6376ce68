"""Every kind of hand-off refusal has one HTTP status and one socket code, and the API
document lists exactly those statuses."""
import pytest

from gateway.web.handoff_errors import HTTP_STATUS, http_status, socket_code
from gateway.web.openapi import DESK
from handoff.errors import HandoffRefused, InvalidRequest, NotFound, NotYours, WrongState


@pytest.mark.parametrize("kind, status, code", [(NotFound, 404, "not_found"), (NotYours, 403, "forbidden"),
                                                (WrongState, 409, "conflict"), (InvalidRequest, 422, "invalid_payload")])
def test_each_refusal_maps_to_its_status_and_code(kind, status, code):
    refused = kind("no")
    assert isinstance(refused, HandoffRefused)
    assert (http_status(refused), socket_code(refused)) == (status, code)


def test_the_api_document_names_the_statuses_refusals_map_to():
    assert set(HTTP_STATUS) == set(HandoffRefused.__subclasses__())
    assert sorted(HTTP_STATUS.values()) == sorted(DESK)

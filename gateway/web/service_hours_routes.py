"""REST for the /hours page: the service calendar in force, and an admin's save of a new one
(checked by the parser the settings use, versioned, audited)."""
from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from handoff.staff import Role
from gateway.web.auth import SUPERVISORS, author, require
from gateway.json_api.errors import ApiError, read_json
from gateway.web.services import WebServices
from gateway.json_api.storable import LARGEST_VERSION
from handoff.calendar_document import MAX_HOLIDAYS, MAX_SPANS_A_DAY
from handoff.calendar_store import Calendar, StaleCalendar

SERVICES = web.AppKey("service_hours_services", WebServices)

TimeOfDay = Annotated[str, Field(pattern=r"^[0-9]{1,2}:[0-9]{2}$", description="HH:MM; 24:00 closes at midnight")]
Span = Annotated[list[TimeOfDay], Field(min_length=2, max_length=2, description="[opens, closes]")]
Spans = Annotated[list[Span], Field(max_length=MAX_SPANS_A_DAY)]
Mode = Literal["service", "wall"]


class WeekIn(BaseModel):
    """A day left out, or with no spans, is closed."""
    model_config = ConfigDict(extra="forbid")
    mon: Spans = []
    tue: Spans = []
    wed: Spans = []
    thu: Spans = []
    fri: Spans = []
    sat: Spans = []
    sun: Spans = []


class ClocksIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_response: Mode = "service"
    ordinary_complaint: Mode = "service"
    major_complaint: Mode = "wall"


class CalendarIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timezone: str = Field(min_length=1, max_length=64, description="an IANA name such as Asia/Shanghai")
    holidays: list[Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]] = Field(
        default=[], max_length=MAX_HOLIDAYS)
    weekly: WeekIn | None = Field(description="null: always open")
    clocks: ClocksIn = ClocksIn()


class ServiceHoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    calendar: CalendarIn
    version: int = Field(ge=0, le=LARGEST_VERSION, description="the version this edit started from; 0 before any save")


def _view(calendar: Calendar, services: WebServices) -> dict:
    now = services.clock()
    hours = calendar.clocks.hours
    is_open = hours.is_open(now)
    return {"calendar": calendar.document, "version": calendar.version, "source": calendar.source,
            "updated_by": calendar.updated_by,
            "updated_at": calendar.updated_at.isoformat() if calendar.updated_at else None,
            "open_now": is_open, "next_opening": None if is_open else hours.next_opening(now).isoformat()}


@require(*SUPERVISORS)
async def get_service_hours(request: web.Request) -> web.Response:
    """The service calendar in force: saved by an admin, else from the settings."""
    services = request.app[SERVICES]
    return web.json_response(_view(await services.calendar.read(), services))


@require(Role.ADMIN)
async def put_service_hours(request: web.Request) -> web.Response:
    """Saves a new calendar over `version`; deadlines already running keep theirs."""
    services = request.app[SERVICES]
    body = await read_json(request, ServiceHoursIn)
    try:
        saved = await services.calendar.save(author(request), body.calendar.model_dump(), body.version)
    except ValueError as exc:
        raise ApiError(422, f"calendar: {exc}") from None
    except StaleCalendar as exc:
        raise ApiError(409, str(exc)) from None
    return web.json_response(_view(saved, services))


put_service_hours.body_model = ServiceHoursIn


def add_routes(app: web.Application, services: WebServices) -> None:
    app[SERVICES] = services
    app.router.add_get("/api/service-hours", get_service_hours)
    app.router.add_put("/api/service-hours", put_service_hours)

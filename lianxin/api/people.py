"""The person list behind GET /people: the API's typed query turned into the pages' shared filter."""

from __future__ import annotations

from django.db.models import QuerySet

from lianxin.api.schemas import PeopleQuery
from lianxin.org.models import Person
from lianxin.org.scope import UserLike
from lianxin.org.selectors import filter_people


def page_params(query: PeopleQuery) -> dict[str, str]:
    """The API's filters under the names the list page uses (its `status` is the political status)."""
    params: dict[str, str] = {}
    if query.unit is not None:
        params["unit"] = str(query.unit)
    if query.political_status is not None:
        params["status"] = query.political_status.value
    if query.tag is not None:
        params["tag"] = str(query.tag)
    if query.key:
        params["key"] = "1"
    if query.q:
        params["q"] = query.q
    if query.sort:
        params["sort"] = query.sort
    return params


def filter_people_for_api(user: UserLike, query: PeopleQuery) -> QuerySet[Person]:
    """The same people, in the same order, as the list page with these filters; plus the file status."""
    people = filter_people(user, page_params(query))
    if query.status is not None:
        people = people.filter(status=query.status)
    return people

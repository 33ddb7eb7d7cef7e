from django.core.paginator import InvalidPage
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ..paginator import BadContinuation, DeferredJoinPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's standard page shape; clients may ask for 1 to 200 items a page.

    A ``page_size`` outside that range is refused with 400 rather than quietly
    replaced, so a client never mistakes a short page for the end of the data.

    ``next`` carries, beside the page number, ``after``: a signed continuation holding the sort
    key of the page's last item. A client that follows ``next`` has each page read from an index
    seek just past the page before (``DeferredJoinPaginator.page``), so walking a whole list costs
    the same per page at its end as at its start, and an item added meanwhile is neither skipped
    nor repeated. ``page`` alone still works, by its number. An ``after`` that this API did not
    issue, or issued for another page, page size, filter or order, is a 404 that says so, as DRF's
    own cursor pagination answers an invalid cursor: the page it points to is not in this list.
    """

    django_paginator_class = DeferredJoinPaginator
    page_size_query_param = "page_size"
    max_page_size = 200
    after_query_param = "after"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        asked = self.get_page_number(request, paginator)
        try:
            number = paginator.validate_number(asked)
        except InvalidPage as error:
            raise NotFound(self.invalid_page_message.format(page_number=asked, message=str(error))) from error
        token = request.query_params.get(self.after_query_param)
        try:
            after = paginator.read_continuation(token, number, self.scope(request)) if token else None
        except BadContinuation as error:
            message = _("Invalid continuation (%(reason)s): follow the next link as given, or ask by page.")
            raise NotFound(message % {"reason": error}) from error
        self.page = paginator.page(number, after=after)
        return list(self.page)

    def scope(self, request):
        """Every parameter but the page's own, so a continuation serves only the list it was made for."""
        ignored = {self.page_query_param, self.after_query_param, "format"}
        pairs = sorted((key, value) for key, values in request.query_params.lists() for value in values)
        return "&".join(f"{key}={value}" for key, value in pairs if key not in ignored)

    def get_next_link(self):
        url = super().get_next_link()
        if url is None:
            return None
        url = remove_query_param(url, self.after_query_param)
        token = self.page.paginator.continuation(self.page, self.scope(self.request))
        return replace_query_param(url, self.after_query_param, token) if token else url

    def get_previous_link(self):
        url = super().get_previous_link()
        return None if url is None else remove_query_param(url, self.after_query_param)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [_("A whole number from 1 to %(max)d.") % {"max": self.max_page_size}]}
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size, default=self.page_size)
        parameters.append(
            {
                "name": self.after_query_param,
                "required": False,
                "in": "query",
                "description": str(
                    _(
                        "Set by the next link: where the page starts (after the last item of the page before), "
                        "so that following next reads each page from an index seek. Use it as given."
                    )
                ),
                "schema": {"type": "string"},
            }
        )
        return parameters

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's standard page shape; clients may ask for up to 200 items a page."""

    page_size_query_param = "page_size"
    max_page_size = 200

"""Helpers shared by the admin tests: role accounts and admin URLs."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PASSWORD


def admin_url(model_or_obj, action, *args):
    opts = model_or_obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def count_queries(callable_):
    with CaptureQueriesContext(connection) as context:
        response = callable_()
    return len(context.captured_queries), response


def form_data(response):
    """The POST data of the admin form on ``response``, as the browser would send it unchanged."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(item) for item in value]
        else:
            data[name] = value
    for formset in response.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for inline_form in formset.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is None or value is False:
                    continue
                data[inline_form.add_prefix(name)] = value
    return data


__all__ = ["PASSWORD", "admin_url", "count_queries", "form_data"]

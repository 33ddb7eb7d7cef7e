"""The project's URLs plus two reference views, used only by the benchmark and load test settings.

``/bench/trivial`` is what every measurement is divided by. ``/bench/rows`` is the performance
issue's yardstick: "a 200-row Django template page", with no database and no cache, so the
benchmark can say where the site's pages stand against it in the same run.
"""

import datetime

from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.cache import never_cache

from .urls import urlpatterns as project_urlpatterns

ROWS = engines["django"].from_string(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>200 rows</title></head><body>'
    "<table><thead><tr><th>#</th><th>name</th><th>date</th><th>link</th></tr></thead><tbody>"
    "{% for row in rows %}<tr><td>{{ row.number }}</td><td>{{ row.name }}</td>"
    '<td>{{ row.date|date:"j F Y" }}</td><td><a href="{{ row.url }}">{{ row.name|upper }}</a></td></tr>'
    "{% endfor %}</tbody></table></body></html>"
)


@never_cache
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def rows(request):
    start = datetime.date(1919, 1, 1)
    items = [
        {"number": n, "name": f"Row {n}", "date": start + datetime.timedelta(days=n), "url": f"/rows/{n}/"}
        for n in range(200)
    ]
    return HttpResponse(ROWS.render({"rows": items}, request))


urlpatterns = [path("bench/trivial", trivial), path("bench/rows", rows), *project_urlpatterns]

"""Store line breaks typed in a form as the registry stores every other line break: LF.

Browsers send each line break of a textarea as CRLF (HTML form submission normalises
them), while notes that came through the API or the importers hold LF. Without this,
saving an edit form untouched would rewrite those notes (and write a history row for an
invisible change). One place for every page's form: the posted fields of the request.
"""

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NormalizeNewlinesMiddleware:
    """Replace CRLF with LF in the posted fields of page views (not in uploaded files)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # API views (DRF) parse their own bodies and refuse media types they do not take;
        # reading the form here would hand them a parsed body instead.
        api = hasattr(view_func, "cls")
        if request.method == "POST" and not api and request.content_type in FORM_TYPES:
            request.POST = _normalised(request.POST)
        return None


def _normalised(post):
    if not any("\r" in v for _, values in post.lists() for v in values):
        return post
    copy = post.copy()
    for name, values in post.lists():
        copy.setlist(name, [v.replace("\r\n", "\n") for v in values])
    copy._mutable = False
    return copy

"""Read the POST forms of a rendered page the way a browser would submit them.

Only what a browser sends is collected: enabled inputs (checkboxes and radios when
checked), each select's selected options (the first option when none is marked, as a
browser does for a single select), textareas (without the one newline a browser drops
after the opening tag, and with every line break sent as CRLF, as browsers send them)
and the name/value of the submit button that was pressed.
Plain Python (html.parser), so tests need no HTML library.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

UNSENT_INPUTS = {"submit", "button", "reset", "image", "file"}


@dataclass
class HtmlForm:
    """One <form>: its action and the (name, value) pairs a browser would send."""

    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def submission(self, *, button: str | None = None) -> dict[str, list[str]]:
        """The POST data, as if `button` (a submit button's value) were pressed."""
        data: dict[str, list[str]] = {}
        for name, value in self.fields:
            data.setdefault(name, []).append(value)
        if button is not None:
            name = next(n for n, v in self.buttons if v == button)
            data.setdefault(name, []).append(button)
        return data


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = HtmlForm(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None or "disabled" in a:
            return
        elif tag == "input":
            self._input(a)
        elif tag == "button" and a.get("type", "submit") == "submit" and a.get("name"):
            self._form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a,
                            "options": [], "selected": []}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select["options"].append(value)
            if "selected" in a:
                self._select["selected"].append(value)
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "text": []}

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def _input(self, a: dict) -> None:
        kind = a.get("type", "text").lower()
        name = a.get("name")
        if not name or kind in UNSENT_INPUTS:
            return
        if kind in ("checkbox", "radio") and "checked" not in a:
            return
        default = "on" if kind in ("checkbox", "radio") else ""
        self._form.fields.append((name, a.get("value", default)))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["selected"]
            if not chosen and not self._select["multiple"] and self._select["options"]:
                chosen = self._select["options"][:1]
            self._form.fields.extend((self._select["name"], v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._textarea["text"])
            text = text[1:] if text.startswith("\n") else text
            crlf = text.replace("\r\n", "\n").replace("\n", "\r\n")
            self._form.fields.append((self._textarea["name"], crlf))
            self._textarea = None


def post_forms(html: str) -> list[HtmlForm]:
    """Every method="post" form of the page, in document order."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return [f for f in parser.forms if f.method == "post"]


def page_form(html: str, path: str) -> HtmlForm:
    """The page's own POST form: the one that submits to the page itself."""
    own = [f for f in post_forms(html) if f.action in ("", path)]
    assert len(own) == 1, f"expected one form posting to {path}, found {len(own)}"
    return own[0]

"""Tracked content: rewrite a delivery's links into signed tracked links and add the
open pixel.

    links = DeliveryLinks.prepare(delivery, html)     # once per delivery
    message = links.render(delivery_log)              # once per message

`prepare` reads the HTML with the standard library's parser, creates (or reuses) one
tracking URL per distinct link target and type, plus the delivery's open URL, and keeps
the content as segments; `render` only joins the segments with the tokens of one
delivery log, so personalising a message parses nothing. Links are tracked when they
are http(s); `data-tracking="off"` leaves a link alone, `data-tracking="optout"`,
`"mirror"`, `"web"`, `"transaction"` or `"interested"` give its type (default: click).
The pixel goes right before `</body>` (at the end when there is none).
"""

from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from django.db import transaction
from django.urls import reverse

from campaign.choices import TrackingKind
from campaign.models import Delivery, DeliveryLog, TrackingUrl

from . import tokens
from .conf import TrackingSettings, tracking_settings

TRACKED_SCHEMES = ("http://", "https://")
KIND_ATTRIBUTE = "data-tracking"
KIND_NAMES = {kind.value for kind in TrackingKind if kind != TrackingKind.OPEN}
OPEN_LABEL = "Open tracking"


@dataclass(frozen=True)
class Link:
    """A tracked link in the content: where its href goes, of which tracking URL."""

    url_id: int
    kind: str


class _Rewriter(HTMLParser):
    """Cuts the content into text and tracked links, keeping every other byte as is."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.segments: list = []  # str, or (attrs before href, Link placeholder key, attrs after)
        self.wanted: list[tuple[str, str]] = []  # (target, kind) in order of appearance
        self.body_end: int | None = None

    def _text(self, text):
        self.segments.append(text)

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text()
        values = dict(attrs)
        href = (values.get("href") or "").strip()
        choice = (values.get(KIND_ATTRIBUTE) or TrackingKind.CLICK).lower()
        if tag != "a" or not href.lower().startswith(TRACKED_SCHEMES) or choice == "off":
            self._text(raw)
            return
        kind = choice if choice in KIND_NAMES else TrackingKind.CLICK
        rest = "".join(
            f' {name}="{escape(value or "", quote=True)}"' if value is not None else f" {name}"
            for name, value in attrs
            if name not in ("href", KIND_ATTRIBUTE)
        )
        self.wanted.append((href, kind))
        self.segments.append(("<a", (href, kind), f"{rest}>"))

    def handle_startendtag(self, tag, attrs):
        self._text(self.get_starttag_text())

    def handle_endtag(self, tag):
        if tag == "body":
            self.body_end = len(self.segments)
        self._text(f"</{tag}>")

    def handle_data(self, data):
        self._text(data)

    def handle_entityref(self, name):
        self._text(f"&{name};")

    def handle_charref(self, name):
        self._text(f"&#{name};")

    def handle_comment(self, data):
        self._text(f"<!--{data}-->")

    def handle_decl(self, decl):
        self._text(f"<!{decl}>")

    def handle_pi(self, data):
        self._text(f"<?{data}>")

    def unknown_decl(self, data):
        self._text(f"<![{data}]>")


@dataclass(frozen=True)
class DeliveryLinks:
    """A delivery's content cut into text and tracked links, ready to personalise."""

    delivery_id: int
    profile_table: str
    open_url_id: int
    segments: tuple
    links: dict
    conf: TrackingSettings

    @classmethod
    @transaction.atomic
    def prepare(cls, delivery: Delivery, html: str, conf: TrackingSettings | None = None):
        """Parse the content and create the delivery's tracking URLs (reused when they
        exist: preparing twice creates nothing new)."""
        conf = conf or tracking_settings()
        if not conf.enabled:
            raise tokens.TrackingDisabled("tracking is disabled (TRACKING_ENABLED=false)")
        parser = _Rewriter()
        parser.feed(html)
        parser.close()
        links = {}
        for target, kind in parser.wanted:
            if (target, kind) not in links:
                url, _created = TrackingUrl.objects.get_or_create(
                    delivery=delivery, url=target, kind=kind, defaults={"label": target[:200]}
                )
                links[(target, kind)] = Link(url.pk, kind)
        opened = TrackingUrl.objects.filter(delivery=delivery, kind=TrackingKind.OPEN).order_by(
            "pk"
        ).first() or TrackingUrl.objects.create(
            delivery=delivery, kind=TrackingKind.OPEN, label=OPEN_LABEL, url=f"{conf.base_url}/"
        )
        segments = list(parser.segments)
        pixel = ("pixel",)
        segments.insert(parser.body_end if parser.body_end is not None else len(segments), pixel)
        return cls(delivery.pk, delivery.profile_table, opened.pk, tuple(segments), links, conf)

    def _token(self, log: DeliveryLog, url_id, kind):
        hit = tokens.Hit(self.delivery_id, log.pk, url_id, kind, self.profile_table, log.profile_id)
        return tokens.make(hit, self.conf)

    def click_url(self, log: DeliveryLog, target, kind=TrackingKind.CLICK):
        link = self.links[(target, kind)]
        path = reverse("tracking_public:click", args=[self._token(log, link.url_id, link.kind)])
        return f"{self.conf.base_url}{path}"

    def pixel_url(self, log: DeliveryLog):
        token = self._token(log, self.open_url_id, TrackingKind.OPEN)
        return f"{self.conf.base_url}{reverse('tracking_public:open', args=[token])}"

    def render(self, log: DeliveryLog):
        """The content of one message: its links tracked, its pixel added."""
        if log.delivery_id != self.delivery_id:
            raise ValueError(f"delivery log {log.pk} is not of delivery {self.delivery_id}")
        parts = []
        for segment in self.segments:
            if isinstance(segment, str):
                parts.append(segment)
            elif segment == ("pixel",):
                src = escape(self.pixel_url(log), quote=True)
                parts.append(f'<img src="{src}" width="1" height="1" alt="" style="display:none">')
            else:
                head, (target, kind), tail = segment
                href = escape(self.click_url(log, target, kind), quote=True)
                parts.append(f'{head} href="{href}"{tail}')
        return "".join(parts)

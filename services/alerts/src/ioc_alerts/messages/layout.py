"""One draft, two forms: plain text for chat apps and HTML for email.

Both come from the same rows, so the text and HTML of a message can never say
different things. Every piece of data goes through `html.escape`: titles and names
come from the catalog, which agencies help write, and must not become markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from ioc_alerts.messages.rendered import RenderedMessage
from ioc_contracts.catalog import Language

CHART_CID = "chart"
"""Content-ID of the chart image; the email channel attaches it under this id."""


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str
    primary: bool = False
    """Shown as a button in HTML (the acknowledge link)."""


@dataclass(frozen=True, slots=True)
class Block:
    """One target's part of a message: a title, a sentence, label/value rows, links."""

    title: str
    lead: str | None = None
    rows: tuple[tuple[str, str], ...] = ()
    links: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True)
class Draft:
    language: Language
    subject: str
    headline: str
    blocks: tuple[Block, ...]
    footer_links: tuple[Link, ...] = ()
    chart_alt: str | None = None
    """Alt text of the inline chart; None when the message has no chart."""
    accent: str = "#1f2933"
    note: str | None = None


def compose(draft: Draft) -> RenderedMessage:
    footer = "\n".join(f"{link.label}: {link.url}" for link in draft.footer_links)
    body = _text_body(draft)
    text = f"{body}\n\n{footer}" if footer else body
    return RenderedMessage(subject=draft.subject, text=text, html=_html(draft), footer=footer)


def _text_body(draft: Draft) -> str:
    parts = [draft.headline]
    for block in draft.blocks:
        lines = [block.title]
        if block.lead:
            lines.append(block.lead)
        lines.extend(f"{label}: {value}" for label, value in block.rows)
        lines.extend(f"{link.label}: {link.url}" for link in block.links)
        parts.append("\n".join(lines))
    if draft.note:
        parts.append(draft.note)
    return "\n\n".join(parts)


def _is_web_url(url: str) -> bool:
    # Links come from configuration, but an href is where "javascript:" would bite;
    # anything that is not http(s) is shown as text, never made clickable.
    return urlsplit(url).scheme in {"http", "https"}


def _anchor(link: Link) -> str:
    label = escape(link.label)
    if not _is_web_url(link.url):
        return f"{label}: {escape(link.url)}"
    style = (
        "display:inline-block;padding:8px 16px;background:#0b5cad;color:#ffffff;"
        "border-radius:4px;text-decoration:none;font-weight:bold"
        if link.primary
        else "color:#0b5cad"
    )
    return f'<a href="{escape(link.url, quote=True)}" style="{style}">{label}</a>'


def _html_block(block: Block) -> str:
    out = [f'<h2 style="margin:16px 0 4px;font-size:18px">{escape(block.title)}</h2>']
    if block.lead:
        out.append(f'<p style="margin:4px 0">{escape(block.lead)}</p>')
    if block.rows:
        out.append('<table role="presentation" cellpadding="4" style="border-collapse:collapse">')
        out.extend(
            f'<tr><th align="left" style="padding-right:12px;color:#52606d;font-weight:normal">'
            f"{escape(label)}</th><td>{escape(value)}</td></tr>"
            for label, value in block.rows
        )
        out.append("</table>")
    if block.links:
        out.append(
            '<p style="margin:4px 0">' + " · ".join(_anchor(link) for link in block.links) + "</p>"
        )
    return "\n".join(out)


def _html(draft: Draft) -> str:
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{draft.language.value}"><head><meta charset="utf-8">',
        f"<title>{escape(draft.subject)}</title></head>",
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;line-height:1.4">',
        f'<p style="margin:0;font-weight:bold;color:{draft.accent}">{escape(draft.headline)}</p>',
    ]
    out.extend(_html_block(block) for block in draft.blocks)
    if draft.note:
        out.append(f"<p>{escape(draft.note)}</p>")
    if draft.chart_alt is not None:
        out.append(
            f'<p><img src="cid:{CHART_CID}" alt="{escape(draft.chart_alt, quote=True)}" '
            'width="720" style="max-width:100%;height:auto"></p>'
        )
    out.extend(f'<p style="margin:12px 0">{_anchor(link)}</p>' for link in draft.footer_links)
    out.append("</body></html>")
    return "\n".join(out)

"""Small Vietnamese-first HTML pages for people who open an acknowledgement link.

Opening the link only shows the alert and a button; the alert is acknowledged when a
person presses it (a POST carrying the button's field). Mail-security gateways open
links, some in a headless browser that runs scripts: the pages hold no script at all
(and the answer forbids any through its Content-Security-Policy), so loading and
rendering a link acknowledges nothing.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from ioc_contracts.types import VIETNAM_TIME

_STYLE = (
    "body{font-family:system-ui,'Segoe UI',Roboto,sans-serif;max-width:40rem;margin:3rem auto;"
    "padding:0 1rem;color:#1f2933}h1{font-size:1.4rem}.ok{color:#1b7f3b}.muted{color:#616e7c}"
    "button{font-size:1rem;padding:.6rem 1.2rem;border-radius:6px;border:0;background:#0b5cad;"
    "color:#fff;cursor:pointer}"
)


# Sent with every page: no script may run, forms go only back to us, nothing is cached
# or indexed, and the link's token is not passed on as a Referer.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="robots" content="noindex,nofollow">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _when(moment: datetime) -> str:
    local = moment.astimezone(VIETNAM_TIME)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y} (giờ Việt Nam)"


CONFIRM_FIELD = "xac_nhan"
"""The form field only the button sends: a bare POST to the link acknowledges nothing."""
CONFIRM_VALUE = "1"


def confirm_page(*, title_vi: str, recipient_name: str, action: str, expires_at: datetime) -> str:
    body = (
        f"<h1>Xác nhận đã nhận cảnh báo</h1><p><strong>{escape(title_vi)}</strong></p>"
        f'<form method="post" action="{escape(action)}">'
        f"<p>Người xác nhận: {escape(recipient_name)}</p>"
        f'<button type="submit" name="{CONFIRM_FIELD}" value="{CONFIRM_VALUE}">'
        "Tôi đã nhận cảnh báo này</button></form>"
        f'<p class="muted">Bấm nút để xác nhận. Liên kết có hiệu lực đến {_when(expires_at)}.</p>'
        '<p class="muted" lang="en">Press the button to acknowledge this alert.</p>'
    )
    return _page("Xác nhận cảnh báo", body)


def expired_link_page() -> str:
    body = (
        "<h1>Liên kết xác nhận đã hết hạn</h1><p>Vui lòng dùng liên kết trong tin cảnh báo mới"
        " nhất, hoặc liên hệ trực ban IOC để xác nhận cảnh báo.</p>"
        '<p class="muted" lang="en">This acknowledgement link has expired; use the link in the'
        " newest message or ask the IOC operators.</p>"
    )
    return _page("Liên kết đã hết hạn", body)


def acknowledged_page(*, title_vi: str, by: str, at: datetime, now_acknowledged: bool) -> str:
    if now_acknowledged:
        heading = '<h1 class="ok">Đã xác nhận cảnh báo</h1>'
        detail = f"Cảm ơn {escape(by)}. Cảnh báo sẽ không được nhắc lại cho đến khi có thay đổi."
    else:
        heading = '<h1 class="ok">Cảnh báo này đã được xác nhận trước đó</h1>'
        detail = f"Đã xác nhận bởi {escape(by)} lúc {_when(at)}."
    body = (
        f"{heading}<p><strong>{escape(title_vi)}</strong></p><p>{detail}</p>"
        f'<p class="muted" lang="en">The alert is acknowledged.</p>'
    )
    return _page("Đã xác nhận cảnh báo", body)


def resolved_page(*, title_vi: str, at: datetime) -> str:
    body = (
        f'<h1 class="ok">Cảnh báo đã được giải quyết</h1><p><strong>{escape(title_vi)}</strong></p>'
        f"<p>Chỉ tiêu đã trở lại đúng tiến độ lúc {_when(at)}; không cần xác nhận.</p>"
    )
    return _page("Cảnh báo đã giải quyết", body)


def invalid_link_page() -> str:
    body = (
        "<h1>Liên kết không hợp lệ</h1><p>Liên kết xác nhận đã bị thay đổi hoặc không còn đúng."
        " Vui lòng dùng liên kết trong thư cảnh báo.</p>"
        '<p class="muted" lang="en">This acknowledgement link is not valid.</p>'
    )
    return _page("Liên kết không hợp lệ", body)

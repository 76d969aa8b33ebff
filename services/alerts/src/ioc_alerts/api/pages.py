"""Small Vietnamese-first HTML pages for people who open an acknowledgement link.

Opening the link shows the alert and acknowledges it through a POST that the page
submits itself: link scanners in mail systems fetch URLs (GET) but do not run
scripts, so a prefetch never acknowledges an alert on a leader's behalf.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from ioc_alerts.lifecycle.quiet_hours import VIETNAM

_STYLE = (
    "body{font-family:system-ui,'Segoe UI',Roboto,sans-serif;max-width:40rem;margin:3rem auto;"
    "padding:0 1rem;color:#1f2933}h1{font-size:1.4rem}.ok{color:#1b7f3b}.muted{color:#616e7c}"
    "button{font-size:1rem;padding:.6rem 1.2rem;border-radius:6px;border:0;background:#0b5cad;"
    "color:#fff;cursor:pointer}"
)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _when(moment: datetime) -> str:
    local = moment.astimezone(VIETNAM)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y} (giờ Việt Nam)"


def confirm_page(*, title_vi: str, recipient_name: str, action: str) -> str:
    body = (
        f"<h1>Xác nhận đã nhận cảnh báo</h1><p><strong>{escape(title_vi)}</strong></p>"
        f'<form id="ack" method="post" action="{escape(action)}">'
        f"<p>Người xác nhận: {escape(recipient_name)}</p>"
        f'<button type="submit">Xác nhận</button></form>'
        f'<p class="muted" lang="en">Acknowledge this alert.</p>'
        "<script>document.getElementById('ack').submit()</script>"
    )
    return _page("Xác nhận cảnh báo", body)


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

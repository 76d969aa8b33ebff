"""The deliver flow: dispatcher → composer and context builder → messages → notify.

It reads the notifications the decide flow (and the digest planner) wrote, composes each
message from the state at sending time and sends it through a channel, recording every
attempt. Its only persistence edge is `ioc_alerts.adapters.notifications`.
"""

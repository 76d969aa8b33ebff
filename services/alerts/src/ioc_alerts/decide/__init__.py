"""The decide flow: series updates and the schedule → evaluator → domain → lifecycle → store.

It judges targets, settles their statuses and decides what each alert does next, and
writes all of it (the status, the alert, the notifications to send, the state change to
publish) in one transaction. Its only persistence edge is `ioc_alerts.adapters.alerts`.
"""

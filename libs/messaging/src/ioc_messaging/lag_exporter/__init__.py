"""Consumer lag measured from the broker, outside the consumers it is about.

A consumer that reports its own lag stops reporting it the moment it stops, which is
exactly when the lag matters. This exporter asks Kafka for each watched group's committed
offsets and each partition's ends, and serves the difference as Prometheus metrics, so a
group that no member serves any more is still measured (`python -m
ioc_messaging.lag_exporter`).
"""

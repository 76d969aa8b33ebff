"""Every package's tests get the fixtures for the real Kafka and TimescaleDB."""

pytest_plugins = [
    "ioc_testing.infrastructure",
    "ioc_testing.pipeline",
    "ioc_testing.mail",
    "ioc_testing.kafka_logins",
    "ioc_testing.no_skips",
]

-- Integrations (the signed webhook) are notified per alert, not per person.
ALTER TABLE ioc.notifications ALTER COLUMN recipient DROP NOT NULL;
ALTER TABLE ioc.notifications ADD CONSTRAINT notifications_person_or_webhook
    CHECK (recipient IS NOT NULL OR channel = 'webhook');

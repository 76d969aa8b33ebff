-- Credentials a notification channel renews itself. Zalo's OA access token lasts 25
-- hours and each refresh token works once, so the current pair lives here, shared by
-- every alerts replica and kept across restarts; a replica renews it holding the row
-- FOR UPDATE, so only one of them ever spends a refresh token.
CREATE TABLE ioc.channel_tokens (
    channel           text PRIMARY KEY,
    access_token      text,
    refresh_token     text NOT NULL,
    access_expires_at timestamptz,
    refreshed_at      timestamptz,
    -- SHA-256 of the configured refresh token this chain started from: a new setting
    -- replaces a refused chain, the same (already spent) one never does.
    seeded_from       text NOT NULL,
    -- When and why the provider last refused the stored refresh token; cleared on success.
    rejected_at       timestamptz,
    rejection         text,
    CHECK ((access_token IS NULL) = (access_expires_at IS NULL))
);

-- Only the alert service: no other role, Grafana's reader included, sees a token.
GRANT SELECT, INSERT, UPDATE ON ioc.channel_tokens TO ioc_alerts;

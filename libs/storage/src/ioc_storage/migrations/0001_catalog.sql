-- Catalog: what may be measured, by whom, and what it is measured against.
-- Loaded from the YAML catalog by `ioc-db load-catalog`; services only read it.
CREATE SCHEMA IF NOT EXISTS ioc;

CREATE TABLE ioc.domains (
    code        text PRIMARY KEY,
    name_vi     text NOT NULL,
    name_en     text NOT NULL
);

CREATE TABLE ioc.agencies (
    code        text PRIMARY KEY,
    name_vi     text NOT NULL,
    name_en     text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('department', 'district', 'province')),
    parent      text REFERENCES ioc.agencies (code)
);

CREATE TABLE ioc.indicators (
    code            text PRIMARY KEY,
    name_vi         text NOT NULL,
    name_en         text NOT NULL,
    domain          text NOT NULL REFERENCES ioc.domains (code),
    unit            text NOT NULL,
    direction       text NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
    cadence         text NOT NULL,
    cadence_period  interval NOT NULL,
    rollup          text NOT NULL CHECK (rollup IN ('last', 'sum', 'mean')),
    min_value       double precision,
    max_value       double precision,
    description_vi  text,
    CHECK (min_value IS NULL OR max_value IS NULL OR min_value <= max_value)
);
CREATE INDEX indicators_domain_idx ON ioc.indicators (domain);

-- Grants expanded to concrete (agency, indicator, scope) rows, so the question
-- "may this agency publish this?" is one primary-key lookup.
CREATE TABLE ioc.publish_grants (
    agency      text NOT NULL REFERENCES ioc.agencies (code) ON DELETE CASCADE,
    indicator   text NOT NULL REFERENCES ioc.indicators (code) ON DELETE CASCADE,
    scope       text NOT NULL,
    PRIMARY KEY (agency, indicator, scope)
);
CREATE INDEX publish_grants_indicator_idx ON ioc.publish_grants (indicator, scope);

CREATE TABLE ioc.recipients (
    id                  text PRIMARY KEY,
    name                text NOT NULL,
    role_vi             text NOT NULL,
    email               text,
    telegram_chat_id    text,
    zalo_user_id        text,
    language            text NOT NULL DEFAULT 'vi' CHECK (language IN ('vi', 'en'))
);

CREATE TABLE ioc.targets (
    code            text PRIMARY KEY,
    indicator       text NOT NULL REFERENCES ioc.indicators (code),
    scope           text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('deadline', 'floor', 'ceiling', 'rank', 'freshness')),
    value           double precision,
    deadline        date,
    baseline_value  double precision,
    baseline_at     date,
    severity        text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    title_vi        text NOT NULL,
    title_en        text NOT NULL,
    CHECK (kind <> 'deadline' OR (deadline IS NOT NULL AND value IS NOT NULL)),
    CHECK (kind = 'freshness' OR value IS NOT NULL)
);
CREATE INDEX targets_series_idx ON ioc.targets (indicator, scope);

CREATE TABLE ioc.target_escalations (
    target          text NOT NULL REFERENCES ioc.targets (code) ON DELETE CASCADE,
    level           smallint NOT NULL CHECK (level >= 0),
    after_minutes   integer NOT NULL CHECK (after_minutes >= 0),
    recipients      text[] NOT NULL,
    PRIMARY KEY (target, level)
);

-- Agency API keys: only a hash is kept, so a leaked table leaks no key. Several
-- live keys per agency make rotation possible without downtime.
CREATE TABLE ioc.agency_credentials (
    id          uuid PRIMARY KEY,
    agency      text NOT NULL REFERENCES ioc.agencies (code) ON DELETE CASCADE,
    key_prefix  text NOT NULL,
    key_hash    text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    comment     text
);
CREATE INDEX agency_credentials_agency_idx ON ioc.agency_credentials (agency) WHERE revoked_at IS NULL;

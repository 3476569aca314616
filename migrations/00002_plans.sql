-- +goose Up
-- Plans are versioned lists of rules. A published version never changes.

CREATE TABLE plans (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name <> ''),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE plan_versions (
    id           bigserial PRIMARY KEY,
    plan_id      bigint NOT NULL REFERENCES plans(id),
    version      integer NOT NULL CHECK (version > 0),
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    notes        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    UNIQUE (plan_id, version),
    CHECK ((status = 'published') = (published_at IS NOT NULL))
);

CREATE TABLE plan_rules (
    id               bigserial PRIMARY KEY,
    plan_version_id  bigint NOT NULL REFERENCES plan_versions(id),
    position         integer NOT NULL DEFAULT 0,
    event            text NOT NULL CHECK (event IN ('sale', 'lead')),
    level            smallint NOT NULL CHECK (level IN (1, 2)),
    products         text[],            -- NULL: any product
    kind             text NOT NULL CHECK (kind IN ('percent', 'flat')),
    percent          numeric(9,4) CHECK (percent > 0 AND percent <= 100),
    flat_amount      numeric(20,6) CHECK (flat_amount > 0),
    flat_currency    currency_code,
    payments         text NOT NULL DEFAULT 'all' CHECK (payments IN ('first', 'recurring', 'all')),
    duration_months  integer CHECK (duration_months > 0),   -- NULL: lifetime
    UNIQUE (plan_version_id, position),
    CHECK ((kind = 'percent') = (percent IS NOT NULL)),
    CHECK ((kind = 'flat') = (flat_amount IS NOT NULL AND flat_currency IS NOT NULL)),
    CHECK (event = 'sale' OR kind = 'flat')
);

-- A tier raises a percent rule's rate once the partner's paid volume over
-- the previous calendar month reaches the threshold.
CREATE TABLE plan_rule_tiers (
    rule_id             bigint NOT NULL REFERENCES plan_rules(id),
    min_volume          numeric(20,6) NOT NULL CHECK (min_volume > 0),
    volume_currency     currency_code NOT NULL,
    percent             numeric(9,4) NOT NULL CHECK (percent > 0 AND percent <= 100),
    PRIMARY KEY (rule_id, min_volume)
);

-- +goose StatementBegin
CREATE FUNCTION forbid_published_plan_change() RETURNS trigger AS $$
DECLARE
    v_id bigint;
BEGIN
    IF TG_TABLE_NAME = 'plan_versions' THEN
        IF OLD.status = 'published' THEN
            RAISE EXCEPTION 'plan version % is published and cannot change', OLD.id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    ELSIF TG_TABLE_NAME = 'plan_rules' THEN
        v_id := CASE WHEN TG_OP = 'INSERT' THEN NEW.plan_version_id ELSE OLD.plan_version_id END;
    ELSE
        SELECT plan_version_id INTO v_id FROM plan_rules
         WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.rule_id ELSE OLD.rule_id END;
    END IF;
    IF EXISTS (SELECT 1 FROM plan_versions WHERE id = v_id AND status = 'published') THEN
        RAISE EXCEPTION 'plan version % is published and cannot change', v_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER plan_versions_immutable BEFORE UPDATE OR DELETE ON plan_versions
    FOR EACH ROW EXECUTE FUNCTION forbid_published_plan_change();
CREATE TRIGGER plan_rules_immutable BEFORE INSERT OR UPDATE OR DELETE ON plan_rules
    FOR EACH ROW EXECUTE FUNCTION forbid_published_plan_change();
CREATE TRIGGER plan_rule_tiers_immutable BEFORE INSERT OR UPDATE OR DELETE ON plan_rule_tiers
    FOR EACH ROW EXECUTE FUNCTION forbid_published_plan_change();

-- +goose Down
DROP TABLE plan_rule_tiers;
DROP TABLE plan_rules;
DROP TABLE plan_versions;
DROP TABLE plans;
DROP FUNCTION forbid_published_plan_change();

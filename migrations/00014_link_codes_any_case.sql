-- +goose Up
-- Link codes are one code whatever their case, as promo codes are: the
-- tracker resolves /r/BETA-SECRET to the link beta-secret, and no partner
-- may register a case variant of another's code to collect the clicks of
-- everyone who retypes that link in capitals.
--
-- Codes that differed only in case before this migration: the oldest link
-- keeps its code (it was there first, and every case of it now leads to
-- it); each later one is renamed to its code followed by "-" and its id
-- (shortened to stay within 64 characters; another number is added in the
-- unlikely case that is taken too). Its partner sees the new code on the
-- links page; its clicks, kept by link id, stay its own.
-- +goose StatementBegin
DO $$
DECLARE
    dup record;
    suffix text;
    candidate text;
    n int;
BEGIN
    FOR dup IN
        SELECT id, code FROM (
            SELECT id, code, row_number() OVER (PARTITION BY lower(code) ORDER BY id) AS nth FROM links) l
         WHERE nth > 1
         ORDER BY id
    LOOP
        n := 0;
        LOOP
            suffix := '-' || dup.id || CASE WHEN n > 0 THEN '-' || n ELSE '' END;
            candidate := left(dup.code, 64 - length(suffix)) || suffix;
            EXIT WHEN NOT EXISTS (SELECT 1 FROM links WHERE lower(code) = lower(candidate));
            n := n + 1;
        END LOOP;
        RAISE NOTICE 'link % renamed from % to %: its code differed from an older link''s only in case', dup.id, dup.code, candidate;
        UPDATE links SET code = candidate WHERE id = dup.id;
    END LOOP;
END
$$;
-- +goose StatementEnd
ALTER TABLE links DROP CONSTRAINT links_code_key;
CREATE UNIQUE INDEX links_code_lower ON links (lower(code));

-- +goose Down
DROP INDEX links_code_lower;
ALTER TABLE links ADD CONSTRAINT links_code_key UNIQUE (code);

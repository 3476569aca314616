-- Clicks drained from the stream. Set-based: one statement per batch.

-- name: insert-clicks
-- Inserts the batch, skipping clicks already stored (a redelivered stream
-- entry), and adds only the newly stored ones to the daily stats: running
-- the same batch twice changes nothing. A unique click is the first click
-- of an address on a link in an hour (UTC).
WITH ins AS (
    INSERT INTO clicks (click_id, clicked_at, link_id, partner_id, sub_id, ip, user_agent, referer,
                        landing_url, flags, attributable, prev_click_id)
    SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::text[], $6::inet[],
                         $7::text[], $8::text[], $9::text[], $10::smallint[], $11::boolean[], $12::uuid[])
    ON CONFLICT DO NOTHING
    RETURNING click_id, clicked_at, link_id, partner_id, sub_id, ip, flags
), uniq AS (
    INSERT INTO click_uniques (link_id, ip, hour, partner_id, sub_id)
    SELECT DISTINCT ON (link_id, ip, date_trunc('hour', clicked_at, 'UTC'))
           link_id, ip, date_trunc('hour', clicked_at, 'UTC'), partner_id, sub_id
      FROM ins WHERE flags = 0 AND ip IS NOT NULL
     ORDER BY link_id, ip, date_trunc('hour', clicked_at, 'UTC'), clicked_at
    ON CONFLICT DO NOTHING
    RETURNING link_id, hour, partner_id, sub_id
), uniques AS (
    SELECT (hour AT TIME ZONE 'UTC')::date AS day, partner_id, link_id, sub_id, count(*) AS n
      FROM uniq GROUP BY 1, 2, 3, 4
), bursts AS (
    -- The click spam rule's counts: attributable clicks per partner,
    -- network (/24, IPv6 /64) and 10-minute window.
    INSERT INTO click_bursts (partner_id, network, window_at, clicks)
    SELECT partner_id, network(set_masklen(ip, CASE family(ip) WHEN 4 THEN 24 ELSE 64 END)),
           date_bin('10 minutes', clicked_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'), count(*)
      FROM ins WHERE flags = 0 AND ip IS NOT NULL
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (partner_id, network, window_at) DO UPDATE SET clicks = click_bursts.clicks + EXCLUDED.clicks
), totals AS (
    SELECT (clicked_at AT TIME ZONE 'UTC')::date AS day, partner_id, link_id, sub_id,
           count(*) FILTER (WHERE flags = 0) AS clicks, count(*) FILTER (WHERE flags <> 0) AS bots
      FROM ins GROUP BY 1, 2, 3, 4
)
INSERT INTO click_stats_daily (day, partner_id, link_id, sub_id, clicks, unique_clicks, bot_clicks)
SELECT t.day, t.partner_id, t.link_id, t.sub_id, t.clicks, coalesce(u.n, 0), t.bots
  FROM totals t LEFT JOIN uniques u USING (day, partner_id, link_id, sub_id)
ON CONFLICT (partner_id, day, link_id, sub_id) DO UPDATE
   SET clicks = click_stats_daily.clicks + EXCLUDED.clicks,
       unique_clicks = click_stats_daily.unique_clicks + EXCLUDED.unique_clicks,
       bot_clicks = click_stats_daily.bot_clicks + EXCLUDED.bot_clicks;

-- name: insert-new-clicks
-- insert-clicks for a batch none of whose clicks is stored yet (the stream
-- delivers an entry once unless a reconciler died holding it): without the
-- per-row conflict check on clicks, which costs a quarter of the insert. A
-- click stored before fails the batch on the clicks' primary key instead,
-- and the caller applies it again with insert-clicks.
WITH ins AS (
    INSERT INTO clicks (click_id, clicked_at, link_id, partner_id, sub_id, ip, user_agent, referer,
                        landing_url, flags, attributable, prev_click_id)
    SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::text[], $6::inet[],
                         $7::text[], $8::text[], $9::text[], $10::smallint[], $11::boolean[], $12::uuid[])
    RETURNING click_id, clicked_at, link_id, partner_id, sub_id, ip, flags
), uniq AS (
    INSERT INTO click_uniques (link_id, ip, hour, partner_id, sub_id)
    SELECT DISTINCT ON (link_id, ip, date_trunc('hour', clicked_at, 'UTC'))
           link_id, ip, date_trunc('hour', clicked_at, 'UTC'), partner_id, sub_id
      FROM ins WHERE flags = 0 AND ip IS NOT NULL
     ORDER BY link_id, ip, date_trunc('hour', clicked_at, 'UTC'), clicked_at
    ON CONFLICT DO NOTHING
    RETURNING link_id, hour, partner_id, sub_id
), uniques AS (
    SELECT (hour AT TIME ZONE 'UTC')::date AS day, partner_id, link_id, sub_id, count(*) AS n
      FROM uniq GROUP BY 1, 2, 3, 4
), bursts AS (
    -- The click spam rule's counts: attributable clicks per partner,
    -- network (/24, IPv6 /64) and 10-minute window.
    INSERT INTO click_bursts (partner_id, network, window_at, clicks)
    SELECT partner_id, network(set_masklen(ip, CASE family(ip) WHEN 4 THEN 24 ELSE 64 END)),
           date_bin('10 minutes', clicked_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'), count(*)
      FROM ins WHERE flags = 0 AND ip IS NOT NULL
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (partner_id, network, window_at) DO UPDATE SET clicks = click_bursts.clicks + EXCLUDED.clicks
), totals AS (
    SELECT (clicked_at AT TIME ZONE 'UTC')::date AS day, partner_id, link_id, sub_id,
           count(*) FILTER (WHERE flags = 0) AS clicks, count(*) FILTER (WHERE flags <> 0) AS bots
      FROM ins GROUP BY 1, 2, 3, 4
)
INSERT INTO click_stats_daily (day, partner_id, link_id, sub_id, clicks, unique_clicks, bot_clicks)
SELECT t.day, t.partner_id, t.link_id, t.sub_id, t.clicks, coalesce(u.n, 0), t.bots
  FROM totals t LEFT JOIN uniques u USING (day, partner_id, link_id, sub_id)
ON CONFLICT (partner_id, day, link_id, sub_id) DO UPDATE
   SET clicks = click_stats_daily.clicks + EXCLUDED.clicks,
       unique_clicks = click_stats_daily.unique_clicks + EXCLUDED.unique_clicks,
       bot_clicks = click_stats_daily.bot_clicks + EXCLUDED.bot_clicks;

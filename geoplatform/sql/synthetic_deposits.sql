-- Synthetic deposits for benchmarks: :n points clustered around the real (non-synthetic) deposits,
-- the way real deposits cluster along metallogenic belts. Deterministic for a given :seed
-- (setseed runs first, in the same statement). Each synthetic deposit takes its region and, most of
-- the time, its primary commodity from the seed deposit it was drawn around. Its country and region are
-- the seed's too (not placed from the point: benchmark data, written a million rows at a time).
WITH seeded AS (SELECT setseed(:seed)),
centres AS MATERIALIZED (
    SELECT row_number() OVER (ORDER BY d.code) - 1 AS i, ST_X(d.geom) AS x, ST_Y(d.geom) AS y, d.country_code, d.region_code,
           d.deposit_type, dc.commodity_code
    FROM deposit d
    JOIN deposit_commodity dc ON dc.deposit_id = d.id AND dc.role = 'primary'
    WHERE d.code NOT LIKE 'SYN-%'
),
ncentres AS (SELECT count(*) AS n FROM centres),
strategic AS MATERIALIZED (
    SELECT array_agg(code ORDER BY code) AS codes FROM commodity WHERE strategic AND commodity_group <> 'energy'
),
statuses AS MATERIALIZED (SELECT array_agg(code ORDER BY sort_order) AS codes FROM development_status),
draws AS MATERIALIZED (
    SELECT g,
           floor(random() * (SELECT n FROM ncentres))::int AS centre,
           -- Box-Muller: two uniform draws give one normal draw per axis.
           sqrt(-2 * ln(greatest(random(), 1e-12))) AS r, 2 * pi() * random() AS theta,
           0.15 + random() * 0.85 AS spread,
           random() AS u_commodity, random() AS u_status, random() AS u_size, random() AS u_other
    FROM seeded, generate_series(1, :n) AS g
),
points AS MATERIALIZED (
    SELECT d.g, c.country_code, c.region_code, c.deposit_type,
           greatest(-180, least(180, c.x + d.r * cos(d.theta) * d.spread)) AS x,
           greatest(-90, least(90, c.y + d.r * sin(d.theta) * d.spread * 0.8)) AS y,
           CASE WHEN d.u_commodity < 0.7 THEN c.commodity_code
                ELSE (SELECT codes FROM strategic)[1 + floor(d.u_other * array_length((SELECT codes FROM strategic), 1))::int]
           END AS commodity_code,
           (SELECT codes FROM statuses)[1 + floor(d.u_status * array_length((SELECT codes FROM statuses), 1))::int]
               AS status,
           CASE WHEN d.u_size < 0.1 THEN 'large' WHEN d.u_size < 0.35 THEN 'medium' ELSE 'small' END AS size_class
    FROM draws d JOIN centres c ON c.i = d.centre
),
inserted AS (
    INSERT INTO deposit (code, name, name_lang, name_zh, name_en, geom, country_code, region_code, deposit_type,
                         stage, size_class, status, status_as_of, source, search_extra)
    SELECT 'SYN-' || lpad(p.g::text, 8, '0'), '合成矿产地 ' || p.g, 'zh', '合成矿产地 ' || p.g, 'Synthetic deposit ' || p.g,
           ST_SetSRID(ST_MakePoint(p.x, p.y), 4326), p.country_code, p.region_code, p.deposit_type, 'general_survey',
           p.size_class, p.status, DATE '2025-01-01', 'synthetic', CAST(:extra AS text)
    FROM points p
    ORDER BY p.g
    ON CONFLICT (code) DO NOTHING
    RETURNING id, code
)
INSERT INTO deposit_commodity (deposit_id, commodity_code, role)
SELECT i.id, p.commodity_code, 'primary'
FROM inserted i JOIN points p ON 'SYN-' || lpad(p.g::text, 8, '0') = i.code;

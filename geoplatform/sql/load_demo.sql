-- Upsert the demo catalogue from the staging tables filled by COPY (geoplatform/demo.py).
-- Runs inside one transaction: either every statement succeeds or nothing changes.
-- Idempotent: a second run updates rows in place and rebuilds the link tables of demo records only.
-- Countries and Chinese provinces are not taken from the files: the database places every record
-- from its point (gp_fill_place); the files' country_code / region_code are checked against that in
-- tests/test_demo_data.py.

INSERT INTO company (key, name, name_zh, name_en, uscc, country_code)
SELECT key, name, NULLIF(name_zh, ''), NULLIF(name_en, ''), NULLIF(uscc, ''), country_code FROM stage_companies
ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
    uscc = EXCLUDED.uscc, country_code = EXCLUDED.country_code;

UPDATE company c SET parent_id = p.id
FROM stage_companies s LEFT JOIN company p ON p.key = NULLIF(s.parent_key, '')
WHERE c.key = s.key AND c.parent_id IS DISTINCT FROM p.id;

INSERT INTO deposit (code, name, name_lang, name_zh, name_en, geom, subdivision_code, subdivision_name,
                     deposit_type, stage, size_class, status, status_as_of, source)
SELECT s.code, s.name, NULLIF(s.name_lang, ''), NULLIF(s.name_zh, ''), NULLIF(s.name_en, ''),
       ST_SetSRID(ST_MakePoint(s.lon::float8, s.lat::float8), 4326),
       d.code, CASE WHEN d.code IS NULL THEN NULLIF(s.subdivision, '') END,
       NULLIF(s.deposit_type, ''), NULLIF(s.stage, ''), NULLIF(s.size_class, ''),
       s.status, NULLIF(s.status_as_of, '')::date, NULLIF(s.source, '')
FROM stage_deposits s LEFT JOIN country_subdivision d ON d.code = s.subdivision
ON CONFLICT (code) DO UPDATE SET
    name = EXCLUDED.name, name_lang = EXCLUDED.name_lang, name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
    geom = EXCLUDED.geom, country_code = EXCLUDED.country_code, region_code = EXCLUDED.region_code,
    subdivision_code = EXCLUDED.subdivision_code, subdivision_name = EXCLUDED.subdivision_name,
    deposit_type = EXCLUDED.deposit_type, stage = EXCLUDED.stage,
    size_class = EXCLUDED.size_class, status = EXCLUDED.status, status_as_of = EXCLUDED.status_as_of,
    source = EXCLUDED.source, updated_at = now();

DELETE FROM deposit_commodity dc USING deposit d, stage_deposits s
WHERE dc.deposit_id = d.id AND d.code = s.code;

INSERT INTO deposit_commodity (deposit_id, commodity_code, role, grade, grade_unit)
SELECT d.id, s.commodity_code, s.role, NULLIF(s.grade, '')::numeric, NULLIF(s.grade_unit, '')
FROM stage_deposit_commodities s JOIN deposit d ON d.code = s.deposit_code;

DELETE FROM resource_estimate r USING deposit d, stage_deposits s
WHERE r.deposit_id = d.id AND d.code = s.code;

INSERT INTO resource_estimate (deposit_id, commodity_code, category, method, legacy_code, ore_tonnage, ore_unit,
                               contained, contained_unit, grade, grade_unit, as_of, source)
SELECT d.id, s.commodity_code, s.category, s.method, NULLIF(s.legacy_code, ''),
       NULLIF(s.ore_tonnage, '')::numeric, NULLIF(s.ore_unit, ''),
       NULLIF(s.contained, '')::numeric, NULLIF(s.contained_unit, ''),
       NULLIF(s.grade, '')::numeric, NULLIF(s.grade_unit, ''),
       NULLIF(s.as_of, '')::date, NULLIF(s.source, '')
FROM stage_resource_estimates s JOIN deposit d ON d.code = s.deposit_code;

INSERT INTO project (code, name, name_lang, name_zh, name_en, project_type, stage, green_channel, geom,
                     subdivision_code, subdivision_name, operator_id, capacity, capacity_unit, investment_cny_100m,
                     status_as_of, source)
SELECT s.code, s.name, NULLIF(s.name_lang, ''), NULLIF(s.name_zh, ''), NULLIF(s.name_en, ''), s.project_type,
       s.stage, s.green_channel::boolean, ST_SetSRID(ST_MakePoint(s.lon::float8, s.lat::float8), 4326),
       d.code, CASE WHEN d.code IS NULL THEN NULLIF(s.subdivision, '') END, c.id,
       NULLIF(s.capacity, '')::numeric, NULLIF(s.capacity_unit, ''), NULLIF(s.investment_cny_100m, '')::numeric,
       NULLIF(s.status_as_of, '')::date, NULLIF(s.source, '')
FROM stage_projects s LEFT JOIN company c ON c.key = NULLIF(s.operator_key, '')
LEFT JOIN country_subdivision d ON d.code = s.subdivision
ON CONFLICT (code) DO UPDATE SET
    name = EXCLUDED.name, name_lang = EXCLUDED.name_lang, name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
    project_type = EXCLUDED.project_type, stage = EXCLUDED.stage, green_channel = EXCLUDED.green_channel,
    geom = EXCLUDED.geom, country_code = EXCLUDED.country_code, region_code = EXCLUDED.region_code,
    subdivision_code = EXCLUDED.subdivision_code, subdivision_name = EXCLUDED.subdivision_name,
    operator_id = EXCLUDED.operator_id, capacity = EXCLUDED.capacity,
    capacity_unit = EXCLUDED.capacity_unit, investment_cny_100m = EXCLUDED.investment_cny_100m,
    status_as_of = EXCLUDED.status_as_of, source = EXCLUDED.source, updated_at = now();

DELETE FROM project_deposit pd USING project p, stage_projects s WHERE pd.project_id = p.id AND p.code = s.code;

INSERT INTO project_deposit (project_id, deposit_id)
SELECT p.id, d.id FROM stage_project_deposits s
JOIN project p ON p.code = s.project_code JOIN deposit d ON d.code = s.deposit_code;

DELETE FROM project_commodity pc USING project p, stage_projects s WHERE pc.project_id = p.id AND p.code = s.code;

INSERT INTO project_commodity (project_id, commodity_code)
SELECT p.id, s.commodity_code FROM stage_project_commodities s JOIN project p ON p.code = s.project_code;

-- Stakes of demo records are the files' stakes: replaced whole.
DELETE FROM ownership_stake o
WHERE o.deposit_id IN (SELECT d.id FROM deposit d JOIN stage_deposits s ON s.code = d.code)
   OR o.project_id IN (SELECT p.id FROM project p JOIN stage_projects s ON s.code = p.code);

INSERT INTO ownership_stake (company_id, deposit_id, project_id, share_pct, since, until, source)
SELECT c.id, d.id, p.id, NULLIF(s.share_pct, '')::numeric, NULLIF(s.since, '')::date, NULLIF(s.until, '')::date,
       NULLIF(s.source, '')
FROM stage_stakes s JOIN company c ON c.key = s.company_key
LEFT JOIN deposit d ON d.code = NULLIF(s.deposit_code, '')
LEFT JOIN project p ON p.code = NULLIF(s.project_code, '');

-- Footprints for the demonstration only: the catalogue's sources give points, not outlines. Each
-- large producing deposit without a footprint gets a circle of 2 km around its point, so that the
-- deposit footprints layer has something to show; its source says so. Real outlines load with
-- `geoplatform import` (a footprint column or polygon geometries).
UPDATE deposit
SET footprint = ST_Multi(ST_Buffer(geom::geography, 2000, 8)::geometry),
    source = source || ' (footprint: a 2 km circle for demonstration, not the real outline)'
WHERE footprint IS NULL AND size_class = 'large' AND status = 'producing' AND source LIKE '%demonstration%'

-- Upsert the demo catalogue from the staging tables filled by COPY (geoplatform/demo.py).
-- Runs inside one transaction: either every statement succeeds or nothing changes.
-- Idempotent: a second run updates rows in place and rebuilds the link tables of demo records only.

INSERT INTO company (key, name_zh, name_en, uscc)
SELECT key, name_zh, NULLIF(name_en, ''), NULLIF(uscc, '') FROM stage_companies
ON CONFLICT (key) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, uscc = EXCLUDED.uscc;

INSERT INTO deposit (code, name_zh, name_en, geom, region_code, deposit_type, stage, size_class,
                     status, status_as_of, source)
SELECT code, name_zh, NULLIF(name_en, ''),
       ST_SetSRID(ST_MakePoint(lon::float8, lat::float8), 4326),
       NULLIF(region_code, ''), NULLIF(deposit_type, ''), NULLIF(stage, ''), NULLIF(size_class, ''),
       status, NULLIF(status_as_of, '')::date, NULLIF(source, '')
FROM stage_deposits
ON CONFLICT (code) DO UPDATE SET
    name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, geom = EXCLUDED.geom,
    region_code = EXCLUDED.region_code, deposit_type = EXCLUDED.deposit_type, stage = EXCLUDED.stage,
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

INSERT INTO project (code, name_zh, name_en, project_type, stage, green_channel, region_code, geom, operator_id,
                     capacity, capacity_unit, investment_cny_100m, status_as_of, source)
SELECT s.code, s.name_zh, NULLIF(s.name_en, ''), s.project_type, s.stage, s.green_channel::boolean,
       NULLIF(s.region_code, ''), ST_SetSRID(ST_MakePoint(s.lon::float8, s.lat::float8), 4326), c.id,
       NULLIF(s.capacity, '')::numeric, NULLIF(s.capacity_unit, ''), NULLIF(s.investment_cny_100m, '')::numeric,
       NULLIF(s.status_as_of, '')::date, NULLIF(s.source, '')
FROM stage_projects s LEFT JOIN company c ON c.key = NULLIF(s.operator_key, '')
ON CONFLICT (code) DO UPDATE SET
    name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, project_type = EXCLUDED.project_type,
    stage = EXCLUDED.stage, green_channel = EXCLUDED.green_channel, region_code = EXCLUDED.region_code,
    geom = EXCLUDED.geom, operator_id = EXCLUDED.operator_id, capacity = EXCLUDED.capacity,
    capacity_unit = EXCLUDED.capacity_unit, investment_cny_100m = EXCLUDED.investment_cny_100m,
    status_as_of = EXCLUDED.status_as_of, source = EXCLUDED.source, updated_at = now();

DELETE FROM project_deposit pd USING project p, stage_projects s WHERE pd.project_id = p.id AND p.code = s.code;

INSERT INTO project_deposit (project_id, deposit_id)
SELECT p.id, d.id FROM stage_project_deposits s
JOIN project p ON p.code = s.project_code JOIN deposit d ON d.code = s.deposit_code;

DELETE FROM project_commodity pc USING project p, stage_projects s WHERE pc.project_id = p.id AND p.code = s.code;

INSERT INTO project_commodity (project_id, commodity_code)
SELECT p.id, s.commodity_code FROM stage_project_commodities s JOIN project p ON p.code = s.project_code;

-- 1,000,000 appeals and about 4,600,000 events for bench/bench_ledger.py, written by the database itself.
-- On a database holding the 500,000-person demo: psql -d lx_ledger -f bench/ledger_appeals.sql
-- Appeals sit on the root and six of the seven branches (the first branch holds none, a worst case
-- for a subtree filter); received one every 63 s back from now; states, grades, ratings by position.
\timing on
CREATE TEMP TABLE u AS SELECT row_number() over (order by id) - 1 AS i, id FROM org_unit WHERE depth <= 2;
CREATE TEMP TABLE c AS SELECT row_number() over (order by code) - 1 AS i, code FROM appeals_category;
INSERT INTO appeals_appeal (number, text, channel, received_at, is_anonymous, informant_kind, receipt_hash, track,
  grade, suggested_category, suggested_grade, state, measure, response_due, closure_due, first_response_at,
  answered_at, closed_at, last_activity_at, level, rating, reopen_count, submitter_id, unit_id, category_id)
SELECT 'LXB' || lpad(g::text, 9, '0'),
  '班组反映的问题第' || g || '号：夜班补贴发放不及时，食堂饭菜质量下降，希望尽快协调解决，谢谢组织关心。',
  (ARRAY['web','wecom','box','survey','talk','hotline','api'])[1 + g % 7],
  rt, anon, '', '', CASE WHEN uu = 0 THEN 'company' ELSE 'branch' END,
  CASE WHEN g % 20 = 0 THEN '' ELSE (ARRAY['red','orange','yellow','blue'])[1 + (g / 7) % 4] END, '', '',
  st, '核实情况并协调解决', rt + interval '1 day', rt + interval '7 days',
  CASE WHEN st = 'received' THEN NULL ELSE rt + (g % 48) * interval '1 hour' END,
  CASE WHEN st IN ('answered','rated','closed') THEN rt + (g % 10) * interval '1 day' END,
  CASE WHEN st = 'closed' THEN rt + (g % 10 + 2) * interval '1 day' END,
  rt, 0,
  CASE WHEN st IN ('rated','closed') THEN (ARRAY['very_satisfied','satisfied','basic','dissatisfied'])[1 + (g / 3) % 4] ELSE '' END,
  CASE WHEN g % 20 = 3 THEN 1 ELSE 0 END,
  CASE WHEN anon THEN NULL ELSE 1 + (g::bigint * 7919) % 500000 END,
  (SELECT id FROM u WHERE u.i = uu),
  CASE WHEN g % 19 = 0 THEN NULL ELSE (SELECT code FROM c WHERE c.i = (g / 11) % 10) END
FROM (
  SELECT g, now() - (g * interval '63 seconds') AS rt, (g % 10 < 3) AS anon,
    CASE WHEN g % 7 = 0 THEN 0 ELSE 1 + g % 7 END AS uu,
    (ARRAY['received','accepted','in_progress','in_progress','answered','answered','rated','rated','closed','closed','closed'])[1 + (g / 13) % 11] AS st
  FROM generate_series(1, 1000000) g
) s;
INSERT INTO appeals_appealevent (appeal_id, kind, at, text, public, data)
SELECT a.id, k.kind, a.received_at + k.off, k.txt, true, '{}'::jsonb
FROM appeals_appeal a CROSS JOIN (VALUES ('submitted', interval '0', ''), ('triaged', interval '1 hour', ''),
  ('assigned', interval '2 hours', '核实情况并协调解决'), ('note', interval '3 hours', '=已电话联系班组长')) k(kind, off, txt);
INSERT INTO appeals_appealevent (appeal_id, kind, at, text, public, data)
SELECT a.id, 'replied', a.answered_at, '已协调财务部门补发，并向班组通报。', true, '{}'::jsonb
FROM appeals_appeal a WHERE a.answered_at IS NOT NULL;
ANALYZE appeals_appeal; ANALYZE appeals_appealevent;

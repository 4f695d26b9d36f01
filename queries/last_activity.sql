-- name: last_activity
-- description: Per IAM user, group, role and customer-managed policy of the store: when it was last used according to each source (the trail, counted as tighten counts use: the services of every action a call needed, dependent actions included, refused calls left out; a user's or role's own events, a group's members' and a policy's principals' events for the services its policies allow; the last-accessed reports; a role's RoleLastUsed), the latest of them, and the days since, counted back from the newest event. Check this before deleting anything.
-- param: name = % | subject name pattern (SQL LIKE)
WITH newest AS (
    SELECT max(last_seen) AS t FROM usage
    WHERE date BETWEEN DATE '2013-11-01' AND current_date() + INTERVAL '1 day'
),
trail AS (
    -- Use as tighten counts it: every action a call needed (its own and the dependent
    -- ones, `iam:PassRole` for `lambda:CreateFunction`) is use of that action's service;
    -- an unmapped call is use of its service; a refused call is no use.
    SELECT principal_arn, coalesce(split_part(action, ':', 1), iam_service) AS iam_service,
           max(last_seen) AS last_seen
    FROM usage WHERE principal_arn IS NOT NULL AND outcome <> 'denied'
    GROUP BY 1, 2
),
subjects AS (
    SELECT account_id, principal_type AS subject_type, name, arn, role_last_used FROM principals
    UNION ALL
    SELECT DISTINCT account_id, 'policy' AS subject_type, policy_name AS name, policy_arn AS arn,
           CAST(NULL AS TIMESTAMP) AS role_last_used
    FROM policies WHERE policy_type = 'customer_managed'
),
members AS (
    -- Whose events count for a subject: a user's or role's own (all of them); a group's
    -- members' and a policy's principals', for the services the policy allows (as
    -- Access Advisor counts them).
    SELECT arn AS subject, arn AS principal, CAST(NULL AS VARCHAR) AS account_id,
           CAST(NULL AS VARCHAR) AS policy_key
    FROM subjects WHERE subject_type IN ('user', 'role')
    UNION ALL
    SELECT gm.group_arn, gm.user_arn, a.account_id, a.policy_key
    FROM group_members gm JOIN attachments a
      ON a.account_id = gm.account_id AND a.principal_type = 'group' AND a.principal_arn = gm.group_arn
    UNION ALL
    SELECT DISTINCT policy_arn, principal_arn, account_id, policy_key FROM attachments
    WHERE policy_arn IS NOT NULL AND principal_type <> 'group'
),
granted AS (
    SELECT DISTINCT account_id, policy_key, split_part(action, ':', 1) AS service
    FROM policy_grants WHERE effect = 'Allow'
),
trail_by_subject AS (
    SELECT m.subject, max(t.last_seen) AS last_seen
    FROM members m
    JOIN trail t ON t.principal_arn = m.principal
    LEFT JOIN granted g
      ON g.account_id = m.account_id AND g.policy_key = m.policy_key AND g.service = t.iam_service
    WHERE m.policy_key IS NULL OR g.service IS NOT NULL
    GROUP BY m.subject
),
reports AS (
    SELECT subject, max(last_authenticated) AS last_reported, max(job_completion_date) AS report_date
    FROM services_last_accessed GROUP BY subject
)
SELECT
    s.account_id,
    s.subject_type,
    s.name,
    s.arn,
    tb.last_seen AS trail_last_seen,
    r.last_reported AS report_last_authenticated,
    s.role_last_used,
    greatest(tb.last_seen, r.last_reported, s.role_last_used) AS last_used,
    date_part('day', (SELECT t FROM newest) - greatest(tb.last_seen, r.last_reported, s.role_last_used)) AS days_since,
    r.report_date
FROM subjects s
LEFT JOIN trail_by_subject tb ON tb.subject = s.arn
LEFT JOIN reports r ON r.subject = s.arn
WHERE s.name LIKE '${name}'
ORDER BY last_used ASC NULLS FIRST, s.subject_type, s.name, s.account_id, s.arn

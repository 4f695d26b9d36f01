-- name: last_accessed_vs_trail
-- description: Where the last-accessed reports and the trail disagree, per user, group or role and service: used according to the report but with no event in the trail over the same period (data events the trail does not log, calls CloudTrail does not record, or a trail with gaps), or events in the trail for a service the report calls unused.
-- param: subject = % | subject ARN pattern (SQL LIKE)
WITH jobs AS (
    SELECT subject, job_id,
           row_number() OVER (PARTITION BY subject ORDER BY job_completion_date DESC, job_id) AS n
    FROM (SELECT DISTINCT subject, job_id, job_completion_date FROM services_last_accessed
          WHERE subject_type IN ('user', 'group', 'role'))
),
report AS (
    SELECT s.subject, s.subject_type, s.service_namespace, s.last_authenticated, s.job_completion_date
    FROM services_last_accessed s
    JOIN jobs j ON j.subject = s.subject AND j.job_id = s.job_id AND j.n = 1
    WHERE s.subject LIKE '${subject}'
),
-- The trail of each account may start on its own day.
span AS (SELECT recipientaccountid AS account_id, min(eventtime) AS first_event FROM events
         GROUP BY recipientaccountid),
members AS (
    SELECT DISTINCT subject, subject AS principal FROM report WHERE subject_type IN ('user', 'role')
    UNION ALL
    SELECT group_arn, user_arn FROM group_members
),
trail AS (
    SELECT m.subject, e.iam_service AS service_namespace, max(e.eventtime) AS last_event,
           count(*) AS events
    FROM events e JOIN members m ON e.principal_arn = m.principal
    WHERE e.mapping_status = 'mapped' AND e.iam_service IS NOT NULL
    GROUP BY m.subject, e.iam_service
)
SELECT
    r.subject,
    r.service_namespace,
    r.last_authenticated AS report_last_authenticated,
    t.last_event AS trail_last_event,
    coalesce(t.events, 0) AS trail_events,
    CASE
        WHEN t.last_event IS NULL THEN 'reported used, no trail event'
        ELSE 'in the trail, reported unused'
    END AS finding
FROM report r
LEFT JOIN trail t ON t.subject = r.subject AND t.service_namespace = r.service_namespace
WHERE (r.last_authenticated IS NOT NULL AND t.last_event IS NULL
       AND r.last_authenticated >= (SELECT min(first_event) FROM span
                                    WHERE span.account_id = split_part(r.subject, ':', 5)))
   OR (t.last_event IS NOT NULL AND t.last_event <= r.job_completion_date
       AND (r.last_authenticated IS NULL
            OR t.last_event > r.last_authenticated + INTERVAL '1 day'))
ORDER BY r.subject, r.service_namespace

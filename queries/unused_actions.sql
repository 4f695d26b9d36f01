-- name: unused_actions
-- description: Per report subject, the actions AWS tracks at action level (ACTION_LEVEL reports) that were not used in the `days` days before the report, or never in the tracking period. From each subject's latest action-level job.
-- param: days = 90 | unused means no access in this many days before the report was completed
-- param: subject = % | subject ARN or entity path (SQL LIKE)
WITH jobs AS (
    SELECT subject, job_id,
           row_number() OVER (PARTITION BY subject ORDER BY job_completion_date DESC, job_id) AS n
    FROM (SELECT DISTINCT subject, job_id, job_completion_date FROM actions_last_accessed)
)
SELECT
    a.subject,
    a.subject_type,
    a.service_namespace,
    a.action,
    a.last_accessed,
    CASE WHEN a.last_accessed IS NULL THEN 'never' ELSE 'not recently' END AS status,
    a.job_completion_date AS report_date
FROM actions_last_accessed a
JOIN jobs j ON j.subject = a.subject AND j.job_id = a.job_id AND j.n = 1
WHERE a.subject LIKE '${subject}'
  AND (a.last_accessed IS NULL
       OR a.last_accessed < a.job_completion_date - INTERVAL '${days} days')
ORDER BY a.subject, a.action

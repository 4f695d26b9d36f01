-- name: unused_services
-- description: Per report subject (user, group, role, policy or Organizations entity), the services its last-accessed report lists as not used in the `days` days before the report, or never in the tracking period (null last_authenticated). From each subject's latest job.
-- param: days = 90 | unused means no access in this many days before the report was completed
-- param: subject = % | subject ARN or entity path (SQL LIKE: % any run, _ one character)
WITH jobs AS (
    SELECT subject, job_id,
           row_number() OVER (PARTITION BY subject ORDER BY job_completion_date DESC, job_id) AS n
    FROM (SELECT DISTINCT subject, job_id, job_completion_date FROM services_last_accessed)
)
SELECT
    s.subject,
    s.subject_type,
    s.service_namespace,
    s.service_name,
    s.last_authenticated,
    CASE WHEN s.last_authenticated IS NULL THEN 'never' ELSE 'not recently' END AS status,
    s.job_completion_date AS report_date
FROM services_last_accessed s
JOIN jobs j ON j.subject = s.subject AND j.job_id = s.job_id AND j.n = 1
WHERE s.subject LIKE '${subject}'
  AND (s.last_authenticated IS NULL
       OR s.last_authenticated < s.job_completion_date - INTERVAL '${days} days')
ORDER BY s.subject, s.service_namespace

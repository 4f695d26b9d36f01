-- name: service_usage
-- description: Per principal and event source: events, errors, first and last seen.
-- param: days = 36500 | window in days, counted back from the newest event in the store
-- param: principal = % | principal_arn pattern (SQL LIKE: % any run, _ one character)
SELECT
    principal_arn,
    eventsource,
    count(*) AS events,
    count(errorcode) AS errors,
    min(eventtime) AS first_seen,
    max(eventtime) AS last_seen
FROM events
WHERE eventtime >= (SELECT max(eventtime) FROM events) - INTERVAL '${days} days'
  AND principal_arn LIKE '${principal}'
GROUP BY principal_arn, eventsource
ORDER BY principal_arn, events DESC, eventsource

-- name: event_usage
-- description: Per principal, event source and event name: events, errors, first and last seen.
-- param: days = 36500 | window in days, counted back from the newest event in the store
-- param: principal = % | principal_arn pattern (SQL LIKE: % any run, _ one character)
SELECT
    principal_arn,
    eventsource,
    eventname,
    count(*) AS events,
    count(errorcode) AS errors,
    min(eventtime) AS first_seen,
    max(eventtime) AS last_seen
FROM events
WHERE eventtime >= (SELECT max(eventtime) FROM events) - INTERVAL '${days} days'
  AND principal_arn LIKE '${principal}'
GROUP BY principal_arn, eventsource, eventname
ORDER BY principal_arn, eventsource, eventname

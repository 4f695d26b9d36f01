-- name: event_usage
-- description: Per principal, event source and event name: events, errors, first and last seen. Reads the usage rollup.
-- param: days = 36500 | window in whole UTC days, counted back from the newest day in the store
-- param: principal = % | principal_arn pattern (SQL LIKE: % any run, _ one character)
SELECT
    principal_arn,
    eventsource,
    eventname,
    sum(events) AS events,
    sum(CASE WHEN outcome <> 'success' THEN events ELSE 0 END) AS errors,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen
FROM usage
WHERE role = 'primary'
  AND date >= (SELECT max(date) FROM usage
                 WHERE date BETWEEN DATE '2013-11-01' AND current_date() + INTERVAL '1 day') - INTERVAL '${days} days'
  AND principal_arn LIKE '${principal}'
GROUP BY principal_arn, eventsource, eventname
ORDER BY principal_arn, eventsource, eventname

-- name: access_denied
-- description: Calls refused for lack of permission or authentication (is_denied(errorcode), the test tighten and the usage rollup use), by principal and call, with the latest message.
-- param: days = 36500 | window in days, counted back from the newest event in the store
SELECT
    principal_arn,
    eventsource,
    eventname,
    errorcode,
    count(*) AS denied,
    min(eventtime) AS first_seen,
    max(eventtime) AS last_seen,
    last_value(errormessage ORDER BY eventtime) AS last_message
FROM events
WHERE eventtime >= (SELECT max(eventtime) FROM events
                    WHERE date BETWEEN DATE '2013-11-01' AND current_date() + INTERVAL '1 day') - INTERVAL '${days} days'
  AND is_denied(errorcode)
GROUP BY principal_arn, eventsource, eventname, errorcode
ORDER BY denied DESC, principal_arn, eventsource, eventname

-- name: activity_by_day
-- description: Per UTC day: events, errors, distinct principals and distinct services.
-- param: days = 36500 | window in days, counted back from the newest event in the store
SELECT
    event_date AS day,
    count(*) AS events,
    count(errorcode) AS errors,
    count(DISTINCT principal_arn) AS principals,
    count(DISTINCT eventsource) AS services
FROM events
WHERE eventtime >= (SELECT max(eventtime) FROM events
                    WHERE date BETWEEN DATE '2013-11-01' AND current_date() + INTERVAL '1 day') - INTERVAL '${days} days'
GROUP BY event_date
ORDER BY event_date

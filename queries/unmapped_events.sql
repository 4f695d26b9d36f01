-- name: unmapped_events
-- description: Calls trailcut cannot map to an IAM action (never guessed), by event source and name, with how often and who made them.
-- param: days = 36500 | window in days, counted back from the newest event in the store
SELECT
    eventsource,
    eventname,
    count(*) AS events,
    count(DISTINCT principal_arn) AS principals,
    min(eventtime) AS first_seen,
    max(eventtime) AS last_seen
FROM events
WHERE mapping_status = 'unmapped'
  AND eventtime >= (SELECT max(eventtime) FROM events
                    WHERE date BETWEEN DATE '2013-11-01' AND current_date() + INTERVAL '1 day') - INTERVAL '${days} days'
GROUP BY eventsource, eventname
ORDER BY events DESC, eventsource, eventname

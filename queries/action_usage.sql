-- name: action_usage
-- description: Per principal and IAM action: successful calls, first and last seen (actions from the event-to-action mapping; a call needing two actions counts for both).
-- param: days = 36500 | window in days, counted back from the newest event in the store
-- param: principal = % | principal_arn pattern (SQL LIKE: % any run, _ one character)
WITH calls AS (
    SELECT principal_arn, eventtime, unnest(iam_actions(eventsource, eventname, eventtype)) AS action
    FROM events
    WHERE errorcode IS NULL
      AND iam_mapping_status(eventsource, eventname, eventtype) = 'mapped'
      AND eventtime >= (SELECT max(eventtime) FROM events) - INTERVAL '${days} days'
      AND principal_arn LIKE '${principal}'
)
SELECT
    principal_arn,
    action,
    count(*) AS events,
    min(eventtime) AS first_seen,
    max(eventtime) AS last_seen
FROM calls
GROUP BY principal_arn, action
ORDER BY principal_arn, action

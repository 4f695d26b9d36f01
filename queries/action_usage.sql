-- name: action_usage
-- description: Per principal and IAM action: successful calls that needed it, first and last seen. A call needing two actions counts for both; `as_dependent` counts the calls that needed it as a dependent action (iam:PassRole of a role passed, kms:Decrypt of an object read).
-- param: days = 36500 | window in days, counted back from the newest event in the store
-- param: principal = % | principal_arn pattern (SQL LIKE: % any run, _ one character)
WITH recent AS (
    SELECT principal_arn, eventtime, iam_actions, iam_dependent_actions
    FROM events
    WHERE errorcode IS NULL
      AND mapping_status = 'mapped'
      AND eventtime >= (SELECT max(eventtime) FROM events) - INTERVAL '${days} days'
      AND principal_arn LIKE '${principal}'
),
calls AS (
    SELECT principal_arn, eventtime, unnest(iam_actions) AS action, 0 AS dependent
    FROM recent
    UNION ALL
    SELECT principal_arn, eventtime, unnest(iam_dependent_actions) AS action, 1 AS dependent
    FROM recent
    WHERE array_length(iam_dependent_actions) > 0
)
SELECT
    principal_arn,
    action,
    count(*) AS events,
    min(eventtime) AS first_seen,
    max(eventtime) AS last_seen,
    sum(dependent) AS as_dependent
FROM calls
GROUP BY principal_arn, action
ORDER BY principal_arn, action

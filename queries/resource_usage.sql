-- name: resource_usage
-- description: Per principal, IAM action and resource: successful calls, first and last seen. Resources are derived from each event as `trailcut tighten --level resource` derives them (the SQL function event_resources); a call whose resource the event does not name is counted under `(underivable)`, and an action that supports no resource-level permission under `*`.
-- param: days = 36500 | window in days, counted back from the newest event in the store
-- param: principal = % | principal_arn pattern (SQL LIKE: % any run, _ one character)
-- param: action = % | IAM action pattern (SQL LIKE, e.g. s3:% )
WITH recent AS (
    SELECT principal_arn, eventtime, eventsource, eventname, awsregion, useridentity,
           resources, requestparameters, responseelements,
           array_concat(iam_actions, iam_dependent_actions) AS needed
    FROM events
    WHERE errorcode IS NULL
      AND mapping_status = 'mapped'
      AND eventtime >= (SELECT max(eventtime) FROM events) - INTERVAL '${days} days'
      AND principal_arn LIKE '${principal}'
),
calls AS (
    SELECT principal_arn, eventtime, eventsource, eventname, awsregion, useridentity,
           resources, requestparameters, responseelements, unnest(needed) AS action
    FROM recent
),
derived AS (
    SELECT principal_arn, eventtime, action,
           event_resources(action, eventsource, eventname, awsregion, useridentity,
                           resources, requestparameters, responseelements) AS r
    FROM calls
    WHERE action LIKE '${action}'
),
named AS (
    SELECT principal_arn, eventtime, action, unnest(r['arns']) AS resource
    FROM derived
    WHERE r['status'] = 'derived'
    UNION ALL
    SELECT principal_arn, eventtime, action,
           CASE WHEN r['status'] = 'not_scoped' THEN '*' ELSE '(underivable)' END AS resource
    FROM derived
    WHERE r['status'] <> 'derived'
)
SELECT
    principal_arn,
    action,
    resource,
    count(*) AS events,
    min(eventtime) AS first_seen,
    max(eventtime) AS last_seen
FROM named
GROUP BY principal_arn, action, resource
ORDER BY principal_arn, action, resource

-- name: resource_usage
-- description: Per principal, IAM action and resource: successful calls, first and last seen. Resources are derived from each event as `trailcut tighten --level resource` derives them (the SQL function event_resources), and kept in the usage rollup; a call whose resource the event does not name is counted under `(underivable)`, and an action that supports no resource-level permission under `*`.
-- param: days = 36500 | window in whole UTC days, counted back from the newest day in the store
-- param: principal = % | principal_arn pattern (SQL LIKE: % any run, _ one character)
-- param: action = % | IAM action pattern (SQL LIKE, e.g. s3:% )
WITH used AS (
    SELECT principal_arn, action, resource_status, resource_arns, events, first_seen, last_seen
    FROM usage
    WHERE outcome = 'success'
      AND mapping_status = 'mapped'
      AND action LIKE '${action}'
      AND date >= (SELECT max(date) FROM usage
                 WHERE date BETWEEN DATE '2013-11-01' AND current_date() + INTERVAL '1 day') - INTERVAL '${days} days'
      AND principal_arn LIKE '${principal}'
),
named AS (
    SELECT principal_arn, action, unnest(resource_arns) AS resource, events, first_seen, last_seen
    FROM used
    WHERE resource_status = 'derived'
    UNION ALL
    SELECT principal_arn, action,
           CASE WHEN resource_status = 'not_scoped' THEN '*' ELSE '(underivable)' END AS resource,
           events, first_seen, last_seen
    FROM used
    WHERE resource_status <> 'derived'
)
SELECT
    principal_arn,
    action,
    resource,
    sum(events) AS events,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen
FROM named
GROUP BY principal_arn, action, resource
ORDER BY principal_arn, action, resource

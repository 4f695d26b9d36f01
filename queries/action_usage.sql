-- name: action_usage
-- description: Per principal and IAM action: successful calls that needed it, first and last seen. A call needing two actions counts for both; `as_dependent` counts the calls that needed it as a dependent action (iam:PassRole of a role passed, kms:Decrypt of an object read). Reads the usage rollup.
-- param: days = 36500 | window in whole UTC days, counted back from the newest day in the store
-- param: principal = % | principal_arn pattern (SQL LIKE: % any run, _ one character)
SELECT
    principal_arn,
    action,
    sum(events) AS events,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen,
    sum(CASE WHEN role = 'dependent' THEN events ELSE 0 END) AS as_dependent
FROM usage
WHERE outcome = 'success'
  AND mapping_status = 'mapped'
  AND action IS NOT NULL
  AND date >= (SELECT max(date) FROM usage
                 WHERE date BETWEEN DATE '2013-11-01' AND current_date() + INTERVAL '1 day') - INTERVAL '${days} days'
  AND principal_arn LIKE '${principal}'
GROUP BY principal_arn, action
ORDER BY principal_arn, action

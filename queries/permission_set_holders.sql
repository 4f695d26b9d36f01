-- name: permission_set_holders
-- description: Every person who holds an IAM Identity Center permission set in an account (assigned to them or to a group they are in), with how often they used it there in the window: 0 events is a person who holds it and did not use it (sorted first). Use means calls by the role the permission set provisioned in that account, made in that person's session (its session name, in any case, or its onBehalfOf user); refused calls are not use. Needs the Identity Center outputs (trailcut sso ingest) and the trail; reads the usage rollup.
-- param: days = 36500 | window in whole UTC days, counted back from the newest day in the store
-- param: permission_set = % | permission set name pattern (SQL LIKE)
WITH holders AS (
    SELECT a.permission_set_name, a.account_id, u.user_id, u.user_name, 'assigned' AS held_through
    FROM sso_assignments a
    JOIN identity_store_users u ON a.principal_type = 'USER' AND u.user_id = a.principal_id
    UNION ALL
    SELECT a.permission_set_name, a.account_id, u.user_id, u.user_name, 'group ' || COALESCE(a.principal_name, a.principal_id)
    FROM sso_assignments a
    JOIN identity_store_memberships m ON a.principal_type = 'GROUP' AND m.group_id = a.principal_id
    JOIN identity_store_users u ON u.user_id = m.user_id AND u.identity_store_id = m.identity_store_id
),
held AS (
    SELECT permission_set_name, account_id, user_id, user_name,
           array_to_string(array_sort(array_agg(DISTINCT held_through)), ', ') AS held_through
    FROM holders
    GROUP BY permission_set_name, account_id, user_id, user_name
),
used AS (
    SELECT usage.account_id, sso_permission_set(usage.principal_arn) AS permission_set_name,
           people.user_id, sum(usage.events) AS events, max(usage.last_seen) AS last_used
    FROM usage
    JOIN identity_store_users people
      ON (usage.person_source = 'identity_center_session' AND lower(usage.person) = lower(people.user_name))
      OR (usage.person_source = 'identity_center_user' AND usage.person = people.user_id)
    WHERE usage.role = 'primary'
      AND usage.outcome = 'success'
      AND sso_permission_set(usage.principal_arn) IS NOT NULL
      AND usage.date >= (SELECT max(date) FROM usage
                         WHERE date BETWEEN DATE '2013-11-01' AND current_date() + INTERVAL '1 day') - INTERVAL '${days} days'
    GROUP BY 1, 2, 3
)
SELECT
    h.permission_set_name,
    h.account_id,
    h.user_name,
    h.held_through,
    COALESCE(u.events, 0) AS events,
    u.last_used
FROM held h
LEFT JOIN used u
  ON u.account_id = h.account_id
 AND u.permission_set_name = h.permission_set_name
 AND u.user_id = h.user_id
WHERE h.permission_set_name LIKE '${permission_set}'
ORDER BY events, h.permission_set_name, h.account_id, h.user_name

-- name: role_people
-- description: The people behind each role, and what each of them needed: per role and person, the successful calls, the services and the IAM actions (primary and dependent) those calls needed, first and last time, and how many people used the role in the window. A role with one person is not shared; one with many is a candidate for a role per person or team. The person comes from event_people (docs/store.md); sessions nothing explains are counted under a null person.
-- param: days = 36500 | window in days, counted back from the newest event in the store
-- param: principal = % | role ARN pattern (SQL LIKE: % any run, _ one character)
WITH window_start AS (
    SELECT max(eventtime) - INTERVAL '${days} days' AS since FROM events
    WHERE date BETWEEN DATE '2013-11-01' AND current_date() + INTERVAL '1 day'
),
used AS (
    SELECT principal_arn, COALESCE(by_id.user_name, e.person) AS person,
           CASE WHEN e.person_origin IS NOT NULL THEN 'role_chain from ' || e.person_origin ELSE e.person_source END AS established_by,
           iam_service, array_concat(COALESCE(iam_actions, make_array()), COALESCE(iam_dependent_actions, make_array())) AS actions,
           eventtime
    FROM event_people e
    CROSS JOIN window_start w
    LEFT JOIN identity_store_users by_id ON by_id.user_id = e.person
    WHERE e.useridentity.type = 'AssumedRole'
      AND e.errorcode IS NULL
      AND e.principal_arn LIKE '${principal}'
      AND e.eventtime >= w.since
),
sharing AS (
    SELECT principal_arn, count(DISTINCT person) AS people_on_role FROM used GROUP BY principal_arn
)
SELECT
    u.principal_arn AS role_arn,
    u.person,
    array_to_string(array_sort(array_agg(DISTINCT u.established_by)), ', ') AS established_by,
    s.people_on_role,
    count(*) AS events,
    array_to_string(array_sort(array_agg(DISTINCT u.iam_service)), ', ') AS services,
    array_to_string(array_sort(array_distinct(flatten(array_agg(u.actions)))), ', ') AS actions,
    min(u.eventtime) AS first_seen,
    max(u.eventtime) AS last_seen
FROM used u
JOIN sharing s ON s.principal_arn = u.principal_arn
GROUP BY u.principal_arn, u.person, s.people_on_role
ORDER BY s.people_on_role DESC, role_arn, u.person NULLS LAST

-- name: person_activity
-- description: What each person did, across accounts and the roles or users they acted through: per person, account, principal and call, the successful and the refused calls with first and last time. The person is the event's own (IAM user, Identity Center session or user, sourceIdentity, SAML or web identity, AWS service) or, for a role session nothing else explains, the caller who assumed the role, followed back through role chains (event_people, docs/store.md). An Identity Center user id is shown as its user name when the Identity Store outputs are ingested.
-- param: days = 36500 | window in days, counted back from the newest event in the store
-- param: person = % | person pattern (SQL LIKE), matched against the person and the Identity Store user's name, email and display name
WITH window_start AS (
    SELECT max(eventtime) - INTERVAL '${days} days' AS since FROM events
    WHERE date BETWEEN DATE '2013-11-01' AND current_date() + INTERVAL '1 day'
),
acted AS (
    SELECT e.*, COALESCE(by_id.user_name, e.person) AS who
    FROM event_people e
    CROSS JOIN window_start w
    LEFT JOIN identity_store_users by_id ON by_id.user_id = e.person
    WHERE e.person IS NOT NULL
      AND e.eventtime >= w.since
)
SELECT
    a.who AS person,
    array_to_string(array_sort(array_agg(DISTINCT CASE WHEN a.person_origin IS NOT NULL THEN 'role_chain from ' || a.person_origin ELSE a.person_source END)), ', ') AS established_by,
    a.account_id,
    a.principal_arn,
    a.eventsource,
    a.eventname,
    count(*) FILTER (WHERE a.errorcode IS NULL) AS succeeded,
    count(*) FILTER (WHERE is_denied(a.errorcode)) AS denied,
    min(a.eventtime) AS first_seen,
    max(a.eventtime) AS last_seen
FROM acted a
LEFT JOIN identity_store_users u ON u.user_name = a.who
WHERE a.who LIKE '${person}'
   OR u.email LIKE '${person}'
   OR u.display_name LIKE '${person}'
GROUP BY a.who, a.account_id, a.principal_arn, a.eventsource, a.eventname
ORDER BY person, a.account_id, a.principal_arn, a.eventsource, a.eventname

"""The tables the volume generator writes, in load order, and the SQL that derives the log
entries on the server from the rows loaded."""

# Tables in load order, with the columns the COPY gives.
TABLES: dict[str, list[str]] = {
    "incidents_incident": [
        "id", "reference", "channel", "category_id", "grading", "summary", "location", "status", "handler_id",
        "team_id", "opened_at", "rethrive_due_at", "rethrive_flagged_for", "closed_at", "closed_by_id",
        "closure_code_id", "exemption_reason", "row_version", "created_at", "closed_month",
        "owner_id",
    ],
    "incidents_logentry": ["id", "incident_id", "at", "author_id", "kind", "text"],
    "thrive_assessment": [
        "id", "incident_id", "version", "status", "prompt_set_id", "answers", "author_id", "revises_id",
        "risk_level", "created_at", "updated_at", "submitted_at", "submitted_month", "rethrive_on_time", "team_id",
    ],
    "thrive_assessmentreturn": [
        "id", "assessment_id", "returned_to_id", "returned_by_id", "reason", "sections", "feedback",
        "returned_at", "resolved_at", "resolved_by_id",
    ],
    "thrive_assessmentreviewed": ["id", "assessment_id", "reviewed_by_id", "reviewed_at"],
    "victims_victim": [
        "id", "incident_id", "name", "date_of_birth", "phone", "address", "postcode", "phone_e164", "name_key",
        "household_key", "incident_opened_at", "checked_at", "check_matches", "outcome", "household_note",
        "outcome_by_id", "outcome_at", "created_by_id", "created_at",
    ],
    "victims_text": [
        "id", "incident_id", "assessment_id", "created_by_id", "phone", "link", "body", "status", "attempts",
        "next_attempt_at", "claimed_until", "provider_id", "last_error", "created_at", "sent_at", "delivered_at",
        "failed_at", "created_month",
    ],
    "qa_sample": [
        "id", "month", "team_id", "per_handler", "seed", "created_by_id", "created_at", "withdrawn_at",
        "withdrawn_by_id", "exempt_per_handler", "overseers",
    ],
    "qa_sampleitem": ["id", "sample_id", "incident_id", "assessment_id", "handler_id", "team_id"],
    "qa_review": [
        "id", "item_id", "version", "current", "month", "handler_id", "team_id", "reviewer_id", "vulnerability",
        "prevention", "preservation", "repeat_victim_check", "feedback", "good_practice", "correction_reason",
        "created_at", "acknowledged_at",
    ],
}  # fmt: skip
# Written by the producer processes; the QA samples by the parent (they need every reservoir);
# the log entries by the server, from the rows loaded.
SAMPLED = ["qa_sample", "qa_sampleitem", "qa_review"]
COPIED = [table for table in TABLES if table not in ("incidents_logentry", *SAMPLED)]
# The log entries, as the services write them, derived from the loaded rows: opened, a note on
# 40 % of the incidents (a hash of the id and the seed picks which, and when), closed ...
LOG_FROM_INCIDENTS = """
INSERT INTO incidents_logentry (incident_id, at, author_id, kind, text)
SELECT i.id, e.at, e.author_id, e.kind, e.text
FROM incidents_incident i
CROSS JOIN LATERAL (SELECT (hashint8(i.id + %(salt)s)::float8 + 2147483648) / 4294967296 AS u) AS n
CROSS JOIN LATERAL (VALUES
    (i.opened_at, i.handler_id, 'opened', 'Incident opened.'),
    (CASE WHEN n.u < 0.4 THEN i.opened_at + make_interval(secs => 300 + floor(n.u / 0.4 * 1800)) END,
     i.handler_id, 'note', 'Caller updated: no change.'),
    (i.closed_at, i.closed_by_id, 'closed', 'Incident closed.')
) AS e (at, author_id, kind, text)
WHERE e.at <= %(now)s
"""
# ... and the assessments submitted and returned, the victims linked and checked, the texts.
LOG_FROM_RECORDS = """
INSERT INTO incidents_logentry (incident_id, at, author_id, kind, text)
SELECT incident_id, submitted_at, author_id, 'assessment_submitted', 'Assessment version ' || version || ' submitted.'
FROM thrive_assessment WHERE status = 'submitted'
UNION ALL
SELECT a.incident_id, r.returned_at, r.returned_by_id, 'assessment_returned', 'Version ' || a.version || ' returned.'
FROM thrive_assessmentreturn r JOIN thrive_assessment a ON a.id = r.assessment_id
UNION ALL
SELECT v.incident_id, e.at, v.created_by_id, e.kind, e.text
FROM victims_victim v CROSS JOIN LATERAL (VALUES
    (v.checked_at, 'victim_linked', 'Victim linked.'),
    (v.checked_at + interval '1 second', 'repeat_check',
     'Repeat victim check: ' || jsonb_array_length(v.check_matches) || ' matches.')
) AS e (at, kind, text)
UNION ALL
SELECT t.incident_id, e.at, e.author_id, e.kind, e.text
FROM victims_text t CROSS JOIN LATERAL (VALUES
    (t.created_at + interval '1 second', t.created_by_id, 'text_queued', 'Prevention text queued.'),
    (CASE WHEN t.status <> 'queued' THEN t.created_at + interval '40 seconds' END, NULL,
     'text_' || t.status, 'Prevention text ' || t.status || '.')
) AS e (at, author_id, kind, text)
WHERE e.at IS NOT NULL
"""
# Also emptied by --reset (rows that point at incidents but are not generated).
OTHER_DEPENDENTS = ["qa_review_themes", "qa_dispute", "incidents_referencecounter"]

"""The ceiling benchmarks/ingest.py measures the project's intake against (see app.py)."""

TABLE = "minimal_intake_submission"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, instance_id varchar(255) NOT NULL UNIQUE, "
    "payload bytea NOT NULL, received_at timestamptz NOT NULL DEFAULT now())"
)

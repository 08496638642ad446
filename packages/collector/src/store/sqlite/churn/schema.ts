/**
 * The churn tables (issue 12): every fit with its time (so a change of
 * behaviour across fits stays visible), the one refit schedule row with its
 * lease, and each profile's last P(alive) band (for `churn.risk_changed`).
 */
export const CHURN_MIGRATION_SQL = `
  -- status: fitted | insufficient_data (then r, alpha, a, b and log_likelihood are NULL).
  -- bands: JSON array of the P(alive) band boundaries in force when fitted.
  CREATE TABLE churn_fits (
    id INTEGER PRIMARY KEY,
    status TEXT NOT NULL,
    fitted_ms INTEGER NOT NULL,
    as_of_ms INTEGER NOT NULL,
    event TEXT NOT NULL,
    value_property TEXT,
    customers INTEGER NOT NULL,
    r REAL,
    alpha REAL,
    a REAL,
    b REAL,
    log_likelihood REAL,
    converged INTEGER NOT NULL,
    iterations INTEGER NOT NULL,
    min_purchasers INTEGER NOT NULL,
    bands TEXT NOT NULL
  );

  -- One row: when the next scheduled refit is due, and who holds it (a lease, like due profiles).
  CREATE TABLE churn_refit (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    due_ms INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until_ms INTEGER
  );
  INSERT INTO churn_refit (id, due_ms) VALUES (1, 0);

  -- The P(alive) band a canonical profile was last seen in.
  CREATE TABLE churn_bands (
    profile_id INTEGER PRIMARY KEY,
    band TEXT NOT NULL
  );
`;

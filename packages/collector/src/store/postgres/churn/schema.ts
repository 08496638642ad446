/**
 * The churn tables on PostgreSQL (the SQLite store's, same meaning): every fit
 * with its time, the one refit schedule row with its lease (claimed by one
 * collector at a time), and each profile's last P(alive) band.
 */

/** SQL of the churn migration. */
export const CHURN_MIGRATION_SQL = `
  -- status: fitted | insufficient_data (then r, alpha, a, b and log_likelihood are NULL).
  -- bands: JSON array of the P(alive) band boundaries in force when fitted.
  CREATE TABLE churn_fits (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status text NOT NULL,
    fitted_ms bigint NOT NULL,
    as_of_ms bigint NOT NULL,
    event text NOT NULL,
    value_property text,
    customers integer NOT NULL,
    r double precision,
    alpha double precision,
    a double precision,
    b double precision,
    log_likelihood double precision,
    converged boolean NOT NULL,
    iterations integer NOT NULL,
    min_purchasers integer NOT NULL,
    bands text NOT NULL
  );

  -- One row: when the next scheduled refit is due, and which collector holds it until when
  -- (a lease: a collector that dies holding it lets another take it once it runs out).
  CREATE TABLE churn_refit (
    id integer PRIMARY KEY CHECK (id = 1),
    due_ms bigint NOT NULL,
    lease_owner text,
    lease_until_ms bigint
  );
  INSERT INTO churn_refit (id, due_ms) VALUES (1, 0);

  -- The P(alive) band a canonical profile was last seen in.
  CREATE TABLE churn_bands (
    profile_id bigint PRIMARY KEY,
    band text NOT NULL
  );
`;

-- Provision a PostgreSQL database for dixd (run as a superuser, e.g.
-- `psql -U postgres -f deploy/postgres-setup.sql`). dixd creates its own
-- tables on start (migrations are embedded), so it needs to own its database.
-- Then set: db = "postgres://dix:CHANGE-ME@db.internal/dix"
CREATE ROLE dix LOGIN PASSWORD 'CHANGE-ME';
CREATE DATABASE dix OWNER dix ENCODING 'UTF8' TEMPLATE template0;
-- Several stateless dixd replicas may share this database: publishes
-- serialise per issuer with transaction-scoped advisory locks.

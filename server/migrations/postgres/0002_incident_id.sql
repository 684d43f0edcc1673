-- GET /v1/incidents/{id} looks an id up across issuers; the primary key
-- (issuer, incident) cannot serve that, so without this it scans every
-- incident.
CREATE INDEX incidents_incident ON incidents (incident);

//! The `incidents` and `incident_scope` tables: each incident's current
//! revision, and its scope entries for domain and IP filters.

use std::net::IpAddr;

use dix_schema::Notice;
use dix_schema::types::{Domain, IpRange};
use sqlx::{Any, Row, Transaction};

use std::collections::HashSet;

use super::rows::{self, Value};
use super::{Backend, Store};
use crate::scope::ScopeField;

/// An incident's current state, as every incident query reads it (the
/// columns `incident_row` expects), followed by the query's own clauses.
macro_rules! incident_select {
    ($rest:literal) => {
        concat!(
            "SELECT i.issuer, i.incident, i.cursor, i.seq, n.bytes, n.verification, i.scope_verified, \
             EXISTS (SELECT 1 FROM equivocations e WHERE e.issuer = i.issuer) \
             FROM incidents i JOIN notices n ON n.cursor = i.cursor ",
            $rest
        )
    };
}

/// Filters of `GET /v1/incidents`; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Issuer domain.
    pub issuer: Option<String>,
    /// Kind wire name.
    pub kind: Option<String>,
    /// Status wire name.
    pub status: Option<String>,
    /// Active at this Unix time.
    pub active_at: Option<i64>,
    /// Affecting this recipient domain (exact or under a `*.` pattern).
    pub domain: Option<Domain>,
    /// Affecting this IP (sending or receiving range).
    pub ip: Option<IpAddr>,
    /// With `domain` or `ip`: only incidents whose claim covering it is
    /// verified (`true`) or not (`false`), so that a caller can read the
    /// verified ones first, whatever number of unverified ones there are.
    pub verified_claim: Option<bool>,
    /// Only incidents whose current cursor is below this (keyset paging, newest first).
    pub before: Option<i64>,
    /// Page size.
    pub limit: u32,
}

/// An incident's current state.
#[derive(Debug, Clone)]
pub struct IncidentRow {
    /// Issuer.
    pub issuer: String,
    /// Incident id.
    pub incident: String,
    /// Current revision's cursor.
    pub cursor: i64,
    /// Current seq.
    pub seq: i64,
    /// Current revision's bytes.
    pub bytes: Vec<u8>,
    /// Current revision's verification JSON.
    pub verification: String,
    /// All scope verified.
    pub scope_verified: bool,
    /// The issuer has equivocated (published two notices with one seq).
    pub issuer_flagged: bool,
}

/// One scope entry of an incident's current revision.
#[derive(Debug, Clone)]
pub struct ScopeRow {
    /// Field name.
    pub field: String,
    /// Value.
    pub value: String,
    /// Verified.
    pub verified: bool,
}

/// One incident's new current revision, for [`upsert_many`].
pub(super) struct Revision<'a> {
    pub notice: &'a Notice,
    pub cursor: i64,
    pub scope_verified: i64,
}

/// Inserts or advances incidents (each at most once) in a few statements; returns the (issuer, incident) pairs whose current revision
/// the batch became.
pub(super) async fn upsert_many(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    revisions: &[Revision<'_>],
) -> Result<HashSet<(String, String)>, sqlx::Error> {
    let mut changed = HashSet::new();
    for chunk in revisions.chunks(rows::rows_per_statement(backend, 10)) {
        let sql = format!(
            "INSERT INTO incidents (issuer, incident, cursor, seq, kind, status, started_at, ended_at, published_at, scope_verified) \
             VALUES {} \
             ON CONFLICT (issuer, incident) DO UPDATE SET cursor = excluded.cursor, seq = excluded.seq, kind = excluded.kind, \
               status = excluded.status, started_at = excluded.started_at, ended_at = excluded.ended_at, \
               published_at = excluded.published_at, scope_verified = excluded.scope_verified \
             WHERE incidents.seq < excluded.seq \
             RETURNING issuer, incident",
            rows::values(chunk.len(), 10)
        );
        let mut args = Vec::with_capacity(chunk.len() * 10);
        for r in chunk {
            let n = r.notice;
            args.extend([
                Value::Text(n.issuer.to_string()),
                Value::Text(n.incident.to_string()),
                Value::Int(r.cursor),
                Value::Int(i64::try_from(n.seq).expect("seq <= 2^53")),
                Value::Text(n.kind.as_str().to_owned()),
                Value::Text(n.status.as_str().to_owned()),
                Value::Int(n.started_at.unix()),
                Value::MaybeInt(n.ended_at.map(|t| t.unix())),
                Value::Int(n.published_at.unix()),
                Value::Int(r.scope_verified),
            ]);
        }
        for row in rows::query(&sql, args).fetch_all(&mut **tx).await? {
            changed.insert((row.try_get(0)?, row.try_get(1)?));
        }
    }
    Ok(changed)
}

/// An incident's new scope rows: (notice, its claims, whether the incident
/// had no rows before).
pub(super) type ScopeOf<'a> = (&'a Notice, &'a [(ScopeField, String, bool)], bool);

/// Replaces incidents' scope rows with their new current revisions': one
/// delete per issuer for those that had rows, then multi-row inserts.
pub(super) async fn replace_scope_many(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    incidents: &[ScopeOf<'_>],
) -> Result<(), sqlx::Error> {
    let mut old: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for (n, _, incident_is_new) in incidents {
        if !incident_is_new {
            old.entry(n.issuer.as_str())
                .or_default()
                .push(n.incident.to_string());
        }
    }
    for (issuer, ids) in old {
        for chunk in ids.chunks(rows::rows_per_statement(backend, 1)) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "DELETE FROM incident_scope WHERE issuer = $1 AND incident IN ({})",
                list.join(", ")
            );
            let mut args = vec![Value::Text(issuer.to_owned())];
            args.extend(chunk.iter().map(|id| Value::Text(id.clone())));
            rows::query(&sql, args).execute(&mut **tx).await?;
        }
    }
    let mut cells = Vec::new();
    for (n, scope, _) in incidents {
        for (field, value, verified) in scope.iter() {
            let (lo, hi, bucket) = match IpRange::parse(value) {
                Ok(range) if matches!(field, ScopeField::ReceivingIps | ScopeField::SendingIps) => {
                    let (lo, hi) = ip_bounds(&range);
                    (Some(lo), Some(hi), Some(range_bucket(&range)))
                }
                _ => (None, None, None),
            };
            cells.push([
                Value::Text(n.issuer.to_string()),
                Value::Text(n.incident.to_string()),
                Value::Text(field.as_str().to_owned()),
                Value::Text(value.clone()),
                Value::MaybeText(lo),
                Value::MaybeText(hi),
                Value::MaybeText(bucket),
                Value::Int(i64::from(*verified)),
            ]);
        }
    }
    for chunk in cells.chunks(rows::rows_per_statement(backend, 8)) {
        let sql = format!(
            "INSERT INTO incident_scope (issuer, incident, field, value, ip_lo, ip_hi, ip_bucket, verified) VALUES {}",
            rows::values(chunk.len(), 8)
        );
        let args = chunk.iter().flat_map(|row| row.iter().cloned()).collect();
        rows::query(&sql, args).execute(&mut **tx).await?;
    }
    Ok(())
}

/// 32 hex digits, IPv4 mapped into IPv6, so that text order is numeric order.
pub(crate) fn ip_key(ip: IpAddr) -> String {
    let v6 = match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    };
    format!("{:032x}", u128::from(v6))
}

/// The bucket of an address: the first 16 bits of IPv4, 32 of IPv6 (as hex
/// of the mapped form, so the two families never share a bucket).
fn ip_bucket(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(_) => ip_key(ip)[..28].to_owned(),
        IpAddr::V6(_) => ip_key(ip)[..8].to_owned(),
    }
}

/// Bucket of the ranges too wide for one bucket (few; always read).
const WIDE: &str = "*";

/// A range's bucket: its own when it fits inside one, else [`WIDE`].
/// (Rows that are not IP ranges have none, and never enter IP lookups.)
fn range_bucket(range: &IpRange) -> String {
    let net = range.net();
    let fits = match net {
        ipnet::IpNet::V4(n) => n.prefix_len() >= 16,
        ipnet::IpNet::V6(n) => n.prefix_len() >= 32,
    };
    if fits {
        ip_bucket(net.network())
    } else {
        WIDE.to_owned()
    }
}

fn ip_bounds(range: &IpRange) -> (String, String) {
    (
        ip_key(range.net().network()),
        ip_key(range.net().broadcast()),
    )
}

/// The `*.` patterns under which `domain` falls, and itself.
fn domain_candidates(domain: &Domain) -> Vec<String> {
    let mut out = vec![domain.as_str().to_owned()];
    let mut rest = domain.as_str();
    while let Some((_, parent)) = rest.split_once('.') {
        out.push(format!("*.{parent}"));
        rest = parent;
    }
    out
}

impl Store {
    /// Current incidents matching `filter`, newest revision first.
    pub async fn incidents(
        &self,
        filter: &IncidentFilter,
    ) -> Result<Vec<IncidentRow>, sqlx::Error> {
        let mut sql = String::from(incident_select!("WHERE 1 = 1"));
        let mut args: Vec<Arg> = Vec::new();
        let mut bind = |sql: &mut String, clause: &str, arg: Arg| {
            args.push(arg);
            sql.push_str(&clause.replace('?', &format!("${}", args.len())));
        };
        if let Some(issuer) = &filter.issuer {
            bind(&mut sql, " AND i.issuer = ?", Arg::Text(issuer.clone()));
        }
        if let Some(kind) = &filter.kind {
            bind(&mut sql, " AND i.kind = ?", Arg::Text(kind.clone()));
        }
        if let Some(status) = &filter.status {
            bind(&mut sql, " AND i.status = ?", Arg::Text(status.clone()));
        }
        if let Some(t) = filter.active_at {
            bind(&mut sql, " AND i.started_at <= ?", Arg::Int(t));
            bind(
                &mut sql,
                " AND (i.ended_at IS NULL OR i.ended_at >= ?)",
                Arg::Int(t),
            );
        }
        if let Some(before) = filter.before {
            bind(&mut sql, " AND i.cursor < ?", Arg::Int(before));
        }
        // Scope filters as uncorrelated subqueries: the database finds the few
        // matching scope rows by index first, rather than probing per incident.
        if let Some(domain) = &filter.domain {
            sql.push_str(" AND (i.issuer, i.incident) IN (SELECT s.issuer, s.incident FROM incident_scope s WHERE");
            bind(
                &mut sql,
                " s.field = ?",
                Arg::Text(ScopeField::RecipientDomains.as_str().to_owned()),
            );
            sql.push_str(" AND s.value IN (");
            for (k, candidate) in domain_candidates(domain).into_iter().enumerate() {
                if k > 0 {
                    sql.push_str(", ");
                }
                bind(&mut sql, "?", Arg::Text(candidate));
            }
            sql.push(')');
            if let Some(verified) = filter.verified_claim {
                bind(
                    &mut sql,
                    " AND s.verified = ?",
                    Arg::Int(i64::from(verified)),
                );
            }
            sql.push(')');
        }
        if let Some(ip) = filter.ip {
            let key = ip_key(ip);
            // One bucket and the wide ranges: two seeks on (ip_bucket, ip_lo).
            sql.push_str(" AND (i.issuer, i.incident) IN (SELECT s.issuer, s.incident FROM incident_scope s WHERE");
            bind(&mut sql, " s.ip_bucket IN (?", Arg::Text(ip_bucket(ip)));
            bind(&mut sql, ", ?)", Arg::Text(WIDE.to_owned()));
            bind(&mut sql, " AND s.ip_lo <= ?", Arg::Text(key.clone()));
            bind(&mut sql, " AND s.ip_hi >= ?", Arg::Text(key));
            if let Some(verified) = filter.verified_claim {
                bind(
                    &mut sql,
                    " AND s.verified = ?",
                    Arg::Int(i64::from(verified)),
                );
            }
            sql.push(')');
        }
        bind(
            &mut sql,
            " ORDER BY i.cursor DESC LIMIT ?",
            Arg::Int(i64::from(filter.limit)),
        );

        let mut query = sqlx::query(&sql);
        for arg in args {
            query = match arg {
                Arg::Text(s) => query.bind(s),
                Arg::Int(i) => query.bind(i),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(incident_row).collect()
    }

    /// The current state of incident `id` under each issuer using that id.
    pub async fn incident(&self, id: &str) -> Result<Vec<IncidentRow>, sqlx::Error> {
        let rows = sqlx::query(incident_select!("WHERE i.incident = $1 ORDER BY i.issuer"))
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(incident_row).collect()
    }

    /// One issuer's incident, by its primary key.
    pub async fn incident_of(
        &self,
        issuer: &str,
        id: &str,
    ) -> Result<Option<IncidentRow>, sqlx::Error> {
        let row = sqlx::query(incident_select!("WHERE i.issuer = $1 AND i.incident = $2"))
            .bind(issuer)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(incident_row).transpose()
    }

    /// Scope rows of an incident's current revision.
    pub async fn incident_scope(
        &self,
        issuer: &str,
        incident: &str,
    ) -> Result<Vec<ScopeRow>, sqlx::Error> {
        let rows = sqlx::query("SELECT field, value, verified FROM incident_scope WHERE issuer = $1 AND incident = $2 ORDER BY field, value")
            .bind(issuer)
            .bind(incident)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ScopeRow {
                    field: r.try_get(0)?,
                    value: r.try_get(1)?,
                    verified: r.try_get::<i64, _>(2)? != 0,
                })
            })
            .collect()
    }

    /// Number of incidents.
    pub async fn incident_count(&self) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT COUNT(*) FROM incidents")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)
    }
}

/// EXISTS(...) is a boolean in PostgreSQL and an integer in SQLite.
fn flag_column(r: &sqlx::any::AnyRow, i: usize) -> Result<bool, sqlx::Error> {
    r.try_get::<bool, _>(i)
        .or_else(|_| r.try_get::<i64, _>(i).map(|v| v != 0))
}

enum Arg {
    Text(String),
    Int(i64),
}

fn incident_row(r: &sqlx::any::AnyRow) -> Result<IncidentRow, sqlx::Error> {
    Ok(IncidentRow {
        issuer: r.try_get(0)?,
        incident: r.try_get(1)?,
        cursor: r.try_get(2)?,
        seq: r.try_get(3)?,
        bytes: r.try_get(4)?,
        verification: r.try_get(5)?,
        scope_verified: r.try_get::<i64, _>(6)? != 0,
        issuer_flagged: flag_column(r, 7)?,
    })
}

/// A row as the matching index reads it: the incident, or its cursor and
/// why its columns could not be read (one bad row is skipped, not a reason
/// to stop reading).
pub type IndexRow = Result<IncidentRow, (i64, sqlx::Error)>;

fn index_row(r: &sqlx::any::AnyRow) -> IndexRow {
    incident_row(r).map_err(|e| (r.try_get::<i64, _>(2).unwrap_or(i64::MIN), e))
}

impl Store {
    /// Incidents whose current revision changed after `cursor` (all of them
    /// for 0), oldest first: what the matching index loads.
    pub async fn incidents_changed_since(
        &self,
        cursor: i64,
        limit: u32,
    ) -> Result<Vec<IndexRow>, sqlx::Error> {
        let rows = sqlx::query(incident_select!(
            "WHERE i.cursor > $1 ORDER BY i.cursor LIMIT $2"
        ))
        .bind(cursor)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(index_row).collect())
    }

    /// Incidents whose current cursor is in (`after`, `up_to`] and that are
    /// open or ended at `ended_after` or later, in cursor order: what the
    /// matching index loads at start (history stays in the store).
    pub async fn recent_incidents(
        &self,
        after: i64,
        up_to: i64,
        ended_after: i64,
        limit: u32,
    ) -> Result<Vec<IndexRow>, sqlx::Error> {
        let rows = sqlx::query(incident_select!(
            "WHERE i.cursor > $1 AND i.cursor <= $2 AND (i.ended_at IS NULL OR i.ended_at >= $3) ORDER BY i.cursor LIMIT $4"
        ))
        .bind(after)
        .bind(up_to)
        .bind(ended_after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(index_row).collect())
    }

    /// The highest current cursor of any incident, 0 when none.
    pub async fn last_incident_cursor(&self) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT COALESCE(MAX(cursor), 0) FROM incidents")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_keys_order_numerically() {
        let a = ip_key("9.255.255.255".parse().unwrap());
        let b = ip_key("10.0.0.0".parse().unwrap());
        assert!(a < b);
        let range = IpRange::parse("203.0.113.0/24").unwrap();
        let (lo, hi) = ip_bounds(&range);
        let inside = ip_key("203.0.113.7".parse().unwrap());
        assert!(lo <= inside && inside <= hi);
        assert!(ip_key("203.0.114.0".parse().unwrap()) > hi);
    }

    #[test]
    fn buckets() {
        let r = IpRange::parse("203.0.113.0/24").unwrap();
        assert_eq!(range_bucket(&r), ip_bucket("203.0.200.1".parse().unwrap()));
        assert_ne!(range_bucket(&r), ip_bucket("203.1.0.1".parse().unwrap()));
        assert_eq!(range_bucket(&IpRange::parse("10.0.0.0/8").unwrap()), WIDE);
        assert_ne!(
            range_bucket(&IpRange::parse("2001:db8::/48").unwrap()),
            WIDE
        );
    }

    #[test]
    fn domain_candidates_cover_wildcards() {
        let d = Domain::parse("a.b.example.jp").unwrap();
        assert_eq!(
            domain_candidates(&d),
            ["a.b.example.jp", "*.b.example.jp", "*.example.jp", "*.jp"]
        );
    }
}

//! `GET /v1/incidents` (current states, filtered), `GET
//! /v1/incidents/{issuer}/{id}` (current state and every revision) and `GET
//! /v1/incidents/{id}` (the same when one issuer uses the id; otherwise the
//! candidates, so an id another issuer reuses can never hide yours).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dix_schema::types::{Domain, Timestamp};
use dix_schema::{IncidentId, Kind, Status};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::node::Node;
use crate::store::{IncidentFilter, IncidentRow, NoticeRow};

/// Stored notice bytes, embedded verbatim (they are canonical JSON). Bytes
/// that are not (a damaged database) are a logged 500, never a panic.
pub(crate) fn raw(bytes: &[u8]) -> Result<Box<RawValue>, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|e| unreadable(&e))?;
    RawValue::from_string(text.to_owned()).map_err(|e| unreadable(&e))
}

fn unreadable(detail: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(%detail, "a stored notice is not JSON: the database is damaged");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "stored_notice_unreadable",
        "a notice stored on this node cannot be read (its database is damaged); the error is logged",
    )
}

/// Stored verification text as JSON.
pub(crate) fn verification(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn incident_view(row: &IncidentRow) -> Result<Value, ApiError> {
    Ok(json!({
        "issuer": row.issuer,
        "incident": row.incident,
        "seq": row.seq,
        "cursor": row.cursor.to_string(),
        "scope_verified": row.scope_verified,
        "issuer_flagged": row.issuer_flagged,
        "verification": verification(&row.verification),
        "notice": raw(&row.bytes)?,
    }))
}

pub(crate) fn revision_view(row: &NoticeRow) -> Result<Value, ApiError> {
    Ok(json!({
        "cursor": row.cursor.to_string(),
        "received_at": Timestamp::from_unix(row.received_at).map(|t| t.to_string()),
        "source": row.source,
        "verification": verification(&row.verification),
        "notice": raw(&row.bytes)?,
    }))
}

fn bad_param(name: &str, message: String) -> ApiError {
    ApiError::bad_request("invalid_parameter", message).with_field(name)
}

/// Reads the query string into a filter, naming the parameter at fault.
pub(crate) fn filter_from(
    params: &HashMap<String, String>,
    max_page: u32,
) -> Result<IncidentFilter, ApiError> {
    const KNOWN: [&str; 8] = [
        "issuer",
        "kind",
        "status",
        "active_at",
        "domain",
        "ip",
        "before",
        "limit",
    ];
    if let Some(unknown) = params.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(bad_param(
            unknown,
            format!("unknown parameter `{unknown}`; known: {}", KNOWN.join(", ")),
        ));
    }
    let mut f = IncidentFilter {
        limit: 100.min(max_page),
        ..IncidentFilter::default()
    };
    if let Some(v) = params.get("issuer") {
        f.issuer = Some(
            Domain::parse_lenient(v)
                .map_err(|e| bad_param("issuer", format!("issuer: {e}")))?
                .to_string(),
        );
    }
    if let Some(v) = params.get("kind") {
        let kind: Kind = serde_json::from_value(json!(v)).map_err(|_| bad_param("kind", format!("kind `{v}` is not one of blocklist_listing, throttling, quarantine_policy, policy_change, outage")))?;
        f.kind = Some(kind.as_str().to_owned());
    }
    if let Some(v) = params.get("status") {
        let status: Status = serde_json::from_value(json!(v)).map_err(|_| {
            bad_param(
                "status",
                format!(
                    "status `{v}` is not one of investigating, identified, monitoring, resolved"
                ),
            )
        })?;
        f.status = Some(status.as_str().to_owned());
    }
    if let Some(v) = params.get("active_at") {
        let t = if v == "now" {
            Timestamp::now()
        } else {
            Timestamp::parse(v)
                .map_err(|e| bad_param("active_at", format!("active_at: {e}, or `now`")))?
        };
        f.active_at = Some(t.unix());
    }
    if let Some(v) = params.get("domain") {
        f.domain = Some(
            Domain::parse_lenient(v).map_err(|e| bad_param("domain", format!("domain: {e}")))?,
        );
    }
    if let Some(v) = params.get("ip") {
        f.ip =
            Some(v.parse::<IpAddr>().map_err(|_| {
                bad_param("ip", format!("ip `{v}` is not an IPv4 or IPv6 address"))
            })?);
    }
    if let Some(v) = params.get("before") {
        f.before = Some(v.parse::<i64>().map_err(|_| {
            bad_param(
                "before",
                format!("before `{v}` is not a cursor from a previous page"),
            )
        })?);
    }
    if let Some(v) = params.get("limit") {
        let limit: u32 = v
            .parse()
            .ok()
            .filter(|n| (1..=max_page).contains(n))
            .ok_or_else(|| {
                bad_param(
                    "limit",
                    format!("limit must be a number from 1 to {max_page}"),
                )
            })?;
        f.limit = limit;
    }
    Ok(f)
}

pub async fn list(
    State(node): State<Arc<Node>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let filter = filter_from(&params, node.config.max_page)?;
    let rows = node
        .store
        .incidents(&filter)
        .await
        .map_err(ApiError::internal)?;
    let next = (rows.len() == filter.limit as usize)
        .then(|| rows.last().map(|r| r.cursor.to_string()))
        .flatten();
    Ok(Json(
        json!({"incidents": rows.iter().map(incident_view).collect::<Result<Vec<_>, _>>()?, "next_before": next}),
    ))
}

pub async fn one(
    State(node): State<Arc<Node>>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let id = IncidentId::parse(&id)
        .map_err(|e| bad_param("id", e))?
        .to_string();
    let mut rows = node.store.incident(&id).await.map_err(ApiError::internal)?;
    if let Some(issuer) = params.get("issuer") {
        rows.retain(|r| &r.issuer == issuer);
    }
    match rows.as_slice() {
        [] => Err(ApiError::not_found(format!(
            "no incident {id} is stored on this node"
        ))),
        [row] => Ok(Json(with_revisions(&node, row).await?).into_response()),
        _ => {
            let candidates: Vec<Value> = rows
                .iter()
                .map(|r| {
                    json!({
                        "issuer": r.issuer,
                        "href": format!("/v1/incidents/{}/{}", r.issuer, r.incident),
                    })
                })
                .collect();
            let issuers: Vec<&str> = rows.iter().map(|r| r.issuer.as_str()).collect();
            // The error body, with the candidates beside it.
            let body = json!({
                "error": {
                    "code": "ambiguous_incident",
                    "message": format!(
                        "several issuers use incident id {id} ({}); ask for /v1/incidents/{{issuer}}/{id}",
                        issuers.join(", ")
                    ),
                },
                "candidates": candidates,
            });
            Ok((StatusCode::CONFLICT, Json(body)).into_response())
        }
    }
}

pub async fn by_issuer(
    State(node): State<Arc<Node>>,
    Path((issuer, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let issuer = Domain::parse_lenient(&issuer)
        .map_err(|e| bad_param("issuer", format!("issuer: {e}")))?
        .to_string();
    let id = IncidentId::parse(&id)
        .map_err(|e| bad_param("id", e))?
        .to_string();
    let row = node
        .store
        .incident_of(&issuer, &id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no incident {id} of {issuer} is stored on this node"
            ))
        })?;
    Ok(Json(with_revisions(&node, &row).await?))
}

/// The incident with every revision, each marked when it is one side of an
/// equivocation (another notice of the same issuer and seq).
async fn with_revisions(node: &Node, row: &IncidentRow) -> Result<Value, ApiError> {
    let revisions = node
        .store
        .revisions(&row.issuer, &row.incident)
        .await
        .map_err(ApiError::internal)?;
    let conflicting = node
        .store
        .equivocating_cursors(&row.issuer)
        .await
        .map_err(ApiError::internal)?;
    let mut view = incident_view(row)?;
    view["revisions"] = revisions
        .iter()
        .map(|r| {
            let mut v = revision_view(r)?;
            v["equivocation"] = json!(conflicting.contains(&r.cursor));
            Ok(v)
        })
        .collect::<Result<Value, ApiError>>()?;
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn each_bad_parameter_is_named() {
        for (key, value) in [
            ("kind", "spam"),
            ("status", "done"),
            ("active_at", "yesterday"),
            ("domain", "a b"),
            ("ip", "1.2.3"),
            ("before", "x"),
            ("limit", "0"),
            ("limit", "100000"),
            ("colour", "red"),
        ] {
            let err = filter_from(&params(&[(key, value)]), 1000).unwrap_err();
            assert_eq!(err.code(), "invalid_parameter", "{key}={value}");
        }
        let f = filter_from(
            &params(&[
                ("kind", "throttling"),
                ("domain", "Example.JP"),
                ("limit", "5"),
            ]),
            1000,
        )
        .unwrap();
        assert_eq!(
            (f.kind.as_deref(), f.domain.unwrap().as_str(), f.limit),
            (Some("throttling"), "example.jp", 5)
        );
    }
}

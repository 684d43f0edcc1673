//! `/issuers/{domain}`: the issuer's keys and where they came from (DNS or
//! pinned), whether it has equivocated (both notices side by side), and its
//! incidents.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use dix_schema::Notice;
use dix_schema::types::Domain;
use maud::html;

use super::i18n::Lang;
use super::incidents::{text, when};
use super::layout::{error, internal, page, respond};
use crate::node::Node;
use crate::store::IncidentFilter;

/// A stored notice, pretty-printed for reading.
fn pretty(bytes: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned())
}

/// `GET /issuers/{domain}`.
pub async fn one(
    State(node): State<Arc<Node>>,
    Path(domain): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::pick(q.get("lang").map(String::as_str), &headers);
    let t = lang.t();
    let Ok(issuer) = Domain::parse_lenient(&domain) else {
        return error(lang, StatusCode::NOT_FOUND, t.not_found, "/issuers");
    };
    let here = format!("/issuers/{issuer}");
    let fail = |e: sqlx::Error| internal(lang, e, &here);
    let (count, _) = match node.store.issuer_summary(issuer.as_str()).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let pinned = node.keys.pinned_selectors(&issuer);
    if count == 0 && pinned.is_empty() {
        return error(lang, StatusCode::NOT_FOUND, t.not_found, &here);
    }
    let keys = match node.store.issuer_keys(issuer.as_str()).await {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let equivocations = match node.store.equivocations(issuer.as_str()).await {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let filter = IncidentFilter {
        issuer: Some(issuer.to_string()),
        limit: node.config.max_page.min(200),
        ..IncidentFilter::default()
    };
    let incidents = match node.store.incidents(&filter).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let body = html! {
        h1 { (t.issuer_title) " " code { (issuer) } }
        p.badges {
            @if equivocations.is_empty() { span.badge.verified { (t.not_flagged) } }
            @else { span.badge.unverified { (t.flagged) } }
        }
        h2 { (t.keys) }
        div.table {
        table {
            thead { tr { th scope="col" { (t.selector) } th scope="col" { (t.key_source) }
                th scope="col" { (t.first_seen) } th scope="col" { (t.last_seen) } } }
            tbody {
                @for k in &keys {
                    tr { td { code { (k.selector) } } td { (k.source) } td { (when(k.first_seen)) } td { (when(k.last_seen)) } }
                }
                @for s in &pinned {
                    @if !keys.iter().any(|k| &k.selector == s) {
                        tr { td { code { (s) } } td { (t.pinned) } td {} td {} }
                    }
                }
            }
        }
        }
        @if !equivocations.is_empty() {
            h2 { (t.equivocation) }
            p { (t.equivocation_note) }
            @for e in &equivocations {
                h3 { (t.seq) " " (e.seq) " — " (when(e.detected_at)) }
                div.side-by-side {
                    pre tabindex="0" { (pretty(&e.first.bytes)) }
                    pre tabindex="0" { (pretty(&e.second.bytes)) }
                }
            }
        }
        h2 { (t.history) }
        @if incidents.is_empty() { p { (t.none_found) } }
        ul {
            @for row in &incidents {
                @if let Ok(n) = Notice::from_verified_bytes(&row.bytes) {
                    li {
                        a href=(lang.href(&format!("/incidents/{}/{}", row.issuer, row.incident))) { (text(&n.summary, lang)) }
                        " — " (n.kind.as_str()) ", " (n.status.as_str()) ", " (when(n.started_at.unix()))
                        @if !row.scope_verified { " " span.badge.unverified title=(t.unverified_claim_note) { (t.unverified_claim) } }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        page(lang, &format!("{} {issuer}", t.issuer_title), &here, body),
    )
}

//! `/incidents` (active and recent incidents, filtered, with a 30-day
//! timeline per destination drawn as SVG on the server),
//! `/incidents/{issuer}/{id}` (revisions, signature and scope checks,
//! symptoms, contact) and `/incidents/{id}` (a redirect when one issuer uses
//! the id, else the candidates). Every text from a notice is escaped.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dix_schema::types::{Domain, LocalizedText, Timestamp};
use dix_schema::{IncidentId, Kind, Notice, Status};
use maud::{Markup, html};

use super::clock::Zone;
use super::i18n::Lang;
use super::layout::{error, internal, page, respond};
use crate::http::incidents::filter_from;
use crate::node::Node;
use crate::scope::claim::{ClaimStatus, Verification};

const KINDS: [Kind; 5] = [
    Kind::BlocklistListing,
    Kind::Throttling,
    Kind::QuarantinePolicy,
    Kind::PolicyChange,
    Kind::Outage,
];
const STATUSES: [Status; 4] = [
    Status::Investigating,
    Status::Identified,
    Status::Monitoring,
    Status::Resolved,
];
const DAY: i64 = 86_400;
/// The timeline's spans: a month by default, `?days=7` for the last week.
const WINDOWS: [i64; 2] = [30, 7];

/// A notice's text in the page's language (the other one when it lacks it).
pub(super) fn text(t: &LocalizedText, lang: Lang) -> String {
    t.get(lang.code()).unwrap_or_default().to_owned()
}

fn lang_of(q: &HashMap<String, String>, headers: &HeaderMap) -> Lang {
    Lang::pick(q.get("lang").map(String::as_str), headers)
}

/// The query string of a page, for its language switch.
fn here(path: &str, q: &HashMap<String, String>) -> String {
    let mut pairs: Vec<(&String, &String)> = q.iter().filter(|(k, _)| *k != "lang").collect();
    pairs.sort();
    if pairs.is_empty() {
        return path.to_owned();
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /incidents`.
pub async fn list(
    State(node): State<Arc<Node>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&q, &headers);
    let zone = Zone::of(lang, &headers);
    let t = lang.t();
    let here = here("/incidents", &q);
    let get = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let days = get("days")
        .and_then(|d| d.parse::<i64>().ok())
        .filter(|d| WINDOWS.contains(d))
        .unwrap_or(WINDOWS[0]);
    // The API's own reading of the filters; a form's empty fields mean "any".
    let mut params: HashMap<String, String> = q
        .iter()
        .filter(|(k, v)| *k != "lang" && *k != "days" && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.trim().to_owned()))
        .collect();
    params
        .entry("limit".into())
        .or_insert_with(|| node.config.max_page.min(500).to_string());
    let filter = match filter_from(&params, node.config.max_page) {
        Ok(f) => f,
        Err(e) => return error(lang, StatusCode::BAD_REQUEST, e.message(), &here),
    };
    let rows = match node.store.incidents(&filter).await {
        Ok(rows) => rows,
        Err(e) => return internal(lang, e, &here),
    };
    let incidents: Vec<(crate::store::IncidentRow, Notice)> = rows
        .into_iter()
        .filter_map(|r| Notice::from_verified_bytes(&r.bytes).ok().map(|n| (r, n)))
        .collect();
    let now = Timestamp::now().unix();
    let selected = |k: &str, v: &str| get(k) == Some(v);
    let body = html! {
        h1 { (t.incidents_title) }
        form.filters method="get" action="/incidents" {
            input type="hidden" name="lang" value=(lang.code());
            div { label for="f-issuer" { (t.issuer) }
                input #f-issuer type="text" name="issuer" value=(get("issuer").unwrap_or("")); }
            div { label for="f-kind" { (t.kind) }
                select #f-kind name="kind" {
                    option value="" { (t.any) }
                    @for k in KINDS { option value=(k.as_str()) selected[selected("kind", k.as_str())] { (lang.kind(k)) } }
                } }
            div { label for="f-status" { (t.status) }
                select #f-status name="status" {
                    option value="" { (t.any) }
                    @for s in STATUSES { option value=(s.as_str()) selected[selected("status", s.as_str())] { (lang.status(s)) } }
                } }
            div { label for="f-domain" { (t.domain) }
                input #f-domain type="text" name="domain" value=(get("domain").unwrap_or("")); }
            button type="submit" { (t.filter) }
        }
        p.hint { ((t.times_in)(zone.name())) }
        section aria-labelledby="timeline" {
            h2 #timeline { (if days == 7 { t.timeline_week } else { t.timeline }) }
            p.spans {
                @for span in WINDOWS.iter().rev() {
                    @let label = if *span == 7 { t.last_week } else { t.last_month };
                    @if *span == days {
                        strong aria-current="true" { (label) }
                    } @else {
                        a href=(lang.href(&with_days(&here, *span))) { (label) }
                    }
                    " "
                }
            }
            (timeline(lang, &zone, &incidents, now, days))
        }
        @if incidents.is_empty() {
            p { (t.none_found) }
        } @else {
            div.table tabindex="0" {
            table {
                thead { tr {
                    th scope="col" { (t.summary) } th scope="col" { (t.issuer) } th scope="col" { (t.kind) }
                    th scope="col" { (t.status) } th.time scope="col" { (t.started) } th.time scope="col" { (t.ended) }
                } }
                tbody {
                    @for (row, n) in &incidents {
                        tr {
                            td {
                                a href=(lang.href(&format!("/incidents/{}/{}", row.issuer, row.incident))) { (text(&n.summary, lang)) }
                                // A stranger's claim about someone else's domain is listed, never passed off as theirs.
                                @if !row.scope_verified { " " span.badge.unverified title=(t.unverified_claim_note) { (t.unverified_claim) } }
                            }
                            td { a href=(lang.href(&format!("/issuers/{}", row.issuer))) { (row.issuer) } }
                            td { (lang.kind(n.kind)) }
                            td { (lang.status(n.status)) }
                            td.time { (zone.when(n.started_at.unix())) }
                            td.time { (n.ended_at.map(|e| zone.when(e.unix())).unwrap_or_default()) }
                        }
                    }
                }
            }
            }
        }
    };
    respond(
        StatusCode::OK,
        page(lang, t.incidents_title, &lang.href(&here), body),
    )
}

/// `here` (a path with its query) showing the timeline over `days`.
fn with_days(here: &str, days: i64) -> String {
    let (path, query) = here.split_once('?').unwrap_or((here, ""));
    let mut kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("days="))
        .collect();
    let days = format!("days={days}");
    if days != format!("days={}", WINDOWS[0]) {
        kept.push(&days);
    }
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// Incidents per destination domain over the last `days` days, as SVG.
/// A bar is never narrower than `MIN_BAR` (an incident of an hour is
/// still something to click), and every label stays inside the drawing.
fn timeline(
    lang: Lang,
    zone: &Zone,
    incidents: &[(crate::store::IncidentRow, Notice)],
    now: i64,
    days: i64,
) -> Markup {
    const MIN_BAR: f64 = 8.0;
    let t = lang.t();
    let start = now - days * DAY;
    let mut rows: BTreeMap<String, Vec<(i64, i64, &Notice, &crate::store::IncidentRow)>> =
        BTreeMap::new();
    for (row, n) in incidents {
        let (s, e) = (n.started_at.unix(), n.ended_at.map_or(now, |e| e.unix()));
        if e < start || s > now {
            continue;
        }
        let mut domains: Vec<String> = n
            .scope
            .recipient_domains
            .iter()
            .map(|d| d.as_str().to_owned())
            .collect();
        if domains.is_empty() {
            domains.push(row.issuer.clone());
        }
        for d in domains {
            rows.entry(d)
                .or_default()
                .push((s.max(start), e.min(now), n, row));
        }
    }
    let (label_w, chart_w, row_h, right_pad) = (180.0, 600.0, 24.0, 10.0);
    let height = 30.0 + row_h * rows.len().max(1) as f64;
    let x = |t: i64| label_w + chart_w * (t - start) as f64 / (days * DAY) as f64;
    let step = if days <= 7 { 1 } else { 5 };
    html! {
        p #timeline-desc .hint { (t.timeline_desc) }
        svg.timeline role="group" aria-labelledby="timeline" aria-describedby="timeline-desc"
            viewBox=(format!("0 0 {} {height}", label_w + chart_w + right_pad)) {
            title { (if days == 7 { t.timeline_week } else { t.timeline }) }
            @for day in (0..=days).step_by(step) {
                @let dx = x(start + day * DAY);
                // The first label starts at its line and the last ends at
                // it, so neither is cut at the drawing's edge.
                @let anchor = if day == 0 { "start" } else if day == days { "end" } else { "middle" };
                line x1=(dx) y1="18" x2=(dx) y2=(height) class="grid" {}
                text x=(dx) y="12" class="tick" text-anchor=(anchor) { (zone.day(start + day * DAY)) }
            }
            @for (i, (domain, bars)) in rows.iter().enumerate() {
                @let y = 24.0 + row_h * i as f64;
                text x="4" y=(y + 14.0) class="label" textLength=[(domain.chars().count() > 26).then_some(label_w - 8.0)] lengthAdjust="spacingAndGlyphs" { (domain) }
                @for (s, e, n, row) in bars {
                    @let width = (x(*e) - x(*s)).max(MIN_BAR);
                    // A short bar at the right edge grows leftwards.
                    @let left = x(*s).min(label_w + chart_w - width);
                    a href=(lang.href(&format!("/incidents/{}/{}", row.issuer, row.incident))) {
                        rect x=(left) y=(y + 3.0) width=(width) height=(row_h - 8.0)
                            class=(format!("bar kind-{}", n.kind.as_str())) {
                            title {
                                (text(&n.summary, lang)) " (" (row.issuer) ", " (lang.kind(n.kind))
                                @if !row.scope_verified { ", " (t.unverified_claim) }
                                ")"
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /incidents/{id}`: to the one issuer's page, or the candidates.
pub async fn by_id(
    State(node): State<Arc<Node>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&q, &headers);
    let t = lang.t();
    let here = format!("/incidents/{}", urlencode(&id));
    let Ok(id) = IncidentId::parse(&id) else {
        return error(lang, StatusCode::NOT_FOUND, t.not_found, &here);
    };
    let rows = match node.store.incident(&id.to_string()).await {
        Ok(r) => r,
        Err(e) => return internal(lang, e, &here),
    };
    match rows.as_slice() {
        [] => error(lang, StatusCode::NOT_FOUND, t.not_found, &here),
        [row] => (
            StatusCode::SEE_OTHER,
            [(
                header::LOCATION,
                lang.href(&format!("/incidents/{}/{}", row.issuer, row.incident)),
            )],
        )
            .into_response(),
        rows => respond(
            StatusCode::OK,
            page(
                lang,
                t.incident_title,
                &here,
                html! {
                    h1 { (t.incident_title) " " code { (id.to_string()) } }
                    p { (t.ambiguous) }
                    ul { @for r in rows { li { a href=(lang.href(&format!("/incidents/{}/{}", r.issuer, r.incident))) { (r.issuer) } } } }
                },
            ),
        ),
    }
}

/// A scope field in words.
fn field_name(lang: Lang, field: crate::scope::ScopeField) -> &'static str {
    use crate::scope::ScopeField as F;
    match (lang, field) {
        (Lang::Ja, F::RecipientDomains) => "宛先ドメイン",
        (Lang::Ja, F::MxHosts) => "受信サーバ名",
        (Lang::Ja, F::SendingIps) => "送信サーバの IP 範囲",
        (Lang::Ja, F::ReceivingIps) => "受信サーバの IP 範囲",
        (Lang::Ja, F::BlocklistZone) => "ブロックリストのゾーン",
        (_, F::RecipientDomains) => "Recipient domains",
        (_, F::MxHosts) => "MX hosts",
        (_, F::SendingIps) => "Sending IP ranges",
        (_, F::ReceivingIps) => "Receiving IP ranges",
        (_, F::BlocklistZone) => "Blocklist zone",
    }
}

fn claim_badge(lang: Lang, status: ClaimStatus) -> Markup {
    let t = lang.t();
    match status {
        ClaimStatus::Verified | ClaimStatus::Qualifier => {
            html! { span.badge.verified { (t.verified) } }
        }
        ClaimStatus::Unverified => html! { span.badge.unverified { (t.not_verified) } },
    }
}

/// `GET /incidents/{issuer}/{id}`.
pub async fn one(
    State(node): State<Arc<Node>>,
    Path((issuer, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&q, &headers);
    let zone = Zone::of(lang, &headers);
    let t = lang.t();
    let here = format!("/incidents/{}/{}", urlencode(&issuer), urlencode(&id));
    let (Ok(issuer), Ok(id)) = (Domain::parse_lenient(&issuer), IncidentId::parse(&id)) else {
        return error(lang, StatusCode::NOT_FOUND, t.not_found, &here);
    };
    let (issuer, id) = (issuer.to_string(), id.to_string());
    let row = match node.store.incident_of(&issuer, &id).await {
        Ok(Some(r)) => r,
        Ok(None) => return error(lang, StatusCode::NOT_FOUND, t.not_found, &here),
        Err(e) => return internal(lang, e, &here),
    };
    let (revisions, conflicting) = match (
        node.store.revisions(&issuer, &id).await,
        node.store.equivocating_cursors(&issuer).await,
    ) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(e), _) | (_, Err(e)) => return internal(lang, e, &here),
    };
    let Ok(n) = Notice::from_verified_bytes(&row.bytes) else {
        return internal(lang, "a stored notice does not parse", &here);
    };
    let verification: Option<Verification> = serde_json::from_str(&row.verification).ok();
    let summary = text(&n.summary, lang);
    let body = html! {
        h1 { (summary) }
        p.badges {
            span.badge { (lang.kind(n.kind)) } " " span.badge { (lang.status(n.status)) }
            @if row.issuer_flagged { " " span.badge.unverified { (t.flagged) } }
        }
        dl.facts {
            dt { (t.issuer) } dd { a href=(lang.href(&format!("/issuers/{issuer}"))) { (issuer) } }
            dt { "ID" } dd { code { (id) } }
            dt { (t.started) } dd { (zone.when(n.started_at.unix())) }
            @if let Some(e) = n.ended_at { dt { (t.ended) } dd { (zone.when(e.unix())) } }
            dt { (t.contact) } dd { (n.contact.as_str()) }
        }
        @if !n.advice.is_empty() {
            h2 { (t.advice) }
            p { (text(&n.advice, lang)) }
        }
        h2 { (t.scope) }
        @match &verification {
            Some(v) => {
                ul.claims {
                    @for c in &v.scope.entries {
                        li {
                            (field_name(lang, c.field)) (t.colon) code { (c.value) } " " (claim_badge(lang, c.effective_status()))
                            // The node's reasoning is written in English.
                            @if lang == Lang::En { " " span.hint { (c.basis) } }
                        }
                    }
                }
            }
            None => { p { (t.not_verified) } }
        }
        @if !n.symptoms.is_empty() {
            h2 { (t.symptoms) }
            ul {
                @for s in &n.symptoms {
                    li {
                        @if let Some(r) = s.reply { code { (r.to_string()) } " " }
                        @if let Some(st) = &s.status { code { (st.as_str()) } " " }
                        // The reply senders see, quoted as the receiver writes it.
                        @if let Some(tx) = &s.text { q lang=[tx.as_str().is_ascii().then_some("en")] { (tx.as_str()) } }
                    }
                }
            }
        }
        @if !n.links.is_empty() {
            h2 { (t.links) }
            ul { @for l in &n.links { li { a href=(l.as_str()) rel="noopener noreferrer nofollow" { (l.as_str()) } } } }
        }
        h2 { (t.revisions) }
        p.hint { ((t.times_in)(zone.name())) }
        div.table tabindex="0" {
        table {
            thead { tr { th scope="col" { (t.seq) } th scope="col" { (t.status) } th scope="col" { (t.published) }
                th scope="col" { (t.received) } th scope="col" { (t.source) } th scope="col" { (t.signature) } th scope="col" { (t.summary) } } }
            tbody {
                @let numbers = revision_numbers(revisions.iter().filter_map(|r| Notice::from_verified_bytes(&r.bytes).ok()).map(|n| n.seq));
                @for r in &revisions {
                    @if let Ok(rn) = Notice::from_verified_bytes(&r.bytes) {
                        tr {
                            td title=(format!("seq {}", rn.seq)) { (numbers.get(&rn.seq).copied().unwrap_or_default()) }
                            td { (lang.status(rn.status)) }
                            td.time { (zone.when(rn.published_at.unix())) }
                            td.time { (zone.when(r.received_at)) }
                            td { (lang.origin(&r.source)) }
                            td {
                                @let key = serde_json::from_str::<Verification>(&r.verification).ok();
                                span.badge.verified { (t.signature_ok) }
                                @if let Some(k) = key { " " span.hint { code { (k.key.selector) } " (" (lang.key_origin(&k.key.source)) ")" } }
                                @if conflicting.contains(&r.cursor) { " " span.badge.unverified { (t.equivocation) } }
                            }
                            td { (text(&rn.summary, lang)) }
                        }
                    }
                }
            }
        }
        }
    };
    respond(StatusCode::OK, page(lang, &summary, &here, body))
}

/// Revision numbers for people: 1 for the incident's first `seq`, 2 for
/// the next, and so on (a `seq` is the publisher's clock in microseconds,
/// sixteen digits no reader compares). Two notices with one `seq` — an
/// equivocation — share a number, as they claim to be the same revision.
fn revision_numbers(seqs: impl Iterator<Item = u64>) -> HashMap<u64, usize> {
    let mut distinct: Vec<u64> = seqs.collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct
        .into_iter()
        .enumerate()
        .map(|(i, s)| (s, i + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_are_numbered_from_one_and_an_equivocation_shares_its_number() {
        let n = revision_numbers(
            [
                1_765_000_000_000_002,
                1_765_000_000_000_001,
                1_765_000_000_000_002,
            ]
            .into_iter(),
        );
        assert_eq!(n[&1_765_000_000_000_001], 1);
        assert_eq!(n[&1_765_000_000_000_002], 2);
        assert_eq!(n.len(), 2);
    }
}

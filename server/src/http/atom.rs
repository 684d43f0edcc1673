//! `GET /v1/incidents.atom`: the incidents `/v1/incidents` would list (the
//! same filters, `?domain=example.jp` and so on) as an Atom feed (RFC 4287),
//! one entry per revision, for feed readers and chat tools. The language is
//! `?lang=ja|en`, else `Accept-Language`; the feed says it in `xml:lang`.
//!
//! A revision whose scope the node could not verify (a stranger's claim
//! about someone else's domain) is marked in its title, its category and
//! its text, as the pages mark it. Links start with the configured
//! `public_url`, or are relative to the feed when none is set: never built
//! from the request's `Host`, which the client chooses.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use dix_schema::Notice;
use dix_schema::types::Timestamp;

use crate::error::ApiError;
use crate::http::incidents::filter_from;
use crate::node::Node;
use crate::scope::claim::Verification;
use crate::web::i18n::Lang;

/// XML text and attribute escaping.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

pub async fn feed(
    State(node): State<Arc<Node>>,
    Query(mut params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::pick(params.remove("lang").as_deref(), &headers);
    let filter = filter_from(&params, node.config.max_page)?;
    let rows = node
        .store
        .incidents(&filter)
        .await
        .map_err(ApiError::internal)?;
    // Empty: links relative to the feed's own address.
    let base = node.config.public_url.trim_end_matches('/');
    let mut entries = Vec::new();
    let mut newest = 0i64;
    for row in &rows {
        let revisions = node
            .store
            .revisions(&row.issuer, &row.incident)
            .await
            .map_err(ApiError::internal)?;
        for r in revisions {
            let Ok(n) = Notice::from_verified_bytes(&r.bytes) else {
                continue;
            };
            newest = newest.max(n.published_at.unix());
            // A revision whose record cannot be read is not shown as verified.
            let verified = serde_json::from_str::<Verification>(&r.verification)
                .is_ok_and(|v| v.scope.all_verified);
            entries.push(entry(&n, lang, base, verified));
        }
    }
    let updated = Timestamp::from_unix(newest)
        .unwrap_or_else(Timestamp::now)
        .to_string();
    let title = match lang {
        Lang::Ja => "dix の障害情報",
        Lang::En => "dix incidents",
    };
    let mut query: Vec<String> = params
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::web::incidents::urlencode(k),
                crate::web::incidents::urlencode(v)
            )
        })
        .collect();
    // One feed, one id: the filters in a fixed order.
    query.sort();
    let query = query.join("&");
    let self_link = format!("{base}/v1/incidents.atom?{query}");
    // An Atom id is an absolute IRI: the feed's URL when the node knows its
    // own, else a name made of the filters.
    let id = if base.is_empty() {
        format!("urn:dix:incidents:{query}")
    } else {
        self_link.clone()
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n<id>{id}</id>\n<title>{title}</title>\n<updated>{updated}</updated>\n<link rel=\"self\" href=\"{self_link}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{base}/incidents?lang={lang}\"/>\n<generator>dixd</generator>\n{entries}</feed>\n",
        lang = lang.code(),
        id = esc(&id),
        self_link = esc(&self_link),
        base = esc(base),
        entries = entries.concat(),
    );
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        body,
    )
        .into_response())
}

/// One revision as an entry; `verified`: its whole scope was verified.
fn entry(n: &Notice, lang: Lang, base: &str, verified: bool) -> String {
    let t = lang.t();
    let summary = n.summary.get(lang.code()).unwrap_or_default();
    let advice = n.advice.get(lang.code()).unwrap_or_default();
    let (status_word, kind_word) = match lang {
        Lang::Ja => ("状況", "種類"),
        Lang::En => ("status", "kind"),
    };
    let mut content = format!(
        "{summary}\n{kind_word}: {}; {status_word}: {}\n{advice}",
        n.kind.as_str(),
        n.status.as_str()
    );
    let mut title = format!("[{}] {summary}", n.status.as_str());
    let mut unverified_category = String::new();
    if !verified {
        title = format!("[{}] {title}", t.unverified_claim);
        content = format!(
            "{}{}{}\n{content}",
            t.unverified_claim, t.colon, t.unverified_claim_note
        );
        unverified_category = format!(
            "<category term=\"unverified\" label=\"{}\"/>\n",
            esc(t.unverified_claim)
        );
    }
    let page = format!(
        "{base}/incidents/{}/{}?lang={}",
        n.issuer,
        n.incident,
        lang.code()
    );
    format!(
        "<entry>\n<id>urn:dix:{issuer}:{incident}:{seq}</id>\n<title>{title}</title>\n<updated>{updated}</updated>\n<published>{published}</published>\n<author><name>{issuer}</name></author>\n<link rel=\"alternate\" type=\"text/html\" href=\"{page}\"/>\n<category term=\"{kind}\"/>\n{unverified_category}<content type=\"text\">{content}</content>\n</entry>\n",
        issuer = esc(n.issuer.as_str()),
        incident = esc(&n.incident.to_string()),
        seq = n.seq,
        title = esc(&title),
        updated = n.published_at,
        published = n.started_at,
        page = esc(&page),
        kind = esc(n.kind.as_str()),
        content = esc(&content),
    )
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(
            esc("<a href='x'>&\"\u{1}"),
            "&lt;a href=&apos;x&apos;&gt;&amp;&quot;"
        );
    }
}

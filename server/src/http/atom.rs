//! `GET /v1/incidents.atom`: the incidents `/v1/incidents` would list (the
//! same filters, `?domain=example.jp` and so on) as an Atom feed (RFC 4287),
//! one entry per revision, for feed readers and chat tools. The language is
//! `?lang=ja|en`, else `Accept-Language`; the feed says it in `xml:lang`.

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
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let base = format!("http://{host}");
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
            entries.push(entry(&n, lang, &base));
        }
    }
    let updated = Timestamp::from_unix(newest)
        .unwrap_or_else(Timestamp::now)
        .to_string();
    let title = match lang {
        Lang::Ja => "dix の障害情報",
        Lang::En => "dix incidents",
    };
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::web::incidents::urlencode(k),
                crate::web::incidents::urlencode(v)
            )
        })
        .collect();
    let self_link = format!("{base}/v1/incidents.atom?{}", query.join("&"));
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n<id>{id}</id>\n<title>{title}</title>\n<updated>{updated}</updated>\n<link rel=\"self\" href=\"{self_link}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{base}/incidents?lang={lang}\"/>\n<generator>dixd</generator>\n{entries}</feed>\n",
        lang = lang.code(),
        id = esc(&self_link),
        self_link = esc(&self_link),
        base = esc(&base),
        entries = entries.concat(),
    );
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        body,
    )
        .into_response())
}

/// One revision as an entry.
fn entry(n: &Notice, lang: Lang, base: &str) -> String {
    let summary = n.summary.get(lang.code()).unwrap_or_default();
    let advice = n.advice.get(lang.code()).unwrap_or_default();
    let (status_word, kind_word) = match lang {
        Lang::Ja => ("状況", "種類"),
        Lang::En => ("status", "kind"),
    };
    let content = format!(
        "{summary}\n{kind_word}: {}; {status_word}: {}\n{advice}",
        n.kind.as_str(),
        n.status.as_str()
    );
    let page = format!(
        "{base}/incidents/{}/{}?lang={}",
        n.issuer,
        n.incident,
        lang.code()
    );
    format!(
        "<entry>\n<id>urn:dix:{issuer}:{incident}:{seq}</id>\n<title>[{status}] {title}</title>\n<updated>{updated}</updated>\n<published>{published}</published>\n<author><name>{issuer}</name></author>\n<link rel=\"alternate\" type=\"text/html\" href=\"{page}\"/>\n<category term=\"{kind}\"/>\n<content type=\"text\">{content}</content>\n</entry>\n",
        issuer = esc(n.issuer.as_str()),
        incident = esc(&n.incident.to_string()),
        seq = n.seq,
        status = esc(n.status.as_str()),
        title = esc(summary),
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

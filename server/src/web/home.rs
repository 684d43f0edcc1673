//! `/`: the helpdesk's page — paste a bounce, a reply or a log line, or
//! upload an `.eml` — and `POST /explain` (`GET /explain?sample=N` for the
//! samples): the whole answer on one screen, with the reply to send the
//! customer and a copy button. Works without JavaScript; the script only
//! adds the copy button.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use dix_bounce::knowledge::Actor;
use maud::{Markup, html};

use super::i18n::{Lang, PASTE_EXAMPLE};
use super::incidents::urlencode;
use super::layout::{error, page, respond};
use crate::explain::{Answer, ExplainRequest, run};
use crate::node::Node;

/// A sample one click away: its label, its text, its recipient.
struct Sample {
    ja: &'static str,
    en: &'static str,
    text: String,
    recipient: Option<&'static str>,
}

/// The samples: one for each demo story (`data/demo.json`), then a refusal
/// no incident explains, answered from the knowledge base alone.
fn samples() -> Vec<Sample> {
    let mut samples: Vec<Sample> = crate::demo::stories()
        .iter()
        .flat_map(|story| &story.samples)
        .map(|s| Sample {
            ja: &s.label.ja,
            en: &s.label.en,
            text: crate::demo::sample_text(s),
            recipient: s.recipient.as_deref(),
        })
        .collect();
    samples.push(Sample {
        ja: "Gmail の DMARC による拒否",
        en: "Gmail's DMARC refusal",
        text: "550-5.7.26 Unauthenticated email from example.co.jp is not accepted due to domain's DMARC policy.".into(),
        recipient: Some("friend@gmail.com"),
    });
    samples
}

fn form(lang: Lang, text: &str, recipient: &str) -> Markup {
    let t = lang.t();
    html! {
        form.explain method="post" action="/explain" enctype="multipart/form-data" {
            input type="hidden" name="lang" value=(lang.code());
            label for="bounce" { (t.paste_label) }
            textarea #bounce name="bounce" rows="8" aria-describedby="bounce-hint" { (text) }
            p #bounce-hint .hint { (t.paste_hint) span lang="en" { (PASTE_EXAMPLE) } }
            div.row {
                div {
                    label for="recipient" { (recipient_label(lang)) }
                    input #recipient type="email" name="recipient" value=(recipient) autocomplete="off";
                }
                div {
                    label for="eml" { (t.upload_label) }
                    input #eml type="file" name="eml" accept=".eml,message/rfc822";
                }
            }
            button type="submit" { (t.explain_button) }
        }
    }
}

fn recipient_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => "宛先アドレス（応答の行だけを貼るとき、任意）",
        Lang::En => "Recipient (when you paste only a reply line; optional)",
    }
}

/// `GET /`.
pub async fn home(Query(q): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    let lang = Lang::pick(q.get("lang").map(String::as_str), &headers);
    let t = lang.t();
    let body = html! {
        h1 { (t.home_title) }
        p.lead { (t.home_lead) }
        (form(lang, "", ""))
        section aria-labelledby="samples" {
            h2 #samples { (t.samples) }
            ul.samples {
                @for (i, sample) in samples().iter().enumerate() {
                    li {
                        a href=(lang.href(&format!("/explain?sample={}", i + 1))) {
                            (if lang == Lang::Ja { sample.ja } else { sample.en })
                        }
                        " "
                        code { (sample.text) }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        page(lang, t.home_title, &lang.href("/"), body),
    )
}

/// `GET /explain?sample=N` (a sample) or `GET /explain?bounce=…&recipient=…`
/// (a link another tool can give): explained.
pub async fn sample(
    State(node): State<Arc<Node>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::pick(q.get("lang").map(String::as_str), &headers);
    let here = lang.href("/explain");
    if !q.contains_key("bounce") && !q.contains_key("sample") {
        return home(Query(q), headers).await;
    }
    if let Some(text) = q.get("bounce") {
        if text.trim().is_empty() {
            return error(lang, StatusCode::BAD_REQUEST, lang.t().empty_input, &here);
        }
        let request = ExplainRequest {
            text: text.clone(),
            recipient: q.get("recipient").cloned().filter(|r| !r.trim().is_empty()),
            ..ExplainRequest::default()
        };
        let here = again_link(&request);
        return answer_page(&node, lang, request, &here).await;
    }
    let here = format!(
        "/explain?sample={}",
        q.get("sample").map(|s| urlencode(s)).unwrap_or_default()
    );
    let Some(sample) = q
        .get("sample")
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| samples().into_iter().nth(i))
    else {
        return error(lang, StatusCode::NOT_FOUND, lang.t().not_found, &here);
    };
    let request = ExplainRequest {
        text: sample.text,
        recipient: sample.recipient.map(str::to_owned),
        ..ExplainRequest::default()
    };
    answer_page(&node, lang, request, &here).await
}

/// What the form sent.
#[derive(Default)]
struct Submitted {
    text: String,
    recipient: String,
    lang: Option<String>,
    upload: Option<Vec<u8>>,
}

/// Whether uploaded bytes can be a message at all: text, not a binary file.
fn readable(bytes: &[u8]) -> bool {
    !bytes.is_empty() && !bytes[..bytes.len().min(8192)].contains(&0)
}

/// Why a form could not be read.
enum Unreadable {
    /// Larger than the node accepts.
    TooLarge,
    /// Anything else.
    Malformed,
}

impl Unreadable {
    /// From the status axum gives a rejected body.
    fn from_status(status: StatusCode) -> Self {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Self::TooLarge
        } else {
            Self::Malformed
        }
    }
}

impl From<axum::extract::multipart::MultipartError> for Unreadable {
    fn from(e: axum::extract::multipart::MultipartError) -> Self {
        Self::from_status(e.status())
    }
}

async fn read_form(request: Request) -> Result<Submitted, Unreadable> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut out = Submitted::default();
    if is_multipart {
        let mut form = Multipart::from_request(request, &())
            .await
            .map_err(|e| Unreadable::from_status(e.status()))?;
        while let Some(field) = form.next_field().await? {
            let name = field.name().unwrap_or_default().to_owned();
            let has_file = field.file_name().is_some_and(|f| !f.is_empty());
            let bytes = field.bytes().await?;
            match name.as_str() {
                "bounce" => out.text = String::from_utf8_lossy(&bytes).into_owned(),
                "recipient" => out.recipient = String::from_utf8_lossy(&bytes).trim().to_owned(),
                "lang" => out.lang = Some(String::from_utf8_lossy(&bytes).into_owned()),
                "eml" if has_file => out.upload = Some(bytes.to_vec()),
                _ => {}
            }
        }
    } else {
        // A paste over the body limit is refused while the body is read:
        // that is "too large", not "unreadable".
        let axum::Form(fields) = axum::Form::<HashMap<String, String>>::from_request(request, &())
            .await
            .map_err(|e| Unreadable::from_status(e.status()))?;
        out.text = fields.get("bounce").cloned().unwrap_or_default();
        out.recipient = fields.get("recipient").cloned().unwrap_or_default();
        out.lang = fields.get("lang").cloned();
    }
    Ok(out)
}

/// `POST /explain`.
pub async fn explain(
    State(node): State<Arc<Node>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let query_lang = q.get("lang").cloned();
    let submitted = read_form(request).await;
    let lang = Lang::pick(
        submitted
            .as_ref()
            .ok()
            .and_then(|s| s.lang.as_deref())
            .or(query_lang.as_deref()),
        &headers,
    );
    let t = lang.t();
    let here = lang.href("/explain");
    let submitted = match submitted {
        Ok(s) => s,
        Err(Unreadable::TooLarge) => {
            let message = format!(
                "{} ({} KiB)",
                t.too_large,
                node.config.max_body_bytes / 1024
            );
            return error(lang, StatusCode::PAYLOAD_TOO_LARGE, &message, &here);
        }
        Err(Unreadable::Malformed) => {
            return error(lang, StatusCode::BAD_REQUEST, t.unreadable_upload, &here);
        }
    };
    let (text, bytes) = match submitted.upload {
        Some(bytes) if !readable(&bytes) => {
            return error(
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                t.unreadable_upload,
                &here,
            );
        }
        Some(bytes) => (dix_bounce::paste::decode(&bytes).into_owned(), Some(bytes)),
        None => (submitted.text.clone(), None),
    };
    if text.trim().is_empty() {
        return error(lang, StatusCode::BAD_REQUEST, t.empty_input, &here);
    }
    let request = ExplainRequest {
        text,
        bytes,
        recipient: Some(submitted.recipient.clone()).filter(|r| !r.is_empty()),
        ..ExplainRequest::default()
    };
    let here = again_link(&request);
    answer_page(&node, lang, request, &here).await
}

/// The same answer as a link (for the language switch), when the text is
/// short enough for one; else the home page.
fn again_link(request: &ExplainRequest) -> String {
    if request.text.len() > 2000 {
        return "/".into();
    }
    let mut link = format!("/explain?bounce={}", urlencode(&request.text));
    if let Some(r) = &request.recipient {
        link.push_str(&format!("&recipient={}", urlencode(r)));
    }
    link
}

async fn answer_page(
    node: &Arc<Node>,
    lang: Lang,
    request: ExplainRequest,
    here: &str,
) -> Response {
    let t = lang.t();
    let pasted = request.text.clone();
    let recipient = request.recipient.clone().unwrap_or_default();
    match run(node, request).await {
        Ok(Ok((answers, _))) => {
            let body = html! {
                h1 { (t.answer_title) }
                @for (i, a) in answers.iter().enumerate() {
                    (answer(lang, i, a))
                }
                section aria-labelledby="again" {
                    h2 #again { (t.another) }
                    (form(lang, &pasted, &recipient))
                }
            };
            respond(StatusCode::OK, page(lang, t.answer_title, here, body))
        }
        // What was pasted stays in the form: nobody should paste twice.
        Ok(Err(nothing)) => respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(
                lang,
                t.error_title,
                here,
                html! {
                    h1 { (t.error_title) }
                    p.error role="alert" { (nothing.message(lang.code())) }
                    section aria-labelledby="again" {
                        h2 #again { (t.another) }
                        (form(lang, &pasted, &recipient))
                    }
                },
            ),
        ),
        Err(e) if e.status() == StatusCode::SERVICE_UNAVAILABLE => {
            error(lang, StatusCode::SERVICE_UNAVAILABLE, t.busy, here)
        }
        Err(e) => error(lang, e.status(), e.message(), here),
    }
}

fn actor_class(actor: Actor) -> &'static str {
    match actor {
        Actor::Sender => "actor-sender",
        Actor::SenderProvider => "actor-sender-provider",
        Actor::Receiver => "actor-receiver",
        Actor::Recipient => "actor-recipient",
        Actor::BlocklistOperator => "actor-blocklist",
        Actor::Unknown => "actor-unknown",
    }
}

/// One fact's answer.
fn answer(lang: Lang, i: usize, a: &Answer) -> Markup {
    let t = lang.t();
    let l = lang.code();
    let v = &a.verdict;
    let head = [
        a.fact.reply_code.map(|r| r.to_string()),
        a.fact.status.as_ref().map(ToString::to_string),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let id = |what: &str| format!("{what}-{i}");
    html! {
        section.answer aria-labelledby=(id("answer")) {
            h2 #(id("answer")) {
                (a.fact.recipient.as_deref().unwrap_or("?"))
                @if !head.is_empty() { " — " code { (head) } }
                " " span.cause { (if lang == Lang::Ja { "（" } else { "(" }) (v.cause_label.get(l)) (if lang == Lang::Ja { "）" } else { ")" }) }
            }
            p.badges {
                span.badge.(actor_class(v.actor)) { (t.who_acts) (t.colon) (v.actor_name.get(l)) }
                @if v.nothing_to_do && v.retry { " " span.badge.wait { (t.nothing_to_do) } }
            }
            @if v.basis.kind == "generic" {
                p.general role="note" { (t.general_answer) }
            }
            h3 { (t.what_happened) }
            p { (v.what_happened.get(l)) }
            h3 { (t.what_to_do) }
            p { (v.action.get(l)) }
            h3 { (t.reply_title) }
            p.hint #(id("reply-hint")) { (t.reply_hint) }
            label.visually-hidden for=(id("reply")) { (t.reply_title) }
            textarea.reply #(id("reply")) readonly rows="6" aria-describedby=(id("reply-hint")) { (v.customer_reply.get(l)) }
            button.copy type="button" data-copy=(id("reply")) hidden { (t.copy) }
            h3 { (t.matching) }
            @if a.matches.is_empty() {
                p { (t.no_matching) }
            } @else {
                ul.matches {
                    @for m in &a.matches {
                        li {
                            a href=(lang.href(&format!("/incidents/{}/{}", m.issuer, m.incident))) {
                                (m.issuer) (t.colon) (dix_bounce::knowledge::Bilingual::get(&m.summary, l))
                            }
                            " — " (t.score) " " (format!("{:.2}", m.score))
                            @if !m.decisive { " " span.badge.unverified { (t.unverified) } }
                            @let reasons = if lang == Lang::Ja && !m.reasons_ja.is_empty() { &m.reasons_ja } else { &m.reasons };
                            ul.reasons { @for r in reasons { li { (r) } } }
                        }
                    }
                }
            }
            h3 { (t.knowledge) }
            p { (a.knowledge.meaning.get(l)) }
            // Where the answer's facts are documented, in words; the
            // entry's id is the JSON's, not a person's.
            @if let Some(d) = &v.basis.documented {
                p.basis { (t.basis) (t.colon) span lang="en" { (d) } }
            }
            details {
                summary { (t.evidence) }
                ul { @for e in &v.evidence { li { (e.get(l)) } } }
            }
        }
    }
}

//! One e-mail message → facts. mail-parser does the MIME work (and never
//! panics); this module decides what kind of report it is and takes the
//! facts from the right place.

use std::borrow::Cow;
use std::sync::LazyLock;

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use regex::RegexSet;

use crate::classify::Reason;
use crate::{Action, Fact, dsn, text};

/// mail-parser, with its panics contained. mail-parser aims never to panic,
/// but version 0.11.9 does on some malformed nested multiparts (found by our
/// `bounce` fuzz target; `tests/no_panic.rs` keeps the case). A message it
/// cannot read yields no facts instead of taking the whole batch down.
fn parse_message(bytes: &[u8]) -> Option<Message<'_>> {
    std::panic::catch_unwind(|| PARSER.parse(bytes))
        .ok()
        .flatten()
}

/// mail-parser, structuring only the headers we read as values (MIME,
/// Date, Subject, addresses, Message-ID); every other header is skipped
/// but keeps its place, which `header_raw` reads from the message's own
/// bytes. Structuring the many Received headers of a bounce and its
/// attached original was a sixth of parsing time; keeping them as raw
/// text still cost a lossy UTF-8 copy of each (6 % of all instructions).
static PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
    MessageParser::new()
        .with_minimal_headers()
        .header_id(mail_parser::HeaderName::MessageId)
        .default_header_ignore()
});

/// What the rest of the message tells about the original message.
#[derive(Default, Clone)]
pub(super) struct Original {
    pub message_id: Option<String>,
    pub from: Option<String>,
    pub subject: Option<String>,
    pub to: Option<String>,
    /// The original was a mailing list's copy (List-Id, List-Post): its To
    /// is the list, not the recipient that failed.
    pub from_a_list: bool,
}

pub(super) fn parse(bytes: &[u8], source: &str) -> Vec<Fact> {
    let Some(msg) = parse_message(headers_start(bytes)) else {
        return Vec::new();
    };
    let original = original_of(&msg);
    let base = Fact {
        source: source.to_owned(),
        timestamp: msg.date().map(|d| d.to_rfc3339()),
        message_id: original.message_id.clone(),
        original_from: original.from.clone(),
        original_subject: original.subject.clone(),
        ..Fact::default()
    };

    if let Some(facts) = feedback_report(&msg, &base, &original) {
        return facts;
    }
    // A read receipt (RFC 8098 message disposition notification) tells
    // what the recipient's mail program did with a delivered message:
    // nothing failed in transport, whatever its disposition says.
    if is_disposition_notification(&msg) {
        return Vec::new();
    }
    if let Some(facts) = delivery_status(&msg, &base)
        && !facts.is_empty()
    {
        return facts;
    }
    let body = unquoted(body_text(&msg));
    if let Some(facts) = super::ses::facts(&body, &base) {
        return facts;
    }
    if !looks_like_bounce(&msg, &body) {
        // Challenge-response and sender-verification requests are
        // automatic answers too, but nothing failed: the message waits
        // for the sender to confirm. Neither a bounce nor an absence.
        if asks_sender_to_confirm(&msg, &body) {
            return Vec::new();
        }
        return auto_reply(&msg, &base).into_iter().collect();
    }
    text::facts(&msg, &body, &base, &original)
}

/// Where the headers begin. A message saved or pasted by hand can start
/// with a byte-order mark, blank lines (LF or CR LF) or an mbox `From `
/// line; mail-parser would take the first blank line for the end of the
/// headers and the whole message for its body.
fn headers_start(bytes: &[u8]) -> &[u8] {
    let mut rest = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut from_line_seen = false;
    loop {
        let line_end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let line = &rest[..line_end];
        let blank = line
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
        let mbox_from = !from_line_seen && line.starts_with(b"From ");
        // Keep what is left if nothing would be: an empty input stays empty.
        if (blank || mbox_from) && line_end > 0 && line_end < rest.len() {
            from_line_seen |= mbox_from;
            rest = &rest[line_end..];
        } else {
            return rest;
        }
    }
}

fn header_text(msg: &Message<'_>, name: &str) -> Option<String> {
    msg.header_raw(name).map(super::smtp::collapse)
}

fn first_address(msg: &Message<'_>, which: &str) -> Option<String> {
    let list = match which {
        "from" => msg.from(),
        _ => msg.to(),
    }?;
    list.first().and_then(|a| a.address()).map(str::to_owned)
}

/// The original message, from an attached message/rfc822 or text/rfc822-headers part.
fn original_of(msg: &Message<'_>) -> Original {
    for part in &msg.parts {
        match &part.body {
            PartType::Message(inner) => {
                return Original {
                    message_id: inner.message_id().map(|s| format!("<{s}>")),
                    from: first_address(inner, "from"),
                    subject: inner.subject().map(str::to_owned),
                    to: first_address(inner, "to"),
                    from_a_list: is_list_copy(inner),
                };
            }
            _ if part.content_type().is_some_and(|c| {
                c.ctype().eq_ignore_ascii_case("text")
                    && c.subtype()
                        .is_some_and(|s| s.eq_ignore_ascii_case("rfc822-headers"))
            }) =>
            {
                if let Some(inner) = parse_message(part.contents()) {
                    return Original {
                        message_id: inner.message_id().map(|s| format!("<{s}>")),
                        from: first_address(&inner, "from"),
                        subject: inner.subject().map(str::to_owned),
                        to: first_address(&inner, "to"),
                        from_a_list: is_list_copy(&inner),
                    };
                }
            }
            _ => {}
        }
    }
    Original::default()
}

/// A mailing list's copy of a message carries the list's own headers
/// (RFC 2919 List-Id, RFC 2369 List-Post / List-Unsubscribe).
fn is_list_copy(msg: &Message<'_>) -> bool {
    ["List-Id", "List-Post", "List-Unsubscribe"]
        .iter()
        .any(|h| msg.header_raw(*h).is_some())
}

fn part_is(part: &mail_parser::MessagePart<'_>, ctype: &str, subtypes: &[&str]) -> bool {
    part.content_type().is_some_and(|c| {
        c.ctype().eq_ignore_ascii_case(ctype)
            && c.subtype()
                .is_some_and(|s| subtypes.iter().any(|t| s.eq_ignore_ascii_case(t)))
    })
}

/// How much of an HTML part [`body_text`] converts to text.
const MAX_HTML_CONVERTED: usize = 16 * 1024;

/// The human-readable text of the report: its text parts before any attached message.
pub(super) fn body_text(msg: &Message<'_>) -> String {
    let mut out = String::new();
    // Plain-text parts first; HTML (converted to text, which costs) only
    // when the report has no plain text at all — Exchange Online sends
    // reports whose text/plain alternative is empty and whose whole content
    // is the HTML one, which mail-parser lists among the HTML bodies only.
    for html in [false, true] {
        // Part numbers, each once: a lone HTML part is in both lists.
        let mut ids: Vec<u32> = msg.text_body.clone();
        if html {
            ids.extend(
                msg.html_body
                    .iter()
                    .filter(|id| !msg.text_body.contains(id)),
            );
        }
        for part in ids.iter().filter_map(|&id| msg.part(id)) {
            if matches!(part.body, PartType::Html(_)) != html {
                continue;
            }
            let text = match &part.body {
                // The explanation is at the top of an HTML notice; the
                // conversion costs in proportion to the whole (some notices
                // carry 60 KB of markup), so only the head is converted.
                PartType::Html(html) => Some(Cow::Owned(html_text(
                    &html[..super::smtp::floor_char_boundary(html, MAX_HTML_CONVERTED)],
                ))),
                PartType::Text(text) => Some(Cow::Borrowed(text.as_ref())),
                _ => None,
            };
            if let Some(t) = text {
                out.push_str(&t);
                out.push('\n');
            }
            if out.len() > 256 * 1024 {
                break;
            }
        }
        if !out.trim().is_empty() {
            break;
        }
    }
    if out.trim().is_empty() {
        // A part mail-parser could not treat as text: a single part of an
        // unexpected type, or a nested multipart whose boundary parameter
        // is broken (then its raw text, part headers and all, is the body).
        if let Some(b) = msg.parts.iter().find_map(|part| match &part.body {
            PartType::Text(t) if !t.trim().is_empty() => Some(t.as_bytes()),
            PartType::Binary(b) | PartType::InlineBinary(b)
                if part.content_type().is_none_or(|c| {
                    ["text", "multipart"]
                        .iter()
                        .any(|t| c.ctype().eq_ignore_ascii_case(t))
                }) =>
            {
                Some(b.as_ref())
            }
            _ => None,
        }) {
            out = String::from_utf8_lossy(b).into_owned();
        }
    }
    out
}

/// An HTML report as text. mail-parser's conversion joins the text of
/// adjacent cells and blocks ("hanako@contoso.exampleYour message …" in an
/// Exchange Online report's table), which glues an address to the next
/// word; a `<br>` before each block and a space between cells keep them
/// apart.
fn html_text(html: &str) -> String {
    const BLOCKS: [&str; 9] = ["tr", "table", "p", "div", "br", "li", "ul", "ol", "hr"];
    let mut spaced = String::with_capacity(html.len() + html.len() / 16);
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        spaced.push_str(&rest[..at]);
        let tag = rest[at + 1..].trim_start_matches('/');
        let name_len = tag.bytes().take_while(u8::is_ascii_alphabetic).count();
        let name = tag[..name_len].to_ascii_lowercase();
        // h1–h6: the name read so far is the letter, the digit follows.
        let heading = name == "h" && tag[1..].starts_with(|c: char| c.is_ascii_digit());
        // The conversion drops whitespace between tags: a line break it
        // keeps before each block, a space (as an entity) between cells,
        // so that a label and its value stay on one line.
        if BLOCKS.contains(&name.as_str()) || heading {
            spaced.push_str("<br>");
        } else if name == "td" || name == "th" {
            spaced.push_str("&#32;");
        }
        spaced.push('<');
        rest = &rest[at + 1..];
    }
    spaced.push_str(rest);
    mail_parser::decoders::html::html_to_text(&spaced)
}

/// RFC 8098: a message/disposition-notification part (in a
/// multipart/report; report-type=disposition-notification).
fn is_disposition_notification(msg: &Message<'_>) -> bool {
    msg.parts
        .iter()
        .any(|p| part_is(p, "message", &["disposition-notification"]))
}

/// ARF (RFC 5965): a message/feedback-report part; or one of the complaint
/// formats that predate or ignore it.
fn feedback_report(msg: &Message<'_>, base: &Fact, original: &Original) -> Option<Vec<Fact>> {
    let Some(part) = msg
        .parts
        .iter()
        .find(|p| part_is(p, "message", &["feedback-report"]))
    else {
        return other_complaint(msg, base);
    };
    let fields = dsn::blocks(&String::from_utf8_lossy(part.contents()))
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    // One fact per reported recipient; a report without any names the original To.
    let mut recipients: Vec<String> = fields
        .iter()
        .filter(|(n, _)| n == "original-rcpt-to")
        .map(|(_, v)| dsn::typed_value(v).to_owned())
        .collect();
    if recipients.is_empty() {
        recipients.extend(original.to.clone());
    }
    if recipients.is_empty() {
        recipients.push(String::new());
    }
    let fact = Fact {
        feedback_type: dsn::get(&fields, "feedback-type").map(|s| s.to_ascii_lowercase()),
        sender_ip: dsn::get(&fields, "source-ip").and_then(|ip| ip.parse().ok()),
        reporting_mta: dsn::get(&fields, "reporting-mta").map(|v| dsn::typed_value(v).to_owned()),
        diagnostic: dsn::get(&fields, "feedback-type")
            .unwrap_or_default()
            .to_owned(),
        format: crate::Format::Arf,
        reason: Reason::Feedback,
        ..base.clone()
    };
    Some(
        recipients
            .into_iter()
            .map(|r| {
                Fact {
                    recipient: (!r.is_empty()).then_some(r),
                    ..fact.clone()
                }
                .finish()
            })
            .collect(),
    )
}

/// Complaints that are not ARF reports:
/// - Microsoft's JMRP/SNDS format: the complained-about message attached as
///   message/rfc822, its recipient in `X-HmXmrOriginalRecipient`;
/// - Apple Mail's unsubscribe message, sent on the user's behalf to a
///   `List-Unsubscribe` mailto address and marked `X-Apple-Unsubscribe`.
fn other_complaint(msg: &Message<'_>, base: &Fact) -> Option<Vec<Fact>> {
    let complaint = |recipient: Option<String>, feedback_type: &str| {
        vec![
            Fact {
                recipient,
                feedback_type: Some(feedback_type.to_owned()),
                diagnostic: feedback_type.to_owned(),
                format: crate::Format::Arf,
                reason: Reason::Feedback,
                ..base.clone()
            }
            .finish(),
        ]
    };
    if header_text(msg, "X-Apple-Unsubscribe").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Some(complaint(first_address(msg, "from"), "opt-out"));
    }
    let attached = msg.parts.iter().find_map(|p| match &p.body {
        PartType::Message(inner) => Some(inner),
        _ => None,
    })?;
    let recipient = header_text(attached, "X-HmXmrOriginalRecipient")?;
    let mut facts = complaint(Some(recipient), "abuse");
    // "complaint about message from 192.0.2.1": the sending IP.
    facts[0].sender_ip = msg
        .subject()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|ip| ip.parse().ok());
    Some(facts)
}

/// RFC 3464: a message/delivery-status part.
fn delivery_status(msg: &Message<'_>, base: &Fact) -> Option<Vec<Fact>> {
    // Every delivery-status part: some reports carry more than one.
    let parts: Vec<String> = msg
        .parts
        .iter()
        .filter(|p| part_is(p, "message", &["delivery-status", "global-delivery-status"]))
        .map(|p| String::from_utf8_lossy(p.contents()).into_owned())
        .collect();
    let text = match parts.is_empty() {
        false => parts.join("\n\n"),
        // Broken MIME (missing or mismatched boundaries) hides the part; the
        // fields are still there in the raw text.
        true => {
            let raw = dsn_fields_in_raw(msg.raw_message())?;
            // Fields in a quoted-printable text part ("Diagnostic-Code: 554
            // 4.4.7 Message expi=" / "red: …"): read them decoded.
            if raw.contains("=\n") || raw.contains("=\r\n") {
                msg.text_bodies()
                    .find_map(|part| dsn_fields_in_raw(part.contents()))
                    .unwrap_or(raw)
            } else {
                raw
            }
        }
    };
    let blocks = dsn::blocks(&text);
    let reporting = blocks
        .first()
        .and_then(|b| dsn::get(b, "reporting-mta"))
        .map(|v| dsn::typed_value(v).to_owned());
    let facts = blocks
        .iter()
        .filter(|b| {
            dsn::get(b, "final-recipient")
                .or(dsn::get(b, "original-recipient"))
                .is_some()
        })
        .map(|b| {
            // The final recipient, unless it is no SMTP address a sender
            // can act on (an X.400 form, a relay's internal rewrite such
            // as "@host:a@ims_daemon"): then the address the sender gave.
            let recipient = dsn::get(b, "final-recipient")
                .and_then(crate::address::smtp_address)
                .or_else(|| {
                    dsn::get(b, "original-recipient").and_then(crate::address::smtp_address)
                });
            // Without a Diagnostic-Code, some MTAs explain the status in a
            // comment: "Status: 4.0.0 (host name lookup failure)".
            let diagnostic_code = dsn::get(b, "diagnostic-code");
            let diagnostic = diagnostic_code
                .map(|v| dsn::typed_value(v).to_owned())
                .or_else(|| {
                    dsn::get(b, "status")
                        .and_then(|s| s.split_once('('))
                        .map(|(_, comment)| comment.trim_end_matches(')').trim().to_owned())
                })
                .unwrap_or_default();
            Fact {
                recipient,
                diagnostic_type: diagnostic_code
                    .and_then(|v| v.split_once(';'))
                    .map(|(kind, _)| kind.trim().to_ascii_lowercase()),
                action: dsn::get(b, "action").and_then(Action::parse),
                status: dsn::get(b, "status")
                    .and_then(|s| s.split_whitespace().next())
                    .and_then(crate::types::status),
                diagnostic,
                remote_host: dsn::get(b, "remote-mta")
                    .map(|v| dsn::typed_value(v).to_ascii_lowercase())
                    .filter(|h| !h.is_empty()),
                reporting_mta: reporting.clone(),
                timestamp: dsn::get(b, "last-attempt-date")
                    .and_then(mail_parser::DateTime::parse_rfc822)
                    .map(|d| d.to_rfc3339())
                    .or_else(|| base.timestamp.clone()),
                format: crate::Format::Dsn,
                ..base.clone()
            }
        })
        .collect::<Vec<_>>();
    // A recipient block that names no SMTP address (an X.400 one with no
    // Original-Recipient) is left out when others name theirs; alone, its
    // failure is still reported, without a recipient.
    let mut facts = facts;
    if facts.iter().any(|f| f.recipient.is_some()) {
        facts.retain(|f| f.recipient.is_some());
    }
    // Fill a missing diagnostic from the human-readable part, which many MTAs
    // use for the real reason.
    // Read only when some fact needs it: most reports say it all in fields.
    let body = std::cell::OnceCell::new();
    let body = || body.get_or_init(|| body_text(msg)).as_str();
    let human = std::cell::OnceCell::new();
    let human = || human.get_or_init(|| text::Prose::read(body()));
    Some(
        facts
            .into_iter()
            .map(|mut f| {
                if (f.diagnostic.trim().is_empty() || f.diagnostic.split_whitespace().count() < 2)
                    && let Some(d) = human().for_recipient(f.recipient.as_deref())
                {
                    f.diagnostic = format!("{} {d}", f.diagnostic);
                }
                // The failed command is often only in the prose ("in reply to
                // end of DATA command").
                f.command = super::smtp::failed_command(&f.diagnostic)
                    .or_else(|| command_near(body(), f.recipient.as_deref()));
                let recipient = f.recipient.clone();
                f.finish_with_report(&|| {
                    human()
                        .for_recipient(recipient.as_deref())
                        .map(|t| t.into_owned())
                })
            })
            .collect(),
    )
}

/// The command named in the prose after `recipient` (else near the top):
/// Postfix and Sendmail write "in reply to RCPT TO command" or a
/// transcript there, not in the Diagnostic-Code.
fn command_near(body: &str, recipient: Option<&str>) -> Option<String> {
    let at = recipient
        .filter(|r| !r.is_empty())
        .and_then(|r| memchr::memmem::find(body.as_bytes(), r.as_bytes()))
        .unwrap_or(0);
    let end = super::smtp::floor_char_boundary(body, at + 2048);
    super::smtp::failed_command(&body[super::smtp::floor_char_boundary(body, at)..end])
}

/// The delivery-status fields of a report whose MIME structure is broken:
/// from the first `Reporting-MTA:`/`Final-Recipient:` line at a line start to
/// the next boundary line or attached message.
fn dsn_fields_in_raw(raw: &[u8]) -> Option<String> {
    // Searched as bytes: most messages have no such fields, and converting
    // whole messages to text just to look would cost more than the parse.
    static START: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r"(?im)^(?:reporting-mta|final-recipient):").expect("valid")
    });
    static END: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(
            r"(?im)^(?:--|content-type: (?:message/rfc822|text/rfc822-headers))",
        )
        .expect("valid")
    });
    let start = START.find(raw)?.start();
    let rest = &raw[start..raw.len().min(start + 64 * 1024)];
    let end = END.find(rest).map_or(rest.len(), |m| m.start());
    let fields = String::from_utf8_lossy(&rest[..end]).into_owned();
    fields
        .to_ascii_lowercase()
        .contains("final-recipient:")
        .then_some(fields)
}

/// A bounce a person forwarded inline has every line quoted ("> "): read
/// it without the quoting, or its layout is lost.
fn unquoted(body: String) -> String {
    let (quoted, total) = body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .fold((0, 0), |(q, t), l| {
            (q + usize::from(l.starts_with('>')), t + 1)
        });
    if total == 0 || quoted * 2 < total {
        return body;
    }
    body.lines()
        .map(|l| {
            l.strip_prefix("> ")
                .or_else(|| l.strip_prefix('>'))
                .unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a non-DSN message is a bounce at all.
fn looks_like_bounce(msg: &Message<'_>, body: &str) -> bool {
    let from = msg
        .from()
        .and_then(|f| f.first())
        .map(|a| {
            format!(
                "{} {}",
                a.name().unwrap_or_default(),
                a.address().unwrap_or_default()
            )
        })
        .unwrap_or_default()
        .to_ascii_lowercase();
    let subject = msg.subject().unwrap_or_default().to_ascii_lowercase();
    let daemon = [
        "mailer-daemon",
        "mailer daemon",
        "postmaster",
        "post_master",
        "mail delivery",
        "mail administrator",
        "mailadmin",
        "mdaemon",
        "mail system",
        "returned mail",
        "bounce",
        "nobody@",
        "mail-daemon",
        "mailerdaemon",
    ]
    .iter()
    .any(|w| from.contains(w));
    let bounce_subject = [
        "undeliver",
        "returned mail",
        "delivery status",
        "delivery failure",
        "failure notice",
        "mail delivery failed",
        "delivery notification",
        "not delivered",
        "could not be delivered",
        "returned to sender",
        "delivery problem",
        "undelivered",
        "non remis",
        "nondeliverable",
        "non-delivery",
        "failed delivery",
        "mail system error",
        "rejected",
        "warning: could not send",
        "delayed mail",
        "delivery has failed",
        "unzustellbar",
        "送信できませんでした",
        "配信不能",
        "不達",
        "エラー",
        "return",
        "bounce",
        "mail failure",
        "permanent error",
        "配信できません",
        "failure delivery",
        "errors from",
    ]
    .iter()
    .any(|w| subject.contains(w));
    // Exim's list of failed addresses; Exchange's mark on its own NDRs.
    let failed_header = msg.header_raw("X-Failed-Recipients").is_some()
        || msg.header_raw("X-MS-Exchange-Message-Is-Ndr").is_some();
    // The explanation is at the top; what follows is the returned message.
    let lower = body[..super::smtp::floor_char_boundary(body, 8 * 1024)].to_ascii_lowercase();
    static BODY_SAYS: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
        aho_corasick::AhoCorasick::new([
            "could not be delivered",
            // Exchange and Exchange Online: "Your message to … couldn't be delivered."
            "couldn't be delivered",
            "was not delivered",
            "delivery has failed",
            "permanent error",
            "undeliverable",
            "delivery to the following",
            "i'm afraid i wasn't able to deliver",
            "failed to deliver",
            "unable to deliver",
            "following addresses had permanent",
            "delivery failed",
            "not be delivered",
            "rejected",
            "transcript of session",
            "送信できませんでした",
            "送信に失敗",
            "配信できません",
        ])
        .expect("phrases build")
    });
    let body_says = BODY_SAYS.is_match(&lower);
    // No sender at all (`From: <>`) is how some MTAs sign their reports.
    let null_sender = msg.from().is_some_and(|f| {
        f.first()
            .is_none_or(|a| a.address().is_none_or(|a| a.trim().is_empty()))
    });
    // A delay warning from the mail system (Exim's names no "Delay
    // reason" when it has none to give).
    let delay_warning = || super::text::is_delay_warning(msg.subject().unwrap_or_default(), body);
    failed_header
        || ((daemon || null_sender) && (bounce_subject || body_says || delay_warning()))
        // A person's reply that only talks about returned mail is not one.
        || (bounce_subject && body_says && !subject.trim_start().starts_with("re:"))
        // Last: the only test that reads the body with a regex.
        || report_layout(&lower)
}

/// Layouts that only mail software writes: the labelled fields and session
/// transcripts of specific report formats, not phrases a person might use.
fn report_layout(lowered_body: &str) -> bool {
    static LAYOUTS: LazyLock<RegexSet> = LazyLock::new(|| {
        RegexSet::new([
            // KDDI/au and other carriers' notices.
            r"(?m)^[ \t]*could not be delivered to: ?<[^>\s]+@",
            // Verizon/vtext and Apache James gateways.
            r"(?m)^error: [^\n]*\n+error message below:",
            // Exim's delay warning.
            r"(?m)^[ \t]*delay reason: smtp error",
            // Sendmail-style and appliance transcripts: the reply we got.
            r"(?m)^[ \t]*(?:received|<<<) ?>*:? ?[45][0-9][0-9][ -]",
            // m-FILTER and similar appliance reports.
            r"(?m)^-+ ?server message\s*$",
            // Mailman 3 refusing a post (templates/en/list:user:notice:rejected.txt,
            // sent from the list's owner address under the post's own subject).
            r"mailing-list was rejected for the following\s+reasons:",
            // fml mailing-list manager: refused posts and loops.
            r"you are not a member of this mailing list",
            r"duplicated message-id in <",
        ])
        .expect("layouts compile")
    });
    LAYOUTS.is_match(lowered_body)
}

/// Whether an automatic message asks the sender to prove it sent the
/// message (challenge-response systems such as TMDA, whose confirmation
/// requests carry `X-Delivery-Agent: TMDA`, and the "verify you are a
/// person" requests of sender-verification services), rather than telling
/// of a failure or an absence.
fn asks_sender_to_confirm(msg: &Message<'_>, body: &str) -> bool {
    if msg
        .header_raw("X-Delivery-Agent")
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("tmda"))
    {
        return true;
    }
    let automatic = header_text(msg, "Auto-Submitted")
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"))
        || header_text(msg, "Precedence").is_some_and(|v| {
            ["bulk", "junk", "auto_reply"].contains(&v.trim().to_ascii_lowercase().as_str())
        });
    if !automatic {
        return false;
    }
    static ASKS: LazyLock<RegexSet> = LazyLock::new(|| {
        RegexSet::new([
            r"challenge[- ]response",
            r"confirm (?:that )?you (?:sent|are the sender)",
            r"please confirm your (?:message|e-?mail)",
            r"verify (?:that )?you are (?:a )?(?:human|person|real person|not a (?:spam )?robot)",
            r"(?:approved|verified) senders?",
            r"sender verification",
            r"(?:white|allow) ?list(?:ed)? (?:request|verification)",
            r"add(?:ed)? (?:you )?to (?:my|the) (?:white ?list|allow ?list|list of approved senders)",
        ])
        .expect("phrases compile")
    });
    let head = body[..super::smtp::floor_char_boundary(body, 4 * 1024)].to_ascii_lowercase();
    let subject = msg.subject().unwrap_or_default().to_ascii_lowercase();
    ASKS.is_match(&head) || ASKS.is_match(&subject)
}

/// RFC 3834 auto-replies: vacation and out-of-office answers.
fn auto_reply(msg: &Message<'_>, base: &Fact) -> Option<Fact> {
    // RFC 3834's own marker says it all; the others are also set by
    // mailing-list software and need the subject to agree.
    let auto_replied = header_text(msg, "Auto-Submitted")
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("auto-replied"));
    let auto = msg.header_raw("X-Autoreply").is_some()
        || msg.header_raw("X-Autorespond").is_some()
        || header_text(msg, "Precedence").is_some_and(|v| v.eq_ignore_ascii_case("auto_reply"));
    let subject = msg.subject().unwrap_or_default().to_lowercase();
    // Some clients (Outlook, iCloud) send no Auto-Submitted header, but their
    // subject prefixes are unmistakable.
    let auto_prefix = [
        "automatic reply:",
        "auto reply:",
        "auto-reply:",
        "autoreply:",
        "auto response:",
        "out of office:",
        "out of office reply",
        "自動応答",
        "自動返信",
        "不在通知",
    ]
    .iter()
    .any(|p| subject.trim_start().starts_with(p));
    let vacation_subject = [
        "out of office",
        "out of the office",
        "auto",
        "vacation",
        "away",
        "absence",
        "不在",
        "自動",
    ]
    .iter()
    .any(|w| subject.contains(w));
    if !(auto_replied || (auto && vacation_subject) || auto_prefix) {
        return None;
    }
    Some(
        Fact {
            recipient: first_address(msg, "from"),
            diagnostic: msg.subject().unwrap_or_default().to_owned(),
            format: crate::Format::AutoReply,
            reason: Reason::Vacation,
            auto_reply: true,
            ..base.clone()
        }
        .finish(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_blocks_cells_and_headings_stay_apart() {
        let text = super::html_text(
            "<h1>Undeliverable</h1><h2>hanako@example.net</h2><table><tr><td>Reported error:</td><td>550 5.1.1 no such user</td></tr></table><p>a@example.net</p>",
        );
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words.starts_with("Undeliverable hanako@example.net "),
            "{text:?}"
        );
        assert!(words.contains("Reported error: 550 5.1.1"), "{text:?}");
        assert!(words.contains("user a@example.net"), "{text:?}");
    }
}

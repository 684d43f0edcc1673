//! Whatever a person pastes: the reader the helpdesk page, `POST
//! /v1/explain` and `dix explain` share.
//!
//! People rarely paste a whole message. They paste what a screen shows or
//! a customer forwarded: an Outlook or Gmail bounce's body, a Postfix or
//! Exim notice's failed-address lines, a `Diagnostic-Code:` line, a
//! carrier's error mail, a mail program's error dialog, a log line, a
//! reply split over `550-` lines, or a whole DSN — quoted with `> ` in the
//! customer's own words, wrapped, in UTF-8, ISO-2022-JP or Shift_JIS.
//! There is one parser, not two: this module only undoes what pasting did
//! and hands the text to the readers the rest of the crate uses.
//!
//! ```text
//! bytes ─ decode (UTF-8, ISO-2022-JP, Shift_JIS, EUC-JP)
//!       ─ unquote (`> `, `| `), spaces the screen added
//!       ─ 1. as it is: a whole message, a log, a bare reply  (crate::parse_bytes)
//!       ─ 2. as a report's body without its headers           (email + text, the prose reader)
//!       ─ 3. the reply a sentence introduces anywhere          ("The server responded: …", "Diagnostic-Code: …")
//!       ─ hints (--to, --at, --from) fill what the paste lacks
//! ```
//!
//! Nothing found is an error that says what can be read, with an example
//! ([`NothingFound`]); no fact is made from words alone.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::{Action, Fact, Format, Reason, ReplyCode, smtp};

/// What the person told us beside the paste.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// The recipient, where the paste does not name one.
    pub recipient: Option<String>,
    /// When it bounced (RFC 3339), where the paste does not say.
    pub at: Option<String>,
    /// The sender's From address.
    pub from: Option<String>,
}

/// The paste holds nothing this reader can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NothingFound;

impl NothingFound {
    /// The stable error code clients see.
    pub const CODE: &'static str = "no_bounce_found";

    /// What to tell the person, in `lang` (`ja`, else English).
    pub fn message(self, lang: &str) -> &'static str {
        if lang == "ja" {
            "エラーの内容が見つかりませんでした。バウンスメールの本文（「550 5.1.1 …」のような応答コードを含む部分）、メールソフトのエラー表示、またはメールサーバのログの行を貼り付けてください。例：<user@example.jp>: host mx.example.jp[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)"
        } else {
            "No bounce, SMTP reply or log line was found. Paste the bounce's text (the part with a reply code such as \"550 5.1.1 …\"), the mail program's error message, or the mail server's log line. Example: <user@example.jp>: host mx.example.jp[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)"
        }
    }
}

impl std::fmt::Display for NothingFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message("en"))
    }
}

impl std::error::Error for NothingFound {}

/// Reads a paste into facts, one per failed recipient.
pub fn read(bytes: &[u8], source: &str, hints: &Hints) -> Result<Vec<Fact>, NothingFound> {
    // Nothing a person pastes is larger; a whole mbox is `dix parse`'s.
    const MAX_PASTE: usize = 16 * 1024 * 1024;
    let bytes = &bytes[..bytes.len().min(MAX_PASTE)];
    let text = decode(bytes);
    let cleaned = clean(&text);
    if cleaned.trim().is_empty() {
        return Err(NothingFound);
    }
    let mut facts = whole(bytes, &text, &cleaned, source);
    // A mail program's error window is no report: its reply is read as
    // such before the prose reader could take it for a bounce's body.
    let window = client_window(&cleaned.to_lowercase());
    if facts.is_empty() && window {
        facts = introduced_reply(&cleaned, source).into_iter().collect();
    }
    // A submission server's log of a refused login, before the prose
    // reader takes its account name for a recipient.
    if facts.is_empty()
        && let Some(fact) = login_refused_in_log(&cleaned, source)
    {
        facts.push(fact);
    }
    if facts.is_empty() {
        facts = report_body(&cleaned, source);
    }
    if facts.is_empty() && !window {
        facts = introduced_reply(&cleaned, source).into_iter().collect();
    }
    if facts.is_empty() {
        facts = status_fields(&cleaned, source).into_iter().collect();
    }
    if facts.is_empty() {
        return Err(NothingFound);
    }
    let delay = announces_delay(&cleaned.to_lowercase());
    // One failed recipient: the receiving server the whole paste names is
    // its own (a DSN's Remote-MTA names no address; the prose above it
    // does).
    let single = facts.len() == 1;
    let named_anywhere = || {
        smtp::scan(&smtp::collapse(
            &cleaned[..smtp::floor_char_boundary(&cleaned, 64 * 1024)],
        ))
    };
    Ok(facts
        .into_iter()
        .map(|mut f| {
            if f.recipient.is_none() && f.format == Format::SmtpReply {
                f.recipient = recipient_near("", &f.diagnostic);
                if f.recipient.is_some() {
                    f = f.finish();
                }
            }
            // A report that says it keeps trying is a delay warning: the
            // message is still queued, whatever a reader of its body said.
            if delay && f.format == Format::Text && f.action == Some(Action::Failed) {
                f.action = Some(Action::Delayed);
            }
            if single && f.remote_ip.is_none() && f.format != Format::ClientError {
                let found = named_anywhere();
                if found.remote_ip.is_some()
                    && (found.remote_host.is_none()
                        || f.remote_host
                            .as_ref()
                            .is_none_or(|h| found.remote_host.as_ref() == Some(h)))
                {
                    f.remote_ip = found.remote_ip;
                    f.remote_host = f.remote_host.or(found.remote_host);
                }
            }
            with_hints(f, hints)
        })
        .collect())
}

/// Step 1: the paste as it is — a whole message (its own headers give its
/// charset, so its own bytes are read), log lines, or a bare reply.
fn whole(bytes: &[u8], text: &Cow<'_, str>, cleaned: &str, source: &str) -> Vec<Fact> {
    // Decoded from a legacy charset: only the message's own headers can
    // say how its parts are encoded.
    let decoded = matches!(text, Cow::Owned(_));
    let mut facts = if decoded || has_headers(text) {
        crate::parse_bytes(bytes, source)
    } else {
        Vec::new()
    };
    if facts.is_empty() {
        facts = crate::parse_bytes(cleaned.as_bytes(), source);
    }
    facts.retain(carries_evidence);
    facts
}

/// Whether the text starts with header fields (a whole message).
fn has_headers(text: &str) -> bool {
    static HEADER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(?:From |[A-Za-z][A-Za-z0-9-]{1,40}:[ \t])").unwrap());
    text.trim_start_matches('\u{feff}')
        .lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| HEADER.is_match(l))
}

/// Step 2: the body of a report without its headers, read by the prose
/// reader as if the report's own headers were there.
fn report_body(cleaned: &str, source: &str) -> Vec<Fact> {
    // A paste that names no reply, no status and no failure in words is
    // somebody's sentence, not a report; one or two lines are a reply or
    // a field someone copied out of one, not its body.
    let lines = cleaned.lines().filter(|l| !l.trim().is_empty()).count();
    let first = cleaned
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let a_reply_or_field = REPLY_START.is_match(first.trim_start().get(..4).unwrap_or(first))
        || first
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("diagnostic-code");
    if !mentions_failure(cleaned) || (lines <= 2 && a_reply_or_field) {
        return Vec::new();
    }
    let mut message = String::with_capacity(cleaned.len() + 160);
    message.push_str("From: Mail Delivery System <MAILER-DAEMON@paste.invalid>\r\n");
    message.push_str("Subject: Undelivered Mail Returned to Sender\r\n");
    message.push_str("Content-Type: text/plain; charset=utf-8\r\n\r\n");
    message.push_str(cleaned);
    let mut facts = crate::parse_bytes(message.as_bytes(), source);
    facts.retain(carries_evidence);
    // A report names its recipient more than once (Exchange: in the
    // summary and again under "Original Message Details"): one fact each.
    let mut seen = std::collections::HashSet::new();
    facts.retain(|f| seen.insert(f.recipient.clone()));
    // The sender a report names under its own label ("Sender Address:",
    // "From:", 差出人) is no failed recipient.
    static SENDER_LABEL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?im)^[ \t]*(?:sender address|sender|from|差出人|送信者)[ \t]*[:：][ \t]*(?:[^<\n]*<)?([^\s<>@]+@[^\s<>]+?)>?[ \t]*$").unwrap()
    });
    let senders: Vec<String> = SENDER_LABEL
        .captures_iter(cleaned)
        .map(|c| c[1].to_ascii_lowercase())
        .collect();
    if facts.len() > 1 {
        facts.retain(|f| {
            f.recipient
                .as_ref()
                .is_none_or(|r| !senders.contains(&r.to_ascii_lowercase()))
        });
    }
    // Exchange names its own server ("Generating server: …"): the report
    // is Microsoft's where the reply alone would not say so.
    static GENERATED_BY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?im)^[ \t]*(?:generating server|reporting-mta:[ \t]*dns;)[ \t:]*([a-z0-9][a-z0-9.\-]*\.[a-z]{2,})").unwrap()
    });
    // Only a report's own Reporting-MTA names who wrote it; Exchange's
    // generating server may be the sender's tenant, not the receiver.
    let generated_by = GENERATED_BY
        .captures(cleaned)
        .filter(|c| c[0].to_ascii_lowercase().contains("reporting-mta"))
        .map(|c| c[1].to_ascii_lowercase());
    let single = facts.len() == 1;
    for fact in &mut facts {
        fact.reporting_mta = fact
            .reporting_mta
            .take()
            .filter(|h| !h.ends_with("paste.invalid"))
            .or_else(|| generated_by.clone());
        // The prose reader may stop before the report's own "Reported
        // error:" line; with one recipient, the report's reply is its.
        if !focus_on_reply(fact) && single {
            let mut whole = fact.clone();
            whole.diagnostic = smtp::collapse(cleaned);
            if focus_on_reply(&mut whole) && whole.reply_code.is_some() {
                fact.diagnostic = whole.diagnostic;
                fact.reply_code = whole.reply_code;
                fact.status = whole.status.or(fact.status.take());
            }
        }
    }
    facts
}

/// A fact worth answering: it has a code, a status, or a reason a rule
/// named — never a recipient alone.
fn carries_evidence(fact: &Fact) -> bool {
    fact.reply_code.is_some() || fact.status.is_some() || fact.reason != Reason::Undefined
}

/// Words with which a report or a screen introduces the remote server's
/// reply (lowercase). The reply is what follows.
const INTRODUCERS: &[&str] = &[
    "remote server returned '",
    "remote server returned \"",
    "remote server returned",
    "the response from the remote server was:",
    "the response was:",
    "the error that the other server returned was:",
    "reported error:",
    "remote host said:",
    "the mail server responded:",
    "the server responded:",
    "the server response was:",
    "server response:",
    "server error:",
    "diagnostic-code: smtp;",
    "diagnostic-code:",
    "smtp error from remote mail server after",
    "said:",
    "サーバーが応答しました:",
    "サーバが応答しました:",
    "サーバーが応答しました：",
    "サーバが応答しました：",
    "サーバーの応答:",
    "サーバの応答:",
    "サーバーの応答：",
    "サーバの応答：",
    "エラー内容:",
    "エラー内容：",
];

/// Words of a mail program's own error window: the reply came from the
/// server it sends through (ours), so the message was never sent.
const CLIENT_WORDS: &[&str] = &[
    "the server responded:",
    "the mail server responded:",
    "the server response was:",
    "server response:",
    "sending of the message failed",
    "an error occurred while sending",
    "cannot send the message",
    "cannot send message using the server",
    "reported error (0x",
    "the message could not be sent",
    "メールサーバーの応答",
    "メールサーバの応答",
    "送信に失敗しました",
    "ログオンできません",
    "サーバーが応答しました",
    "サーバが応答しました",
    "エラー (0x",
    "メッセージを送信できません",
    "送信中にエラーが発生",
];

/// Whether a report's words say delivery goes on (a delay warning), in
/// the wording of the MTAs and providers that send them.
fn announces_delay(lowered: &str) -> bool {
    [
        "delivery incomplete",
        "will retry for",
        "will continue trying",
        "will keep trying",
        "will be retried",
        "still being retried",
        "has not yet been delivered",
        "has not been delivered yet",
        "delayed mail (still being retried)",
        "delivery status notification (delay)",
        "could not be delivered for past",
        "warning: could not send message for past",
        "delivery has been delayed",
        "action: delayed",
        "配送を再試行",
        "再送を試みます",
        "配信が完了していません",
        "再試行します",
    ]
    .iter()
    .any(|w| lowered.contains(w))
        && ![
            "permanent error",
            "will not be retried",
            "delivery has failed",
            "gave up",
            "giving up",
        ]
        .iter()
        .any(|w| lowered.contains(w))
}

/// Whether the paste is a mail program's error window.
fn client_window(lowered: &str) -> bool {
    CLIENT_WORDS.iter().any(|w| lowered.contains(w))
}

/// Words of a report (a bounce's body): the message was handed back.
fn mentions_failure(text: &str) -> bool {
    static WORDS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\b[245][0-5][0-9][ \-]|\b[245]\.\d{1,3}\.\d{1,3}\b|could(?:n't| not) be delivered|wasn't delivered|was not delivered|undeliverable|delivery (?:has )?failed|failed to deliver|unable to deliver|not delivered|permanent error|address not found|message not delivered|delivery incomplete|delay|mail delivery|user unknown|unknown user|mailbox|host or domain name not found|host not found|name service error|connection timed out|connection refused|delivery temporarily suspended|the mail system|address\(es\) failed|送信できません|配信できません|届きませんでした|宛先不明|不達|エラー",
        )
        .unwrap()
    });
    // Reports wrap their sentences anywhere: read them on one line.
    let head = smtp::collapse(&text[..smtp::floor_char_boundary(text, 64 * 1024)]);
    WORDS.is_match(&head)
}

/// Step 4: a report's status fields on their own, whose diagnostic is no
/// SMTP reply (`Diagnostic-Code: X-Postfix; cannot update mailbox …`):
/// kept only when a rule reads a reason in it.
fn status_fields(cleaned: &str, source: &str) -> Option<Fact> {
    static FIELD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?im)^[ \t]*diagnostic-code:[ \t]*([a-z0-9-]+)[ \t]*;[ \t]*(.+(?:\n[ \t]+.+)*)",
        )
        .unwrap()
    });
    let c = FIELD.captures(cleaned)?;
    let status = Regex::new(r"(?im)^[ \t]*status:[ \t]*([245]\.\d{1,3}\.\d{1,3})")
        .ok()?
        .captures(cleaned)
        .and_then(|s| crate::types::status(&s[1]));
    let fact = Fact {
        source: source.to_owned(),
        recipient: recipient_near(cleaned, ""),
        action: Some(if announces_delay(&cleaned.to_lowercase()) {
            Action::Delayed
        } else {
            Action::Failed
        }),
        status,
        diagnostic: smtp::collapse(&c[2]),
        diagnostic_type: Some(c[1].to_owned()),
        format: Format::Text,
        ..Fact::default()
    }
    .finish();
    carries_evidence(&fact).then_some(fact)
}

/// Whether the paste's first line starts like a log line (a time stamp).
fn reads_as_log(cleaned: &str) -> bool {
    static STAMP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)")
            .unwrap()
    });
    cleaned
        .lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| STAMP.is_match(l.trim_start()))
}

/// A submission server's own log of a refused login (Postfix's `SASL …
/// authentication failed`, Exim's `authenticator failed`, Dovecot's `auth
/// failed`): no delivery was attempted, so no MTA log reader takes it.
fn login_refused_in_log(cleaned: &str, source: &str) -> Option<Fact> {
    static LOGIN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)sasl [a-z0-9-]+ authentication failed[^\n]*|authenticator failed[^\n]*|auth(?:entication)? failed[^\n]*")
            .unwrap()
    });
    // Only a log line: "authentication failed" in prose is as likely a
    // report's SPF or DKIM result as a refused password.
    if !reads_as_log(cleaned) {
        return None;
    }
    let m = LOGIN.find(cleaned)?;
    Some(
        Fact {
            source: source.to_owned(),
            action: Some(Action::Failed),
            diagnostic: m.as_str().trim().to_owned(),
            format: Format::ClientError,
            ..Fact::default()
        }
        .finish(),
    )
}

/// A reply code or status where a reply starts.
static REPLY_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s'\x22(<;:#\[])([245][0-5][0-9](?:[ \-][245]\.\d{1,3}\.\d{1,3})?[ \-]\S|[245]\.\d{1,3}\.\d{1,3}[ \-]\S)").unwrap()
});

/// The reply in a report's diagnostic, where the report's own words come
/// before it: Exchange's "Remote Server returned '550 5.1.10 …'" makes the
/// whole prose the diagnostic, and its code would be missed.
/// Whether it found the reply the report introduces.
fn focus_on_reply(fact: &mut Fact) -> bool {
    let lowered = fact.diagnostic.to_lowercase();
    if lowered.len() != fact.diagnostic.len() {
        return false;
    }
    let Some(at) = INTRODUCERS
        .iter()
        .filter_map(|w| lowered.rfind(w).map(|i| i + w.len()))
        .max()
    else {
        return false;
    };
    let Some(reply) = reply_from(&fact.diagnostic[at..]) else {
        return false;
    };
    // The reply the report quotes is the remote server's own: its code
    // and status beat any other the prose holds ("451 4.4.0 Primary
    // target responded with: \"554 5.7.1 …\"" is a 451).
    let code = reply_code_of(&reply);
    if code.is_some() {
        fact.reply_code = code;
        // The status right after the code is the reply's own, whatever
        // its class (Exchange's "550 4.4.7 QUEUE.Expired").
        if let Some(status) = reply
            .get(4..)
            .and_then(|rest| rest.split([' ', ';', ',']).next())
            .and_then(crate::types::status)
        {
            fact.status = Some(status);
        }
    }
    if code.is_some() || fact.diagnostic.len() > reply.len() * 3 {
        fact.diagnostic = reply;
    }
    true
}

/// Step 3: a reply introduced anywhere in the paste ("The server
/// responded: …", "Diagnostic-Code: smtp; …", "Remote Server returned
/// '…'"), or the first line that starts with a code once the customer's
/// own words are skipped.
fn introduced_reply(cleaned: &str, source: &str) -> Option<Fact> {
    let lowered = cleaned.to_lowercase();
    // Lowercasing changed byte offsets (a rare character): read it lowered.
    let base = if lowered.len() == cleaned.len() {
        cleaned
    } else {
        lowered.as_str()
    };
    let start = INTRODUCERS
        .iter()
        .filter_map(|w| lowered.find(w).map(|i| i + w.len()))
        .min()
        .or_else(|| {
            REPLY_START
                .captures(base)
                .and_then(|c| c.get(1))
                .map(|m| m.start())
        })?;
    // A server's log of refusing a client (Postfix's "NOQUEUE: reject:"):
    // our own server refused it, as a mail program's window shows.
    let client = client_window(&lowered) || (reads_as_log(cleaned) && lowered.contains("reject:"));
    // A DSN's Diagnostic-Code with a permanent reply was given back.
    let dsn_field = lowered.contains("diagnostic-code:");
    let reply = reply_or_words_from(&base[start..], client)?;
    let reply_code = reply_code_of(&reply);
    let status = REPLY_START
        .captures(&reply)
        .and_then(|_| smtp::scan(&reply).status)
        .and_then(|s| crate::types::status(&s));
    if reply_code.is_none() && status.is_none() && !client {
        return None;
    }
    let report = !client
        && (mentions_report(&lowered)
            || (dsn_field && reply_code.is_some_and(ReplyCode::is_permanent)));
    let temporary = status.as_ref().map_or_else(
        || reply_code.is_some_and(ReplyCode::is_temporary),
        |s| s.is_temporary(),
    );
    let recipient = recipient_near(cleaned, &reply);
    let fact = Some(
        Fact {
            source: source.to_owned(),
            recipient,
            action: Some(if temporary && !report {
                Action::Delayed
            } else {
                Action::Failed
            }),
            reply_code,
            status,
            diagnostic: reply,
            format: if client {
                Format::ClientError
            } else if report {
                Format::Text
            } else {
                Format::SmtpReply
            },
            ..Fact::default()
        }
        .finish(),
    );
    // Words without a code count only when a rule reads them.
    fact.filter(carries_evidence)
}

/// Whether the words around a reply are a report's: the message was
/// given back to the sender.
fn mentions_report(lowered: &str) -> bool {
    [
        "couldn't be delivered",
        "could not be delivered",
        "wasn't delivered",
        "was not delivered",
        "undeliverable",
        "delivery has failed",
        "message not delivered",
        "address not found",
        "returned to sender",
        "final-recipient",
        "mail delivery",
        "送信できませんでした",
        "配信できませんでした",
        "届きませんでした",
    ]
    .iter()
    .any(|w| lowered.contains(w))
}

/// The reply that starts at (or just after) the beginning of `text`: up
/// to the end of its paragraph, its lines joined, the quote marks a report
/// put around it taken off.
fn reply_from(text: &str) -> Option<String> {
    reply_or_words_from(text, false)
}

/// [`reply_from`], or with `words_will_do` the server's words that follow
/// when they carry no code (a mail program shows some replies without it).
fn reply_or_words_from(text: &str, words_will_do: bool) -> Option<String> {
    let text = text.trim_start_matches([' ', '\t', '\'', '"', '<', '#', ';']);
    let text = text.strip_prefix("smtp;").unwrap_or(text).trim_start();
    let start = match REPLY_START
        .captures(text)
        .and_then(|c| c.get(1))
        .filter(|m| m.start() <= 80)
    {
        Some(m) => m.start(),
        None if words_will_do => 0,
        None => return None,
    };
    let mut lines = Vec::new();
    for line in text[start..].lines().take(20) {
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    let joined = smtp::join_continuations(&smtp::collapse(&lines.join(" ")));
    let joined = joined
        .trim_end_matches(['\'', '"', '>', ' '])
        .trim_end_matches("'.")
        .to_owned();
    (!joined.is_empty()).then_some(joined)
}

/// The reply code a reply starts with.
fn reply_code_of(reply: &str) -> Option<ReplyCode> {
    let digits: String = reply.chars().take(3).collect();
    let next = reply[digits.len().min(reply.len())..].chars().next();
    (digits.len() == 3 && next.is_none_or(|c| c == ' ' || c == '-'))
        .then(|| digits.parse().ok().and_then(ReplyCode::new))
        .flatten()
}

/// The failed recipient a screen or a short paste names: the address in
/// the reply itself, else the one the words around it call the recipient.
fn recipient_near(paste: &str, reply: &str) -> Option<String> {
    static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"<?([A-Za-z0-9][A-Za-z0-9._%+\-=']*@[A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z]{2,})>?",
        )
        .unwrap()
    });
    static NAMED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)(?:recipient|delivered to|message to|rcpt to:|to:|宛先)[\s:"'<（(）)]*(?:\(recipient\)[\s:]*)?([A-Za-z0-9][A-Za-z0-9._%+\-=']*@[A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z]{2,})"#)
            .unwrap()
    });
    let lowered = reply.to_ascii_lowercase();
    // The sender a refusal names ("Sender address rejected", "MAIL FROM")
    // is not the recipient.
    let sender_reply = lowered.contains("sender") || lowered.contains("mail from");
    let in_reply = ADDRESS
        .captures_iter(reply)
        .map(|c| c[1].trim_end_matches('.').to_owned())
        .next()
        .filter(|_| !sender_reply);
    in_reply.or_else(|| {
        NAMED
            .captures_iter(paste)
            .map(|c| c[1].trim_end_matches('.').to_owned())
            .next()
    })
}

/// The hints fill what the paste does not say.
fn with_hints(mut fact: Fact, hints: &Hints) -> Fact {
    let mut refinish = false;
    if fact.recipient.is_none()
        && let Some(r) = hints.recipient.as_deref().filter(|r| !r.trim().is_empty())
    {
        fact.recipient = Some(r.trim().to_owned());
        refinish = true;
    }
    if fact.timestamp.is_none() {
        fact.timestamp.clone_from(&hints.at);
    }
    if let Some(from) = hints.from.as_deref().filter(|f| !f.trim().is_empty()) {
        fact.original_from = Some(from.trim().to_owned());
    }
    if refinish {
        // The recipient's domain decides the provider and the rules.
        fact.reason = Reason::Undefined;
        fact = fact.finish();
    }
    fact
}

/// The paste as text. A paste that is not UTF-8 came from a Japanese
/// mail program or terminal: ISO-2022-JP (its escapes are ASCII, so they
/// are looked for first), else Shift_JIS or EUC-JP, whichever decodes
/// without error (both: the one with more Japanese characters).
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let iso_2022 = memchr::memmem::find(bytes, b"\x1b$B").is_some()
        || memchr::memmem::find(bytes, b"\x1b$@").is_some();
    if iso_2022 {
        let (text, _) = encoding_rs::ISO_2022_JP.decode_without_bom_handling(bytes);
        return Cow::Owned(text.into_owned());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(text);
    }
    let strict = |enc: &'static encoding_rs::Encoding| {
        enc.decode_without_bom_handling_and_without_replacement(bytes)
            .map(Cow::into_owned)
    };
    let japanese = |t: &str| {
        t.chars()
            .filter(|c| matches!(*c as u32, 0x3040..=0x30FF | 0x4E00..=0x9FFF))
            .count()
    };
    match (strict(encoding_rs::SHIFT_JIS), strict(encoding_rs::EUC_JP)) {
        (Some(s), Some(e)) => Cow::Owned(if japanese(&e) > japanese(&s) { e } else { s }),
        (Some(s), None) => Cow::Owned(s),
        (None, Some(e)) => Cow::Owned(e),
        (None, None) => String::from_utf8_lossy(bytes),
    }
}

/// The paste without what pasting added: quoting (`> `, `>> `, `| `),
/// line ends of any kind, the non-breaking and full-width spaces and
/// invisible characters screens and chat tools insert.
///
/// When the paste quotes a bounce inside the customer's own words, the
/// quoted lines are the bounce: the words around them are left out (they
/// would otherwise read as the end of the reply).
pub fn clean(text: &str) -> String {
    static QUOTE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[ \t]*(?:(?:>|\|)[ \t]?)+").unwrap());
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let quoted: String = text
        .lines()
        .filter_map(|l| QUOTE.find(l).map(|m| &l[m.end()..]))
        .collect::<Vec<_>>()
        .join("\n");
    let only_quoted = quoted.lines().filter(|l| !l.trim().is_empty()).count() >= 1
        && mentions_failure(&quoted)
        && text
            .lines()
            .any(|l| !l.trim().is_empty() && !QUOTE.is_match(l));
    // A forwarding mail program's own heading ("----- Forwarded message
    // -----") would read as the start of the returned copy.
    static FORWARDED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^\s*(?:-{2,}\s*(?:forwarded message|original message|転送(?:された)?メッセージ|元のメッセージ)\s*-{2,}|begin forwarded message:)\s*$").unwrap()
    });
    let mut out = String::with_capacity(text.len());
    let mut log = false;
    for line in text.lines() {
        let line = match QUOTE.find(line) {
            Some(m) => &line[m.end()..],
            None if only_quoted => continue,
            None => line,
        };
        if FORWARDED.is_match(line) && !out.contains(|c: char| c.is_ascii_digit()) {
            continue;
        }
        // A log line a mail program wrapped goes on without a time stamp:
        // join it back to its line.
        if log && !line.trim().is_empty() && !reads_as_log(line) && !line.starts_with(' ') {
            if out.ends_with('\n') {
                out.pop();
            }
            out.push(' ');
        } else if !line.trim().is_empty() {
            log = reads_as_log(line);
        }
        for c in line.chars() {
            match c {
                '\u{a0}' | '\u{3000}' | '\u{2007}' | '\u{202f}' => out.push(' '),
                '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => {}
                c => out.push(c),
            }
        }
        let kept = out.trim_end_matches([' ', '\t']).len();
        out.truncate(kept);
        out.push('\n');
    }
    // A reply a screen wrapped right after its code ("#5.1.1 smtp;550" /
    // "5.1.1 <ken@…>… User unknown"): the code goes back with its text.
    static CODE_AT_LINE_END: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?m)(smtp; ?[245][0-5][0-9])\n[ \t]*").unwrap());
    match CODE_AT_LINE_END.replace_all(&out, "$1 ") {
        Cow::Owned(joined) => joined,
        Cow::Borrowed(_) => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(paste: &str) -> Fact {
        let facts = read(paste.as_bytes(), "-", &Hints::default()).expect(paste);
        facts.into_iter().next().unwrap()
    }

    #[test]
    fn a_postfix_notice_line_quoted_in_a_customers_words() {
        let f = one(
            "Hi, what does this mean?\n\n> <ken@example.net>: host mx.example.net[192.0.2.1] said: 550 5.7.1 Service\n>     unavailable; client [203.0.113.7] blocked using zen.spamhaus.org (in reply\n>     to RCPT TO command)\n\nThanks",
        );
        assert_eq!(f.recipient.as_deref(), Some("ken@example.net"));
        assert_eq!(f.reply_code.map(ReplyCode::get), Some(550));
        assert_eq!(f.remote_ip, Some("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn outlooks_remote_server_returned() {
        let f = one(
            "Your message to hanako@contoso.example couldn't be delivered.\nhanako wasn't found at contoso.example.\n\nDiagnostic information for administrators:\n\nGenerating server: TYAPR01MB1234.jpnprd01.prod.outlook.com\n\nhanako@contoso.example\nRemote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient hanako@contoso.example not found by SMTP address lookup'\n",
        );
        assert_eq!(f.recipient.as_deref(), Some("hanako@contoso.example"));
        assert_eq!(f.reply_code.map(ReplyCode::get), Some(550));
        assert_eq!(f.status.as_deref(), Some("5.1.10"));
        assert!(f.diagnostic.starts_with("550 5.1.10"), "{}", f.diagnostic);
    }

    #[test]
    fn a_mail_programs_error_window() {
        let f = one(
            "Sending of the message failed.\nAn error occurred while sending mail. The mail server responded:\n5.7.1 <a@example.com>: Relay access denied.\nPlease check the message recipient \"a@example.com\" and try again.",
        );
        assert_eq!(f.format, Format::ClientError);
        assert_eq!(f.recipient.as_deref(), Some("a@example.com"));
        assert_eq!(f.status.as_deref(), Some("5.7.1"));
    }

    #[test]
    fn a_diagnostic_code_line_and_a_hint() {
        let facts = read(
            b"Diagnostic-Code: smtp; 552 5.2.2 Mailbox full",
            "-",
            &Hints {
                recipient: Some("a@example.jp".into()),
                ..Hints::default()
            },
        )
        .unwrap();
        assert_eq!(facts[0].recipient.as_deref(), Some("a@example.jp"));
        assert_eq!(facts[0].reason, Reason::MailboxFull);
    }

    #[test]
    fn japanese_in_its_charsets() {
        let text = "送信したメールは宛先不明のため配信できませんでした。\n宛先: taro@docomo.example\n550 Unknown user taro@docomo.example\n";
        for enc in [
            encoding_rs::ISO_2022_JP,
            encoding_rs::SHIFT_JIS,
            encoding_rs::EUC_JP,
        ] {
            let (bytes, _, _) = enc.encode(text);
            assert_eq!(decode(&bytes), text, "{}", enc.name());
            let f = read(&bytes, "-", &Hints::default()).unwrap().remove(0);
            assert_eq!(
                f.recipient.as_deref(),
                Some("taro@docomo.example"),
                "{}",
                enc.name()
            );
            assert_eq!(f.reply_code.map(ReplyCode::get), Some(550));
        }
    }

    #[test]
    fn authentication_words_in_prose_are_no_refused_login() {
        let log = one(
            "Dec  7 10:32:40 smtp1 postfix/submission/smtpd[3120]: warning: p1.isp.example[198.51.100.77]: SASL PLAIN authentication failed: authentication failure",
        );
        assert_eq!(log.format, Format::ClientError);
        // The same words in a sentence are not our server's log.
        let prose = read(
            b"Our records show: DKIM authentication failed for shop.example yesterday.",
            "-",
            &Hints::default(),
        );
        assert!(prose.is_err() || prose.unwrap()[0].format != Format::ClientError);
    }

    #[test]
    fn words_alone_are_nothing() {
        for paste in [
            "",
            "   \n> \n",
            "Hello, my mail to bob@example.com did not arrive, can you help?",
            "こんにちは。メールが届かないようです。",
        ] {
            assert_eq!(
                read(paste.as_bytes(), "-", &Hints::default()),
                Err(NothingFound),
                "{paste}"
            );
        }
        assert!(NothingFound.message("ja").contains("例"));
        assert!(NothingFound.to_string().contains("Example"));
    }
}

//! Non-standard bounces: the many MTAs and providers that write the failure
//! as prose. What they share is layout — an explanation, each failed address
//! with its error nearby, then a copy of the original message — so this
//! module finds the error section, the recipients in it, and the text that
//! goes with each.

use std::borrow::Cow;
use std::sync::LazyLock;

use mail_parser::Message;
use regex::Regex;

use crate::email::Original;
use crate::{Action, Fact, Reason};

/// Lines where the copy of the original message begins.
static ORIGINAL_MARKERS: LazyLock<Regex> = LazyLock::new(|| {
    // One multi-line regex searched once over the body (not once per line).
    let alternatives = [
        r"^[ \t]*-+[ \t]*(?:original|returned|undelivered|unsent|rejected) (?:message|mail)",
        r"^[ \t]*-+[ \t]*below this line is a copy",
        r"^[ \t]*-+[ \t]*this is a copy of",
        r"^[ \t]*-+[ \t]*(?:the )?(?:header|headers) of (?:the )?original",
        r"original message (?:follows|header)",
        r"^[ \t]*-+[ \t]*(?:message|original) (?:text|headers?)[ \t]*-*[ \t]*\r?$",
        r"^content-type: message/rfc822",
        r"^[ \t]*-+ ?元の(?:メッセージ|メール)",
        r"^[ \t]*-+[ \t]*forwarded message",
        r"^[ \t]*\*+[ \t]*(?:original|returned) message",
        // A heading alone on its line: "bounced E-Mail:", "Original message:".
        r"^[ \t]*(?:bounced|returned|original|undelivered) (?:e-?mail|message)[ \t]*:[ \t]*\r?$",
    ];
    Regex::new(&format!(
        "(?m){}",
        alternatives.map(|a| format!("(?:{a})")).join("|")
    ))
    .expect("markers compile")
});
/// Where the headers of a copied message start after a blank line, where
/// no marker says so. Searched as literals (a regex would have to start at
/// every character: nothing before the header name is fixed).
fn copied_headers(body: &str) -> Option<usize> {
    ["Received: ", "Return-Path: "]
        .iter()
        .filter_map(|name| {
            body.match_indices(name).map(|(at, _)| at).find(|&at| {
                // A blank line right before it, and some text before that.
                let before = body[..at].trim_end_matches([' ', '\t']);
                let Some(rest) = before.strip_suffix('\n') else {
                    return false;
                };
                let rest = rest.trim_end_matches('\r').trim_end_matches([' ', '\t']);
                rest.ends_with('\n') && !rest.trim().is_empty()
            })
        })
        .min()
}
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[A-Za-z0-9][A-Za-z0-9._%+\-=/!#$&'*?^`{|}~]*@[A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z]{2,}",
    )
    .unwrap()
});
/// Lines whose addresses are not recipients: contact addresses in the
/// boilerplate, and the alias an address was expanded from.
static NOT_A_RECIPIENT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)please contact|for (?:further )?assistance|if you have any questions|generated from|expanded from|問い合わせ|ご連絡",
    )
    .unwrap()
});
/// Sendmail's status line for a mailer and host ("550 example.org
/// (smtp)... 550 Host unknown"), written just before the recipient lines it
/// applies to.
static MAILER_STATUS_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[245][0-9][0-9] [^\s@<>]+ \([a-z0-9-]+\)\.\.\. ").unwrap());
/// Japanese puts the verb after the address, and reports wrap there:
/// "…場合は、<support@example.jp>" / "へご連絡ください。"
fn contact_continues(line: &str, next: Option<&&str>) -> bool {
    line.trim_end()
        .rsplit(['、', ' ', '\t'])
        .next()
        .is_some_and(|last| last.contains('@'))
        && next.is_some_and(|n| {
            let n = n.trim_start();
            ["へ", "まで", "に", "宛"].iter().any(|p| n.starts_with(p))
                && NOT_A_RECIPIENT_LINE.is_match(n)
        })
}
static QUOTED_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:from|to|cc|return-path|reply-to|sender|received|message-id|x-[a-z-]+):")
        .unwrap()
});

/// How much of a report's body [`error_section`] reads.
const SECTION_READ_LIMIT: usize = 64 * 1024;

/// The error section: the report's prose before the copy of the original.
fn error_section(body: &str) -> &str {
    let body = &body[..super::smtp::floor_char_boundary(body, SECTION_READ_LIMIT)];
    // Markers are lowercase and searched case-sensitively in a lowercased
    // copy (same byte offsets): far cheaper than a case-insensitive search.
    let lowered = body.to_ascii_lowercase();
    let marker = ORIGINAL_MARKERS
        .find(&lowered)
        .map(|m| body[..m.start()].rfind('\n').map_or(0, |n| n + 1));
    // Copied headers matter only before the marker: search no further.
    let before_marker = &body[..marker.unwrap_or(body.len())];
    let end = copied_headers(before_marker).unwrap_or(before_marker.len());
    &body[..end]
}

fn is_role_address(addr: &str) -> bool {
    let local = addr
        .split('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    [
        "mailer-daemon",
        "postmaster",
        "mailerdaemon",
        "mail-daemon",
        "noreply",
        "no-reply",
        "abuse",
        "root",
        "nobody",
        "double-bounce",
    ]
    .contains(&local.as_str())
}

/// Whether the address at `at` in `line` is the envelope sender echoed in
/// a command ("MAIL FROM:<b@example.jp>", "after MAIL FROM: b@…"): never
/// a recipient, whatever else the line says.
fn is_mail_from_echo(line: &str, at: usize) -> bool {
    let before = line[..at].trim_end_matches(['<', ' ']);
    before.len() >= 5
        && before.is_char_boundary(before.len() - 5)
        && before[before.len() - 5..].eq_ignore_ascii_case("from:")
}

/// Whether the address at `at` in `line` is inside a server's quoted
/// reply — the sender it refused, the address as the server spells it —
/// rather than a heading of the report's own. A reply code comes before
/// it, and either words stand between the two ("550 5.1.10 Recipient
/// a@… not found") or the reply is introduced as one ("Remote host said:
/// 553 5.1.8 <b@…>: Sender address rejected", a transcript's "<<<",
/// Sendmail's "(reason: 550 …)").
/// Sendmail's own status line names its recipient right after the code
/// ("554 <b@example.org>... 550 Host unknown"): that is a heading.
fn in_quoted_reply(line: &str, at: usize) -> bool {
    let Some(code) = super::smtp::last_reply_code(&line[..at]) else {
        return false;
    };
    // Words, not just an enhanced status or the address's own "<".
    let words_between = line[code.end..at].split_whitespace().any(|w| {
        !w.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '<')
    });
    let introduced = || {
        let before = line[..code.start].to_ascii_lowercase();
        ["said", "<<<", "returned", "reply", "response", "reason"]
            .iter()
            .any(|w| before.contains(w))
    };
    words_between || introduced()
}

/// Recipients in the error section with the text that explains each.
/// With `only` (Exim's X-Failed-Recipients), other addresses — the
/// sender a reply quotes, an alias, a contact — neither start a
/// recipient's text nor end one.
fn recipients_in(section: &str, exclude: &[String], only: Option<&[String]>) -> Recipients {
    let lines: Vec<&str> = section.lines().collect();
    let mut hits: Vec<(usize, String)> = Vec::new();
    // Every line that names a recipient, repeats included: one recipient's
    // text ends where a line names another.
    let mut mentions: Vec<(usize, String)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        // Most lines name no address: skip them before any regex runs.
        if !line.contains('@') {
            continue;
        }
        // Exim names the sender on the line after "A message sent by".
        let after_sent_by = lines[..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.trim_end().ends_with("sent by"));
        if QUOTED_HEADER.is_match(line.trim_start())
            || NOT_A_RECIPIENT_LINE.is_match(line)
            || after_sent_by
            || contact_continues(line, lines.get(i + 1))
        {
            continue;
        }
        for m in ADDRESS.find_iter(line) {
            // An encapsulated X.500 name is no address; an encapsulated
            // SMTP one is, once decoded.
            let Some(addr) = crate::address::smtp_address(m.as_str()) else {
                continue;
            };
            if is_role_address(&addr)
                || exclude.iter().any(|e| e.eq_ignore_ascii_case(&addr))
                || only.is_some_and(|only| !only.iter().any(|o| o.eq_ignore_ascii_case(&addr)))
                || is_mail_from_echo(line, m.start())
            {
                continue;
            }
            // Once a recipient is known, a new address inside a quoted
            // reply belongs to that recipient's text.
            if !hits.is_empty()
                && !hits.iter().any(|(_, a)| a.eq_ignore_ascii_case(&addr))
                && in_quoted_reply(line, m.start())
            {
                continue;
            }
            mentions.push((i, addr.to_ascii_lowercase()));
            if !hits.iter().any(|(_, a)| a.eq_ignore_ascii_case(&addr)) {
                hits.push((i, addr));
            }
        }
    }
    let preamble = hits
        .first()
        .map(|(first, _)| lines[..*first].join(" "))
        .unwrap_or_default();
    let preamble = &preamble
        [super::smtp::floor_char_boundary(&preamble, preamble.len().saturating_sub(1500))..];
    let mut out = Vec::new();
    for (start, addr) in &hits {
        let next_start = mentions
            .iter()
            .find(|(l, a)| l > start && !a.eq_ignore_ascii_case(addr))
            .map(|(l, _)| *l)
            .unwrap_or(lines.len());
        // Everything up to the next recipient or the end of the section: the
        // explanation often follows the address after a blank line.
        // A copied header block (Return-Path:, Received:) is the original
        // message, not the explanation.
        let copy_starts = lines[*start + 1..]
            .iter()
            .position(|l| {
                let l = l.trim_start().as_bytes();
                l.len() > 12
                    && (l[..12].eq_ignore_ascii_case(b"return-path:")
                        || l[..9].eq_ignore_ascii_case(b"received:"))
            })
            .map_or(lines.len(), |p| start + 1 + p);
        // A list of what might have gone wrong ("Possible reason(s) for
        // failure:") is boilerplate, not this recipient's error.
        let boilerplate = lines[*start + 1..]
            .iter()
            .position(|l| {
                let l = l.trim_start().as_bytes();
                l.len() > 9 && l[..9].eq_ignore_ascii_case(b"possible ")
            })
            .map_or(lines.len(), |p| start + 1 + p);
        let mut end = next_start.min(start + 40).min(copy_starts).min(boilerplate);
        // The next recipient's mailer status lines are its own.
        if end == next_start {
            while end > start + 1 && MAILER_STATUS_LINE.is_match(lines[end - 1]) {
                end -= 1;
            }
        }
        out.push((addr.clone(), lines[*start..end].join(" ")));
    }
    Recipients {
        list: out,
        preamble: preamble.trim().to_owned(),
        preamble_reason: std::cell::OnceCell::new(),
    }
}

/// What [`recipients_in`] found.
struct Recipients {
    /// Each recipient with the text that follows it.
    list: Vec<(String, String)>,
    /// The text before the first recipient.
    preamble: String,
    /// What the preamble's phrases say, read once for all recipients and
    /// only when a recipient's text asks.
    preamble_reason: std::cell::OnceCell<Option<Reason>>,
}

impl Recipients {
    /// A recipient's text, with the preamble in front when the text itself
    /// says nothing — no error reply, no status, no phrase we know. Some
    /// formats state the error first and list the addresses after it
    /// ("Error message below: 550 ...", then "RCPT TO: <addr>").
    fn explained(&self, text: &str) -> Option<String> {
        if self.preamble.is_empty() {
            return None;
        }
        let found = super::smtp::scan(text);
        // Phrase rules cost a pass each: run them only when the codes leave
        // the question open.
        let codes_say_nothing = found.reply.is_none_or(|r| r < 400) && found.status.is_none();
        // Read as the diagnostic will be: a reply wrapped over lines
        // ("Connection timed\n    out") is joined with its indentation.
        let says_nothing =
            codes_say_nothing && super::classify::by_text(&super::smtp::collapse(text)).is_none();
        // A stock "user unknown" under a notice that says the account is
        // disabled: the notice is the more specific (au answers both with
        // the same reply), so both go into the diagnostic.
        let more_specific = || {
            super::classify::says_stock_unknown(&super::smtp::lowered_prefix(text))
                && *self
                    .preamble_reason
                    .get_or_init(|| super::classify::by_text(&self.preamble))
                    == Some(Reason::Suspend)
        };
        (says_nothing || more_specific()).then(|| format!("{} {text}", self.preamble))
    }
}

/// The explanation for `recipient` in a report's prose, for DSNs whose
/// Diagnostic-Code says nothing.
pub(super) struct Prose {
    section: String,
    recipients: Recipients,
}

impl Prose {
    /// Reads a report's prose once; [`Prose::for_recipient`] then answers per recipient.
    pub(super) fn read(body: &str) -> Self {
        let section = error_section(body);
        Self {
            recipients: recipients_in(section, &[], None),
            section: section.chars().take(2000).collect(),
        }
    }

    /// The text about `recipient` (with the preamble when it says nothing
    /// itself), else the whole explanation.
    pub(super) fn for_recipient(&self, recipient: Option<&str>) -> Option<Cow<'_, str>> {
        let about = recipient.and_then(|r| {
            self.recipients
                .list
                .iter()
                .find(|(a, _)| a.eq_ignore_ascii_case(r))
                .map(|(_, t)| match self.recipients.explained(t) {
                    Some(explained) => Cow::Owned(explained),
                    None => Cow::Borrowed(t.as_str()),
                })
        });
        about
            .or(Some(Cow::Borrowed(self.section.as_str())))
            .filter(|t| !t.trim().is_empty())
    }
}

/// Facts from a non-standard bounce.
pub(super) fn facts(msg: &Message<'_>, body: &str, base: &Fact, original: &Original) -> Vec<Fact> {
    let section = error_section(body);
    let mut exclude: Vec<String> = Vec::new();
    for list in [msg.to(), msg.from()].into_iter().flatten() {
        exclude.extend(list.iter().filter_map(|a| a.address()).map(str::to_owned));
    }
    if let Some(f) = &original.from {
        exclude.push(f.clone());
    }
    let failed_header = msg
        .header_raw("X-Failed-Recipients")
        .map(|v| {
            v.split(',')
                .filter_map(crate::address::smtp_address)
                .collect::<Vec<_>>()
        })
        .filter(|v| !v.is_empty());
    let mut recipients = recipients_in(section, &exclude, failed_header.as_deref());
    let mut found = std::mem::take(&mut recipients.list);
    // A listed entry's own "(reason)" is its text: the lines after it
    // name other entries, which are not all addresses.
    for (address, text) in named_in_a_list(section, body) {
        match found
            .iter_mut()
            .find(|(a, _)| a.eq_ignore_ascii_case(&address))
        {
            Some(known) => known.1 = text,
            None => found.push((address, text)),
        }
    }
    if found.is_empty() {
        // The copy's To is the failed recipient, unless the copy was a
        // mailing list's: then it is the list.
        let fallback = failed_header.or_else(|| {
            original
                .to
                .clone()
                .filter(|_| !original.from_a_list)
                .map(|t| vec![t])
        });
        let explanation: String = section.chars().take(4000).collect();
        match fallback {
            Some(addresses) => {
                found = addresses
                    .into_iter()
                    .map(|a| (a, explanation.clone()))
                    .collect()
            }
            None if !explanation.trim().is_empty()
                && reports_a_delivery(body, section, original, &explanation) =>
            {
                found.push((String::new(), explanation))
            }
            None => return Vec::new(),
        }
    }
    // A warning that the MTA is still trying is no failure.
    let action = match is_delay_warning(msg.subject().unwrap_or_default(), section) {
        true => Action::Delayed,
        false => Action::Failed,
    };
    let reporting = msg
        .from()
        .and_then(|f| f.first())
        .and_then(|a| a.address())
        .and_then(|a| a.rsplit_once('@'))
        .map(|(_, d)| d.to_ascii_lowercase());
    found
        .into_iter()
        .map(|(recipient, text)| {
            let fact = |diagnostic: String| {
                Fact {
                    recipient: (!recipient.is_empty()).then(|| recipient.clone()),
                    diagnostic,
                    reporting_mta: reporting.clone(),
                    action: Some(action),
                    format: crate::Format::Text,
                    ..base.clone()
                }
                .finish()
            };
            // Only a text without an error reply or status can need the
            // preamble; deciding costs a second scan, so ask only then.
            // The reply under its own label is the diagnostic, the prose
            // around the address its explanation.
            if let Some(error) = labelled_error(section, &recipient) {
                return fact(format!("{error}\n{text}"));
            }
            let first = fact(text.clone());
            let silent = !first.reply_code.is_some_and(crate::ReplyCode::is_failure)
                && first.status.is_none();
            if !silent {
                return first;
            }
            match recipients.explained(&text) {
                Some(explained) => fact(explained),
                None => first,
            }
        })
        .collect()
}

/// Recipients a notice lists by the name its own system knows them by,
/// which is an address only when the sender typed one: GroupWise's
/// Internet Agent writes "The message that you sent was undeliverable to
/// the following:" and then one indented "name (reason)" line each
/// ("jdoe (User not on post office)"). A name that is no address is the
/// address among the copied message's To and Cc whose local part it is;
/// a name no copied address explains is left out.
fn named_in_a_list(section: &str, body: &str) -> Vec<(String, String)> {
    static ENTRY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[ \t]+(\S+) \((.+)\)\s*$").expect("entry compiles"));
    static HEADING: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(["was undeliverable to the following"])
            .expect("heading builds")
    });
    let Some(heading) = HEADING.find(section) else {
        return Vec::new();
    };
    let mut lines = section[heading.end()..].lines();
    lines.next(); // the rest of the heading's line
    let copied = copied_recipients(body);
    lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| ENTRY.captures(l))
        .filter_map(|c| {
            let name = &c[1];
            let address = match name.contains('@') {
                true => crate::address::smtp_address(name),
                false => copied.iter().find_map(|a| {
                    let (local, _) = a.rsplit_once('@')?;
                    local.eq_ignore_ascii_case(name).then(|| a.clone())
                }),
            }?;
            Some((address, c[2].trim().to_owned()))
        })
        .collect()
}

/// The addresses in the To and Cc lines of a copy of the message in the
/// body ("Possibly truncated original message follows:", a copied header
/// block), continuation lines included.
fn copied_recipients(body: &str) -> Vec<String> {
    let body = &body[..super::smtp::floor_char_boundary(body, SECTION_READ_LIMIT)];
    let mut out = Vec::new();
    let mut in_field = false;
    for line in body.lines() {
        let lower = line.trim_start().to_ascii_lowercase();
        if lower.starts_with("to:") || lower.starts_with("cc:") {
            in_field = true;
        } else if !(in_field && line.starts_with([' ', '\t'])) {
            in_field = false;
        }
        if in_field {
            out.extend(
                ADDRESS
                    .find_iter(line)
                    .filter_map(|m| crate::address::smtp_address(m.as_str())),
            );
        }
    }
    out
}

/// Whether a notice warns that delivery is late but still being tried,
/// in the words each MTA's delay notice uses (its subject, or the head of
/// its text):
/// - Sendmail (savemail.c): "Warning: could not send message for past 4
///   hours", "THIS IS A WARNING MESSAGE ONLY";
/// - Postfix (bounce(5), delay_template): "Delayed Mail (still being
///   retried)", "THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND";
/// - Exim (spec, "Customizing warning messages"): "Warning: message … delayed
///   … hours", "has not yet been delivered to one or more of its
///   recipients", "No action is required on your part";
/// - Microsoft Exchange: "Delivery Status Notification (Delay)" (also
///   Gmail's), "Delivery delayed:", "Delivery is delayed to these
///   recipients or groups", "This message hasn't been delivered yet";
/// - Gmail: "There was a temporary problem delivering your message", "will
///   retry for … more hours";
/// - HCL/Lotus Domino (admin help, "Generating delay notifications"): its
///   "Delay report … no additional user action is required";
/// - Courier (module.dsn/dsnsubjectwarn.txt, dsndelayed.txt): "WARNING:
///   delayed mail.", "DELAYS IN DELIVERING YOUR MESSAGE", "This is an
///   advisory notice only".
///
/// (Gmail: "There was a temporary problem delivering your message".)
pub(crate) fn is_delay_warning(subject: &str, section: &str) -> bool {
    static SUBJECTS: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "warning: could not send message for past",
                "delayed mail (still being retried)",
                "delivery status notification (delay)",
                "delivery delayed",
                "warning: delayed mail",
                "mail delivery delayed",
                "delay report",
            ])
            .expect("subjects build")
    });
    // Exim's "Warning: message 1tXyZw-000777-Ab delayed 48 hours".
    let exim_warning = || {
        let subject = subject.trim_start();
        subject
            .get(..17)
            .is_some_and(|head| head.eq_ignore_ascii_case("warning: message "))
            && subject.contains(" delayed ")
    };
    // Searched in the raw text, any case: each phrase sits on one line of
    // its MTA's template (where a template wraps, the phrase stops short
    // of the break: Courier's "This is an / advisory notice only").
    static BODY: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "this is a warning message only",
                "this is a warning only",
                "has not yet been delivered to one or more of its",
                "no action is required on your part",
                "delivery is delayed to these recipients",
                "this message hasn't been delivered yet",
                "temporary problem delivering your message",
                "delays in delivering your message",
                "advisory notice only",
                "no additional user action is required",
                "mail delivery delayed",
            ])
            .expect("phrases build")
    });
    if SUBJECTS.is_match(subject) || exim_warning() {
        return true;
    }
    // Every MTA's warning says so at the top of its notice.
    BODY.is_match(&section[..super::smtp::floor_char_boundary(section, 1536)])
}

/// Whether a notice that names no failed address still reports on a
/// message that was sent: it quotes a server's reply or a status, or it
/// carries a copy of the message (attached, or below its explanation).
/// Without any of these, bounce-like words ("could not be delivered",
/// "mailbox quota exceeded") are a warning about one's own mailbox or a
/// phishing lure dressed as a bounce, not a report on a delivery.
fn reports_a_delivery(body: &str, section: &str, original: &Original, explanation: &str) -> bool {
    // error_section reads only the body's head: a section shorter than
    // that head was cut where a copy of the message begins.
    let read = &body[..super::smtp::floor_char_boundary(body, SECTION_READ_LIMIT)];
    let copy_follows = section.len() < read.trim_end().len();
    let copy_attached =
        original.message_id.is_some() || original.from.is_some() || original.subject.is_some();
    let found = super::smtp::scan(explanation);
    let quotes_a_reply = found.reply.is_some_and(|r| r >= 400) || found.status.is_some();
    copy_follows || copy_attached || quotes_a_reply
}

/// The line where a report states the remote server's reply under a label
/// of its own, away from the address: Exchange Online's "Reported error:
/// 550 5.1.10 RESOLVER.ADR.RecipientNotFound; …" and Exchange Server's
/// "Remote Server returned '550 5.1.1 …'" (the NDR layouts Microsoft
/// documents). The one naming `recipient`, else the only one.
fn labelled_error<'a>(section: &'a str, recipient: &str) -> Option<&'a str> {
    // Most reports have neither label: one case-insensitive pass says so
    // before any line is lowercased.
    static LABELS: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(["reported error:", "remote server returned '"])
            .expect("labels build")
    });
    if !LABELS.is_match(section) {
        return None;
    }
    let labelled: Vec<&str> = section
        .lines()
        .map(str::trim)
        .filter(|line| {
            let lower = line.to_ascii_lowercase();
            lower.starts_with("reported error:") || lower.contains("remote server returned '")
        })
        .collect();
    let wanted = recipient.to_ascii_lowercase();
    labelled
        .iter()
        .copied()
        .find(|line| !wanted.is_empty() && line.to_ascii_lowercase().contains(&wanted))
        .or_else(|| (labelled.len() == 1).then(|| labelled[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mailer_status_line_belongs_to_the_recipient_after_it() {
        let section = "   ----- Transcript of session follows -----\n\
            554 <ann@example.edu>... Remote protocol error: Connection reset by peer\n\
            550 example.org (smtp)... 550 Host unknown\n\
            554 <bob@example.org>... 550 Host unknown (Authoritative answer from name server)\n";
        let r = recipients_in(section, &[], None).list;
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].0, "ann@example.edu");
        assert!(!r[0].1.contains("Host unknown"), "{}", r[0].1);
        assert!(r[1].1.contains("550 Host unknown"), "{}", r[1].1);
    }

    #[test]
    fn a_sender_quoted_in_the_reply_does_not_end_the_recipients_text() {
        // Exim: the reply names the envelope sender; X-Failed-Recipients
        // says which address failed.
        let section = "The following address(es) failed:\n\n  a@example.net\n    host mx.example.net [192.0.2.9]\n    SMTP error from remote mail server after RCPT TO:<a@example.net>:\n    553 5.1.8 <b@example.jp>: Sender address rejected: Domain not found\n";
        let failed = ["a@example.net".to_owned()];
        let r = recipients_in(section, &[], Some(&failed)).list;
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(r[0].1.contains("Sender address rejected"), "{}", r[0].1);
        // Without the header, the address after MAIL FROM: is the sender's.
        let section = "  a@example.net\n    SMTP error from remote mail server after MAIL FROM:<b@example.jp> SIZE=1543:\n    550 5.7.1 Please use the smtp server of your ISP\n";
        let r = recipients_in(section, &[], None).list;
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].0, "a@example.net");
        assert!(r[0].1.contains("550 5.7.1"), "{}", r[0].1);
    }

    #[test]
    fn an_address_in_a_quoted_reply_is_not_a_heading() {
        let said = "Remote host said: 553 5.1.8 <b@example.jp>: Sender address rejected";
        assert!(in_quoted_reply(said, said.find("b@").unwrap()));
        let words = "550 5.1.10 Recipient a@contoso.example not found";
        assert!(in_quoted_reply(words, words.find("a@").unwrap()));
        // Sendmail's status line: the recipient right after the code.
        let heading = "554 <bob@example.org>... 550 Host unknown";
        assert!(!in_quoted_reply(heading, heading.find("bob@").unwrap()));
        let heading = "550 5.1.1 <bob@example.org>... User unknown";
        assert!(!in_quoted_reply(heading, heading.find("bob@").unwrap()));
        // No code before it at all.
        assert!(!in_quoted_reply("<a@example.net>:", 1));
    }

    #[test]
    fn a_long_notice_without_a_copy_or_a_reply_reports_no_delivery() {
        let words =
            "4 incoming messages could not be delivered: your mailbox quota has been exceeded.\n";
        let long = words.repeat(2 * SECTION_READ_LIMIT / words.len());
        let original = Original::default();
        assert!(!reports_a_delivery(
            &long,
            error_section(&long),
            &original,
            words
        ));
        // The same words above a copy of the message it concerns do.
        let with_copy =
            format!("{words}\n--- Below this line is a copy of the message.\n\nhello\n");
        assert!(reports_a_delivery(
            &with_copy,
            error_section(&with_copy),
            &original,
            words
        ));
        // So does a quoted reply.
        let reply = "550 5.2.2 mailbox full";
        assert!(reports_a_delivery(
            reply,
            error_section(reply),
            &original,
            reply
        ));
    }

    #[test]
    fn groupwise_names_are_mapped_to_the_copied_addresses() {
        let body = "The message that you sent was undeliverable to the following:\n\
            \tjdoe (User not on post office)\n\
            \tk.sato@example.net (Mailbox full)\n\
            \tnobody (User not on post office)\n\
            \n\
            Possibly truncated original message follows:\n\
            \n\
            From: news@example.jp\n\
            To: JDoe@corp.example.com,\n\
            \tk.sato@example.net\n\
            Subject: hello\n";
        let section = error_section(body);
        let found = named_in_a_list(section, body);
        assert_eq!(
            found,
            [
                (
                    "JDoe@corp.example.com".to_owned(),
                    "User not on post office".to_owned()
                ),
                ("k.sato@example.net".to_owned(), "Mailbox full".to_owned()),
            ]
        );
        // No list heading: nothing.
        assert!(named_in_a_list("\tjdoe (User not on post office)\n", body).is_empty());
    }

    #[test]
    fn delay_warnings_are_told_from_failures() {
        assert!(is_delay_warning(
            "Warning: message 1tXyZw-000777-Ab delayed 24 hours",
            ""
        ));
        assert!(is_delay_warning("Delayed Mail (still being retried)", ""));
        assert!(is_delay_warning(
            "Undeliverable",
            "    **      THIS IS A WARNING MESSAGE ONLY      **\n"
        ));
        // Failures, in the same MTAs' words.
        assert!(!is_delay_warning(
            "Mail delivery failed: returning message to sender",
            "A message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error."
        ));
        assert!(!is_delay_warning(
            "Returned mail: Cannot send message for 5 days",
            "Message could not be delivered for 5 days\nMessage will be deleted from queue"
        ));
        assert!(!is_delay_warning("Warning: message filtered", ""));
    }

    #[test]
    fn qmail_style() {
        let body = "Hi. This is the qmail-send program at mx.example.jp.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n\n<user@example.net>:\n192.0.2.1 does not like recipient.\nRemote host said: 550 5.1.1 unknown user\n\n--- Below this line is a copy of the message.\n\nTo: user@example.net\n";
        let section = error_section(body);
        assert!(!section.contains("Below this line"));
        let r = recipients_in(section, &[], None).list;
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, "user@example.net");
        assert!(r[0].1.contains("550 5.1.1 unknown user"));
    }
}

//! What SMTP text says, whatever wraps it: reply codes, enhanced status
//! codes, the failed command, the remote host and IP, and the sender's IP
//! when a receiver quotes it (`from [203.0.113.7]`).

use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;
use regex_automata::meta::Regex as MetaRegex;
use regex_automata::{Anchored, Input};

/// What [`scan`] found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Found {
    /// Reply code.
    pub reply: Option<u16>,
    /// Enhanced status.
    pub status: Option<String>,
    /// The enhanced status that follows an error reply code of the same
    /// class (`450 4.7.1`): the remote server's own, where a report's
    /// Status field may carry the reporting MTA's rewrite of it.
    pub reply_status: Option<String>,
    /// Failed command.
    pub command: Option<String>,
    /// Remote host name.
    pub remote_host: Option<String>,
    /// Remote IP.
    pub remote_ip: Option<IpAddr>,
    /// Sender's outbound IP named by the receiver.
    pub sender_ip: Option<IpAddr>,
}

// The code patterns below start at their first digit; what may precede
// them is checked by hand ([`Code::find_iter`]), so that a SIMD search for the
// digits 2, 4 and 5 finds where to try them. Written as one regex with its
// leading context, each cost a byte-by-byte pass over every diagnostic.
static REPLY: LazyLock<Code> = LazyLock::new(|| Code {
    // Not followed by a digit after a dot (an IP address: "[203.0.113.9]"),
    // nor by a colon unless a space follows (Yahoo's "550: 5.1.1 …", not an
    // IPv6 group).
    pattern: MetaRegex::new(r"[245][0-5][0-9](?:[ \-]|$|[,;)]|\.(?:[^0-9]|$)|:(?: |$))").unwrap(),
    // Japanese notices put a reply after a full-width colon or bracket
    // ("理由：550 …", "「550 …」").
    after: |c| c.is_whitespace() || ":;([#=\"：「（'".contains(c),
});
static STATUS: LazyLock<Code> = LazyLock::new(|| Code {
    pattern: MetaRegex::new(r"[245]\.[0-9]{1,3}\.[0-9]{1,3}(?:[^0-9.]|\.(?:[^0-9]|$)|$)").unwrap(),
    after: |c| !c.is_ascii_digit() && c != '.',
});
static REPLY_STATUS: LazyLock<Code> = LazyLock::new(|| Code {
    pattern: MetaRegex::new(r"[45][0-5][0-9][ \-]'?[45]\.[0-9]{1,3}\.[0-9]{1,3}(?:[^0-9.]|$)")
        .unwrap(),
    after: |c| !c.is_ascii_digit(),
});

/// A code pattern and what may come right before it.
struct Code {
    pattern: MetaRegex,
    /// Whether a match may follow this character (the text's start always may).
    after: fn(char) -> bool,
}

impl Code {
    /// The matches in `text`, in order, not overlapping.
    fn find_iter<'t>(&'t self, text: &'t str) -> impl Iterator<Item = &'t str> + 't {
        let mut resume = 0;
        memchr::memchr3_iter(b'2', b'4', b'5', text.as_bytes()).filter_map(move |at| {
            if at < resume || !text[..at].chars().next_back().is_none_or(self.after) {
                return None;
            }
            let m = self
                .pattern
                .find(Input::new(text).range(at..).anchored(Anchored::Yes))?;
            resume = m.end();
            Some(&text[m.range()])
        })
    }
}

static COMMAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:(?-u:\b)(?:in reply to|after|response to|did not like our|most progress was|smtp command:?|smtp:)\s*(?:the\s+)?|>>>\s*|\[)(rcpt to|rcpt_to|mail from|mail_from|data|helo|ehlo|starttls|auth|end of data|initial connection|rcpt|mail)(?-u:\b)").unwrap()
});
static HOST_SAID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u:\b)(?:(?:host|server|mx|connect to)\s+|h=)([a-z0-9][a-z0-9.\-]*\.[a-z]{2,})\.?\s*\[([0-9a-f:.]+)\]",
    )
    .unwrap()
});
/// Other ways reports name the receiving server: Gmail's "[mx.example.jp
/// 198.51.100.20: timed out]", Exchange's "The last endpoint attempted was
/// 192.0.2.10:25", a DSN's or a report's "Remote-MTA: dns; host [IP]".
static REMOTE_ELSEWHERE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\[([a-z0-9][a-z0-9.\-]*\.[a-z]{2,}) ((?:[0-9]{1,3}\.){3}[0-9]{1,3}):|(?:endpoint attempted was|lastattemptedip=|last attempted ip(?: address)?:?|remote server ip:?|remote-mta: dns;\s*[a-z0-9.\-]*\s*\[?)\s*((?:[0-9]{1,3}\.){3}[0-9]{1,3})",
    )
    .unwrap()
});
static FROM_IP: LazyLock<Regex> = LazyLock::new(|| {
    // Also Gmail's "4.7.0 [203.0.113.25      15] …" (the sending address
    // and a score right after the status), and "203.0.113.25 listed at …".
    Regex::new(r"(?:from|client host|client|your ip|sender ip|sending ip|ip address|messages from|the mail server|connecting ip|blocked:?|listed:?|address|ip=)\s*[\[(]?((?:[0-9]{1,3}\.){3}[0-9]{1,3})[\])]?|^[245][0-9][0-9][ \-][245]\.[0-9]{1,3}\.[0-9]{1,3} \[((?:[0-9]{1,3}\.){3}[0-9]{1,3})(?: +[0-9]+)?\]|((?:[0-9]{1,3}\.){3}[0-9]{1,3}) (?:is )?(?:listed|blocked|blacklisted) ").unwrap()
});
/// Words right before an IP that make it the receiver's, not ours: a
/// report's "last attempted IP", "remote server", "destination".
fn names_the_receiver(before: &str) -> bool {
    let tail = &before[floor_char_boundary(before, before.len().saturating_sub(32))..];
    [
        "attempted",
        "remote",
        "receiving",
        "destination",
        "target",
        "mx ",
    ]
    .iter()
    .any(|w| tail.contains(w))
}

/// Where the last reply code in `text` is: the byte range of its match
/// (the code and the character after it), by the same rules [`scan`] reads
/// codes with.
pub(crate) fn last_reply_code(text: &str) -> Option<std::ops::Range<usize>> {
    REPLY.find_iter(text).last().map(|m| {
        let start = m.as_ptr() as usize - text.as_ptr() as usize;
        start..start + m.len()
    })
}

/// Collapses whitespace runs and trims.
pub fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace().filter(|w| !is_rule_line(w)) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A run of one decoration character ("#####", "-----", "=====") that
/// notices draw as banners and rules: it says nothing, and in a collapsed
/// diagnostic it only pushes the words out of view.
fn is_rule_line(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() >= 4
        && matches!(b[0], b'#' | b'=' | b'-' | b'*' | b'_' | b'~')
        && b.iter().all(|&c| c == b[0])
}

static CONTINUATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)([245][0-9][0-9])-(?:([245]\.[0-9]{1,3}\.[0-9]{1,3}) )?").unwrap()
});

/// A multi-line reply (`550-5.7.1 first line`, `550 5.7.1 last line`) read
/// as one sentence: the repeated code prefixes, which split phrases in two
/// ("multiple 550 5.7.1 addresses"), are dropped after the first.
pub fn join_continuations(text: &str) -> String {
    // Cheap test first: a continuation needs three digits and a dash.
    let b = text.as_bytes();
    if !memchr::memchr_iter(b'-', b).any(|i| i >= 3 && b[i - 3..i].iter().all(u8::is_ascii_digit)) {
        return text.to_owned();
    }
    let Some(first) = CONTINUATION.captures(text) else {
        return text.to_owned();
    };
    let code = &first[1];
    let mut prefixes = Vec::new();
    if let Some(status) = first.get(2) {
        let status = status.as_str();
        prefixes.push(format!(" {code}-{status} "));
        prefixes.push(format!(" {code} {status} "));
    }
    prefixes.push(format!(" {code}-"));
    let head_end = first.get(0).map_or(0, |m| m.end());
    let mut rest = format!(" {}", &text[head_end..]);
    for prefix in &prefixes {
        rest = rest.replace(prefix.as_str(), " ");
    }
    format!("{}{}", &text[..head_end], rest.trim_start())
}

/// Statuses that say little (x.0.0): more specific ones in the text win.
pub fn is_generic_status(s: &str) -> bool {
    s.ends_with(".0.0")
}

/// Finds what SMTP text carries.
pub fn scan(text: &str) -> Found {
    scan_for(text, true)
}

/// [`scan`], leaving out the failed command when the caller already
/// looked for it.
pub(crate) fn scan_for(text: &str, command: bool) -> Found {
    scan_lowered(&lowered_prefix(text), command)
}

/// How much of a text the scans read: diagnostics are short, hostile input
/// is not.
pub(crate) const SCANNED_BYTES: usize = 4096;

/// The scanned prefix of `text`, ASCII-lowercased. Patterns are lowercase
/// and case-sensitive; ASCII lowercasing keeps offsets, host names are
/// lowercase anyway, commands are normalised.
pub(crate) fn lowered_prefix(text: &str) -> String {
    text[..floor_char_boundary(text, SCANNED_BYTES)].to_ascii_lowercase()
}

/// [`scan_for`] on text already passed through [`lowered_prefix`].
pub(crate) fn scan_lowered(text: &str, command: bool) -> Found {
    let mut found = Found::default();
    // In a transcript the first code is a greeting or an OK: the first
    // error reply is the one that matters.
    // Matches are found without capture groups (the values are cut out of
    // each match by hand): capturing costs a second engine run per match.
    let mut first_reply = None;
    found.reply = REPLY
        .find_iter(text)
        .filter_map(|m| leading_number(m).parse::<u16>().ok())
        .inspect(|r| {
            first_reply.get_or_insert(*r);
        })
        .find(|r| *r >= 400)
        .or(first_reply);
    let statuses: Vec<String> = STATUS
        .find_iter(text)
        .map(|m| status_in(m).to_owned())
        .filter(|s| valid_status(s))
        .collect();
    // Prefer a status whose class agrees with the reply code, and a specific one over x.0.0.
    let class = found.reply.map(|r| (r / 100).to_string());
    found.status = statuses
        .iter()
        .find(|s| !is_generic_status(s) && class.as_deref().is_none_or(|c| s.starts_with(c)))
        .or_else(|| statuses.first())
        .cloned();
    // A reply followed by a status needs both to be there at all.
    let pairs = found.reply.is_some() && !statuses.is_empty();
    found.reply_status = pairs
        .then(|| REPLY_STATUS.find_iter(text))
        .into_iter()
        .flatten()
        .find_map(|m| {
            let reply = leading_number(m);
            let status = status_in(&m[m.find(reply).unwrap_or(0) + reply.len()..]);
            (reply.get(..1) == status.get(..1)).then(|| status.to_owned())
        })
        .filter(|s| valid_status(s) && !is_generic_status(s));
    if found.reply_status.is_some() {
        found.status.clone_from(&found.reply_status);
    }
    if command {
        found.command = failed_command_lowered(text);
    }
    if text.contains('[')
        && let Some(c) = HOST_SAID.captures(text)
    {
        found.remote_host = Some(c[1].to_ascii_lowercase());
        found.remote_ip = c[2].parse().ok();
    }
    if found.remote_ip.is_none()
        && let Some(c) = REMOTE_ELSEWHERE.captures(text)
    {
        if let Some(host) = c.get(1) {
            found.remote_host = Some(host.as_str().to_ascii_lowercase());
        }
        found.remote_ip = c.get(2).or(c.get(3)).and_then(|m| m.as_str().parse().ok());
    }
    found.sender_ip = FROM_IP
        .captures_iter(text)
        .filter(|c| {
            c.get(0)
                .is_some_and(|m| !names_the_receiver(&text[..m.start()]))
        })
        .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)))
        .filter_map(|m| m.as_str().parse::<IpAddr>().ok())
        .find(|ip| Some(*ip) != found.remote_ip);
    found
}

/// The first run of digits in `s`.
fn leading_number(s: &str) -> &str {
    let start = s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
    let rest = &s[start..];
    &rest[..rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len())]
}

/// The first `d.d.d` run in `s` (a STATUS match), without a trailing dot.
fn status_in(s: &str) -> &str {
    let start = s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
    let rest = &s[start..];
    rest[..rest
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(rest.len())]
        .trim_end_matches('.')
}

/// The command the error answered: what "in reply to X" names; else, in a
/// transcript (`>>> RCPT TO`, `<<< 550 ...`), the last command sent before
/// the first error reply; else the first command mentioned.
pub fn failed_command(text: &str) -> Option<String> {
    // Most texts name no command: the word search runs before any
    // lowercasing, and only a text it lets through is lowercased.
    named_command(&text[..floor_char_boundary(text, 4096)], |text| {
        command_in_lowered(&text.to_ascii_lowercase())
    })
}

/// How MTAs name the stage a remote server refused at in their own words:
/// qmail-remote's phrases, and Postfix smtp(8)'s "host … refused to talk
/// to me: <reply>" (smtp_proto.c: the greeting was a refusal, whatever
/// the reply after it says).
const STAGE_PHRASES: [(&str, &str); 7] = [
    ("but greeting failed", "CONN"),
    ("refused to talk to me", "CONN"),
    ("but my name was rejected", "HELO"),
    ("but sender was rejected", "MAIL"),
    ("does not like recipient", "RCPT"),
    ("failed on data command", "DATA"),
    ("failed after i sent the message", "DATA"),
];

/// Words without which [`COMMAND`] cannot match: most texts name no
/// command at all, and one pass over them for these (with the stage
/// phrases) skips the regex.
const COMMAND_GATE: [&str; 11] = [
    "reply to",
    "after",
    ">>>",
    "response to",
    "did not like",
    "command",
    "most progress",
    "smtp:",
    "[rcpt_to]",
    "[mail_from]",
    "[data]",
];

static COMMAND_WORDS: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    // Leftmost-first: a qmail phrase wins over a gate word inside it
    // ("failed after i sent" over "after").
    aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .ascii_case_insensitive(true)
        .build(
            STAGE_PHRASES
                .iter()
                .map(|(words, _)| *words)
                .chain(COMMAND_GATE),
        )
        .expect("valid")
});

/// The stage phrases decide at once; without any [`COMMAND_GATE`] word
/// no command can be named; else `search_command` decides.
fn named_command(
    text: &str,
    search_command: impl FnOnce(&str) -> Option<String>,
) -> Option<String> {
    let mut gated = false;
    for m in COMMAND_WORDS.find_iter(text) {
        match STAGE_PHRASES.get(m.pattern().as_usize()) {
            Some((_, stage)) => return Some((*stage).to_owned()),
            None => gated = true,
        }
    }
    if gated { search_command(text) } else { None }
}

fn failed_command_lowered(text: &str) -> Option<String> {
    named_command(text, command_in_lowered)
}

/// The command [`COMMAND`] finds in lowercased text.
fn command_in_lowered(text: &str) -> Option<String> {
    let matches: Vec<regex::Match> = COMMAND.find_iter(text).collect();
    // The command ends each match (the pattern's last group).
    let command = |m: &regex::Match| {
        let m = m.as_str();
        COMMAND_NAMES
            .iter()
            .find(|c| m.ends_with(*c))
            .map(|c| normalise_command(c))
    };
    if let Some(m) = matches
        .iter()
        .find(|m| m.as_str().starts_with("in reply to"))
    {
        return command(m);
    }
    let first_error = ERROR_REPLY.find(text).map(|m| m.start());
    let before_error = first_error.and_then(|at| matches.iter().rev().find(|m| m.start() < at));
    before_error.or(matches.first()).and_then(command)
}

/// The commands `COMMAND` names, longest first (so "rcpt to" wins over "rcpt").
const COMMAND_NAMES: [&str; 13] = [
    "initial connection",
    "end of data",
    "mail_from",
    "mail from",
    "rcpt_to",
    "starttls",
    "rcpt to",
    "data",
    "helo",
    "ehlo",
    "auth",
    "rcpt",
    "mail",
];

static ERROR_REPLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)(?:^|<<<\s*|said:\s*)[45][0-5][0-9][ \-]").unwrap());

fn valid_status(s: &str) -> bool {
    let mut parts = s.split('.');
    let (_, subject, detail) = (
        parts.next(),
        parts.next().and_then(|p| p.parse::<u16>().ok()),
        parts.next().and_then(|p| p.parse::<u16>().ok()),
    );
    matches!((subject, detail), (Some(s), Some(_)) if s <= 7)
}

fn normalise_command(c: &str) -> String {
    let upper = c.to_ascii_uppercase();
    match upper.as_str() {
        "RCPT TO" | "RCPT_TO" | "RCPT" => "RCPT".into(),
        "MAIL FROM" | "MAIL_FROM" | "MAIL" => "MAIL".into(),
        "END OF DATA" | "DATA" => "DATA".into(),
        "EHLO" | "HELO" => "HELO".into(),
        "INITIAL CONNECTION" => "CONN".into(),
        other => other.into(),
    }
}

/// The largest index ≤ `at` on a char boundary.
pub fn floor_char_boundary(s: &str, at: usize) -> usize {
    if at >= s.len() {
        return s.len();
    }
    (0..=at).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0)
}

#[cfg(test)]
mod continuation_tests {
    use super::join_continuations;

    #[test]
    fn multi_line_replies_read_as_one() {
        assert_eq!(
            join_continuations(
                "550-5.7.1 Messages with multiple 550-5.7.1 addresses in From: 550 5.7.1 are not accepted."
            ),
            "550-5.7.1 Messages with multiple addresses in From: are not accepted."
        );
        assert_eq!(
            join_continuations("550 5.1.1 user unknown"),
            "550 5.1.1 user unknown"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners_and_rules_are_dropped_from_collapsed_text() {
        assert_eq!(
            collapse("#####\n## bounce notice ##\n-----\nreject reason: Mailbox full\n====="),
            "## bounce notice ## reject reason: Mailbox full"
        );
        // Short runs and mixed punctuation are words.
        assert_eq!(collapse("--- a -+-+ b ***"), "--- a -+-+ b ***");
        assert_eq!(collapse("550 5.1.1 <a@b>"), "550 5.1.1 <a@b>");
    }

    #[test]
    fn microsoft_throttling() {
        let f = scan("451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)");
        assert_eq!(f.reply, Some(451));
        assert_eq!(f.status.as_deref(), Some("4.7.500"));
        assert_eq!(f.sender_ip, Some("203.0.113.7".parse().unwrap()));
    }

    #[test]
    fn an_address_is_not_a_reply_code_and_yahoos_colon_form_is() {
        // The IP's first octet is not a reply.
        let f = scan("connect to mx.example.org[203.0.113.225]:25: Connection timed out");
        assert_eq!(f.reply, None);
        let f = scan("lost connection with 2a00:1450:4864:20::52c while sending RCPT TO");
        assert_eq!(f.reply, None);
        // "<a@b>: 550: 5.2.2 …": the code carries a colon.
        let f = scan("<a@example.org>: 550: 5.2.2 <a@example.org>... Mailbox Full");
        assert_eq!((f.reply, f.status.as_deref()), (Some(550), Some("5.2.2")));
        // A sentence may end on a code.
        assert_eq!(scan("the server answered 554.").reply, Some(554));
    }

    #[test]
    fn a_refused_greeting_is_the_connection_stage() {
        // Postfix smtp(8), smtp_proto.c: the greeting itself was the refusal.
        let f = scan(
            "delivery temporarily suspended: host mx.example.net[192.0.2.9] refused to talk to me: 421 4.3.2 All server ports are busy",
        );
        assert_eq!(
            (f.reply, f.status.as_deref(), f.command.as_deref()),
            (Some(421), Some("4.3.2"), Some("CONN"))
        );
    }

    #[test]
    fn postfix_said() {
        let f = scan(
            "host mx1.example.net[198.51.100.4] said: 550 5.1.1 <a@example.net>: Recipient address rejected (in reply to RCPT TO command)",
        );
        assert_eq!(
            (f.reply, f.status.as_deref(), f.command.as_deref()),
            (Some(550), Some("5.1.1"), Some("RCPT"))
        );
        assert_eq!(f.remote_host.as_deref(), Some("mx1.example.net"));
        assert_eq!(f.remote_ip, Some("198.51.100.4".parse().unwrap()));
        assert_eq!(f.sender_ip, None);
        // A DNSBL refusal names our sending server as the client.
        let f = scan(
            "host mx.example.net[192.0.2.1] said: 550 5.7.1 service unavailable; client [203.0.113.7] blocked using zen.spamhaus.org",
        );
        assert_eq!(f.sender_ip, Some("203.0.113.7".parse().unwrap()));
        assert_eq!(f.remote_ip, Some("192.0.2.1".parse().unwrap()));
        // A report's last attempted address is the receiver's.
        let f = scan("remote server: mx.example.org; last attempted ip address: 198.51.100.9");
        assert_eq!(f.sender_ip, None);
    }

    #[test]
    fn stages_named_by_qmail_x3_and_yahoo_in_their_own_words() {
        for (text, stage) in [
            (
                "Sorry, no SMTP connection got far enough; most progress was RCPT TO response; remote host 192.0.2.32 said: 550 Unknown user",
                "RCPT",
            ),
            (
                "Technical details: SMTP:RCPT host 192.0.2.8: 553 5.3.0 <a@example.com>... No such user here",
                "RCPT",
            ),
            (
                "Remote host said: 550 5.2.1 <a@example.jp>... User Unknown [RCPT_TO]",
                "RCPT",
            ),
            ("Remote host said: 554 Message rejected [MAIL_FROM]", "MAIL"),
            (
                "192.0.2.25 does not like recipient. Remote host said: 550 5.1.1 <a@example.net>: User unknown",
                "RCPT",
            ),
            (
                "Connected to 192.0.2.25 but sender was rejected. Remote host said: 550 5.7.1 Access denied",
                "MAIL",
            ),
            (
                "192.0.2.25 failed after I sent the message. Remote host said: 554 5.7.1 Spam",
                "DATA",
            ),
        ] {
            assert_eq!(scan(text).command.as_deref(), Some(stage), "{text}");
        }
        // A bracketed word that only begins like a command is not one.
        assert_eq!(scan("550 rejected [database_error]").command, None);
    }

    #[test]
    fn qmail_status_and_no_false_codes() {
        assert_eq!(
            scan("Sorry, I couldn't find any host by that name. (#5.1.2)")
                .status
                .as_deref(),
            Some("5.1.2")
        );
        assert_eq!(scan("version 1.2.3 of something").status, None);
        assert_eq!(scan("192.0.2.250 refused").reply, None);
    }
}

#[cfg(test)]
mod code_tests {
    use super::*;

    #[test]
    fn codes_need_their_left_context() {
        let replies: Vec<_> = REPLY
            .find_iter("x550 (551) 552-more\u{3000}553 ok 1554 ")
            .collect();
        assert_eq!(replies, ["551)", "552-", "553 "]);
        let statuses: Vec<_> = STATUS.find_iter("5.1.1 4.2.2; v15.1.1 #5.7.1.").collect();
        // Back-to-back codes are both found; one glued to a digit is not.
        assert_eq!(statuses, ["5.1.1 ", "4.2.2;", "5.7.1."]);
        let pairs: Vec<_> = REPLY_STATUS.find_iter("550-5.7.1 x 1451 4.7.0 ").collect();
        assert_eq!(pairs, ["550-5.7.1 "]);
    }
}

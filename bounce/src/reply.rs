//! A bare SMTP reply pasted on its own: `451 4.7.500 Server busy…`, one
//! line or the multi-line `550-` form.

use std::sync::LazyLock;

use regex::Regex;

use crate::{Action, Fact, smtp};

static REPLY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*([245][0-5][0-9])(?:[ \-]([245]\.\d{1,3}\.\d{1,3}))?[ \-]\S").unwrap()
});

/// Whether the first non-empty line starts with a reply code.
pub fn starts_like_reply(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| REPLY_LINE.is_match(l))
}

/// A pasted reply such as `451 4.7.500 Server busy...` (one or more lines,
/// the multi-line `550-` form included).
pub fn bare_reply(text: &str, source: &str) -> Option<Fact> {
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    let c = REPLY_LINE.captures(first)?;
    // A reply is a few lines, not a message with headers.
    if text.lines().count() > 20
        || text
            .lines()
            .any(|l| l.starts_with("Received:") || l.starts_with("From:"))
    {
        return None;
    }
    let reply: u16 = c[1].parse().ok()?;
    let text = smtp::collapse(&text.lines().map(|l| l.trim()).collect::<Vec<_>>().join(" "));
    Some(
        Fact {
            source: source.to_owned(),
            action: Some(if reply >= 500 {
                Action::Failed
            } else {
                Action::Delayed
            }),
            reply_code: crate::ReplyCode::new(reply),
            status: c.get(2).and_then(|m| crate::types::status(m.as_str())),
            diagnostic: text,
            format: crate::Format::SmtpReply,
            ..Fact::default()
        }
        .finish(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_replies() {
        let f = bare_reply(
            "451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)",
            "-",
        )
        .unwrap();
        assert_eq!(
            (
                f.reply_code.map(crate::ReplyCode::get),
                f.status.as_deref(),
                f.reason.as_str()
            ),
            (Some(451), Some("4.7.500"), "ratelimited")
        );
        let g = bare_reply("421-4.7.28 Our system has detected an unusual rate of\n421-4.7.28 unsolicited mail originating from your IP address.", "-").unwrap();
        assert_eq!(g.reason.as_str(), "ratelimited");
        assert!(bare_reply("Hello there", "-").is_none());
    }
}

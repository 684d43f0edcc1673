//! The rules no answer may break, in both languages: an answer that says
//! two things is worse than none. Every text of a [`Verdict`] is written
//! from one derived record (actor, retry, whether retrying can help, what
//! happens to the message, the incident relied on); these rules read the
//! texts back and say where they disagree with it or with each other. The
//! golden tables, a property test over random pastes and the router tests
//! apply them to every answer they produce.

use super::{Fate, Verdict};
use crate::knowledge::{Actor, cause};

/// Words that promise the message is still being retried.
const RETRYING: &[&str] = &["keeps retrying", "keep retrying", "再送を続け"];
/// Words that say it was given up.
const GIVEN_UP: &[&str] = &[
    "will not be retried",
    "is not retried",
    "自動的に再送されることはありません",
    "再送されません",
];
/// Words that say it may still arrive without anyone doing anything.
const MAY_ARRIVE: &[&str] = &["may still arrive", "このまま届く"];
/// Words that say the customer has nothing to do.
const NOTHING_TO_DO: &[&str] = &["do not need to do anything", "操作は不要"];
/// Words with which we promise to fix the cause ourselves.
const WE_FIX: &[&str] = &[
    "We are dealing with the cause",
    "We are removing the cause",
    "当社で対応",
    "当社で原因の解消",
];
/// An apology.
const APOLOGY: &[&str] = &["We are sorry", "we are sorry", "申し訳"];
/// A placeholder where a recipient or a domain was missing.
const PLACEHOLDERS: &[&str] = &["(?)", "（?）", "? —", " ? ", "()", "（）"];

fn any(text: &str, words: &[&'static str]) -> Option<&'static str> {
    // The words are 'static; find the first one the text holds.
    words.iter().find(|w| text.contains(**w)).copied()
}

/// Every contradiction in `v`, one line each (empty: none).
pub fn contradictions(v: &Verdict) -> Vec<String> {
    let mut out = Vec::new();
    let reply = [&v.customer_reply.en, &v.customer_reply.ja];
    let staff = [
        format!("{} {} {}", v.what_happened.en, v.action.en, v.who_acts.en),
        format!("{}{}{}", v.what_happened.ja, v.action.ja, v.who_acts.ja),
    ];
    let mut say = |what: String| out.push(what);
    for text in reply {
        if let Some(w) = any(text, PLACEHOLDERS) {
            say(format!("a placeholder ({w}) in the reply: {text}"));
        }
        match v.fate {
            Fate::Returned | Fate::NotSent | Fate::Delivered => {
                if let Some(w) = any(text, RETRYING).or_else(|| any(text, MAY_ARRIVE)) {
                    say(format!(
                        "{:?}, but the reply says it is retried ({w})",
                        v.fate
                    ));
                }
            }
            Fate::Queued => {
                if let Some(w) = any(text, GIVEN_UP) {
                    say(format!(
                        "still queued, but the reply says it was given up ({w})"
                    ));
                }
            }
            Fate::Unknown => {
                if v.retry && any(text, GIVEN_UP).is_some() {
                    say("a bare temporary reply, but the reply says it was given up".into());
                }
                if !v.retry
                    && let Some(w) = any(text, RETRYING)
                {
                    say(format!(
                        "a bare permanent reply, but the reply says it is retried ({w})"
                    ));
                }
            }
        }
        if !v.retry_can_help
            && let Some(w) = any(text, MAY_ARRIVE)
        {
            say(format!(
                "retrying cannot help, but the reply says it may still arrive ({w})"
            ));
        }
        if v.nothing_to_do
            && any(text, NOTHING_TO_DO).is_none()
            && v.cause != cause::Cause::AutoReply
        {
            say("nothing to do, but the reply does not say so".into());
        }
        if !v.nothing_to_do
            && matches!(v.actor, Actor::Sender)
            && let Some(w) = any(text, NOTHING_TO_DO)
        {
            say(format!(
                "the sender must act, but the reply says nothing to do ({w})"
            ));
        }
        let ours = matches!(v.actor, Actor::SenderProvider)
            || (v.actor == Actor::BlocklistOperator && cause::sending_ip(v.cause));
        match (ours, any(text, APOLOGY)) {
            (true, None) => say("our side is the cause, but the reply does not apologise".into()),
            (false, Some(w)) => say(format!(
                "the reply apologises ({w}) for a cause that is not ours"
            )),
            _ => {}
        }
        let resolved = v.incident.as_ref().is_some_and(|m| {
            matches!(m.status.as_str(), "resolved" | "monitoring") || m.ended_at.is_some()
        });
        // The issuer says nothing needs doing; the reply must not take on
        // work of ours.
        let issuer_says_none = v.incident.as_ref().is_some_and(|m| {
            ["不要", "no need", "not needed", "no action"]
                .iter()
                .any(|w| m.advice.ja.contains(w) || m.advice.en.to_ascii_lowercase().contains(w))
        });
        if issuer_says_none && let Some(w) = any(text, WE_FIX) {
            say(format!(
                "the incident says nothing is needed, but the reply takes on work ({w})"
            ));
        }
        if let Some(w) = any(text, WE_FIX) {
            if !ours {
                say(format!("promises a fix ({w}) that is not ours to make"));
            }
            if resolved {
                say(format!(
                    "the incident is resolved, but the reply says we are working on it ({w})"
                ));
            }
        }
        if v.incident.is_some()
            && let Some(w) = any(text, &["without saying why", "理由は示されていません"])
        {
            say(format!(
                "an incident gives the reason, but the reply says none was given ({w})"
            ));
        }
    }
    let ja = &v.customer_reply.ja;
    if ja.contains("お届けできていません")
        && (ja.contains("届いておらず") || ja.contains("配送されておらず"))
    {
        say("the reply says twice that the message was not delivered".into());
    }
    for text in &staff {
        if !v.retry
            && let Some(w) = any(
                text,
                &[
                    "自動的に再送します",
                    "自動で再送します",
                    "retries by itself",
                    "will retry automatically",
                ],
            )
        {
            say(format!(
                "not retried, but the staff text says the server retries ({w})"
            ));
        }
        if matches!(v.fate, Fate::Returned | Fate::NotSent)
            && let Some(w) = any(
                text,
                &[
                    "the sending server retries",
                    "server keeps retrying",
                    "送信サーバが自動で再送",
                    "自動的に再送を続け",
                ],
            )
        {
            say(format!(
                "{:?}, but the staff text says the server retries ({w})",
                v.fate
            ));
        }
        if v.incident.is_some()
            && let Some(w) = any(
                text,
                &[
                    "No operator has published",
                    "公開された障害情報はありません",
                ],
            )
        {
            say(format!(
                "an incident decides, but the staff text says none was published ({w})"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::KnowledgeBase;
    use crate::paste::{Hints, read};
    use crate::verdict::{Sending, decide};

    fn verdict(paste: &str, to: Option<&str>) -> Verdict {
        let hints = Hints {
            recipient: to.map(str::to_owned),
            ..Hints::default()
        };
        let fact = read(paste.as_bytes(), "-", &hints).unwrap().remove(0);
        let kb = KnowledgeBase::embedded().explain(&fact);
        decide(&fact, &kb, &[], &Sending::default())
    }

    #[test]
    fn where_the_reply_came_from_decides_the_fate() {
        // The same temporary reply: bare, in a report, in a log's deferral.
        let bare = verdict(
            "451 4.7.500 Server busy. Please try again later. (AS761)",
            Some("a@outlook.com"),
        );
        assert_eq!((bare.fate, bare.retry), (Fate::Unknown, true));
        let report = verdict(
            "<a@outlook.com>: host outlook-com.olc.protection.outlook.com[192.0.2.5] said: 451 4.7.500 Server busy. Please try again later. (AS761) (in reply to end of DATA command)",
            None,
        );
        assert_eq!((report.fate, report.retry), (Fate::Returned, false));
        assert!(
            !report.customer_reply.ja.contains("このまま届く"),
            "{}",
            report.customer_reply.ja
        );
        let log = verdict(
            "Dec  8 05:02:11 mx1 postfix/smtp[4242]: 3F2A61C0A: to=<a@outlook.com>, relay=outlook-com.olc.protection.outlook.com[192.0.2.5]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.7.500, status=deferred (host outlook-com.olc.protection.outlook.com[192.0.2.5] said: 451 4.7.500 Server busy. Please try again later. (AS761) (in reply to end of DATA command))",
            None,
        );
        assert_eq!((log.fate, log.retry), (Fate::Queued, true));
        for v in [&bare, &report, &log] {
            assert_eq!(contradictions(v), Vec::<String>::new(), "{v:#?}");
        }
    }

    #[test]
    fn no_placeholder_without_a_recipient() {
        let v = verdict("550 5.7.1 Message rejected by policy", None);
        assert!(
            contradictions(&v).is_empty(),
            "{:?} {:?}",
            contradictions(&v),
            v.customer_reply
        );
        assert!(!v.customer_reply.ja.contains('?'));
    }

    #[test]
    fn a_contradiction_is_found() {
        let mut v = verdict("550 5.1.1 User unknown", Some("a@example.jp"));
        v.customer_reply
            .en
            .push_str(" Our server keeps retrying automatically.");
        assert!(!contradictions(&v).is_empty());
    }
}

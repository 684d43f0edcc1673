//! The decision: which evidence decides a fact's reason, in order — what
//! the report's structure says, the phrase rules on the diagnostic, the
//! enhanced status, the reply code — and whether the result is hard.

use std::sync::LazyLock;

use super::{Reason, by_lowered_text, by_status};
use crate::{Action, EnhancedStatus, Fact, MailDomain, ReplyCode};

/// Classifies a fact whose structure did not already decide.
pub fn classify(fact: &Fact) -> Reason {
    classify_lowered(
        fact,
        &crate::smtp::lowered_prefix(&fact.diagnostic),
        &|| None,
    )
}

/// [`classify`], given the fact's diagnostic as [`crate::smtp::lowered_prefix`] made it.
/// `report_says` gives the report's own prose about this recipient (a
/// DSN's human-readable part), read only when the rest leaves the
/// question open.
pub(crate) fn classify_lowered(
    fact: &Fact,
    lowered_diagnostic: &str,
    report_says: &dyn Fn() -> Option<String>,
) -> Reason {
    let reason = by_evidence(fact, lowered_diagnostic);
    // "Diagnostic-Code: x-unix; 75": the local delivery program's exit,
    // not a remote reply, whatever its words or status suggest.
    if fact
        .diagnostic_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("x-unix"))
    {
        return reason.for_local_mailer();
    }
    // A failure reported with a temporary connection error: when the
    // report's own words say it stopped retrying ("could not be delivered
    // for 5 days"), the queue lifetime is why.
    if reason == Reason::NetworkError
        && fact.action == Some(Action::Failed)
        && fact
            .status
            .as_ref()
            .is_some_and(EnhancedStatus::is_temporary)
        && report_says().and_then(|t| super::by_text(&t)) == Some(Reason::Expired)
    {
        return Reason::Expired;
    }
    reason
}

/// The reason the fact's words, status, code and action give.
fn by_evidence(fact: &Fact, lowered_diagnostic: &str) -> Reason {
    if fact.action.is_some_and(Action::is_success) {
        return Reason::Delivered;
    }
    // "No answer from host" (4.4.1) in a failure report: connection attempts
    // timed out until the queue lifetime ran out.
    let failed_report = fact.action == Some(Action::Failed);
    let text_reason = by_lowered_text(lowered_diagnostic);
    if failed_report
        && fact.status.as_deref() == Some("4.4.1")
        && matches!(text_reason, None | Some(Reason::NetworkError))
    {
        return Reason::Expired;
    }
    // x.4.7 "delivery time expired": the connection failures it mentions are
    // what kept happening until the queue lifetime ran out.
    if fact.status.as_deref().is_some_and(|s| s.ends_with(".4.7"))
        && text_reason == Some(Reason::NetworkError)
    {
        return Reason::Expired;
    }
    if let Some(reason) = text_reason {
        // An address refused only after DATA was accepted at RCPT time: what
        // refused the message was a filter, not a missing mailbox — unless the
        // status says outright that the mailbox does not exist (5.1.1;
        // pipelining MTAs show DATA in transcripts of RCPT failures).
        // "Host not found" under a temporary status is a DNS failure that may
        // clear, not a domain that does not exist.
        let transient = fact
            .status
            .as_ref()
            .is_some_and(EnhancedStatus::is_temporary)
            || fact.reply_code.is_some_and(ReplyCode::is_temporary);
        if reason == Reason::HostUnknown && transient {
            return Reason::NetworkError;
        }
        if matches!(reason, Reason::UserUnknown | Reason::HostUnknown)
            && names_another_domain_missing(fact, lowered_diagnostic)
        {
            return Reason::Rejected;
        }
        if reason == Reason::UserUnknown {
            return user_unknown_or_not(fact, lowered_diagnostic);
        }
        return reason;
    }
    // Google Groups refuse posts from senders who may not post (or to groups
    // that are gone) in a prose notice in the sender's language.
    if fact.recipient_domain.as_deref() == Some("googlegroups.com") {
        return Reason::Rejected;
    }
    // Refused at the greeting, before any sender or recipient was named:
    // the refusal is of the connecting host — also when the sending MTA
    // kept trying until it gave up (what refused it is the news).
    if matches!(fact.command.as_deref(), Some("CONN" | "HELO")) {
        return Reason::Blocked;
    }
    // A failure report that still carries a temporary status or reply, with
    // nothing more specific said: the MTA retried until its queue lifetime
    // ran out.
    if failed_report && fact.is_temporary() {
        return Reason::Expired;
    }
    let status = fact.status.filter(|s| !s.is_generic());
    if let Some(reason) = status.as_deref().and_then(by_status) {
        return reason;
    }
    // A delay warning that gives no reason says only that the message is
    // late: nothing expired (the MTA is still trying), and nothing else is
    // known.
    if fact.action == Some(Action::Delayed) {
        return Reason::Undefined;
    }
    let permanent = fact.reply_code.is_some_and(ReplyCode::is_permanent);
    // A refusal that quotes the sending IP back ("554 IP=192.0.2.9 - …")
    // and says nothing else is about that IP.
    if permanent && fact.sender_ip.is_some() {
        return Reason::Blocked;
    }
    // A bare 550, 551, 553 or 554 whose words no rule knows names no
    // reason: RFC 5321 gives each for a missing mailbox, a policy refusal
    // and a spam filter's alike ("mailbox unavailable", "transaction
    // failed"), and the receivers that send them mean any of these. The
    // status or the code's generic meaning is all there is, and a guessed
    // reason would be worse than none (issue 27).
    match fact.reply_code.map(ReplyCode::get) {
        Some(550) | Some(551) | Some(553) | Some(554) => Reason::Undefined,
        Some(552) => Reason::MailboxFull,
        Some(421) | Some(450) | Some(451) => Reason::SystemError,
        Some(452) => Reason::SystemFull,
        Some(c) if c >= 500 => Reason::OnHold,
        // No code and no phrase we know: we cannot tell.
        _ if fact.status.is_none() => Reason::Undefined,
        _ => Reason::OnHold,
    }
}

/// "User unknown" is what several receivers answer when they mean something
/// else; the status and the moment of the refusal tell.
fn user_unknown_or_not(fact: &Fact, lowered_diagnostic: &str) -> Reason {
    let status = fact.status.as_deref().unwrap_or_default();
    // 551 "user not local" with 5.1.6: the mailbox moved.
    if status == "5.1.6" {
        return Reason::HasMoved;
    }
    // A security/policy status (5.7.x) on a bare "user unknown": a filter
    // that does not want to say so. (Other words under 5.7.x — "invalid
    // recipient", "access denied" — are directory checks.)
    if status.starts_with("5.7.") && lowered_diagnostic.contains("user unknown") {
        return Reason::Filtered;
    }
    // Refused only after DATA was accepted at RCPT time: a filter, not a
    // missing mailbox — unless the status says outright that the mailbox
    // does not exist (5.1.1; pipelining MTAs show DATA in transcripts of
    // RCPT failures).
    if fact.command.as_deref() == Some("DATA")
        && status != "5.1.1"
        && says_stock_unknown(lowered_diagnostic)
    {
        return Reason::Filtered;
    }
    // KDDI (au) names the address it has no mailbox for ("550
    // <a@ezweb.ne.jp>: User unknown"); its filter's refusal names none
    // ("550 : User unknown") — also when a relay quotes it under a status
    // of its own (Exchange Online's "5.1.351 … -> 550 : User unknown").
    if fact.recipient_domain.as_ref().is_some_and(is_kddi_domain) {
        if lowered_diagnostic.contains(">: user unknown") {
            return Reason::UserUnknown;
        }
        if lowered_diagnostic.contains("550 : user unknown") {
            return Reason::Filtered;
        }
    }
    // The local delivery agent's own lookup ("mail.local: unknown user"):
    // the final directory, whatever the stage.
    if ["mail.local:", "maildrop:", "local delivery"]
        .iter()
        .any(|agent| lowered_diagnostic.contains(agent))
    {
        return Reason::UserUnknown;
    }
    // x.2.1 at no named stage: the mailbox exists but is disabled (RFC
    // 3463), whatever stock words come with it. (Stock words alone at no
    // named stage are a missing mailbox: reading them as a filter was a
    // labelling convention, not anything a receiver documents.)
    if fact.command.is_none() && status == "5.2.1" && says_stock_unknown(lowered_diagnostic) {
        return Reason::Suspend;
    }
    // NTT docomo answers a sender its subscriber has refused with "550
    // Unknown user" at DATA; without 5.1.1 that is the filter.
    if fact
        .recipient_domain
        .as_ref()
        .is_some_and(|d| d.is_within("docomo.ne.jp"))
        && status != "5.1.1"
    {
        return Reason::Filtered;
    }
    Reason::UserUnknown
}

/// "553 sender.example does not exist" from the recipient's own server:
/// the server that answered cannot be saying its own domain is missing,
/// so the domain it names is the sender's.
fn names_another_domain_missing(fact: &Fact, lowered_diagnostic: &str) -> bool {
    static BARE_DOMAIN_MISSING: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?:^|[\s<])([a-z0-9-]+(?:\.[a-z0-9-]+)+)>?:? (?:does not|doesn't) exist",
        )
        .expect("valid")
    });
    let Some(recipient_domain) = &fact.recipient_domain else {
        return false;
    };
    // Not the recipient's domain, nor a parent of it.
    BARE_DOMAIN_MISSING
        .captures(lowered_diagnostic)
        .is_some_and(|c| !recipient_domain.is_within(&c[1]))
}

fn is_kddi_domain(domain: &MailDomain) -> bool {
    ["ezweb.ne.jp", "au.com"]
        .iter()
        .any(|parent| domain.is_within(parent))
}

/// The stock words a filter reuses when it refuses an address ("user
/// unknown", "no such user"), as against a directory's own answer
/// ("invalid recipient", "doesn't have a … account").
pub(crate) fn says_stock_unknown(lowered_diagnostic: &str) -> bool {
    [
        "user unknown",
        "unknown user",
        "no such user",
        "user not exist",
    ]
    .iter()
    .any(|p| lowered_diagnostic.contains(p))
        && !names_its_directory(lowered_diagnostic)
}

/// A directory's own answer that happens to use the stock words: Postfix's
/// smtpd_check.c names the table it looked in ("User unknown in local
/// recipient table", "… in virtual mailbox table", "… in relay recipient
/// table", "… in virtual alias table"); a Japanese notice says the user is
/// not registered (ユーザーは登録されていません).
fn names_its_directory(lowered_diagnostic: &str) -> bool {
    lowered_diagnostic
        .match_indices("user unknown in ")
        .any(|(at, _)| {
            let rest = &lowered_diagnostic[at..];
            rest[..crate::smtp::floor_char_boundary(rest, 60)].contains(" table")
        })
        || lowered_diagnostic.contains("登録されていません")
}

/// Hard bounces: the address or domain itself is wrong, and retrying or
/// waiting will not help. A temporary (4xx) answer is never hard.
pub fn is_hard(reason: Reason, status: Option<&EnhancedStatus>, reply: Option<ReplyCode>) -> bool {
    let transient = status.is_some_and(EnhancedStatus::is_temporary)
        || reply.is_some_and(ReplyCode::is_temporary);
    matches!(
        reason,
        Reason::UserUnknown | Reason::HostUnknown | Reason::HasMoved | Reason::NotAccept
    ) && !transient
}

#[cfg(test)]
mod evidence_tests {
    use super::*;

    fn fact(diagnostic: &str, command: Option<&str>, status: Option<&str>, reply: u16) -> Fact {
        Fact {
            recipient_domain: Some("example.net".into()),
            diagnostic: diagnostic.into(),
            command: command.map(str::to_owned),
            status: status.and_then(crate::types::status),
            reply_code: ReplyCode::new(reply),
            action: Some(Action::Failed),
            ..Fact::default()
        }
    }

    #[test]
    fn kddis_filter_reply_is_a_filter_even_under_a_relays_status() {
        let mut relayed = fact(
            "550 5.1.351 Remote server returned unknown recipient or mailbox unavailable -> 550 : User unknown",
            None,
            Some("5.1.351"),
            550,
        );
        relayed.recipient_domain = Some("ezweb.ne.jp".into());
        assert_eq!(classify(&relayed), Reason::Filtered);
        // The mailbox au has not: it names the address.
        let named = Fact {
            diagnostic: "550 <a@ezweb.ne.jp>: User unknown".into(),
            ..relayed.clone()
        };
        assert_eq!(classify(&named), Reason::UserUnknown);
        // Elsewhere the same words are a missing mailbox.
        let elsewhere = Fact {
            recipient_domain: Some("example.net".into()),
            ..relayed
        };
        assert_eq!(classify(&elsewhere), Reason::UserUnknown);
    }

    #[test]
    fn a_greeting_refused_until_the_queue_gave_up_is_a_block() {
        // Postfix's "refused to talk to me" (CONN) in a failure report with
        // a temporary reply and no words more specific: what refused us,
        // not that the queue lifetime ran out.
        let refused = fact(
            "delivery temporarily suspended: host mx.example.net[192.0.2.9] refused to talk to me: 421 Service not available, closing transmission channel",
            Some("CONN"),
            Some("4.0.0"),
            421,
        );
        assert_eq!(classify(&refused), Reason::Blocked);
        // The same temporary failure at another stage: the MTA gave up.
        let later = Fact {
            command: Some("RCPT".into()),
            ..refused
        };
        assert_eq!(classify(&later), Reason::Expired);
    }

    #[test]
    fn after_data_stock_words_are_a_filter_but_a_directory_answer_is_not() {
        let stock = fact(
            "550 5.0.0 <a@example.net>... User unknown",
            Some("DATA"),
            Some("5.0.0"),
            550,
        );
        assert_eq!(classify(&stock), Reason::Filtered);
        let directory = fact(
            "550 5.5.0 Invalid recipient. <a@example.net>",
            Some("DATA"),
            Some("5.5.0"),
            550,
        );
        assert_eq!(classify(&directory), Reason::UserUnknown);
        let at_rcpt = fact("550 User unknown", Some("RCPT"), None, 550);
        assert_eq!(classify(&at_rcpt), Reason::UserUnknown);
    }

    #[test]
    fn a_directory_that_names_its_table_is_not_a_filter() {
        for text in [
            "550 5.1.1 <a@example.net>: Recipient address rejected: User unknown in local recipient table",
            "550 <a@example.net>: Recipient address rejected: User unknown in virtual mailbox table",
            "<a@example.net>... User unknown 原因: <a@example.net> のユーザーは登録されていません",
        ] {
            let unstaged = fact(text, None, None, 550);
            assert_eq!(classify(&unstaged), Reason::UserUnknown, "{text}");
            let after_data = fact(text, Some("DATA"), None, 550);
            assert_eq!(classify(&after_data), Reason::UserUnknown, "{text}");
        }
        // The stock words alone, at no named stage, are the missing
        // mailbox they say (no longer read as a filter: issue 27).
        let stock = fact("550 <a@example.net>: User unknown", None, None, 550);
        assert_eq!(classify(&stock), Reason::UserUnknown);
    }

    #[test]
    fn stock_words_at_no_named_stage_are_a_missing_mailbox_unless_a_code_says_otherwise() {
        let unstaged = fact("550 Unknown user a@example.net", None, None, 550);
        assert_eq!(classify(&unstaged), Reason::UserUnknown);
        // The status names the missing mailbox outright.
        let proven = fact("550 5.1.1 User unknown", None, Some("5.1.1"), 550);
        assert_eq!(classify(&proven), Reason::UserUnknown);
        // x.2.1: the mailbox exists but is disabled (RFC 3463).
        let disabled = fact(
            "550 5.2.1 <a@example.net>... User Unknown",
            None,
            Some("5.2.1"),
            550,
        );
        assert_eq!(classify(&disabled), Reason::Suspend);
        // A directory's own words are not the stock ones.
        let directory = fact("550 Invalid recipient a@example.net", None, None, 550);
        assert_eq!(classify(&directory), Reason::UserUnknown);
        // The local delivery agent looked the user up itself.
        let local = fact(
            "mail.local: unknown user: a 554 <a@example.net>... Service unavailable",
            None,
            Some("5.5.0"),
            554,
        );
        assert_eq!(classify(&local), Reason::UserUnknown);
    }

    #[test]
    fn connection_failures_under_an_expiry_status_expired() {
        let mut expired = fact(
            "Unable to deliver message, due to being unable to connect successfully to the destination mail server.",
            None,
            Some("4.4.7"),
            0,
        );
        expired.reply_code = None;
        assert_eq!(classify(&expired), Reason::Expired);
        // The same words under another status are the network's.
        expired.status = crate::types::status("4.4.1");
        expired.action = Some(Action::Delayed);
        assert_eq!(classify(&expired), Reason::NetworkError);
        // A DNS failure keeps its own reason whatever the status.
        let mut dns = fact(
            "Deferred: Name server: example.jp.: host name lookup failure",
            None,
            Some("4.4.7"),
            0,
        );
        dns.reply_code = None;
        assert_eq!(classify(&dns), Reason::NetworkError);
    }

    #[test]
    fn kddi_names_the_address_only_when_the_mailbox_is_missing() {
        let mut missing = fact("550 <a@ezweb.ne.jp>: User unknown", None, None, 550);
        missing.recipient_domain = Some("ezweb.ne.jp".into());
        assert_eq!(classify(&missing), Reason::UserUnknown);
        let mut refused = fact("550 : User unknown", None, None, 550);
        refused.recipient_domain = Some("ezweb.ne.jp".into());
        assert_eq!(classify(&refused), Reason::Filtered);
        // The same words from elsewhere are the missing mailbox they say.
        let other = fact("550 <a@example.net>: User unknown", None, None, 550);
        assert_eq!(classify(&other), Reason::UserUnknown);
        assert!(!is_kddi_domain(&"notezweb.ne.jp".into()));
        assert!(is_kddi_domain(&"biz.ezweb.ne.jp".into()));
    }

    #[test]
    fn a_missing_domain_that_is_not_the_recipients_is_the_senders() {
        let sender = fact(
            "553 shop.example.jp does not exist",
            Some("DATA"),
            None,
            553,
        );
        assert_eq!(classify(&sender), Reason::Rejected);
        let own = fact("550 example.net does not exist", None, None, 550);
        assert_ne!(classify(&own), Reason::Rejected);
        let mut parent = fact("550 example.net does not exist", None, None, 550);
        parent.recipient_domain = Some("mail.example.net".into());
        assert_ne!(classify(&parent), Reason::Rejected);
        let address = fact("550 a@shop.example.jp does not exist", None, None, 550);
        assert_eq!(classify(&address), Reason::UserUnknown);
    }

    #[test]
    fn a_wordless_refusal_is_about_what_it_names() {
        // It quotes the sending IP: the IP is refused.
        let mut ip = fact(
            "554 IP=192.0.2.254 - A problem occurred. (Ask your postmaster for help.)",
            None,
            Some("5.5.0"),
            554,
        );
        ip.sender_ip = crate::smtp::scan(&ip.diagnostic).sender_ip;
        assert_eq!(ip.sender_ip, Some("192.0.2.254".parse().unwrap()));
        assert_eq!(classify(&ip), Reason::Blocked);
        // Naming the recipient says nothing of why it was refused: a bare
        // 5xx stays undecided whether it names the address or not.
        let mut address = fact("542 yui@example.net Rejected", None, Some("5.0.0"), 542);
        address.recipient = Some("yui@example.net".into());
        assert_eq!(classify(&address), Reason::OnHold);
        let mut neither = fact("542 Rejected", None, Some("5.0.0"), 542);
        neither.recipient = Some("yui@example.net".into());
        assert_eq!(classify(&neither), Reason::OnHold);
        // A code with a meaning of its own keeps it.
        let mut full = fact("552 yui@example.net", None, Some("5.0.0"), 552);
        full.recipient = Some("yui@example.net".into());
        assert_eq!(classify(&full), Reason::MailboxFull);
    }

    #[test]
    fn a_bare_refusal_whose_words_no_rule_knows_is_undecided() {
        // A spam filter's, a size limit's and a reverse-DNS check's
        // refusals in words no rule knows: none is an unknown user.
        for (text, code) in [
            ("550 Sorry, message refused (rule 7)", 550),
            ("554 Sorry, not today (code 42)", 554),
            ("553 Sorry, not here (code 9)", 553),
        ] {
            let f = fact(text, Some("RCPT"), None, code);
            assert_eq!(classify(&f), Reason::Undefined, "{text}");
        }
        // What the code itself means stays: 552 is a full mailbox.
        assert_eq!(
            classify(&fact("552 try later", None, None, 552)),
            Reason::MailboxFull
        );
    }

    #[test]
    fn greeting_refusals_without_words_are_blocks() {
        let conn = fact(
            "554 mx.example.net ESMTP not available",
            Some("CONN"),
            None,
            554,
        );
        assert_eq!(classify(&conn), Reason::Blocked);
        // The same words at RCPT name no reason (a 554 is a spam filter's
        // as often as a policy's).
        let rcpt = fact("554 mx.example.net not available", Some("RCPT"), None, 554);
        assert_eq!(classify(&rcpt), Reason::Undefined);
    }

    #[test]
    fn a_failure_report_with_a_temporary_reply_and_no_words_expired() {
        let mut f = fact("Error, ERROR_CODE :421", None, None, 421);
        assert_eq!(classify(&f), Reason::Expired);
        // Still being tried: nothing expired, and no words say why.
        f.action = Some(Action::Delayed);
        assert_eq!(classify(&f), Reason::Undefined);
        f.action = None;
        assert_eq!(classify(&f), Reason::SystemError);
    }

    #[test]
    fn an_x_unix_diagnostic_is_the_local_mailers() {
        let mut f = fact("temporary failure", None, Some("4.3.0"), 451);
        f.action = None;
        assert_eq!(classify(&f), Reason::SystemError);
        f.diagnostic_type = Some("X-Unix".into());
        assert_eq!(classify(&f), Reason::MailerError);
        f.diagnostic = "quota exceeded".into();
        assert_eq!(classify(&f), Reason::MailboxFull);
    }

    #[test]
    fn local_mailer_keeps_only_mailbox_reasons() {
        assert_eq!(Reason::SystemError.for_local_mailer(), Reason::MailerError);
        assert_eq!(Reason::UserUnknown.for_local_mailer(), Reason::MailerError);
        assert_eq!(Reason::MailboxFull.for_local_mailer(), Reason::MailboxFull);
    }
}

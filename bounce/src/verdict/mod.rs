//! The answer: what happened, who must act, and a reply a helpdesk can send
//! its customer — in Japanese and English. A matching incident published by
//! an operator comes first; without one, the knowledge base answers, and the
//! answer says that nobody has published anything.
//!
//! One source of truth: the verdict's cause, actor and retry are decided
//! first ([`decide`]); every text — what happened, who acts, the evidence,
//! the customer reply ([`reply`]) — is written from them.
//!
//! | module | what |
//! |---|---|
//! | [`check`] | the rules no answer may break: contradictions between its texts and its record |
//! | [`reply`] | the customer reply, from the verdict |
//! | [`words`] | names of the actors, evidence lines, joining sentences |

use serde::{Deserialize, Serialize};

use crate::Fact;
use crate::knowledge::owner::{self, DomainOwner};
use crate::knowledge::{Actor, Bilingual, Cause, Explanation, KnowledgeBase, cause, generic};

pub mod check;
pub mod reply;
pub mod words;

/// An incident that may explain a fact, as a node reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentMatch {
    /// The node that reported the match (filled in by the client).
    #[serde(default)]
    pub node: Option<String>,
    /// Issuer domain.
    pub issuer: String,
    /// Incident id.
    pub incident: String,
    /// Current revision.
    pub seq: u64,
    /// Notice kind.
    pub kind: String,
    /// Lifecycle status.
    pub status: String,
    /// Start, RFC 3339.
    pub started_at: String,
    /// End, if any.
    pub ended_at: Option<String>,
    /// Summary in ja/en as published.
    pub summary: Bilingual,
    /// Advice in ja/en as published (may be empty).
    pub advice: Bilingual,
    /// How to reach the issuer.
    pub contact: String,
    /// Every scope entry of the incident was verified.
    pub scope_verified: bool,
    /// The issuer has equivocated.
    pub issuer_flagged: bool,
    /// 0 to 1.
    pub score: f64,
    /// A verified claim of the issuer covers this bounce, so the incident
    /// may decide the answer. Matches on unverified claims are shown,
    /// marked, and never decide (absent from older nodes' answers: false).
    #[serde(default)]
    pub decisive: bool,
    /// Why it matched, one reason per item.
    pub reasons: Vec<String>,
    /// The same reasons in Japanese (absent from older nodes' answers).
    #[serde(default)]
    pub reasons_ja: Vec<String>,
    /// The side the issuer speaks for: `receiver`, `sender_provider` or
    /// `blocklist` (absent from older nodes' answers: taken as the receiver).
    #[serde(default)]
    pub issuer_role: Option<String>,
}

/// Matches on unverified claims at or above this score are mentioned.
pub const MENTION_SCORE: f64 = 0.3;

/// A line for each match that seems relevant but may not decide.
fn not_relied_on(matches: &[IncidentMatch]) -> Vec<Bilingual> {
    matches
        .iter()
        .filter(|m| !m.decisive && m.score >= MENTION_SCORE)
        .take(3)
        .map(|m| {
            Bilingual::new(
                format!(
                    "{} claims an incident that may concern this mail (\"{}\"), but the node could not verify that {} speaks for this recipient or sender; it was not used for this answer.",
                    m.issuer,
                    pick(&m.summary, "en"),
                    m.issuer
                ),
                format!(
                    "{} がこのメールに関係する可能性のある障害情報（「{}」）を公開していますが、{} がこの宛先や送信者について発信できることを確認できなかったため、この回答には使用していません。",
                    m.issuer,
                    pick(&m.summary, "ja"),
                    m.issuer
                ),
            )
        })
        .collect()
}

/// Matches below this score are shown but not relied on.
pub const RELY_SCORE: f64 = 0.5;

pub(crate) fn pick(text: &Bilingual, lang_first: &str) -> String {
    let t = text.get(lang_first);
    if t.is_empty() {
        text.get(if lang_first == "ja" { "en" } else { "ja" })
            .to_owned()
    } else {
        t.to_owned()
    }
}

/// What the helpdesk knows about its own side.
#[derive(Debug, Clone, Default)]
pub struct Sending {
    /// Domains the sending provider signs for (DKIM, SPF): an
    /// authentication refusal for them is the provider's to fix.
    pub our_domains: Vec<String>,
}

/// What the answer rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Basis {
    /// `incident`, `knowledge` (an entry of the knowledge base, a
    /// provider's or a general one) or `generic` (the reason or the RFC 3463
    /// meaning: a guess from the class of the error).
    pub kind: &'static str,
    /// The knowledge-base entry or generic rule (`microsoft-4.7.650`, `rfc3463-x.7.x`).
    pub entry: String,
    /// Where the entry's facts are documented.
    pub documented: Option<String>,
    /// For an incident: issuer and incident id.
    pub incident: Option<(String, String)>,
}

/// What happens to the message now. It follows where the reply came
/// from, not the reply's class alone: a 4xx inside a non-delivery report
/// was the last try of a message already handed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// A report gave it back (a failure, or an expiry after retries): it
    /// will not be retried; only sending it again can deliver it.
    Returned,
    /// Still in the sending server's queue (a log's deferral, a delay
    /// warning): the server keeps retrying.
    Queued,
    /// A bare reply says nothing of what followed it.
    Unknown,
    /// Our own submission server refused it: it never left.
    NotSent,
    /// It was delivered (an automatic reply) or accepted (a quarantine).
    Delivered,
}

impl Fate {
    /// Where the reply came from decides it.
    /// `from_submission`: the knowledge base read the reply as one only a
    /// submission server gives.
    pub fn of(fact: &Fact, cause: Cause, from_submission: bool) -> Fate {
        use crate::Format;
        if cause::delivered(cause) {
            return Fate::Delivered;
        }
        // Our own server's refusal, seen where it was given. A bare reply
        // may be anyone's: a remote server refuses relaying too.
        let bare = matches!(fact.format, Format::SmtpReply | Format::Unknown);
        if fact.format == Format::ClientError
            || (cause::category(cause) == "submission"
                && (!bare || (from_submission && cause != Cause::RelayDenied)))
        {
            return Fate::NotSent;
        }
        let delayed = fact.action == Some(crate::Action::Delayed);
        match fact.format {
            Format::SmtpReply | Format::Unknown => Fate::Unknown,
            _ if delayed => Fate::Queued,
            _ => Fate::Returned,
        }
    }
}

/// The answer for one fact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Who must act.
    pub actor: Actor,
    /// Whether the sending server retries by itself: it is still queued,
    /// or a bare temporary reply (which servers retry) was all we saw.
    pub retry: bool,
    /// Whether retrying — the server's, or the customer's resending — can
    /// succeed without anyone changing anything. A temporary reply can
    /// unless its provider documents otherwise; a permanent one cannot.
    pub retry_can_help: bool,
    /// What happens to the message now.
    pub fate: Fate,
    /// Nobody needs to do anything: the server retries, or it was delivered.
    pub nothing_to_do: bool,
    /// What caused it.
    pub cause: Cause,
    /// The cause in words.
    pub cause_label: Bilingual,
    /// The cause's broad kind: throttling, reputation, blocklist, auth,
    /// policy, mailbox, submission, outage, other.
    pub category: &'static str,
    /// What the answer rests on.
    pub basis: Basis,
    /// `incident`, `knowledge` or `generic` (as `basis.kind`).
    pub based_on: &'static str,
    /// Whose sending domain it is, for authentication and domain listings.
    pub sending_domain: DomainOwner,
    /// What happened.
    pub what_happened: Bilingual,
    /// Who acts, in words.
    pub actor_name: Bilingual,
    /// What to do.
    pub action: Bilingual,
    /// Who must act, and what to do, in one line.
    pub who_acts: Bilingual,
    /// A reply the helpdesk can send to its customer.
    pub customer_reply: Bilingual,
    /// The evidence, one item per line.
    pub evidence: Vec<Bilingual>,
    /// The incident relied on, if any.
    pub incident: Option<IncidentMatch>,
    /// Incidents that seem to match but rest on claims the node could not
    /// verify: shown beneath the answer, never its basis.
    pub not_relied_on: Vec<Bilingual>,
}

/// The cause an incident gives: its kind, the side its issuer speaks for,
/// and what the knowledge base found as the tie-breaker.
fn incident_cause(incident: &IncidentMatch, kb: &Explanation) -> Cause {
    let sending_server = |c: Cause| cause::actor(c) == Actor::SenderProvider;
    // The knowledge base only read the reply's code or the parser's reason.
    let guessed = matches!(kb.source, "rfc" | "reason");
    match (incident.kind.as_str(), incident.issuer_role.as_deref()) {
        ("blocklist_listing", _) if kb.cause == Cause::DomainBlocklisted => {
            Cause::DomainBlocklisted
        }
        ("blocklist_listing", _) | (_, Some("blocklist")) => Cause::IpBlocklisted,
        // A sender's provider speaks of its own sending servers: receivers
        // limit or refuse them, and the provider is the one acting.
        (_, Some("sender_provider")) if sending_server(kb.cause) => kb.cause,
        ("throttling", Some("sender_provider")) => Cause::IpRateLimited,
        (_, Some("sender_provider")) => Cause::IpReputation,
        ("quarantine_policy", _) => Cause::Quarantined,
        ("outage", _) => Cause::ReceiverOutage,
        // A receiver that limits this sending server (not all senders):
        // the sender's provider paces its sending.
        ("throttling", _) if kb.cause == Cause::IpRateLimited => Cause::IpRateLimited,
        ("throttling", _) => Cause::ReceiverThrottling,
        // A receiver's policy change explains the refusal the reply shows
        // when that names something the sending side must fix (its
        // authentication, its reverse DNS); a guess from the reply code, or
        // a cause of the receiving side, is the receiver's policy itself.
        _ if guessed => Cause::ReceiverPolicy,
        _ if matches!(
            cause::actor(kb.cause),
            Actor::Receiver | Actor::Recipient | Actor::Unknown
        ) =>
        {
            Cause::ReceiverPolicy
        }
        _ => kb.cause,
    }
}

/// Whether an open incident says retrying cannot get through until it
/// ends: a listing or a refusal policy, not a passing overload.
fn incident_blocks_retries(incident: &IncidentMatch, cause: Cause) -> bool {
    incident.status != "resolved"
        && (incident.kind == "blocklist_listing"
            || matches!(cause, Cause::IpBlocklisted | Cause::DomainBlocklisted))
}

/// Who acts for a cause, once the sending domain's owner is known.
pub fn actor_for(cause: Cause, owner: &DomainOwner) -> Actor {
    match owner {
        DomainOwner::Ours(_) if cause::owned_by_sending_domain(cause) => Actor::SenderProvider,
        _ => cause::actor(cause),
    }
}

/// What to do for a cause of the sending domain, by its owner.
fn owner_action(cause: Cause, owner: &DomainOwner) -> Option<Bilingual> {
    if !cause::owned_by_sending_domain(cause) {
        return None;
    }
    Some(match (cause, owner) {
        (Cause::DomainAuthentication, DomainOwner::Ours(d)) => Bilingual::new(
            format!(
                "The sender's provider signs for {d}: it should fix the SPF and DKIM of {d} for its sending servers."
            ),
            format!(
                "{d} は送信側事業者が認証を管理するドメインです。送信側事業者が、送信サーバに合わせて {d} の SPF・DKIM を修正してください。"
            ),
        ),
        (Cause::DomainAuthentication, DomainOwner::FreeMail(d)) => Bilingual::new(
            format!(
                "The From address is at {d} (free mail) but the message went through another provider's server, which {d}'s DMARC does not allow. The sender should send through {d}'s own server, or use an address of the provider whose server they use."
            ),
            format!(
                "差出人アドレスが {d}（フリーメール）のまま、別の事業者の送信サーバから送られています。{d} の DMARC ではこれは認められません。送信者が {d} の送信サーバを使うか、利用している送信サーバの事業者のアドレスを差出人にする必要があります。"
            ),
        ),
        (Cause::DomainAuthentication, DomainOwner::Customer(d)) => Bilingual::new(
            format!(
                "{d} is the sender's own domain: whoever manages its DNS should add the sending servers to its SPF record and set up DKIM."
            ),
            format!(
                "{d} は送信者自身のドメインです。その DNS を管理する方が、送信サーバを SPF に加え、DKIM を設定してください。"
            ),
        ),
        (Cause::DomainBlocklisted, DomainOwner::Ours(d)) => Bilingual::new(
            format!(
                "The listed domain {d} is the sender's provider's: it should remove the cause and request delisting."
            ),
            format!(
                "登録されたドメイン {d} は送信側事業者のものです。送信側事業者が原因を取り除き、登録解除を申請してください。"
            ),
        ),
        (Cause::DomainBlocklisted, o) if o.domain().is_some() => Bilingual::new(
            format!(
                "The owner of {} should remove the cause and request delisting.",
                o.domain().unwrap_or_default()
            ),
            format!(
                "{} の管理者が原因を取り除き、登録解除を申請してください。",
                o.domain().unwrap_or_default()
            ),
        ),
        _ => return None,
    })
}

/// Decides who acts for one fact, and writes every text from that.
pub fn decide(
    fact: &Fact,
    kb: &Explanation,
    matches: &[IncidentMatch],
    sending: &Sending,
) -> Verdict {
    // Without a recipient the words name the side, not a placeholder.
    let domain = fact
        .recipient_domain
        .as_deref()
        .map_or_else(String::new, str::to_owned);
    let not_relied_on = not_relied_on(matches);
    let best = matches
        .iter()
        .filter(|m| m.decisive && m.score >= RELY_SCORE)
        .max_by(|a, b| a.score.total_cmp(&b.score));
    let cause = best.map_or(kb.cause, |m| incident_cause(m, kb));
    let owner = if cause::owned_by_sending_domain(cause) {
        owner::owner(
            fact,
            &sending.our_domains,
            KnowledgeBase::embedded().free_mail_domains(),
        )
    } else {
        DomainOwner::Unknown
    };
    let actor = actor_for(cause, &owner);
    let fate = Fate::of(fact, cause, kb.source == "submission");
    let retry = match fate {
        Fate::Queued => true,
        Fate::Unknown => kb.retry,
        Fate::Returned | Fate::NotSent | Fate::Delivered => false,
    };
    // An expiry was temporary failures until the queue gave up: a later
    // try can pass. A cause someone must remove cannot wait itself out.
    let temporary = kb.retry
        || matches!(
            fact.reason,
            crate::Reason::Expired | crate::Reason::NetworkError
        )
        || fact.status.as_ref().is_some_and(|s| s.is_temporary());
    let retry_can_help = !cause::delivered(cause)
        && kb
            .retry_helps
            .unwrap_or(temporary && cause::passes_by_itself(cause))
        && !best.is_some_and(|m| incident_blocks_retries(m, cause));
    let nothing_to_do = cause == Cause::AutoReply
        || (retry && retry_can_help && matches!(actor, Actor::Receiver))
        || (retry && retry_can_help && cause == Cause::RecipientRateLimited);
    let issuer = best.map(|m| m.issuer.as_str());
    let actor_name = words::actor_name(
        actor,
        &domain,
        issuer.filter(|_| actor == Actor::BlocklistOperator),
    );
    let resolved = best.is_some_and(|m| m.status == "resolved" || m.ended_at.is_some());
    // The knowledge base's own words when it found this cause; else the
    // cause's generic ones.
    let (meaning, mut action) = if kb.cause == cause {
        (kb.meaning.clone(), kb.action.clone())
    } else {
        generic::describe(cause)
    };
    if let Some(a) = owner_action(cause, &owner) {
        action = a;
    }
    let basis = match best {
        Some(m) => Basis {
            kind: "incident",
            entry: kb.entry.clone(),
            documented: kb.documented.clone(),
            incident: Some((m.issuer.clone(), m.incident.clone())),
        },
        None => Basis {
            kind: if matches!(kb.source, "rfc" | "reason") {
                "generic"
            } else {
                "knowledge"
            },
            entry: kb.entry.clone(),
            documented: kb.documented.clone(),
            incident: None,
        },
    };
    let (what_happened, action) = match best {
        Some(m) => {
            let what = words::incident_summary(m);
            // The issuer's own advice is the action: it knows its incident
            // (a withdrawn listing needs no delisting request). Ours only
            // where it gave none.
            let mut merged = if !(m.advice.en.is_empty() && m.advice.ja.is_empty()) {
                Bilingual::new(pick(&m.advice, "en"), pick(&m.advice, "ja"))
            } else if resolved {
                Bilingual::new(
                    "The incident is over: send the message again if it was not delivered.",
                    "この障害は終了しています。届いていないメールは改めて送信してください。",
                )
            } else {
                action
            };
            merged.en.push_str(&format!(" Contact: {}.", m.contact));
            merged.ja.push_str(&format!("連絡先：{}", m.contact));
            (what, merged)
        }
        None => {
            let answered_by = kb.provider.as_ref().map(|(_, n)| n.as_str());
            let mut what = Bilingual::new(
                answered_by
                    .map(|p| format!("The reply is from {p}. "))
                    .unwrap_or_default(),
                answered_by
                    .map(|p| format!("{p} のサーバからの応答です。"))
                    .unwrap_or_default(),
            );
            what.en.push_str(&meaning.en);
            what.ja.push_str(&meaning.ja);
            // Where a published incident could have told more (the
            // receiver's or an unclear side), say that none was found.
            if matches!(actor, Actor::Receiver | Actor::Unknown) {
                what.en
                    .push_str(" No operator has published an incident about this.");
                what.ja
                    .push_str("この件について公開された障害情報はありません。");
            }
            (what, action)
        }
    };
    let action = match fate {
        // The knowledge base's words assume the class of the reply ("the
        // server retries"); a message already handed back is not retried.
        Fate::Returned | Fate::NotSent
            if kb.retry || action.en.to_ascii_lowercase().contains("retr") =>
        {
            words::given_back(&action, retry_can_help, fate == Fate::NotSent)
        }
        // Not retried (a bare permanent reply): no sentence may say it is.
        _ if !retry && action.en.to_ascii_lowercase().contains("retr") => {
            words::without_retries(&action)
        }
        _ => action,
    };
    let who_acts = words::who_acts(&actor_name, &action);
    let customer_reply = reply::customer_reply(&reply::ReplyInput {
        cause,
        actor,
        retry,
        retry_can_help,
        fate,
        owner: &owner,
        domain: fact.recipient_domain.as_deref(),
        recipient: fact.recipient.as_deref(),
        incident: best.map(|m| reply::IncidentState {
            // "monitoring": the issuer has fixed it and is watching.
            resolved: matches!(m.status.as_str(), "resolved" | "monitoring")
                || m.ended_at.is_some(),
            summary: Bilingual::new(pick(&m.summary, "en"), pick(&m.summary, "ja")),
            advice: Bilingual::new(pick(&m.advice, "en"), pick(&m.advice, "ja")),
        }),
    });
    let mut verdict = Verdict {
        actor,
        retry,
        retry_can_help,
        fate,
        nothing_to_do,
        cause,
        cause_label: cause::label(cause),
        category: cause::category(cause),
        based_on: basis.kind,
        basis,
        sending_domain: owner,
        what_happened,
        actor_name,
        action,
        who_acts,
        customer_reply,
        evidence: Vec::new(),
        incident: best.cloned(),
        not_relied_on,
    };
    verdict.evidence = words::evidence(fact, kb, &verdict);
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reason;
    use crate::parse_reply;

    fn throttling_incident(score: f64) -> IncidentMatch {
        IncidentMatch {
            node: None,
            issuer: "contoso.example".into(),
            incident: "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e10".into(),
            seq: 1,
            kind: "throttling".into(),
            status: "identified".into(),
            started_at: "2026-11-23T01:00:00Z".into(),
            ended_at: None,
            summary: Bilingual {
                en: "Inbound MX overloaded".into(),
                ja: "受信MXが過負荷です".into(),
            },
            advice: Bilingual::default(),
            contact: "postmaster@contoso.example".into(),
            scope_verified: true,
            issuer_flagged: false,
            issuer_role: Some("receiver".into()),
            score,
            decisive: true,
            reasons: vec!["recipient domain in scope".into()],
            reasons_ja: vec!["宛先ドメインが対象範囲".into()],
        }
    }

    #[test]
    fn an_incident_makes_the_receiver_act_and_the_customer_wait() {
        let fact = parse_reply(
            "451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)",
            Some("someone@contoso.example"),
            None,
        )
        .unwrap();
        let kb = KnowledgeBase::embedded().explain(&fact);
        let v = decide(&fact, &kb, &[throttling_incident(0.9)], &Sending::default());
        assert_eq!(
            (v.actor, v.retry, v.based_on),
            (Actor::Receiver, true, "incident")
        );
        assert!(
            v.customer_reply.ja.contains("お客様側での操作は不要です"),
            "{}",
            v.customer_reply.ja
        );
        assert!(v.customer_reply.ja.contains("contoso.example"));
        assert!(v.what_happened.ja.contains("受信MXが過負荷です"));
        assert!(v.who_acts.en.contains("postmaster@contoso.example"));
        // A weak match is not relied on: the knowledge base answers and says nobody published.
        let weak = decide(&fact, &kb, &[throttling_incident(0.2)], &Sending::default());
        assert_eq!(weak.based_on, "knowledge");
        assert!(
            weak.what_happened
                .ja
                .contains("公開された障害情報はありません")
        );
    }

    #[test]
    fn who_acts_follows_the_incidents_kind_and_its_issuers_side() {
        let fact = parse_reply(
            "421 4.7.0 Too many messages from 192.0.2.44 in a short time; try again later",
            Some("someone@contoso.example"),
            None,
        )
        .unwrap();
        let kb = KnowledgeBase::embedded().explain(&fact);
        let actor_for = |kind: &str, role: Option<&str>| {
            let mut incident = throttling_incident(0.9);
            incident.kind = kind.into();
            incident.issuer_role = role.map(str::to_owned);
            let v = decide(&fact, &kb, &[incident], &Sending::default());
            (v.actor, v.cause)
        };
        // The sender's provider announcing its own throttled servers acts itself.
        assert_eq!(
            actor_for("throttling", Some("sender_provider")),
            (Actor::SenderProvider, Cause::IpRateLimited)
        );
        // A blocklist's listing: the list operator (or its delisting) decides.
        assert_eq!(
            actor_for("blocklist_listing", Some("blocklist")).1,
            Cause::IpBlocklisted
        );
        // A receiver's outage: the receiver, whatever the reply suggested.
        assert_eq!(
            actor_for("outage", Some("receiver")),
            (Actor::Receiver, Cause::ReceiverOutage)
        );
        // An older node's answer without the role counts as the receiver's.
        assert_eq!(actor_for("outage", None).0, Actor::Receiver);
        // A receiver's new policy whose refusal names what the sending
        // side must change (here its rate): the reply's own cause.
        assert_eq!(
            actor_for("policy_change", Some("receiver")),
            (Actor::SenderProvider, Cause::IpRateLimited)
        );
    }

    #[test]
    fn an_incidents_advice_and_ours_are_merged_without_repeats() {
        let fact = parse_reply(
            "451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)",
            Some("someone@contoso.example"),
            None,
        )
        .unwrap();
        let kb = KnowledgeBase::embedded().explain(&fact);
        let mut incident = throttling_incident(0.9);
        incident.advice = Bilingual::new(
            "No action needed; your MTA will retry.",
            "送信側での対応は不要です。",
        );
        let v = decide(&fact, &kb, &[incident], &Sending::default());
        assert_eq!(
            v.who_acts.ja.matches("不要です").count(),
            1,
            "{}",
            v.who_acts.ja
        );
        assert!(
            v.who_acts.ja.contains("連絡先：postmaster@contoso.example"),
            "{}",
            v.who_acts.ja
        );
        assert!(v.nothing_to_do && v.basis.incident.is_some());
        // The incident's kind decides the cause: a listing is the list's.
        let mut listing = throttling_incident(0.9);
        listing.kind = "blocklist_listing".into();
        listing.issuer = "bl.example".into();
        let v = decide(&fact, &kb, &[listing], &Sending::default());
        assert_eq!(
            (v.actor, v.cause),
            (Actor::BlocklistOperator, Cause::IpBlocklisted)
        );
        assert!(
            v.actor_name.ja.contains("bl.example"),
            "{}",
            v.actor_name.ja
        );
        // A quarantine: the message was accepted; the recipient looks for it.
        let sent = parse_reply(
            "250 2.0.0 OK queued as 4Xyz",
            Some("someone@contoso.example"),
            None,
        );
        if let Some(sent) = sent {
            let kb = KnowledgeBase::embedded().explain(&sent);
            let mut q = throttling_incident(0.9);
            q.kind = "quarantine_policy".into();
            let v = decide(&sent, &kb, &[q], &Sending::default());
            assert_eq!(
                (v.actor, v.cause, v.retry),
                (Actor::Recipient, Cause::Quarantined, false)
            );
            assert!(
                v.customer_reply.ja.contains("迷惑メールフォルダ"),
                "{}",
                v.customer_reply.ja
            );
            assert!(
                !v.customer_reply.ja.contains("届いておらず"),
                "{}",
                v.customer_reply.ja
            );
        }
    }

    fn full_mailbox_fact() -> Fact {
        parse_reply("552 5.2.2 Mailbox full", Some("a@example.jp"), None).unwrap()
    }

    #[test]
    fn a_filter_refusal_is_not_told_as_a_full_mailbox() {
        // KDDI's filter reply, which names no address (classify::decide).
        let fact = parse_reply("550 : User unknown", Some("hanako@ezweb.ne.jp"), None).unwrap();
        assert_eq!(fact.reason, Reason::Filtered);
        let kb = KnowledgeBase::embedded().explain(&fact);
        let v = decide(&fact, &kb, &[], &Sending::default());
        assert_eq!(v.actor, Actor::Recipient);
        for text in [&v.customer_reply.ja, &v.what_happened.ja, &v.who_acts.ja] {
            assert!(!text.contains("容量超過"), "{text}");
        }
        assert!(
            v.customer_reply.ja.contains("受信拒否設定"),
            "{}",
            v.customer_reply.ja
        );
        assert!(v.customer_reply.en.contains("mistyped address"));
        // An auto-reply is not a failure.
        let mut away = full_mailbox_fact();
        away.reason = Reason::Vacation;
        let kb = KnowledgeBase::embedded().explain(&away);
        let v = decide(&away, &kb, &[], &Sending::default());
        assert!(
            v.customer_reply.ja.contains("配送されています"),
            "{}",
            v.customer_reply.ja
        );
        assert!(v.what_happened.en.contains("not a bounce"));
        // A full mailbox still says so.
        let full = full_mailbox_fact();
        let kb = KnowledgeBase::embedded().explain(&full);
        assert!(
            decide(&full, &kb, &[], &Sending::default())
                .customer_reply
                .ja
                .contains("容量超過")
        );
    }

    #[test]
    fn the_senders_reply_says_what_to_change() {
        let reply_for = |reply: &str| {
            let fact = parse_reply(reply, Some("ken@example.net"), None).unwrap();
            let kb = KnowledgeBase::embedded().explain(&fact);
            (
                fact.reason,
                decide(&fact, &kb, &[], &Sending::default()).customer_reply,
            )
        };
        let (reason, size) = reply_for("552 5.3.4 Message size exceeds fixed maximum message size");
        assert_eq!(reason, Reason::EmailTooLarge);
        assert!(
            size.ja.contains("添付ファイル") && size.en.contains("attachments"),
            "{size:?}"
        );
        let (reason, sender) = reply_for("553 5.1.8 Sender address rejected: Domain not found");
        assert_eq!(reason, Reason::Rejected);
        assert!(sender.ja.contains("差出人アドレス"), "{sender:?}");
        let (reason, content) =
            reply_for("554 5.7.1 Message rejected: policy violation in content");
        assert_eq!(reason, Reason::PolicyViolation);
        assert!(content.en.contains("because of its content"), "{content:?}");
        // None of these is an address to retype; a missing mailbox is.
        for text in [&size, &sender, &content] {
            assert!(!text.en.contains("typing mistakes"), "{text:?}");
        }
        let (reason, unknown) = reply_for("550 5.1.1 <ken@example.net>: User unknown");
        assert_eq!(reason, Reason::UserUnknown);
        assert!(unknown.en.contains("typing mistakes"), "{unknown:?}");
    }
}

/// What a node needs from a fact to find incidents: sent to `POST /v1/match`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchQuery {
    /// The recipient's domain.
    #[serde(default)]
    pub recipient_domain: Option<String>,
    /// The receiving MTA's host name.
    #[serde(default)]
    pub remote_host: Option<String>,
    /// The receiving MTA's IP.
    #[serde(default)]
    pub remote_ip: Option<std::net::IpAddr>,
    /// The sender's outbound IP, as the reply names it.
    #[serde(default)]
    pub sender_ip: Option<std::net::IpAddr>,
    /// Reply code.
    #[serde(default)]
    pub reply_code: Option<u16>,
    /// Enhanced status.
    #[serde(default)]
    pub status: Option<String>,
    /// Reply text.
    #[serde(default)]
    pub text: String,
    /// When it bounced, RFC 3339.
    #[serde(default)]
    pub timestamp: Option<String>,
}

impl From<&Fact> for MatchQuery {
    fn from(f: &Fact) -> Self {
        Self {
            recipient_domain: f.recipient_domain.as_deref().map(str::to_owned),
            remote_host: f.remote_host.clone(),
            remote_ip: f.remote_ip,
            sender_ip: f.sender_ip,
            reply_code: f.reply_code.map(crate::ReplyCode::get),
            status: f.status.as_deref().map(str::to_owned),
            text: f.diagnostic.clone(),
            timestamp: f.timestamp.clone(),
        }
    }
}

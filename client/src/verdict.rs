//! The answer: what happened, who must act, and a reply a helpdesk can send
//! its customer — in Japanese and English. A matching incident published by
//! an operator comes first; without one, the knowledge base answers, and the
//! answer says that nobody has published anything.

use serde::{Deserialize, Serialize};

use crate::bounce::{Fact, Reason};
use crate::knowledge::{Actor, Bilingual, Explanation};

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
}

/// The answer for one fact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Who must act.
    pub actor: Actor,
    /// Whether the sending server retries by itself.
    pub retry: bool,
    /// What happened.
    pub what_happened: Bilingual,
    /// Who must act, and what to do.
    pub who_acts: Bilingual,
    /// A reply the helpdesk can send to its customer.
    pub customer_reply: Bilingual,
    /// The evidence, one item per line.
    pub evidence: Vec<String>,
    /// `incident` or `knowledge`.
    pub based_on: &'static str,
    /// The incident relied on, if any.
    pub incident: Option<IncidentMatch>,
    /// Incidents that seem to match but rest on claims the node could not
    /// verify: shown beneath the answer, never its basis.
    pub not_relied_on: Vec<Bilingual>,
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
            bi(
                format!(
                    "{} claims an incident that may concern this mail (\"{}\"), but the node could not verify that {} speaks for this recipient or sender; it was not used for this answer.",
                    m.issuer,
                    pick(&m.summary, "en"),
                    m.issuer
                ),
                format!(
                    "{} がこのメールに関係する可能性のある障害情報（「{}」）を公開していますが、{} がこの宛先や送信元について発信できることを確認できなかったため、この回答には使用していません。",
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

fn bi(en: String, ja: String) -> Bilingual {
    Bilingual { en, ja }
}

fn pick(text: &Bilingual, lang_first: &str) -> String {
    let t = text.get(lang_first);
    if t.is_empty() {
        text.get(if lang_first == "ja" { "en" } else { "ja" })
            .to_owned()
    } else {
        t.to_owned()
    }
}

fn actor_names(actor: Actor, domain: &str, issuer: &str) -> Bilingual {
    match actor {
        Actor::Sender => bi("The sender".into(), "送信者".into()),
        Actor::SenderProvider => bi(
            "The sender's mail provider".into(),
            "送信側のメール事業者".into(),
        ),
        Actor::Receiver => bi(
            format!("The receiving side ({domain})"),
            format!("受信側（{domain}）"),
        ),
        Actor::Recipient => bi("The recipient".into(), "受信者".into()),
        Actor::BlocklistOperator => bi(
            format!(
                "The blocklist operator ({issuer}), once the sender's provider has fixed the cause"
            ),
            format!("送信側事業者が原因を解消した後、ブロックリスト運営者（{issuer}）"),
        ),
        Actor::Unknown => bi(
            "Unknown from this bounce alone".into(),
            "このエラーだけでは判断できません".into(),
        ),
    }
}

fn customer_reply(
    actor: Actor,
    retry: bool,
    reason: Reason,
    domain: &str,
    recipient: &str,
) -> Bilingual {
    match (actor, retry) {
        (Actor::Receiver, true) => bi(
            format!("The receiving mail server ({domain}) has a temporary problem, so delivery is delayed. You do not need to do anything: our server will keep retrying and deliver the message when the problem is resolved."),
            format!("送信先（{domain}）のメールサーバで一時的な障害が発生しており、配送が遅れています。お客様側での操作は不要です。障害が解消しだい、当社の送信サーバが自動的に再送いたします。"),
        ),
        (Actor::Receiver, false) => bi(
            format!("Your message could not be delivered because of a problem on the receiving side ({domain}). Please send it again after the problem is resolved; if it keeps failing, the recipient can contact their mail administrator."),
            format!("送信先（{domain}）のメールサーバ側の問題により、メールをお届けできませんでした。問題の解消後に改めて送信してください。繰り返し失敗する場合は、受信者様から先方のメール管理者へお問い合わせいただけます。"),
        ),
        // The sender acts for two kinds of refusal: the address is wrong,
        // or the message (its size, content or sender) was refused. Telling
        // someone whose attachment was too large to check the spelling of
        // the address sends them the wrong way.
        (Actor::Sender, _) if reason == Reason::EmailTooLarge => bi(
            format!("Your message to {recipient} is larger than the receiving side accepts. Please send it again with smaller or fewer attachments, or share large files by a download link."),
            format!("宛先（{recipient}）へのメールが、受信側で受け付けられるサイズを超えていました。添付ファイルを小さくするか減らして再送いただくか、大きなファイルはダウンロード用のリンクでお送りください。"),
        ),
        (Actor::Sender, _) if reason == Reason::Rejected => bi(
            format!("The receiving side ({domain}) did not accept mail from your sending address or domain, so your message to {recipient} was not delivered. Please check that your sending address is correct and exists; if it is, ask the recipient to allow mail from you."),
            format!("送信先（{domain}）が、お客様の送信元アドレスまたはドメインからのメールを受け付けなかったため、宛先（{recipient}）にお届けできませんでした。送信元アドレスが正しく実在するかをご確認のうえ、問題がなければ受信者様に受信許可をご依頼ください。"),
        ),
        (Actor::Sender, _)
            if matches!(
                reason,
                Reason::PolicyViolation
                    | Reason::ContentError
                    | Reason::VirusDetected
                    | Reason::NotCompliantRfc
            ) =>
        {
            bi(
                format!("The receiving side ({domain}) refused your message to {recipient} because of its content or format (for example an attachment type, links, or a malformed message). Please remove or change what may have been refused and send again; if the message is legitimate, ask the recipient to allow it."),
                format!("送信先（{domain}）が、内容または形式（添付ファイルの種類、リンク、メールの書式など）を理由に、宛先（{recipient}）へのメールを拒否しました。拒否の原因となりそうな部分を削除・変更して再送してください。正当なメールであれば、受信者様に受信許可をご依頼ください。"),
            )
        }
        (Actor::Sender, _) => bi(
            format!("The address {recipient} could not receive your message. Please check the address for typing mistakes and confirm the correct address with the recipient."),
            format!("宛先 {recipient} にメールをお届けできませんでした。アドレスに誤りがないかご確認のうえ、正しいアドレスを受信者様にご確認ください。"),
        ),
        // Refused by the recipient's filter or refusal settings (Japanese
        // carriers' 受信拒否設定), or a wrong address: not a full mailbox.
        (Actor::Recipient, _) if reason == Reason::Filtered => bi(
            format!("The recipient's mail system did not accept your message to {recipient}. Most often the recipient's filter or refusal settings do not accept mail from your address; a mistyped address gives the same result. Please check the address, then ask the recipient to allow mail from you."),
            format!("宛先（{recipient}）の受信側でメールが受け付けられませんでした。多くの場合、受信者様のフィルタや受信拒否設定により、お客様のアドレスからのメールが受け付けられていません（アドレスの誤りでも同じ結果になります）。アドレスをご確認のうえ、受信者様に受信許可の設定をご依頼ください。"),
        ),
        (Actor::Recipient, _) if reason == Reason::Vacation => bi(
            format!("Your message to {recipient} was delivered. The reply you received is the recipient's automatic away message; there is no need to send again."),
            format!("宛先（{recipient}）へのメールは配送されています。届いた返信は受信者様の自動応答（不在通知）ですので、再送の必要はありません。"),
        ),
        (Actor::Recipient, _) => bi(
            format!("The recipient's mailbox ({recipient}) cannot take new mail at the moment (for example, it is full or disabled). Please reach the recipient another way, or send again later."),
            format!("受信者様のメールボックス（{recipient}）が、容量超過や停止などの理由で現在メールを受け取れない状態です。別の方法で受信者様にご連絡いただくか、時間をおいて再送してください。"),
        ),
        (Actor::SenderProvider, true) => bi(
            format!("The receiving side ({domain}) is temporarily limiting mail from our servers. Our server retries automatically and we are working on the cause; you do not need to do anything now."),
            format!("送信先（{domain}）が当社の送信サーバからのメールを一時的に制限しています。当社の送信サーバが自動的に再送しており、原因への対応も進めております。現時点でお客様側での操作は不要です。"),
        ),
        (Actor::SenderProvider, false) => bi(
            format!("The receiving side ({domain}) refused mail from our sending servers. This is ours to fix and we are working on it; we will let you know when you can send again."),
            format!("送信先（{domain}）が当社の送信サーバからのメールを拒否しました。当社側で対応すべき問題のため、現在対応を進めております。再送できるようになりましたらご案内いたします。"),
        ),
        (Actor::BlocklistOperator, _) => bi(
            "Our sending server's address is on a blocklist that the receiving side consults, so your message was refused. We are fixing the cause and requesting removal; we will let you know when you can send again.".into(),
            "当社の送信サーバのアドレスが、送信先が参照しているブロックリストに登録されているため、メールが拒否されました。現在、原因の解消と登録解除の手続きを進めております。再送できるようになりましたらご案内いたします。".into(),
        ),
        (Actor::Unknown, _) => bi(
            "We are looking into why your message could not be delivered and will get back to you.".into(),
            "メールをお届けできなかった原因を調査しております。判明しだいご連絡いたします。".into(),
        ),
    }
}

fn evidence(fact: &Fact, kb: &Explanation) -> Vec<String> {
    let mut e = Vec::new();
    if let Some(r) = fact.reply_code {
        e.push(format!("reply {r}"));
    }
    if let Some(s) = &fact.status {
        e.push(format!("status {s}"));
    }
    if let Some((_, name)) = &kb.provider {
        e.push(format!("provider: {name}"));
    }
    if let Some(ip) = fact.sender_ip {
        e.push(format!("sending IP named in the reply: {ip}"));
    }
    if let Some(h) = &fact.remote_host {
        e.push(format!("remote MTA {h}"));
    }
    e.push(format!("reason: {}", fact.reason.as_str()));
    e
}

/// Decides who acts for one fact.
pub fn decide(fact: &Fact, kb: &Explanation, matches: &[IncidentMatch]) -> Verdict {
    let domain = fact.recipient_domain.clone().unwrap_or_else(|| "?".into());
    let recipient = fact.recipient.clone().unwrap_or_else(|| "?".into());
    let mut evidence = evidence(fact, kb);
    let transient = fact.reply_code.is_some_and(|r| (400..500).contains(&r))
        || fact.status.as_deref().is_some_and(|s| s.starts_with('4'));

    let not_relied_on = not_relied_on(matches);
    if let Some(best) = matches
        .iter()
        .filter(|m| m.decisive && m.score >= RELY_SCORE)
        .max_by(|a, b| a.score.total_cmp(&b.score))
    {
        let (actor, retry) = match best.kind.as_str() {
            "blocklist_listing" => (Actor::BlocklistOperator, false),
            _ => (Actor::Receiver, transient || kb.retry),
        };
        // Only a match on a verified claim gets here (`decisive`).
        let trust_en = format!(
            "signature and scope verified{}",
            if best.issuer_flagged {
                "; WARNING: this issuer has published conflicting notices"
            } else {
                ""
            }
        );
        let trust_ja = format!(
            "署名・範囲とも検証済み{}",
            if best.issuer_flagged {
                "・注意：この発行者は矛盾する通知を出しています"
            } else {
                ""
            }
        );
        let what = bi(
            format!(
                "{} published an incident starting {}: \"{}\" (status: {}; {trust_en}).",
                best.issuer,
                best.started_at,
                pick(&best.summary, "en"),
                best.status
            ),
            format!(
                "{} が {} からの障害情報を公開しています：「{}」（状況：{}、{trust_ja}）。",
                best.issuer,
                best.started_at,
                pick(&best.summary, "ja"),
                best.status
            ),
        );
        let names = actor_names(actor, &domain, &best.issuer);
        let advice_en = if best.advice.en.is_empty() && best.advice.ja.is_empty() {
            String::new()
        } else {
            format!(" {}", pick(&best.advice, "en"))
        };
        let advice_ja = if best.advice.en.is_empty() && best.advice.ja.is_empty() {
            String::new()
        } else {
            pick(&best.advice, "ja")
        };
        let who = match (actor, retry) {
            (Actor::Receiver, true) => bi(
                format!(
                    "{}. Nobody on the sending side needs to do anything: the sending server retries by itself.{advice_en} Contact: {}.",
                    names.en, best.contact
                ),
                format!(
                    "{}。送信側での対応は不要です（送信サーバが自動で再送します）。{advice_ja} 連絡先：{}",
                    names.ja, best.contact
                ),
            ),
            _ => bi(
                format!("{}.{advice_en} Contact: {}.", names.en, best.contact),
                format!("{}。{advice_ja} 連絡先：{}", names.ja, best.contact),
            ),
        };
        evidence.push(format!(
            "matched incident {} of {} (score {:.2}: {})",
            best.incident,
            best.issuer,
            best.score,
            best.reasons.join("; ")
        ));
        return Verdict {
            actor,
            retry,
            what_happened: what,
            who_acts: who,
            customer_reply: customer_reply(actor, retry, fact.reason, &domain, &recipient),
            evidence,
            based_on: "incident",
            incident: Some(best.clone()),
            not_relied_on,
        };
    }

    let provider = kb.provider.as_ref().map(|(_, n)| n.as_str());
    let what = bi(
        format!(
            "{}{} No operator has published an incident about this.",
            provider.map(|p| format!("{p}: ")).unwrap_or_default(),
            kb.meaning.en
        ),
        format!(
            "{}{}この件について公開された障害情報はありません。",
            provider.map(|p| format!("{p}：")).unwrap_or_default(),
            kb.meaning.ja
        ),
    );
    let names = actor_names(kb.actor, &domain, "");
    let who = bi(
        format!("{}. {}", names.en, kb.action.en),
        format!("{}。{}", names.ja, kb.action.ja),
    );
    Verdict {
        actor: kb.actor,
        retry: kb.retry,
        what_happened: what,
        who_acts: who,
        customer_reply: customer_reply(kb.actor, kb.retry, fact.reason, &domain, &recipient),
        evidence,
        based_on: "knowledge",
        incident: None,
        not_relied_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounce::parse_reply;
    use crate::knowledge::KnowledgeBase;

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
            score,
            decisive: true,
            reasons: vec!["recipient domain in scope".into()],
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
        let v = decide(&fact, &kb, &[throttling_incident(0.9)]);
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
        let weak = decide(&fact, &kb, &[throttling_incident(0.2)]);
        assert_eq!(weak.based_on, "knowledge");
        assert!(
            weak.what_happened
                .ja
                .contains("公開された障害情報はありません")
        );
    }

    fn full_mailbox_fact() -> Fact {
        parse_reply("552 5.2.2 Mailbox full", Some("a@example.jp"), None).unwrap()
    }

    #[test]
    fn a_filter_refusal_is_not_told_as_a_full_mailbox() {
        let fact = parse_reply("550 Unknown user", Some("hanako@ezweb.example"), None).unwrap();
        assert_eq!(fact.reason, Reason::Filtered);
        let kb = KnowledgeBase::embedded().explain(&fact);
        let v = decide(&fact, &kb, &[]);
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
        let v = decide(&away, &kb, &[]);
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
            decide(&full, &kb, &[])
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
            (fact.reason, decide(&fact, &kb, &[]).customer_reply)
        };
        let (reason, size) = reply_for("552 5.3.4 Message size exceeds fixed maximum message size");
        assert_eq!(reason, Reason::EmailTooLarge);
        assert!(
            size.ja.contains("添付ファイル") && size.en.contains("attachments"),
            "{size:?}"
        );
        let (reason, sender) = reply_for("553 5.1.8 Sender address rejected: Domain not found");
        assert_eq!(reason, Reason::Rejected);
        assert!(sender.ja.contains("送信元アドレス"), "{sender:?}");
        let (reason, content) =
            reply_for("554 5.7.1 Message rejected: policy violation in content");
        assert_eq!(reason, Reason::PolicyViolation);
        assert!(content.en.contains("content or format"), "{content:?}");
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
            recipient_domain: f.recipient_domain.clone(),
            remote_host: f.remote_host.clone(),
            remote_ip: f.remote_ip,
            sender_ip: f.sender_ip,
            reply_code: f.reply_code,
            status: f.status.clone(),
            text: f.diagnostic.clone(),
            timestamp: f.timestamp.clone(),
        }
    }
}

//! The provider-code knowledge base (`client/data/knowledge.toml`): which
//! provider answered, what its code means, who must act — even when nobody
//! has published an incident. Codes are scoped by provider; the RFC 3463
//! meaning of the status (or the bounce reason) is the fallback.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

use crate::bounce::{Fact, Reason};

/// Who has to do something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The person who sent the message (wrong address, content).
    Sender,
    /// The sender's mail provider (reputation, authentication, IP).
    SenderProvider,
    /// The receiving operator (outage, throttling, its own policy).
    Receiver,
    /// The recipient (full or disabled mailbox, own block list).
    Recipient,
    /// A blocklist operator (a listing of the sending IP or domain).
    BlocklistOperator,
    /// Nobody can tell from the bounce alone.
    Unknown,
}

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Bilingual {
    /// English.
    pub en: String,
    /// Japanese.
    pub ja: String,
}

impl Bilingual {
    /// The text in `lang` (`ja`, anything else is English).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "ja" { &self.ja } else { &self.en }
    }
}

/// What the knowledge base says about a fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The provider recognised, if any: (id, name).
    pub provider: Option<(String, String)>,
    /// throttling, reputation, blocklist, auth, policy, mailbox, outage, other.
    pub category: String,
    /// Who must act.
    pub actor: Actor,
    /// Whether the sending server retries by itself and may succeed.
    pub retry: bool,
    /// What it means.
    pub meaning: Bilingual,
    /// What to do.
    pub action: Bilingual,
    /// `provider` (a provider's own code), `rfc` (the generic status meaning) or `reason`.
    pub source: &'static str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    provider: Vec<ProviderDef>,
    code: Vec<CodeDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderDef {
    id: String,
    name: String,
    hosts: Vec<String>,
    markers: Vec<String>,
    domains: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeDef {
    provider: String,
    reply: Option<String>,
    status: Option<String>,
    text: Option<String>,
    category: String,
    actor: Actor,
    retry: bool,
    meaning: Bilingual,
    action: Bilingual,
}

struct Provider {
    id: String,
    name: String,
    hosts: Vec<String>,
    markers: RegexSet,
    domains: Vec<String>,
}

/// A status pattern: class, subject and an inclusive detail range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StatusRange {
    class: u16,
    subject: u16,
    detail: (u16, u16),
}

struct Code {
    provider: String,
    replies: Vec<(u16, u16)>,
    statuses: Vec<StatusRange>,
    text: Option<Regex>,
    category: String,
    actor: Actor,
    retry: bool,
    meaning: Bilingual,
    action: Bilingual,
}

/// The loaded knowledge base.
pub struct KnowledgeBase {
    providers: Vec<Provider>,
    codes: Vec<Code>,
}

static EMBEDDED: LazyLock<KnowledgeBase> = LazyLock::new(|| {
    KnowledgeBase::parse(include_str!("../data/knowledge.toml"))
        .expect("the embedded knowledge base is valid (a test checks it)")
});

fn parse_replies(spec: &str) -> Result<Vec<(u16, u16)>, String> {
    spec.split('/')
        .map(|part| {
            let part = part.trim();
            if let Some(class) = part.strip_suffix("xx") {
                let c: u16 = class.parse().map_err(|_| format!("bad reply `{part}`"))?;
                Ok((c * 100, c * 100 + 99))
            } else {
                let n: u16 = part.parse().map_err(|_| format!("bad reply `{part}`"))?;
                Ok((n, n))
            }
        })
        .collect()
}

fn parse_statuses(spec: &str) -> Result<Vec<StatusRange>, String> {
    spec.split('/')
        .map(|part| {
            let bad = || format!("bad status `{part}`");
            let mut it = part.trim().splitn(3, '.');
            let (Some(c), Some(s), Some(d)) = (it.next(), it.next(), it.next()) else {
                return Err(bad());
            };
            let (lo, hi) = d.split_once('-').unwrap_or((d, d));
            Ok(StatusRange {
                class: c.parse().map_err(|_| bad())?,
                subject: s.parse().map_err(|_| bad())?,
                detail: (
                    lo.parse().map_err(|_| bad())?,
                    hi.parse().map_err(|_| bad())?,
                ),
            })
        })
        .collect()
}

fn status_parts(s: &str) -> Option<(u16, u16, u16)> {
    let mut it = s.split('.');
    Some((
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    ))
}

fn host_matches(glob: &str, host: &str) -> bool {
    match glob.strip_prefix("*.") {
        Some(suffix) => {
            host.len() > suffix.len()
                && host.ends_with(suffix)
                && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
        }
        None => host == glob,
    }
}

impl KnowledgeBase {
    /// The knowledge base built into the binary.
    pub fn embedded() -> &'static KnowledgeBase {
        &EMBEDDED
    }

    /// Parses and checks a knowledge-base file.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: FileDef = toml::from_str(text).map_err(|e| e.to_string())?;
        let providers = file
            .provider
            .into_iter()
            .map(|p| {
                let markers = RegexSet::new(p.markers.iter().map(|m| format!("(?i){m}")))
                    .map_err(|e| format!("provider {}: {e}", p.id))?;
                Ok(Provider {
                    id: p.id,
                    name: p.name,
                    hosts: p.hosts,
                    markers,
                    domains: p.domains,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let codes = file
            .code
            .into_iter()
            .map(|c| {
                if !providers.iter().any(|p| p.id == c.provider) {
                    return Err(format!("code names unknown provider {}", c.provider));
                }
                if c.meaning.en.is_empty()
                    || c.meaning.ja.is_empty()
                    || c.action.en.is_empty()
                    || c.action.ja.is_empty()
                {
                    return Err(format!(
                        "a {} code lacks a Japanese or English text",
                        c.provider
                    ));
                }
                Ok(Code {
                    replies: c
                        .reply
                        .as_deref()
                        .map(parse_replies)
                        .transpose()?
                        .unwrap_or_default(),
                    statuses: c
                        .status
                        .as_deref()
                        .map(parse_statuses)
                        .transpose()?
                        .unwrap_or_default(),
                    text: c
                        .text
                        .as_deref()
                        .map(|t| Regex::new(&format!("(?i){t}")))
                        .transpose()
                        .map_err(|e| e.to_string())?,
                    provider: c.provider,
                    category: c.category,
                    actor: c.actor,
                    retry: c.retry,
                    meaning: c.meaning,
                    action: c.action,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Self { providers, codes })
    }

    /// The provider that answered: by the remote host, markers in the reply,
    /// or the recipient's domain.
    fn provider_of(&self, fact: &Fact) -> Option<&Provider> {
        let host = fact.remote_host.as_deref().unwrap_or_default();
        let domain = fact.recipient_domain.as_deref().unwrap_or_default();
        self.providers
            .iter()
            .find(|p| !host.is_empty() && p.hosts.iter().any(|g| host_matches(g, host)))
            .or_else(|| {
                self.providers
                    .iter()
                    .find(|p| p.markers.is_match(&fact.diagnostic))
            })
            .or_else(|| {
                self.providers
                    .iter()
                    .find(|p| p.domains.iter().any(|d| d == domain))
            })
    }

    /// What is known about `fact`.
    pub fn explain(&self, fact: &Fact) -> Explanation {
        let provider = self.provider_of(fact);
        if let Some(p) = provider {
            let status = fact.status.as_deref().and_then(status_parts);
            let best = self
                .codes
                .iter()
                .filter(|c| c.provider == p.id)
                .filter_map(|c| {
                    let reply_ok = c.replies.is_empty()
                        || fact.reply_code.is_some_and(|r| {
                            c.replies.iter().any(|(lo, hi)| (*lo..=*hi).contains(&r))
                        });
                    let status_ok = c.statuses.is_empty()
                        || status.is_some_and(|(cl, s, d)| {
                            c.statuses.iter().any(|r| {
                                r.class == cl
                                    && r.subject == s
                                    && (r.detail.0..=r.detail.1).contains(&d)
                            })
                        });
                    let text_ok = c.text.as_ref().is_none_or(|t| t.is_match(&fact.diagnostic));
                    (reply_ok && status_ok && text_ok).then(|| {
                        let specificity = 4 * usize::from(c.text.is_some())
                            + 2 * usize::from(!c.statuses.is_empty())
                            + usize::from(!c.replies.is_empty());
                        (specificity, c)
                    })
                })
                // Highest specificity; the first written wins a tie.
                .fold(None::<(usize, &Code)>, |best, (s, c)| match best {
                    Some((bs, _)) if bs >= s => best,
                    _ => Some((s, c)),
                });
            if let Some((_, c)) = best {
                return Explanation {
                    provider: Some((p.id.clone(), p.name.clone())),
                    category: c.category.clone(),
                    actor: c.actor,
                    retry: c.retry,
                    meaning: c.meaning.clone(),
                    action: c.action.clone(),
                    source: "provider",
                };
            }
        }
        let mut generic = generic(fact);
        generic.provider = provider.map(|p| (p.id.clone(), p.name.clone()));
        generic
    }
}

fn bi(en: &str, ja: &str) -> Bilingual {
    Bilingual {
        en: en.to_owned(),
        ja: ja.to_owned(),
    }
}

/// The generic meaning: the status subject (RFC 3463), else the bounce reason.
fn generic(fact: &Fact) -> Explanation {
    let transient = fact.status.as_deref().is_some_and(|s| s.starts_with('4'))
        || fact.reply_code.is_some_and(|r| (400..500).contains(&r));
    let retry_note = |en: &str, ja: &str| {
        if transient {
            bi(
                &format!("{en} The condition is temporary: the sending server retries by itself."),
                &format!("{ja}一時的な状態のため、送信サーバが自動で再送します。"),
            )
        } else {
            bi(en, ja)
        }
    };
    use Reason::*;
    let (category, actor, meaning, action) = match fact.reason {
        UserUnknown | HasMoved | NotAccept => (
            "mailbox",
            Actor::Sender,
            bi(
                "The recipient's address does not exist (or no longer accepts mail).",
                "宛先のアドレスが存在しないか、メールを受け付けていません。",
            ),
            bi(
                "Check the address for typos and ask the recipient for the right one.",
                "宛先アドレスの誤りを確認し、正しいアドレスを受信者に確認してください。",
            ),
        ),
        Suppressed => (
            "mailbox",
            Actor::Sender,
            bi(
                "The sending service did not try: the address is on its suppression list after earlier bounces or complaints.",
                "送信サービスは配送を試みませんでした。過去の不達または苦情により、このアドレスは送信停止リストに載っています。",
            ),
            bi(
                "Confirm the address with the recipient, then remove it from the suppression list.",
                "受信者にアドレスを確認してから、送信停止リストから削除してください。",
            ),
        ),
        HostUnknown => (
            "mailbox",
            Actor::Sender,
            bi(
                "The recipient's domain does not exist or has no mail server.",
                "宛先のドメインが存在しないか、メールサーバがありません。",
            ),
            bi(
                "Check the domain part of the address.",
                "アドレスのドメイン部分を確認してください。",
            ),
        ),
        // An auto-reply (RFC 3834) answers a message that arrived.
        Vacation => (
            "mailbox",
            Actor::Recipient,
            bi(
                "The message was delivered: this is the recipient's automatic reply (away or out of office), not a bounce.",
                "メールは配送されています。これは受信者の自動応答（不在通知）であり、不達ではありません。",
            ),
            bi(
                "Nothing to resend; wait for the recipient, or use the other contact the reply gives.",
                "再送は不要です。受信者の戻りを待つか、自動応答に記載された別の連絡先をご利用ください。",
            ),
        ),
        MailboxFull | Suspend => (
            "mailbox",
            Actor::Recipient,
            retry_note(
                "The recipient's mailbox cannot take mail now (full, disabled or away).",
                "受信者のメールボックスが現在メールを受け取れません（容量超過・停止・不在）。",
            ),
            bi(
                "The recipient must act; try again later or reach them another way.",
                "受信者側の対応が必要です。時間をおくか、別の方法で連絡してください。",
            ),
        ),
        Blocked | BadReputation | SpamDetected | RateLimited => (
            "reputation",
            Actor::SenderProvider,
            retry_note(
                "The receiver refuses or limits mail from the sending server, based on its IP, reputation or a blocklist.",
                "受信側が、送信サーバの IP・評判・ブロックリストを理由に、受信を拒否または制限しています。",
            ),
            bi(
                "The sending provider should check whether its IP is listed or its reputation is low, and fix the cause.",
                "送信側事業者が、IP がブロックリストに載っていないか、評判が低下していないかを確認し、原因を解消してください。",
            ),
        ),
        AuthFailure | RequirePtr | SecurityError | FailedStartTls => (
            "auth",
            Actor::SenderProvider,
            retry_note(
                "The receiver requires authentication or transport security that the sending side does not meet (SPF, DKIM, DMARC, reverse DNS, TLS).",
                "受信側が求める認証や通信の安全性（SPF・DKIM・DMARC・逆引き・TLS）を送信側が満たしていません。",
            ),
            bi(
                "The sending provider should fix the sending domain's and server's configuration.",
                "送信側事業者が送信ドメインと送信サーバの設定を修正してください。",
            ),
        ),
        // "Filtered" is mostly the stock "user unknown" given where the
        // address itself was not shown to be checked (after DATA, or at no
        // stage the bounce names): a filter's refusal — on Japanese mobile
        // carriers, the recipient's own refusal settings — though a wrong
        // address reads the same. Say both.
        Filtered => (
            "policy",
            Actor::Recipient,
            bi(
                "The receiver refused the message for this recipient without showing that it checked the address itself: most likely a filter or the recipient's own refusal settings turned away this sender, although a wrong address gives the same words (\"user unknown\").",
                "受信側がこの宛先へのメールを拒否しましたが、アドレスそのものを確認した段階での拒否とは示されていません。受信者側のフィルタや受信拒否設定がこの送信者を拒否した可能性が高いものの、アドレスの誤りでも同じ文言（「user unknown」）になります。",
            ),
            bi(
                "Confirm the address with the recipient; if it is right, ask the recipient (or their administrator) to allow this sender or domain.",
                "宛先アドレスを受信者に確認し、正しければ、この送信者またはドメインからの受信を許可するよう受信者（または管理者）に依頼してください。",
            ),
        ),
        PolicyViolation | ContentError | VirusDetected | NotCompliantRfc | EmailTooLarge
        | Rejected => (
            "policy",
            Actor::Sender,
            bi(
                "The receiver refused this message under its policy (content, size, format, or the sender).",
                "受信側が、ポリシー（内容・サイズ・形式・送信者）によりこのメールを拒否しました。",
            ),
            bi(
                "Review the message and the sender address; if it should be accepted, ask the recipient to allow it.",
                "メールの内容と送信者アドレスを見直し、受信されるべきものであれば受信者に許可を依頼してください。",
            ),
        ),
        Expired | NetworkError | SystemError | SystemFull | MailerError => (
            "outage",
            Actor::Receiver,
            retry_note(
                "The receiving side could not be reached or had a problem.",
                "受信側に接続できないか、受信側で問題が起きています。",
            ),
            bi(
                "Usually nothing to do on the sending side; if it lasts, contact the receiver's postmaster.",
                "通常は送信側での対応は不要です。続く場合は受信側のポストマスターに連絡してください。",
            ),
        ),
        _ => (
            "other",
            Actor::Unknown,
            retry_note(
                "The bounce does not say clearly why delivery failed.",
                "不達の理由はこのエラーからははっきりしません。",
            ),
            bi(
                "Contact the receiver's postmaster with this error text.",
                "このエラー文を添えて受信側のポストマスターに問い合わせてください。",
            ),
        ),
    };
    Explanation {
        provider: None,
        category: category.into(),
        actor,
        retry: transient,
        meaning,
        action,
        source: if fact.status.is_some() {
            "rfc"
        } else {
            "reason"
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounce::parse_reply;

    fn explain(reply: &str, to: &str) -> Explanation {
        KnowledgeBase::embedded().explain(&parse_reply(reply, Some(to), None).unwrap())
    }

    #[test]
    fn the_embedded_file_is_valid() {
        let kb = KnowledgeBase::parse(include_str!("../data/knowledge.toml")).unwrap();
        assert!(kb.codes.len() >= 30);
        assert!(
            KnowledgeBase::parse(
                "[[provider]]\nid='x'\nname='x'\nhosts=[]\nmarkers=['(']\ndomains=[]\ncode=[]"
            )
            .is_err()
        );
    }

    #[test]
    fn microsoft_throttling_by_marker() {
        let e = explain(
            "451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)",
            "someone@contoso.example",
        );
        assert_eq!(e.provider.as_ref().map(|p| p.0.as_str()), Some("microsoft"));
        assert_eq!(
            (e.category.as_str(), e.actor, e.retry, e.source),
            ("throttling", Actor::Receiver, true, "provider")
        );
        assert!(e.meaning.ja.contains("Microsoft"));
    }

    #[test]
    fn gmail_and_yahoo_codes() {
        let g = explain(
            "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP address.",
            "a@gmail.com",
        );
        assert_eq!(
            (g.category.as_str(), g.actor),
            ("reputation", Actor::SenderProvider)
        );
        let full = explain(
            "552 5.2.2 The recipient's inbox is out of storage space.",
            "a@gmail.com",
        );
        assert_eq!(full.actor, Actor::Recipient);
        let y = explain(
            "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1",
            "a@yahoo.com",
        );
        assert_eq!(
            (y.provider.unwrap().0.as_str(), y.category.as_str(), y.retry),
            ("yahoo", "throttling", true)
        );
    }

    #[test]
    fn same_code_means_different_things_by_provider() {
        // 5.7.1 with a block-list text at Microsoft; the same status at an unknown provider falls back.
        let ms = explain(
            "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).",
            "a@hotmail.com",
        );
        assert_eq!(ms.category, "blocklist");
        let other = explain("550 5.7.1 Message rejected", "a@unknown.example");
        assert_eq!((other.provider.is_none(), other.source), (true, "rfc"));
    }
}

//! The provider-code knowledge base (`bounce/data/knowledge.toml`): which
//! provider answered, what its code means, and the [`Cause`] — even when
//! nobody has published an incident.
//!
//! The order of evidence, written down (`explain`):
//! 1. **Where it failed.** A reply only a submission server gives (AUTH
//!    required, a From address the account may not use, the account's
//!    sending quota, relaying refused) is the customer's mail program,
//!    whichever recipient it was for: the `submission` entries come first.
//! 2. **The provider's own entry**, the provider recognised by the remote
//!    host, markers in the reply, or the recipient's domain. Among its
//!    entries that match, a marker (`S775`, `TSS04`) beats a status, an exact
//!    status beats a range, a status beats a text, and a reply code is the
//!    last tie-break.
//! 3. **General entries** (`any`): texts every MTA uses (greylisting,
//!    public blocklists), ranked the same way.
//! 4. **The generic meaning**: the bounce's reason, else the RFC 3463
//!    subject of its status ([`generic`]).
//!
//! Temporary or permanent always comes from the reply itself (its code, its
//! status, a DSN's `Action: delayed`), never from an entry.
//!
//! | module | what |
//! |---|---|
//! | [`cause`] | the causes, their category, who acts, their names in words |
//! | [`generic`] | the fallback from the reason or the status subject |
//! | [`owner`] | whose sending domain it is (ours, free mail, the customer's) |

use std::sync::LazyLock;

use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

use crate::Fact;

pub mod cause;
pub mod generic;
pub mod owner;

pub use cause::Cause;

/// Who has to do something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The person who sent the message (wrong address, content, their
    /// mail program, their own domain).
    Sender,
    /// The sender's mail provider (its IP, reputation, server settings).
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

    /// A pair from two strings.
    pub fn new(en: impl Into<String>, ja: impl Into<String>) -> Self {
        Self {
            en: en.into(),
            ja: ja.into(),
        }
    }
}

/// What the knowledge base says about a fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The provider recognised, if any: (id, name).
    pub provider: Option<(String, String)>,
    /// What caused it.
    pub cause: Cause,
    /// The cause's broad kind ([`cause::category`]).
    pub category: String,
    /// Who acts, before the sending domain's owner is known ([`cause::actor`]).
    pub actor: Actor,
    /// Whether the sending server retries by itself: from the reply's class.
    pub retry: bool,
    /// What the entry says of retrying, where its provider documents it:
    /// `Some(false)` for a deferral that keeps failing until someone acts.
    /// `None`: the reply's class decides.
    pub retry_helps: Option<bool>,
    /// What it means.
    pub meaning: Bilingual,
    /// What to do.
    pub action: Bilingual,
    /// Which step answered: `submission`, `provider`, `general`, or the
    /// generic `rfc` (status subject) or `reason`.
    pub source: &'static str,
    /// The entry's id (`microsoft-4.7.650`), or the generic rule's name.
    pub entry: String,
    /// Where the entry's facts are documented.
    pub documented: Option<String>,
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
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeDef {
    id: String,
    provider: String,
    reply: Option<String>,
    status: Option<String>,
    marker: Option<String>,
    text: Option<String>,
    cause: Cause,
    /// Whether retrying, the sending server's or the customer's, can
    /// succeed without anyone changing anything. Absent: the reply's class
    /// decides (a temporary reply can, a permanent one cannot). Written
    /// only where the provider documents otherwise — a deferral that keeps
    /// failing until the sender fixes something.
    retry_helps: Option<bool>,
    source: String,
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
    id: String,
    provider: String,
    replies: Vec<(u16, u16)>,
    statuses: Vec<StatusRange>,
    /// The marker's and the text's slots in the group's [`RegexSet`].
    marker: Option<usize>,
    text: Option<usize>,
    cause: Cause,
    retry_helps: Option<bool>,
    source: String,
    meaning: Bilingual,
    action: Bilingual,
}

/// The entries of one provider (or pseudo-provider), with all their texts
/// and markers in one set: a reply is scanned once per group, not once per
/// entry.
struct Group {
    codes: Vec<usize>,
    set: RegexSet,
}

/// Entries of these pseudo-providers need no provider definition.
const SUBMISSION: &str = "submission";
const GENERAL: &str = "any";

/// The loaded knowledge base.
pub struct KnowledgeBase {
    providers: Vec<Provider>,
    codes: Vec<Code>,
    groups: std::collections::HashMap<String, Group>,
    free_mail: Vec<String>,
}

static EMBEDDED: LazyLock<KnowledgeBase> = LazyLock::new(|| {
    KnowledgeBase::parse(include_str!("../../data/knowledge.toml"))
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

/// The parts of a status `c.s.d`.
pub(crate) fn status_parts(s: &str) -> Option<(u16, u16, u16)> {
    let mut it = s.split('.');
    Some((
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    ))
}

fn host_matches(glob: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match glob.strip_prefix("*.") {
        Some(suffix) => {
            host.len() > suffix.len()
                && host.ends_with(suffix)
                && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
        }
        None => host == glob,
    }
}

/// Checks a text or marker pattern and gives it a slot in its provider's set.
fn slot(
    patterns: &mut std::collections::HashMap<String, Vec<String>>,
    provider: &str,
    spec: &str,
    what: &str,
) -> Result<usize, String> {
    Regex::new(&format!("(?i){spec}")).map_err(|e| format!("{what}: {e}"))?;
    let list = patterns.entry(provider.to_owned()).or_default();
    list.push(spec.to_owned());
    Ok(list.len() - 1)
}

/// The last remote reply an expiry report quotes inside its own.
fn last_reply_quoted(diagnostic: &str) -> Option<&str> {
    static NESTED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:\[message=|responded with(?: error)?\.?\s*->|->)\s*([245][0-9][0-9][ \-][^\]]*)").unwrap()
    });
    NESTED
        .captures_iter(diagnostic)
        .last()
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().trim())
}

/// Whether the reply says the condition is temporary: its code, else its
/// status, else a DSN's `Action: delayed`.
pub fn transient(fact: &Fact) -> bool {
    match (fact.reply_code, &fact.status) {
        (Some(r), _) => r.is_temporary(),
        (None, Some(s)) => s.is_temporary(),
        (None, None) => fact.action == Some(crate::Action::Delayed),
    }
}

impl Code {
    /// How specific a match is, compared in order: a marker, the status
    /// (2 exact, 1 a range), a text, a reply code. `None` when it does not match.
    fn matches(
        &self,
        fact: &Fact,
        status: Option<(u16, u16, u16)>,
        texts: &regex::SetMatches,
    ) -> Option<(bool, u8, bool, bool)> {
        let reply_ok = self.replies.is_empty()
            || fact.reply_code.is_some_and(|r| {
                self.replies
                    .iter()
                    .any(|(lo, hi)| (*lo..=*hi).contains(&r.get()))
            });
        let status_hit = status.and_then(|(cl, s, d)| {
            self.statuses
                .iter()
                .find(|r| r.class == cl && r.subject == s && (r.detail.0..=r.detail.1).contains(&d))
        });
        // An entry that names no status of its own must fit the one the
        // reply has: the status bounds what the words may mean (DMARC
        // words under 5.7.8 are a refused login; "authentication" under
        // 5.7.26 is not a mail program that failed to log in).
        let status_ok = match status {
            _ if !self.statuses.is_empty() => status_hit.is_some(),
            Some((_, s, d)) => cause::fits_status(self.cause, s, d),
            None => true,
        };
        let marker_ok = self.marker.is_none_or(|m| texts.matched(m));
        let text_ok = self.text.is_none_or(|t| texts.matched(t));
        (reply_ok && status_ok && marker_ok && text_ok).then(|| {
            let exactness = match status_hit {
                Some(r) if r.detail.0 == r.detail.1 => 2,
                Some(_) => 1,
                None => 0,
            };
            (
                self.marker.is_some(),
                exactness,
                self.text.is_some(),
                !self.replies.is_empty(),
            )
        })
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
                if p.source.trim().is_empty() {
                    return Err(format!("provider {} names no source", p.id));
                }
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
        let mut ids = std::collections::HashSet::new();
        let mut patterns: std::collections::HashMap<String, Vec<String>> = Default::default();
        let codes = file
            .code
            .into_iter()
            .map(|c| {
                if ![SUBMISSION, GENERAL].contains(&c.provider.as_str())
                    && !providers.iter().any(|p| p.id == c.provider)
                {
                    return Err(format!(
                        "code {} names unknown provider {}",
                        c.id, c.provider
                    ));
                }
                if !ids.insert(c.id.clone()) {
                    return Err(format!("code id {} is used twice", c.id));
                }
                if c.source.trim().is_empty() {
                    return Err(format!("code {} names no source", c.id));
                }
                if [&c.meaning.en, &c.meaning.ja, &c.action.en, &c.action.ja]
                    .iter()
                    .any(|t| t.trim().is_empty())
                {
                    return Err(format!("code {} lacks a Japanese or English text", c.id));
                }
                if c.reply.is_none() && c.status.is_none() && c.marker.is_none() && c.text.is_none()
                {
                    return Err(format!("code {} matches everything", c.id));
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
                    marker: c
                        .marker
                        .as_deref()
                        .map(|m| slot(&mut patterns, &c.provider, m, &c.id))
                        .transpose()?,
                    text: c
                        .text
                        .as_deref()
                        .map(|t| slot(&mut patterns, &c.provider, t, &c.id))
                        .transpose()?,
                    id: c.id,
                    provider: c.provider,
                    cause: c.cause,
                    retry_helps: c.retry_helps,
                    source: c.source,
                    meaning: c.meaning,
                    action: c.action,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut groups = std::collections::HashMap::new();
        for (i, c) in codes.iter().enumerate() {
            groups
                .entry(c.provider.clone())
                .or_insert_with(|| Group {
                    codes: Vec::new(),
                    set: RegexSet::empty(),
                })
                .codes
                .push(i);
        }
        for (provider, group) in &mut groups {
            let list = patterns.remove(provider).unwrap_or_default();
            group.set = RegexSet::new(list.iter().map(|p| format!("(?i){p}")))
                .map_err(|e| format!("{provider}: {e}"))?;
        }
        let free_mail = providers
            .iter()
            .flat_map(|p| p.domains.iter().cloned())
            .collect();
        Ok(Self {
            providers,
            codes,
            groups,
            free_mail,
        })
    }

    /// The provider that answered: by the remote or reporting host, markers
    /// in the reply, or the recipient's domain.
    fn provider_of(&self, fact: &Fact) -> Option<&Provider> {
        let domain = fact.recipient_domain.as_deref().unwrap_or_default();
        self.providers
            .iter()
            .find(|p| self.answered_by_host(p, fact))
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

    /// Whether the remote or reporting host is one of the provider's.
    fn answered_by_host(&self, p: &Provider, fact: &Fact) -> bool {
        [fact.remote_host.as_deref(), fact.reporting_mta.as_deref()]
            .iter()
            .flatten()
            .any(|h| p.hosts.iter().any(|g| host_matches(g, h)))
    }

    /// The recipient domains of mailbox providers: a From address there,
    /// sent through another server, cannot pass its own DMARC.
    pub fn free_mail_domains(&self) -> &[String] {
        &self.free_mail
    }

    /// The best entry of `provider` that matches.
    fn best(&self, provider: &str, fact: &Fact) -> Option<&Code> {
        let status = fact.status.as_deref().and_then(status_parts);
        let group = self.groups.get(provider)?;
        let texts = group.set.matches(&fact.diagnostic);
        group
            .codes
            .iter()
            .map(|&i| &self.codes[i])
            .filter_map(|c| c.matches(fact, status, &texts).map(|s| (s, c)))
            // Most specific; the first written wins a tie.
            .fold(None::<(_, &Code)>, |best, (s, c)| match best {
                Some((bs, _)) if bs >= s => best,
                _ => Some((s, c)),
            })
            .map(|(_, c)| c)
    }

    /// What is known about `fact`, in the order the module's map gives.
    /// An expiry's own code says only that time ran out; where the report
    /// quotes the last reply it got ("[Message=451 4.7.0 …]", "responded
    /// with error. -> 421 4.3.2 …"), that reply says why.
    pub fn explain(&self, fact: &Fact) -> Explanation {
        let outer = self.explain_own(fact);
        let expiry = fact
            .status
            .as_deref()
            .and_then(status_parts)
            .is_some_and(|(_, s, d)| (s, d) == (4, 7));
        if expiry && let Some(last) = last_reply_quoted(&fact.diagnostic) {
            let mut inner = fact.clone();
            inner.diagnostic = last.to_owned();
            let found = crate::smtp::scan(last);
            inner.reply_code = found.reply.and_then(crate::ReplyCode::new);
            inner.status = found
                .reply_status
                .or(found.status)
                .as_deref()
                .and_then(crate::types::status);
            inner.reason = crate::Reason::Undefined;
            let inner = inner.finish();
            let said = self.explain_own(&inner);
            if !matches!(said.source, "rfc" | "reason") || said.cause != Cause::Unexplained {
                return Explanation {
                    retry: outer.retry,
                    ..said
                };
            }
        }
        outer
    }

    fn explain_own(&self, fact: &Fact) -> Explanation {
        let provider = self.provider_of(fact);
        let named = provider.map(|p| (p.id.clone(), p.name.clone()));
        let own = || {
            provider
                .and_then(|p| self.best(&p.id, fact))
                .map(|c| (c, "provider"))
        };
        // A reply a receiving server gave (its host is named) is not our
        // submission server's, whatever its words.
        let from_receiver = fact.remote_host.is_some() || fact.remote_ip.is_some();
        let submission = || {
            self.best(SUBMISSION, fact)
                .filter(|_| !from_receiver)
                .map(|c| (c, "submission"))
        };
        // A reply from a host the provider is known by came from its MX, not
        // from a submission server.
        let found = if provider.is_some_and(|p| self.answered_by_host(p, fact)) {
            own().or_else(submission)
        } else {
            submission().or_else(own)
        }
        .or_else(|| self.best(GENERAL, fact).map(|c| (c, "general")));
        if let Some((c, source)) = found {
            return Explanation {
                provider: named,
                cause: c.cause,
                category: cause::category(c.cause).into(),
                actor: cause::actor(c.cause),
                retry: transient(fact),
                retry_helps: c.retry_helps,
                meaning: c.meaning.clone(),
                action: c.action.clone(),
                source,
                entry: c.id.clone(),
                documented: Some(c.source.clone()),
            };
        }
        let mut generic = generic::explain(fact);
        generic.provider = named;
        generic
    }

    /// Every entry's id and cause, for tests that must cover them all.
    pub fn entries(&self) -> impl Iterator<Item = (&str, Cause)> {
        self.codes.iter().map(|c| (c.id.as_str(), c.cause))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_reply;

    fn explain(reply: &str, to: &str) -> Explanation {
        KnowledgeBase::embedded().explain(&parse_reply(reply, Some(to), None).unwrap())
    }

    #[test]
    fn the_embedded_file_is_valid() {
        let kb = KnowledgeBase::parse(include_str!("../../data/knowledge.toml")).unwrap();
        assert!(kb.codes.len() >= 30);
        assert!(
            KnowledgeBase::parse(
                "[[provider]]\nid='x'\nname='x'\nhosts=[]\nmarkers=['(']\ndomains=[]\nsource='s'\ncode=[]"
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
            (g.cause, g.actor, g.retry),
            (Cause::IpRateLimited, Actor::SenderProvider, true)
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
    fn retry_helps_comes_from_the_entry_not_the_class() {
        // Yahoo documents [TS03] as a 421 that never succeeds on retry.
        let y = explain(
            "421 4.7.1 [TS03] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed.",
            "a@yahoo.com",
        );
        assert_eq!((y.retry, y.retry_helps), (true, Some(false)));
        let busy = explain("421 4.4.5 Server busy, try again later.", "a@gmail.com");
        assert_eq!((busy.retry, busy.retry_helps), (true, None));
    }

    #[test]
    fn authentication_words_decide_only_as_the_reply_s_own_reason() {
        // The recipient's organisation, not the mail program's login.
        for reply in [
            "550 5.7.12 Sender was not authenticated by organization [TY1PR01MB1234.jpnprd01.prod.outlook.com]",
            "550 5.7.1 RESOLVER.RST.AuthRequired; authentication required [Stage: CreateMessage] [TY1PR01MB1234.jpnprd01.prod.outlook.com]",
            "550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required [TY1PR01MB1234.jpnprd01.prod.outlook.com]",
        ] {
            let e = explain(reply, "a@contoso.example");
            assert_eq!(
                (e.cause, e.actor, e.source),
                (Cause::RecipientOrgBlock, Actor::Recipient, "provider"),
                "{reply}"
            );
        }
        // A refused password at the submission server is the login, whatever
        // it says, never the sending domain's SPF, DKIM or DMARC.
        for reply in [
            "535 5.7.8 Error: authentication failed: authentication failure",
            "535 Incorrect authentication data",
            "535 5.7.8 Authentication failed",
        ] {
            let e = explain(reply, "a@example.org");
            assert_eq!(
                (e.cause, e.source),
                (Cause::SubmissionLoginFailed, "submission"),
                "{reply}"
            );
        }
        // Authentication words under a DMARC refusal stay the sending domain's.
        let d = explain(
            "550 5.7.1 Email rejected per DMARC policy for shop.example: authentication required",
            "a@example.org",
        );
        assert_ne!(d.cause, Cause::SubmissionAuthRequired);
        // The submission server's own wording still counts.
        let s = explain("530 5.7.0 Authentication required", "a@example.org");
        assert_eq!(s.cause, Cause::SubmissionAuthRequired);
    }

    #[test]
    fn a_receiver_without_tls_is_not_our_server_refusing_encryption() {
        let e = explain(
            "450 4.7.321 starttls-not-supported: Destination mail server must support TLS to receive mail. [TY1PR01MB1234.jpnprd01.prod.outlook.com]",
            "a@example.jp",
        );
        assert_eq!(
            (e.cause, e.actor, e.retry, e.retry_helps),
            (Cause::ReceiverOutage, Actor::Receiver, true, Some(false))
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
        assert!(other.provider.is_none() && matches!(other.source, "rfc" | "reason"));
    }
}

//! What caused a failure, in the terms the answer is written in. Every
//! knowledge-base entry, every generic fallback and every incident kind ends
//! in one [`Cause`]; the cause fixes the category and who acts (except for
//! the sending domain's causes, whose owner is decided from the evidence:
//! see [`super::owner`]), and the customer reply is written from it.

use serde::{Deserialize, Serialize};

use super::{Actor, Bilingual};

/// Why a message was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    // The sending server: ours to fix.
    /// The receiver judges the sending IP's reputation low.
    IpReputation,
    /// The receiver limits the volume or connections from the sending IP.
    IpRateLimited,
    /// The sending IP is on the receiver's own block list.
    IpBlockedByReceiver,
    /// The sending IP (or the server's name) is on a public blocklist.
    IpBlocklisted,
    /// The sending IP has no matching reverse DNS.
    ReverseDns,
    /// The receiver requires TLS that the sending server did not use.
    TlsRequired,
    /// The sender's hosted-mail tenant is restricted (Microsoft 365).
    SenderTenant,
    // The sending domain: its owner's to fix.
    /// SPF, DKIM or DMARC of the sending domain failed.
    DomainAuthentication,
    /// The sending domain is on a blocklist.
    DomainBlocklisted,
    // The sender (the customer).
    /// The recipient's address does not exist.
    UserUnknown,
    /// The recipient's domain does not exist or takes no mail.
    DomainUnknown,
    /// The sending service suppressed the address after earlier failures.
    Suppressed,
    /// The message is larger than the receiver accepts.
    MessageTooLarge,
    /// The content (text, links, attachments) was refused.
    ContentRefused,
    /// The message's format breaks the standards (headers, line length).
    MalformedMessage,
    /// The sender's address was refused.
    SenderAddressRefused,
    /// The sending account was suspended for abuse.
    AccountSuspended,
    /// Too many messages from this sender to one recipient.
    SenderTooManyToRecipient,
    /// Mail sent straight from a dynamic (consumer) IP.
    DirectFromDynamicIp,
    // Our submission server: the customer's mail program settings.
    /// The mail program did not log in (SMTP AUTH) to the submission server.
    SubmissionAuthRequired,
    /// The mail program logged in with a user name or password the
    /// submission server refused.
    SubmissionLoginFailed,
    /// The From address is not one the logged-in account may use.
    SenderNotOwned,
    /// The account's sending limit at the submission server was reached.
    SendingQuota,
    /// The server refused to relay for this recipient.
    RelayDenied,
    // The recipient.
    /// The mailbox is full.
    MailboxFull,
    /// The mailbox is disabled or inactive.
    MailboxDisabled,
    /// The recipient's filter or refusal settings turned the sender away.
    RecipientRefused,
    /// The recipient's organisation blocks the sender with its own list.
    RecipientOrgBlock,
    /// The recipient receives more mail than the receiver allows.
    RecipientRateLimited,
    /// An automatic reply: the message was delivered.
    AutoReply,
    /// The message was accepted and then quarantined by the receiver.
    Quarantined,
    // The receiver.
    /// The receiver is busy or limits all senders for now.
    ReceiverThrottling,
    /// The receiver is down or failing.
    ReceiverOutage,
    /// Our server could not reach the recipient's mail server at all (no
    /// answer, no route, a name that does not resolve for now): the
    /// domain may be mistyped, or its server down; the bounce cannot tell.
    ReceiverUnreachable,
    /// Greylisting: a first attempt is deferred on purpose.
    Greylisting,
    /// The receiver refused under its own policy, without saying more.
    ReceiverPolicy,
    /// The bounce does not say why.
    Unexplained,
}

/// The broad kind of a cause, for filters and the `category` field.
pub fn category(cause: Cause) -> &'static str {
    use Cause::*;
    match cause {
        IpReputation | AccountSuspended | SenderTenant => "reputation",
        IpRateLimited
        | SenderTooManyToRecipient
        | RecipientRateLimited
        | ReceiverThrottling
        | Greylisting => "throttling",
        IpBlockedByReceiver | IpBlocklisted | DomainBlocklisted | RecipientOrgBlock
        | DirectFromDynamicIp => "blocklist",
        ReverseDns | DomainAuthentication | TlsRequired => "auth",
        UserUnknown | DomainUnknown | Suppressed | MailboxFull | MailboxDisabled | AutoReply => {
            "mailbox"
        }
        MessageTooLarge | ContentRefused | MalformedMessage | SenderAddressRefused
        | RecipientRefused | Quarantined | ReceiverPolicy => "policy",
        SubmissionAuthRequired
        | SubmissionLoginFailed
        | SenderNotOwned
        | SendingQuota
        | RelayDenied => "submission",
        ReceiverOutage => "outage",
        ReceiverUnreachable => "other",
        Unexplained => "other",
    }
}

/// Whether the condition can pass without anyone acting, so that a
/// temporary refusal for it clears on a later try: load, outages, rate
/// limits and the like. A full mailbox, a listing, a failed
/// authentication wait for someone.
pub fn passes_by_itself(cause: Cause) -> bool {
    use Cause::*;
    matches!(
        cause,
        IpRateLimited
            | IpReputation
            | SenderTenant
            | SendingQuota
            | SenderTooManyToRecipient
            | RecipientRateLimited
            | ReceiverThrottling
            | ReceiverOutage
            | ReceiverUnreachable
            | Greylisting
            | ReceiverPolicy
            | Unexplained
    )
}

/// Whether a reply with status subject `subject` and detail `detail` can
/// mean `cause`. Only what RFC 3463 and RFC 4954 fix is written here; a
/// cause with no such bound fits every status.
pub fn fits_status(cause: Cause, subject: u16, detail: u16) -> bool {
    use Cause::*;
    match cause {
        // x.7.8: credentials invalid; x.7.57: not authenticated to send.
        DomainAuthentication => subject == 7 && !matches!(detail, 8 | 9 | 11 | 57),
        // Any security status but the domain's authentication (X.7.20–29)
        // and the ranges providers number their own policies in.
        SubmissionAuthRequired | SubmissionLoginFailed => {
            matches!(subject, 0 | 5) || (subject == 7 && !matches!(detail, 20..=29 | 500..=999))
        }
        UserUnknown => matches!(subject, 0 | 1),
        MailboxFull => matches!(subject, 0 | 2),
        _ => true,
    }
}

/// Who acts, before the owner of a sending domain is known.
pub fn actor(cause: Cause) -> Actor {
    use Cause::*;
    match cause {
        IpReputation | IpRateLimited | IpBlockedByReceiver | ReverseDns | TlsRequired
        | SenderTenant => Actor::SenderProvider,
        IpBlocklisted => Actor::BlocklistOperator,
        DomainAuthentication
        | DomainBlocklisted
        | UserUnknown
        | DomainUnknown
        | Suppressed
        | MessageTooLarge
        | ContentRefused
        | MalformedMessage
        | SenderAddressRefused
        | AccountSuspended
        | SenderTooManyToRecipient
        | DirectFromDynamicIp
        | SubmissionAuthRequired
        | SubmissionLoginFailed
        | SenderNotOwned
        | SendingQuota
        | RelayDenied => Actor::Sender,
        MailboxFull | MailboxDisabled | RecipientRefused | RecipientOrgBlock
        | RecipientRateLimited | AutoReply | Quarantined => Actor::Recipient,
        ReceiverThrottling | ReceiverOutage | Greylisting | ReceiverPolicy => Actor::Receiver,
        Unexplained | ReceiverUnreachable => Actor::Unknown,
    }
}

/// Whether the sending domain's owner acts (decided by [`super::owner`]).
pub fn owned_by_sending_domain(cause: Cause) -> bool {
    matches!(
        cause,
        Cause::DomainAuthentication | Cause::DomainBlocklisted
    )
}

/// Whether the message reached the recipient's side (nothing bounced).
pub fn delivered(cause: Cause) -> bool {
    matches!(cause, Cause::AutoReply | Cause::Quarantined)
}

/// Whether the problem is the sending server's address or name.
pub fn sending_ip(cause: Cause) -> bool {
    matches!(
        cause,
        Cause::IpReputation
            | Cause::IpRateLimited
            | Cause::IpBlockedByReceiver
            | Cause::IpBlocklisted
            | Cause::ReverseDns
    )
}

/// The cause in words, for people (never the internal name).
pub fn label(cause: Cause) -> Bilingual {
    use Cause::*;
    let (en, ja) = match cause {
        IpReputation => (
            "low reputation of the sending IP",
            "送信サーバの IP の信頼度の低下",
        ),
        IpRateLimited => (
            "volume limit on the sending IP",
            "送信サーバの IP に対する受信量の制限",
        ),
        IpBlockedByReceiver => (
            "sending IP on the receiver's block list",
            "受信側のブロックリストへの送信サーバの IP の登録",
        ),
        IpBlocklisted => (
            "sending server on a public blocklist",
            "公開ブロックリストへの送信サーバの登録",
        ),
        ReverseDns => (
            "missing reverse DNS of the sending IP",
            "送信サーバの IP の逆引き設定の不備",
        ),
        TlsRequired => ("encryption (TLS) required", "暗号化（TLS）の要求"),
        SenderTenant => (
            "restriction of the sender's Microsoft 365 tenant",
            "送信者の Microsoft 365 テナントの制限",
        ),
        DomainAuthentication => (
            "sender authentication failed (SPF, DKIM, DMARC)",
            "送信ドメイン認証（SPF・DKIM・DMARC）の失敗",
        ),
        DomainBlocklisted => (
            "sending domain on a blocklist",
            "ブロックリストへの送信ドメインの登録",
        ),
        UserUnknown => ("no such recipient", "宛先アドレスの不存在"),
        DomainUnknown => ("no such recipient domain", "宛先ドメインの不存在"),
        Suppressed => (
            "address on the suppression list",
            "送信停止リストへの宛先の登録",
        ),
        MessageTooLarge => ("message too large", "メールのサイズ超過"),
        ContentRefused => ("content refused", "内容による拒否"),
        MalformedMessage => ("message format not accepted", "メール形式の不備"),
        SenderAddressRefused => ("sender address refused", "差出人アドレスの拒否"),
        AccountSuspended => ("sending account suspended", "送信アカウントの停止"),
        SenderTooManyToRecipient => (
            "too many messages to one recipient",
            "同じ宛先への送信数の超過",
        ),
        DirectFromDynamicIp => ("sent directly from a dynamic IP", "動的 IP からの直接送信"),
        SubmissionAuthRequired => (
            "mail program not logged in (SMTP authentication)",
            "メールソフトの送信認証（SMTP 認証）の未設定",
        ),
        SubmissionLoginFailed => (
            "mail program's login refused (user name or password)",
            "メールソフトのログイン失敗（ユーザ名またはパスワード）",
        ),
        SenderNotOwned => (
            "From address not allowed for the account",
            "アカウントで使えない差出人アドレス",
        ),
        SendingQuota => (
            "sending limit of the account reached",
            "アカウントの送信数の上限",
        ),
        RelayDenied => ("relaying refused", "中継の拒否"),
        MailboxFull => ("mailbox full", "メールボックスの容量超過"),
        MailboxDisabled => ("mailbox disabled", "メールボックスの停止"),
        RecipientRefused => (
            "refused by the recipient's settings",
            "受信者の受信拒否設定",
        ),
        RecipientOrgBlock => (
            "blocked by the recipient's organisation",
            "受信者の組織による拒否",
        ),
        RecipientRateLimited => (
            "recipient receiving too much mail",
            "受信者宛のメール数の制限",
        ),
        AutoReply => ("automatic reply (delivered)", "自動応答（配送済み）"),
        Quarantined => ("accepted and quarantined", "受信後の隔離"),
        ReceiverThrottling => ("receiver limiting mail for now", "受信側の一時的な受信制限"),
        ReceiverOutage => ("receiver down or failing", "受信側の障害"),
        ReceiverUnreachable => (
            "receiving server not reached",
            "受信側のサーバに到達できない",
        ),
        Greylisting => (
            "greylisting (deliberate first deferral)",
            "グレイリスティング（意図的な一時保留）",
        ),
        ReceiverPolicy => (
            "refused under the receiver's policy",
            "受信側のポリシーによる拒否",
        ),
        Unexplained => ("reason not given", "理由の記載なし"),
    };
    Bilingual {
        en: en.into(),
        ja: ja.into(),
    }
}

/// Every cause, for tests that must cover them all.
pub fn all() -> impl Iterator<Item = Cause> {
    <Cause as strum::IntoEnumIterator>::iter()
}

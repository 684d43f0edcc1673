//! The generic answer, when no entry of the knowledge base matches: the
//! cause from the bounce's reason (and a few words of its text), else from
//! the RFC 3463 subject of its status; and for every cause, what it means
//! and what to do, for the helpdesk. The same texts describe a cause that a
//! published incident gives.

use super::{Bilingual, Cause, Explanation, cause, status_parts, transient};
use crate::{Fact, Reason};

fn mentions(fact: &Fact, words: &[&str]) -> bool {
    let text = fact.diagnostic.to_ascii_lowercase();
    words.iter().any(|w| text.contains(w))
}

/// Names of public blocklists and the words MTAs print for a DNSBL hit.
const BLOCKLIST_WORDS: &[&str] = &[
    "spamhaus",
    "spamcop",
    "barracuda",
    "sorbs",
    "uceprotect",
    "blocked using",
    "listed at",
    "listed in",
    "listed on",
    "blacklist",
    "dnsbl",
    "rbl",
];

/// Words that name a message's content.
const CONTENT_WORDS: &[&str] = &[
    "content",
    "attachment",
    "spam",
    "virus",
    "malware",
    "url",
    "link",
    "body",
    "macro",
    "file type",
    "executable",
    "phishing",
    "message text",
    "keyword",
];

/// Words with which a receiver says its own system is in trouble.
const SYSTEM_TROUBLE_WORDS: &[&str] = &[
    "local error",
    "local problem",
    "system",
    "insufficient",
    "storage",
    "disk",
    "resources",
    "overload",
    "busy",
    "maintenance",
    "internal error",
    "server error",
    "temporarily unavailable",
    "timeout",
    "timed out",
    "connection",
    "queue",
    "database",
    "i/o error",
];

/// Words with which a refusal names the sending server's own address.
const OUR_ADDRESS_WORDS: &[&str] = &[
    "your ip",
    "client host",
    "client ip",
    "sender ip",
    "sending ip",
    "ip address",
    "connecting ip",
    "from your server",
    "your server",
];

/// The status's subject (RFC 3463: 1 addressing … 7 security).
fn status_subject(fact: &Fact) -> Option<u16> {
    fact.status
        .as_deref()
        .and_then(status_parts)
        .map(|(_, s, _)| s)
}

/// A submission server refusing the login itself (RFC 4954: 535 5.7.8):
/// the user name or password, never the domain's SPF, DKIM or DMARC.
pub(crate) fn login_refused(fact: &Fact) -> bool {
    let status_says = fact.status.as_deref().and_then(status_parts) == Some((5, 7, 8));
    let code_says = fact.reply_code.is_some_and(|r| r.get() == 535);
    status_says
        || code_says
        || mentions(
            fact,
            &[
                "authentication failed",
                "incorrect authentication data",
                "invalid credentials",
                "username and password not accepted",
                "bad username or password",
            ],
        ) && !mentions(fact, &["spf", "dkim", "dmarc"])
}

/// The cause and the rule that gave it: the reason first, the status
/// subject (RFC 3463) when the reason says nothing.
pub fn cause_of(fact: &Fact) -> (Cause, &'static str) {
    use Reason::*;
    let by_reason = match fact.reason {
        UserUnknown | HasMoved => Some(Cause::UserUnknown),
        HostUnknown | NotAccept => Some(Cause::DomainUnknown),
        Suppressed => Some(Cause::Suppressed),
        Vacation => Some(Cause::AutoReply),
        MailboxFull => Some(Cause::MailboxFull),
        Suspend => Some(Cause::MailboxDisabled),
        Blocked if mentions(fact, BLOCKLIST_WORDS) => Some(Cause::IpBlocklisted),
        // Our server's address is blocked only where the reply says so;
        // "blocked" alone may be a tenant's or a recipient's own rule.
        Blocked if fact.sender_ip.is_some() || mentions(fact, OUR_ADDRESS_WORDS) => {
            Some(Cause::IpBlockedByReceiver)
        }
        Blocked => Some(Cause::ReceiverPolicy),
        BadReputation => Some(Cause::IpReputation),
        SpamDetected | ContentError | VirusDetected => Some(Cause::ContentRefused),
        // "Policy" says who decided, not what about: the content only where
        // the words name it.
        PolicyViolation if mentions(fact, CONTENT_WORDS) => Some(Cause::ContentRefused),
        PolicyViolation => None,
        RateLimited
            if fact
                .status
                .as_deref()
                .is_some_and(|s| s.get(1..4) == Some(".2."))
                || mentions(fact, &["recipient", "user is receiving", "mailbox"]) =>
        {
            Some(Cause::RecipientRateLimited)
        }
        RateLimited => Some(Cause::IpRateLimited),
        _ if login_refused(fact) => Some(Cause::SubmissionLoginFailed),
        AuthFailure if status_subject(fact).is_none_or(|s| s == 7) => {
            Some(Cause::DomainAuthentication)
        }
        AuthFailure => None,
        RequirePtr => Some(Cause::ReverseDns),
        FailedStartTls => Some(Cause::TlsRequired),
        SecurityError if mentions(fact, &["tls", "encrypt"]) => Some(Cause::TlsRequired),
        SecurityError
            if mentions(
                fact,
                &[
                    "authentication required",
                    "auth required",
                    "must authenticate",
                    "not authenticated",
                ],
            ) =>
        {
            Some(Cause::SubmissionAuthRequired)
        }
        SecurityError if mentions(fact, &["spf", "dkim", "dmarc", "sender authentication"]) => {
            Some(Cause::DomainAuthentication)
        }
        SecurityError => Some(Cause::ReceiverPolicy),
        Filtered => Some(Cause::RecipientRefused),
        NotCompliantRfc => Some(Cause::MalformedMessage),
        EmailTooLarge => Some(Cause::MessageTooLarge),
        Rejected => Some(Cause::SenderAddressRefused),
        // A receiving server that will not relay does not take mail for
        // the domain (an old MX, a mistyped domain): not our mail program.
        NoRelaying if fact.remote_host.is_some() || fact.remote_ip.is_some() => {
            Some(Cause::DomainUnknown)
        }
        NoRelaying => Some(Cause::RelayDenied),
        // Not reached at all: a mistyped domain looks the same as a
        // receiver that is down, so neither is claimed.
        // A named server that did not answer is down; with no server
        // named, a mistyped domain looks the same. An expiry alone says
        // nothing of why.
        NetworkError | Expired if fact.remote_ip.is_some() || fact.remote_host.is_some() => {
            Some(Cause::ReceiverOutage)
        }
        // A server that answered with a code was reached.
        NetworkError if fact.reply_code.is_some() => Some(Cause::ReceiverOutage),
        NetworkError => Some(Cause::ReceiverUnreachable),
        // Exim gives up on a domain whose every host has failed for long.
        Expired if mentions(fact, &["retry time not reached for any host", "all hosts"]) => {
            Some(Cause::ReceiverOutage)
        }
        Expired => None,
        // The receiver's own trouble only where its words say so; RFC
        // 5321's stock "Requested action aborted" or "Transaction failed"
        // name nothing.
        // "Service unavailable" under a 5xx is how refusals begin
        // ("554 5.7.1 Service unavailable; Client host … blocked").
        SystemError | SystemFull | MailerError
            if mentions(fact, SYSTEM_TROUBLE_WORDS)
                || (transient(fact)
                    && mentions(fact, &["service unavailable", "not available"])) =>
        {
            Some(Cause::ReceiverOutage)
        }
        SystemError | SystemFull | MailerError => None,
        OnHold | SyntaxError | Undefined | Feedback | Delivered => None,
    };
    let status = fact.status.as_deref().and_then(status_parts);
    // A mail-system, network or policy status (X.3, X.4, X.7) is not an
    // address problem, whatever words the text shares with one ("421 4.3.2
    // Service not available", "554 5.7.1 Recipient address rejected: Access
    // denied").
    let about_address = matches!(
        by_reason,
        Some(Cause::UserUnknown | Cause::DomainUnknown | Cause::MailboxDisabled)
    );
    // A refusal or a block is policy (X.7); under a mail-system or
    // network status (X.3, X.4) the words describe how it failed, not why.
    let policy = matches!(
        by_reason,
        Some(Cause::ReceiverPolicy | Cause::IpBlockedByReceiver | Cause::ContentRefused)
    );
    if let Some(c) = by_reason
        .filter(|_| !(about_address && matches!(status, Some((_, 3 | 4 | 7, _)))))
        .filter(|_| !(policy && matches!(status, Some((_, 3 | 4, _)))))
        // Nor is a policy status (X.7) a failing system, whatever words
        // ("service unavailable") it carries.
        .filter(|c| !(*c == Cause::ReceiverOutage && matches!(status, Some((_, 1 | 2 | 6 | 7, _)))))
        .filter(|c| status.is_none_or(|(_, s, d)| cause::fits_status(*c, s, d)))
    {
        return (c, "reason");
    }
    let by_status = match status {
        Some((_, 1, 1 | 3 | 6)) => Cause::UserUnknown,
        Some((_, 1, 2 | 10)) => Cause::DomainUnknown,
        Some((_, 1, 7 | 8)) => Cause::SenderAddressRefused,
        Some((_, 2, 2)) => Cause::MailboxFull,
        Some((_, 2, 1)) => Cause::MailboxDisabled,
        Some((_, 2, 3)) | Some((_, 3, 4)) => Cause::MessageTooLarge,
        // RFC 3463: X.3.0 and X.4.0 are "other or undefined", X.4.7 an
        // expiry — none says why; the rest name the receiving system's or
        // the route's state.
        Some((_, 3 | 4, 0)) | Some((_, 4, 7)) | Some((4, 7, 0 | 1)) => Cause::Unexplained,
        Some((_, 4, 3)) => Cause::ReceiverUnreachable,
        Some((5, 4, 4)) => Cause::DomainUnknown,
        Some((_, 4, 4)) => Cause::ReceiverUnreachable,
        Some((_, 4, 5)) => Cause::ReceiverThrottling,
        Some((_, 3 | 4, _)) => Cause::ReceiverOutage,
        Some((_, 6, _)) => Cause::MalformedMessage,
        Some((_, 7, 20..=26)) => Cause::DomainAuthentication,
        Some((_, 7, _)) => Cause::ReceiverPolicy,
        _ => Cause::Unexplained,
    };
    (
        by_status,
        if fact.status.is_some() {
            "rfc"
        } else {
            "reason"
        },
    )
}

/// The generic explanation of a fact.
pub fn explain(fact: &Fact) -> Explanation {
    let (cause, rule) = cause_of(fact);
    let (meaning, action) = describe(cause);
    let subject = fact
        .status
        .as_deref()
        .and_then(status_parts)
        .map(|(_, s, _)| format!("rfc3463-x.{s}.x"));
    Explanation {
        provider: None,
        cause,
        category: cause::category(cause).into(),
        actor: cause::actor(cause),
        retry: transient(fact),
        retry_helps: None,
        meaning,
        action,
        source: rule,
        entry: match rule {
            "rfc" => subject.unwrap_or_else(|| "rfc3463".into()),
            _ => format!("reason-{}", fact.reason.as_str()),
        },
        documented: (rule == "rfc")
            .then(|| "RFC 3463 (enhanced status codes), RFC 5248 (the registry)".into()),
    }
}

/// What a cause means and what to do, for the helpdesk.
pub fn describe(cause: Cause) -> (Bilingual, Bilingual) {
    use Cause::*;
    let (me, mj, ae, aj) = match cause {
        IpReputation => (
            "The receiver judges the reputation of the sending server's IP too low and refuses or limits its mail.",
            "受信側が送信サーバの IP の信頼度を低いと判断し、受信を拒否または制限しています。",
            "The sender's provider should look for the cause (spam from a compromised account, complaints, bad addresses) and watch the receiver's postmaster tools.",
            "送信側事業者が原因（乗っ取られたアカウントからの迷惑メール、苦情、無効な宛先への送信など）を調べ、受信側のポストマスター向けツールで状況を確認してください。",
        ),
        IpRateLimited => (
            "The receiver limits how much mail it accepts from the sending server's IP.",
            "受信側が送信サーバの IP から受け付けるメールの量を制限しています。",
            "The sending server retries by itself; the sender's provider should lower the rate from this IP and check for unusual volume.",
            "送信サーバが自動で再送します。送信側事業者はこの IP からの送信速度を下げ、異常な送信量がないか確認してください。",
        ),
        IpBlockedByReceiver => (
            "The sending server's IP is on the receiver's own block list.",
            "送信サーバの IP が受信側独自のブロックリストに登録されています。",
            "The sender's provider should remove the cause and ask the receiver to remove the listing.",
            "送信側事業者が原因を取り除き、受信側に登録の解除を依頼してください。",
        ),
        IpBlocklisted => (
            "The sending server (its IP or its name) is on a public blocklist that the receiver consults.",
            "送信サーバ（IP または名前）が、受信側の参照する公開ブロックリストに登録されています。",
            "The sender's provider should remove the cause, then ask the blocklist operator to delist it.",
            "送信側事業者が原因を取り除いたうえで、ブロックリスト運営者に登録解除を申請してください。",
        ),
        ReverseDns => (
            "The sending server's IP has no reverse DNS (PTR) record, or it does not match the forward DNS.",
            "送信サーバの IP に逆引き（PTR）レコードがないか、正引きと一致していません。",
            "The sender's provider should set a PTR record that resolves back to the same IP.",
            "送信側事業者が、正引きと一致する PTR レコードを設定してください。",
        ),
        TlsRequired => (
            "The receiver accepts this mail only over an encrypted (TLS) connection, and the sending server did not use one.",
            "受信側は暗号化（TLS）された接続でのみこのメールを受け付けますが、送信サーバは TLS を使っていませんでした。",
            "The sender's provider should enable STARTTLS on the sending server.",
            "送信側事業者が送信サーバで STARTTLS を有効にしてください。",
        ),
        SenderTenant => (
            "The sender's Microsoft 365 tenant is restricted from sending (a new or trial tenant, too much spam, or domains it has not verified).",
            "送信者の Microsoft 365 テナントの送信が制限されています（新規・試用のテナント、迷惑メールの多さ、未検証のドメインなど）。",
            "The tenant's administrator should verify the tenant and its domains and ask Microsoft support to lift the restriction.",
            "テナントの管理者がテナントとドメインの状態を確認し、Microsoft サポートに制限の解除を依頼してください。",
        ),
        DomainAuthentication => (
            "The message failed the receiver's sender authentication (SPF, DKIM or DMARC) for the sending domain.",
            "送信ドメインについて、受信側の送信ドメイン認証（SPF・DKIM・DMARC）に失敗しました。",
            "Whoever manages the sending domain's DNS should make SPF or DKIM pass for mail sent through this server, aligned with the From domain.",
            "送信ドメインの DNS を管理する方が、このサーバから送るメールで SPF または DKIM が成功し、差出人のドメインと一致するよう設定してください。",
        ),
        DomainBlocklisted => (
            "The sending domain (in the sender address or the server's greeting) is on a domain blocklist.",
            "送信ドメイン（差出人アドレスまたはサーバの名乗り）がドメインのブロックリストに登録されています。",
            "The domain's owner should remove the cause and ask the blocklist operator to delist the domain.",
            "ドメインの管理者が原因を取り除き、ブロックリスト運営者に登録解除を申請してください。",
        ),
        UserUnknown => (
            "The recipient's address does not exist (or no longer accepts mail).",
            "宛先のアドレスが存在しないか、メールを受け付けていません。",
            "Check the address for typos and confirm the right one with the recipient.",
            "宛先アドレスの誤りを確認し、正しいアドレスを受信者に確認してください。",
        ),
        DomainUnknown => (
            "The recipient's domain does not exist or has no mail server.",
            "宛先のドメインが存在しないか、メールサーバがありません。",
            "Check the domain part of the address.",
            "アドレスのドメイン部分を確認してください。",
        ),
        Suppressed => (
            "The sending service did not try: the address is on its suppression list after earlier bounces or complaints.",
            "送信サービスは配送を試みませんでした。過去の不達または苦情により、このアドレスは送信停止リストに載っています。",
            "Confirm the address with the recipient, then remove it from the suppression list.",
            "受信者にアドレスを確認してから、送信停止リストから削除してください。",
        ),
        MessageTooLarge => (
            "The message is larger than the receiver accepts.",
            "メールのサイズが受信側で受け付けられる上限を超えています。",
            "Send it again with smaller or fewer attachments, or share large files by a link.",
            "添付ファイルを小さくするか減らして再送するか、大きなファイルはリンクで共有してください。",
        ),
        ContentRefused => (
            "The receiver refused the message because of its content (text, links or attachments) or judged it to be spam.",
            "受信側が、内容（本文・リンク・添付ファイル）を理由にこのメールを拒否したか、迷惑メールと判定しました。",
            "Review the content and links; if the message is legitimate, ask the recipient to allow it.",
            "本文とリンクを見直し、正当なメールであれば受信者に受信の許可を依頼してください。",
        ),
        MalformedMessage => (
            "The message's format breaks the mail standards (missing or invalid headers, lines that are too long).",
            "メールの形式が標準に沿っていません（ヘッダの欠落・不正、長すぎる行など）。",
            "Send again from a standard mail program, or fix the software that wrote the message.",
            "一般的なメールソフトから送り直すか、メールを作成したソフトを修正してください。",
        ),
        SenderAddressRefused => (
            "The receiver refused the sender's address or its domain.",
            "受信側が差出人アドレスまたはそのドメインを拒否しました。",
            "Check that the sender address is correct and its domain exists; then ask the recipient to allow it.",
            "差出人アドレスが正しく、ドメインが実在することを確認し、受信者に受信の許可を依頼してください。",
        ),
        AccountSuspended => (
            "The sending account was suspended for sending spam, usually because it was taken over.",
            "送信アカウントが迷惑メール送信のため停止されています。多くはアカウントの乗っ取りが原因です。",
            "Secure the account (change the password, check forwarding rules), then ask the account's provider to lift the suspension.",
            "アカウントを保護（パスワード変更・転送設定の確認）したうえで、アカウントの提供元に停止の解除を依頼してください。",
        ),
        SenderTooManyToRecipient => (
            "The sender has sent more messages to this recipient than the receiver allows per hour.",
            "この送信者からこの宛先へのメールが、受信側の1時間あたりの上限を超えました。",
            "Send again later and send fewer messages to this recipient.",
            "時間をおいて再送し、この宛先への送信数を減らしてください。",
        ),
        DirectFromDynamicIp => (
            "The message came straight from a dynamic (consumer) IP, which the receiver does not accept.",
            "メールが動的 IP（一般向け回線）から直接送られており、受信側はこれを受け付けません。",
            "Send through the provider's submission server with SMTP authentication, not directly from this IP.",
            "この IP から直接送らず、事業者の送信サーバに SMTP 認証で接続して送信してください。",
        ),
        SubmissionLoginFailed => (
            "The submission server refused the mail program's login: the user name or the password is wrong (or the account is locked). The message never left the sender's provider; it has nothing to do with SPF, DKIM or DMARC.",
            "送信サーバが、メールソフトのログインを拒否しました。ユーザ名かパスワードが誤っているか、アカウントがロックされています。メールは送信側事業者のサーバから出ておらず、SPF・DKIM・DMARC とは関係ありません。",
            "The sender should check the user name and password of the outgoing server (SMTP) in the mail program; if they are right, the sender's provider checks whether the account is locked.",
            "送信者がメールソフトの送信サーバ（SMTP）のユーザ名とパスワードを確認してください。正しい場合は、送信側事業者がアカウントのロックの有無を確認してください。",
        ),
        SubmissionAuthRequired => (
            "The submission server refused the message because the mail program did not log in (SMTP authentication). Only a submission server asks this: the receiver was never reached.",
            "メールソフトが送信サーバにログイン（SMTP 認証）していないため、送信サーバがメールを受け付けませんでした。これは送信サーバだけが返すエラーで、受信側には届いていません。",
            "Turn on SMTP authentication (\"my outgoing server requires authentication\") in the mail program, with the account's user name and password, on the submission port (587 or 465).",
            "メールソフトの送信サーバ設定で SMTP 認証を有効にし、アカウントのユーザ名とパスワード、送信用ポート（587 または 465）を設定してください。",
        ),
        SenderNotOwned => (
            "The submission server refused the From address: the account that logged in may not send as this address.",
            "送信サーバが差出人アドレスを拒否しました。ログインしたアカウントでは、このアドレスを差出人にして送信できません。",
            "Send from the address that belongs to the account, or log in with the account of this address.",
            "アカウントに属するアドレスから送信するか、このアドレスのアカウントでログインしてください。",
        ),
        SendingQuota => (
            "The account has reached the sending limit of its submission server.",
            "アカウントが送信サーバの送信数の上限に達しました。",
            "Wait until the limit resets and send fewer messages at once; the provider can say what the limit is.",
            "上限が戻るまで待ち、一度に送る数を減らしてください。上限の値は事業者に確認できます。",
        ),
        RelayDenied => (
            "The server refused to pass the message on for this recipient: most often the mail program is not logged in to its submission server, or the recipient's domain is not one this server handles.",
            "サーバがこの宛先へのメールの中継を拒否しました。多くはメールソフトが送信サーバにログインしていないか、宛先のドメインがこのサーバの扱うドメインではありません。",
            "Turn on SMTP authentication in the mail program and check the recipient's address.",
            "メールソフトで SMTP 認証を有効にし、宛先アドレスを確認してください。",
        ),
        MailboxFull => (
            "The recipient's mailbox is full.",
            "受信者のメールボックスの容量が一杯です。",
            "The recipient must free space; send again after that, or reach them another way.",
            "受信者が容量を空けた後に再送するか、別の方法で受信者に連絡してください。",
        ),
        MailboxDisabled => (
            "The recipient's mailbox is disabled or no longer in use.",
            "受信者のメールボックスが停止されているか、使われていません。",
            "Reach the recipient another way and ask for a current address.",
            "別の方法で受信者に連絡し、現在のアドレスを確認してください。",
        ),
        RecipientRefused => (
            "The receiver refused the message for this recipient without showing that it checked the address itself: most likely the recipient's filter or refusal settings turned away this sender, although a wrong address gives the same words (\"user unknown\").",
            "受信側がこの宛先へのメールを拒否しましたが、アドレスそのものを確認した段階での拒否とは示されていません。受信者のフィルタや受信拒否設定がこの送信者を拒否した可能性が高いものの、アドレスの誤りでも同じ文言（「user unknown」）になります。",
            "Confirm the address with the recipient; if it is right, ask the recipient (or their administrator) to allow this sender or domain.",
            "宛先アドレスを受信者に確認し、正しければ、この送信者またはドメインからの受信を許可するよう受信者（または管理者）に依頼してください。",
        ),
        RecipientOrgBlock => (
            "The recipient's organisation blocks this sender with its own settings; the receiver's operator cannot remove that.",
            "受信者の組織が独自の設定でこの送信者を拒否しています。受信側の事業者では解除できません。",
            "Ask the recipient to have their administrators allow the sender.",
            "受信者に連絡し、組織の管理者に送信者を許可してもらってください。",
        ),
        RecipientRateLimited => (
            "The recipient is receiving mail faster than the receiver allows.",
            "受信者宛のメールが、受信側の許容量を超える速さで届いています。",
            "Nothing to do at first: the sending server retries. Send less to this recipient.",
            "まずは対応不要です（送信サーバが自動で再送します）。この宛先への送信を減らしてください。",
        ),
        AutoReply => (
            "The message was delivered: this is the recipient's automatic reply (away or out of office), not a bounce.",
            "メールは配送されています。これは受信者の自動応答（不在通知）であり、不達ではありません。",
            "Nothing to resend; wait for the recipient, or use the other contact the reply gives.",
            "再送は不要です。受信者の戻りを待つか、自動応答に記載された別の連絡先をご利用ください。",
        ),
        Quarantined => (
            "The receiver accepted the message and then held it in quarantine or a junk folder instead of the inbox.",
            "受信側はメールを受け付けた後、受信箱ではなく隔離または迷惑メールフォルダに振り分けました。",
            "The recipient should look in the quarantine or junk folder and release the message.",
            "受信者が隔離フォルダまたは迷惑メールフォルダを確認し、メールを取り出してください。",
        ),
        ReceiverThrottling => (
            "The receiver is temporarily limiting the mail it accepts (busy servers or deliberate throttling).",
            "受信側が一時的に受け付けるメールを制限しています（サーバの混雑または意図的な制限）。",
            "Nothing to do: the sending server retries by itself. If it lasts more than a day, ask the receiver's postmaster.",
            "対応は不要です。送信サーバが自動で再送します。1日以上続く場合は受信側のポストマスターに問い合わせてください。",
        ),
        ReceiverUnreachable => (
            "The sending server could not reach the recipient's mail server at all (no answer, no route, or a name it could not look up). Either the part of the address after the @ is mistyped, or the receiving server is down; the bounce alone cannot tell which.",
            "送信サーバが宛先のメールサーバにまったく接続できませんでした（応答なし、経路なし、または名前を引けない）。アドレスの @ 以降の誤りか、受信側のサーバの停止のどちらかで、エラーだけではどちらか判断できません。",
            "Check the recipient's domain for typing mistakes first; if it is right, the receiving side's server is unreachable and only its operator can fix it.",
            "まず宛先ドメインに誤りがないか確認してください。正しい場合は受信側のサーバに到達できない状態で、受信側の管理者にしか直せません。",
        ),
        ReceiverOutage => (
            "The receiving side could not be reached or had a problem.",
            "受信側に接続できないか、受信側で問題が起きています。",
            "Nothing to do on the sending side at first; if it lasts, contact the receiver's postmaster.",
            "まずは対応は不要です。続く場合は受信側のポストマスターに連絡してください。",
        ),
        Greylisting => (
            "Greylisting: the receiver defers the first attempt from an unknown sender on purpose and accepts a later retry.",
            "グレイリスティングです。受信側は初めての送信者からの最初の配送を意図的に保留し、再送を受け付けます。",
            "Nothing to do: the sending server retries by itself and the retry is normally accepted.",
            "対応は不要です。送信サーバが自動で再送し、通常は再送で受け付けられます。",
        ),
        ReceiverPolicy => (
            "The receiver refused the message under its own policy without saying which rule.",
            "受信側が独自のポリシーによりメールを拒否しましたが、どの規則によるかは示されていません。",
            "Ask the receiver's postmaster which policy refused it, with this error text.",
            "このエラー文を添えて、どのポリシーで拒否されたかを受信側のポストマスターに問い合わせてください。",
        ),
        Unexplained => (
            "The bounce does not say clearly why delivery failed.",
            "不達の理由はこのエラーからははっきりしません。",
            "Contact the receiver's postmaster with this error text.",
            "このエラー文を添えて受信側のポストマスターに問い合わせてください。",
        ),
    };
    (Bilingual::new(me, mj), Bilingual::new(ae, aj))
}

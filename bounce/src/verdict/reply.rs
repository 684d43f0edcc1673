//! The reply a helpdesk sends its customer, written from the verdict alone
//! (cause, who acts, whether the server retries, whose sending domain it
//! is), so it can never contradict them: three sentences — what happened,
//! what happens to the message now, what the customer is asked to do.
//! The words follow `bounce/data/GLOSSARY.md` (お客様, 当社, 受信側, 受信者様).

use super::Fate;
use crate::knowledge::owner::DomainOwner;
use crate::knowledge::{Actor, Bilingual, Cause, cause};

/// What the reply is written from.
pub struct ReplyInput<'a> {
    /// The cause.
    pub cause: Cause,
    /// Who acts.
    pub actor: Actor,
    /// Whether the sending server retries by itself.
    pub retry: bool,
    /// Whose sending domain it is, for the domain's causes.
    pub owner: &'a DomainOwner,
    /// Whether retrying can succeed without anyone changing anything.
    pub retry_can_help: bool,
    /// What happens to the message now.
    pub fate: Fate,
    /// The recipient's domain, where known.
    pub domain: Option<&'a str>,
    /// The recipient's address, where known.
    pub recipient: Option<&'a str>,
    /// The published incident the answer rests on, if any.
    pub incident: Option<IncidentState>,
}

/// What the customer reply needs of a published incident.
pub struct IncidentState {
    /// It has ended (resolved, or an end time given).
    pub resolved: bool,
    /// Its summary, as published.
    pub summary: Bilingual,
    /// Its advice, as published (may be empty).
    pub advice: Bilingual,
}

fn b(en: String, ja: String) -> Bilingual {
    Bilingual { en, ja }
}

/// The recipient and its domain as the sentences name them: in brackets
/// after the word they belong to, or not at all when the paste named no
/// recipient (never a placeholder such as "?").
struct Names {
    pde: String,
    pdj: String,
    prce: String,
    prcj: String,
    to_rc: String,
    for_rc: String,
    the_addr: String,
    the_addr_cap: String,
    sp_rcj: String,
    d_or: String,
}

fn names(r: &ReplyInput) -> Names {
    let d = r.domain.filter(|d| !d.is_empty());
    let rc = r.recipient.filter(|r| !r.is_empty());
    let or = |v: Option<&str>, f: &dyn Fn(&str) -> String, none: &str| {
        v.map_or_else(|| none.to_owned(), f)
    };
    Names {
        pde: or(d, &|d| format!(" ({d})"), ""),
        pdj: or(d, &|d| format!("（{d}）"), ""),
        prce: or(rc, &|r| format!(" ({r})"), ""),
        prcj: or(rc, &|r| format!("（{r}）"), ""),
        to_rc: or(rc, &|r| format!(" to {r}"), ""),
        for_rc: or(rc, &|r| format!(" for {r}"), ""),
        the_addr: or(rc, &|r| format!("the address {r}"), "the address"),
        the_addr_cap: or(rc, &|r| format!("The address {r}"), "The address"),
        sp_rcj: or(rc, &|r| format!(" {r} "), ""),
        d_or: or(d, &|d| d.to_owned(), "the recipient's side"),
    }
}

/// What happened, in the customer's words.
fn situation(r: &ReplyInput) -> Bilingual {
    #[allow(unused_variables)]
    let Names {
        pde,
        pdj,
        prce,
        prcj,
        to_rc,
        for_rc,
        the_addr,
        the_addr_cap,
        sp_rcj,
        d_or,
    } = names(r);
    // A temporary refusal holds the message back; a permanent one refuses it.
    let (refused_en, refused_ja) = if r.retry {
        ("held back", "メールの受け付けを保留しています")
    } else {
        ("refused", "メールを拒否しました")
    };
    use Cause::*;
    match (r.cause, r.owner) {
        (IpReputation, _) => b(
            format!("The receiving side{pde} currently rates the address of our sending server poorly and is not accepting our mail normally."),
            format!("受信側{pdj}が当社の送信サーバの IP アドレスの信頼度を低く評価しており、当社からのメールを通常どおり受け付けていません。"),
        ),
        (IpRateLimited, _) => b(
            format!("The receiving side{pde} is limiting how much mail it accepts from our sending server."),
            format!("受信側{pdj}が、当社の送信サーバから受け付けるメールの量を制限しています。"),
        ),
        (IpBlockedByReceiver, _) => b(
            format!("The receiving side{pde} has put the address of our sending server on its own block list."),
            format!("受信側{pdj}が、当社の送信サーバの IP アドレスを独自のブロックリストに登録しています。"),
        ),
        (IpBlocklisted, _) => b(
            format!("Our sending server is on a blocklist that the receiving side{pde} consults, so your message was refused."),
            format!("当社の送信サーバが、受信側{pdj}の参照するブロックリストに登録されているため、メールが受け付けられませんでした。"),
        ),
        (ReverseDns, _) => b(
            format!("A setting of our sending server (its reverse DNS) did not meet the conditions of the receiving side{pde}."),
            format!("当社の送信サーバの設定（逆引き）が、受信側{pdj}の求める条件を満たしていませんでした。"),
        ),
        (TlsRequired, _) => b(
            format!("The receiving side{pde} requires an encrypted connection, and our sending server did not use one for this message."),
            format!("受信側{pdj}が暗号化された通信での送信を求めており、当社の送信サーバがこのメールでは暗号化を使っていませんでした。"),
        ),
        (SenderTenant, _) => b(
            "Sending from our Microsoft 365 environment is currently restricted by Microsoft.".into(),
            "当社の Microsoft 365 の送信環境に、Microsoft による送信の制限がかかっています。".into(),
        ),
        (DomainAuthentication, DomainOwner::Ours(s)) => b(
            format!("The receiving side{pde} could not authenticate your sending domain ({s}), whose sender authentication (SPF, DKIM, DMARC) we manage."),
            format!("差出人アドレスのドメイン（{s}）は当社が送信ドメイン認証（SPF・DKIM・DMARC）を管理していますが、受信側{pdj}での認証に失敗しました。"),
        ),
        (DomainAuthentication, DomainOwner::FreeMail(s)) => b(
            format!("Your message had a {s} sender address but was sent through our server, so the receiving side{pde} judged by {s}'s sender authentication (DMARC) that it could not be genuine mail from {s}, and {refused_en} it."),
            format!("差出人アドレスが {s} のまま当社の送信サーバから送信されたため、受信側{pdj}が {s} の送信ドメイン認証（DMARC）により {s} からの正規のメールではないと判定し、{refused_ja}。"),
        ),
        (DomainAuthentication, DomainOwner::Customer(s)) => b(
            format!("The receiving side{pde} {refused_en} your message because it failed sender authentication (SPF, DKIM, DMARC) for the domain of your sending address ({s}): the DNS settings of {s} do not yet allow mail sent through our servers."),
            format!("受信側{pdj}が、差出人アドレスのドメイン（{s}）の送信ドメイン認証（SPF・DKIM・DMARC）に失敗したとして、{refused_ja}。{s} の DNS に、当社の送信サーバから送るメールを認める設定がないことが原因です。"),
        ),
        (DomainAuthentication, DomainOwner::Unknown) => b(
            format!("The receiving side{pde} {refused_en} your message because it failed sender authentication (SPF, DKIM, DMARC) for the domain of your sending address."),
            format!("受信側{pdj}が、差出人アドレスのドメインの送信ドメイン認証（SPF・DKIM・DMARC）に失敗したとして、{refused_ja}。"),
        ),
        (DomainBlocklisted, DomainOwner::Ours(s)) => b(
            format!("Our domain ({s}) is on a blocklist that the receiving side{pde} consults, so your message was refused."),
            format!("当社のドメイン（{s}）が、受信側{pdj}の参照するブロックリストに登録されているため、メールが受け付けられませんでした。"),
        ),
        (DomainBlocklisted, owner) => {
            let (en, ja) = match owner.domain() {
                Some(s) => (format!("the domain of your sending address ({s})"), format!("差出人アドレスのドメイン（{s}）")),
                None => ("the domain of your sending address".to_owned(), "差出人アドレスのドメイン".to_owned()),
            };
            b(
                format!("The receiving side{pde} refused your message because {en} is on a domain blocklist."),
                format!("{ja}がドメインのブロックリストに登録されているため、受信側{pdj}がメールを拒否しました。"),
            )
        }
        (UserUnknown, _) => b(
            format!("The receiving side{pde} answered that {the_addr} does not exist."),
            format!("受信側{pdj}から、宛先{sp_rcj}は存在しないアドレスであるとの応答がありました。"),
        ),
        (DomainUnknown, _) => b(
            format!("The domain of {the_addr} does not exist or does not receive mail."),
            format!("宛先{sp_rcj}のドメインが存在しないか、メールを受け付けていません。"),
        ),
        (Suppressed, _) => b(
            format!("Your message{to_rc} was not sent: the address is on the sending service's suppression list after earlier bounces or complaints."),
            format!("宛先{prcj}は、過去の不達または苦情により送信停止リストに登録されているため、送信されませんでした。"),
        ),
        (MessageTooLarge, _) => b(
            format!("Your message{to_rc} is larger than the receiving side{pde} accepts."),
            format!("宛先{prcj}へのメールが、受信側{pdj}で受け付けられるサイズを超えていました。"),
        ),
        (ContentRefused, _) => b(
            format!("The receiving side{pde} refused your message{to_rc} because of its content (for example an attachment type or links), or judged it to be unwanted mail."),
            format!("受信側{pdj}が、内容（添付ファイルの種類やリンクなど）を理由に宛先{prcj}へのメールを拒否したか、迷惑メールと判定しました。"),
        ),
        (MalformedMessage, _) => b(
            format!("The format of your message (its headers or the length of its lines) is not one the receiving side{pde} accepts."),
            format!("メールの形式（ヘッダや行の長さなど）が、受信側{pdj}の受け付ける形式ではありませんでした。"),
        ),
        (SenderAddressRefused, _) => b(
            format!("The receiving side{pde} did not accept your message{to_rc} because of your sending address or its domain."),
            format!("受信側{pdj}が、お客様の差出人アドレスまたはそのドメインを理由に、宛先{prcj}へのメールを受け付けませんでした。"),
        ),
        (AccountSuspended, _) => b(
            "The account used to send has been suspended for sending unwanted mail; it may have been used by someone else.".into(),
            "送信に使われたアカウントが、迷惑メールの送信を理由に停止されています。第三者に不正利用された可能性があります。".into(),
        ),
        (SenderTooManyToRecipient, _) => b(
            format!("You have sent more messages{to_rc} in a short time than the receiving side{pde} accepts."),
            format!("宛先{prcj}へ短時間に多くのメールを送ったため、受信側{pdj}が受け付けを制限しています。"),
        ),
        (DirectFromDynamicIp, _) => b(
            format!("Your message was sent directly from your internet connection instead of through our sending server, and the receiving side{pde} does not accept that."),
            format!("メールが当社の送信サーバを経由せず、お使いの回線から直接送られたため、受信側{pdj}に拒否されました。"),
        ),
        (SubmissionLoginFailed, _) => b(
            "Our sending server did not accept the login (SMTP authentication) of your mail program: the user name or the password set in it is not correct.".into(),
            "メールソフトに設定されたユーザ名またはパスワードが正しくないため、当社の送信サーバがログイン（SMTP 認証）を受け付けませんでした。".into(),
        ),
        (ReceiverUnreachable, _) => b(
            format!("Our sending server could not reach the mail server of the recipient's domain{pde}. Either the part of the address after the @ is mistyped, or the receiving side's server is not answering."),
            format!("当社の送信サーバが、宛先のドメイン{pdj}のメールサーバに接続できませんでした。アドレスの @ 以降に誤りがあるか、受信側のサーバが応答していないかのどちらかです。"),
        ),
        (SubmissionAuthRequired, _) => b(
            format!("Your mail program did not log in (SMTP authentication) to our sending server, so the server did not accept the message. This is not a problem at {d_or}."),
            format!("メールソフトが当社の送信サーバにログイン（SMTP 認証）していないため、送信サーバがメールを受け付けませんでした。宛先{pdj}側の問題ではありません。"),
        ),
        (SenderNotOwned, _) => b(
            "Our sending server did not accept the message because its sender address does not belong to the account your mail program logged in with.".into(),
            "差出人アドレスが、メールソフトがログインしたアカウントのものではないため、当社の送信サーバが送信を受け付けませんでした。".into(),
        ),
        (SendingQuota, _) => b(
            "Your account has reached the sending limit of our sending server.".into(),
            "お客様のアカウントが、当社の送信サーバの送信数の上限に達しました。".into(),
        ),
        (RelayDenied, _) => b(
            format!("The server did not accept your message{for_rc} for passing on. This usually means the mail program is not logged in (SMTP authentication) to our sending server."),
            format!("送信サーバが、宛先{prcj}へのメールの中継を受け付けませんでした。メールソフトが送信サーバにログイン（SMTP 認証）していない場合に多いエラーです。"),
        ),
        (MailboxFull, _) => b(
            format!("The recipient's mailbox{prce} is full and cannot take new mail at the moment."),
            format!("受信者様のメールボックス{prcj}が容量超過のため、現在メールを受け取れない状態です。"),
        ),
        (MailboxDisabled, _) => b(
            format!("The recipient's mailbox{prce} is disabled or no longer in use."),
            format!("受信者様のメールボックス{prcj}が停止されているか、使われていません。"),
        ),
        (RecipientRefused, _) => b(
            format!("The recipient's mail system did not accept your message{to_rc}. Most often the recipient's filter or refusal settings do not accept mail from your address; a mistyped address gives the same result."),
            format!("宛先{prcj}の受信側でメールが受け付けられませんでした。多くの場合、受信者様のフィルタや受信拒否設定により、お客様のアドレスからのメールが受け付けられていません（アドレスの誤りでも同じ結果になります）。"),
        ),
        (RecipientOrgBlock, _) => b(
            format!("The recipient's organisation{pde} does not accept your message under its own settings (for example a group that takes mail only from certain senders, or its own refusal rules)."),
            format!("受信者様の組織{pdj}の設定により、お客様からのメールが受け付けられていません（特定の送信者からのみ受け付けるグループや、組織独自の拒否設定など）。"),
        ),
        (RecipientRateLimited, _) => b(
            format!("{the_addr_cap} is receiving so much mail that the receiving side{pde} is limiting it for now."),
            format!("宛先{prcj}に届くメールが多いため、受信側{pdj}が一時的に受け付けを制限しています。"),
        ),
        (AutoReply, _) => b(
            format!("Your message{to_rc} was delivered. The reply you received is the recipient's automatic away message."),
            format!("宛先{prcj}へのメールは配送されています。届いた返信は受信者様の自動応答（不在通知）です。"),
        ),
        (Quarantined, _) => b(
            format!("The receiving side{pde} accepted your message{to_rc}, but put it in quarantine (such as a junk folder) instead of the inbox."),
            format!("宛先{prcj}へのメールは受信側{pdj}で受け付けられましたが、受信箱ではなく隔離（迷惑メールフォルダなど）に振り分けられています。"),
        ),
        (ReceiverThrottling, _) => b(
            format!("The receiving side{pde} is temporarily limiting the mail it accepts, so delivery is delayed."),
            format!("受信側{pdj}が一時的に受け付けるメールを制限しているため、配送が遅れています。"),
        ),
        (ReceiverOutage, _) => b(
            format!("The mail server of the receiving side{pde} has a problem, so your message has not been delivered yet."),
            format!("受信側{pdj}のメールサーバで問題が起きているため、メールをお届けできていません。"),
        ),
        (Greylisting, _) => b(
            format!("The receiving side{pde} briefly holds back the first message from a new sender (greylisting), so delivery is slightly delayed."),
            format!("受信側{pdj}が、初めて届く送信者からのメールを一時的に保留する仕組み（グレイリスティング）を使っているため、配送が少し遅れています。"),
        ),
        (ReceiverPolicy, _) if r.incident.is_some() => {
            let i = r.incident.as_ref().map(|i| &i.summary);
            let (en, ja) = i.map_or(("", ""), |s| (s.en.as_str(), s.ja.as_str()));
            b(
                format!("The receiving side{pde} did not accept your message under its own policy, which it has announced: \"{en}\""),
                format!("受信側{pdj}が独自の方針によりメールを受け付けませんでした。受信側はこの方針を「{ja}」と公表しています。"),
            )
        }
        (ReceiverPolicy, _) => b(
            format!("The receiving side{pde} did not accept your message under its own policy, without saying why."),
            format!("受信側{pdj}が独自の方針によりメールを受け付けませんでした。理由は示されていません。"),
        ),
        (Unexplained, _) => b(
            format!("Your message{to_rc} could not be delivered, and the error does not say why."),
            format!("宛先{prcj}にメールをお届けできませんでしたが、エラーの内容からは原因を特定できません。"),
        ),
    }
}

/// What happens to the message now: from where the reply came from
/// (the verdict's [`Fate`]) and whether retrying can help — never from the
/// reply's class alone, so the sentence is true for the case at hand.
fn fate(r: &ReplyInput) -> Option<Bilingual> {
    Some(match r.fate {
        Fate::Delivered => return None,
        Fate::NotSent => b(
            "This message was not sent.".into(),
            "このメールは送信されていません。".into(),
        ),
        Fate::Queued if r.retry_can_help => b(
            "Our server keeps retrying automatically, so the message may still arrive.".into(),
            "当社の送信サーバが自動的に再送を続けていますので、このまま届く見込みです。".into(),
        ),
        Fate::Queued => b(
            "Our server keeps retrying, but the retries cannot get through until the cause is removed.".into(),
            "当社の送信サーバは再送を続けていますが、原因が解消されるまでは届きません。".into(),
        ),
        Fate::Unknown if r.retry && r.retry_can_help => b(
            "This is a temporary refusal: the sending server normally keeps retrying for a while, so the message may still arrive. If you have already received a notice that it could not be delivered, please send it again.".into(),
            "一時的な拒否のため、通常は送信サーバがしばらく再送を続け、このまま届く場合があります。配送できなかった旨の通知をすでに受け取っている場合は、改めて送信してください。".into(),
        ),
        Fate::Unknown if r.retry => b(
            "This is a temporary refusal, but retrying cannot get through until the cause is removed.".into(),
            "一時的な拒否ですが、原因が解消されるまでは再送しても届きません。".into(),
        ),
        Fate::Returned if r.retry_can_help => b(
            "Our server tried for a while and then gave up, so this message will not be retried automatically.".into(),
            "当社の送信サーバがしばらく再送を試みた後に配送を断念したため、自動的に再送されることはありません。".into(),
        ),
        Fate::Returned | Fate::Unknown => b(
            "This message will not be retried automatically.".into(),
            "このメールが自動的に再送されることはありません。".into(),
        ),
    })
}

/// What the customer is asked to do (nothing, when that is the answer).
fn request(r: &ReplyInput) -> Bilingual {
    #[allow(unused_variables)]
    let Names {
        pde,
        pdj,
        prce,
        prcj,
        to_rc,
        for_rc,
        the_addr,
        the_addr_cap,
        sp_rcj,
        d_or,
    } = names(r);
    use Cause::*;
    let specific = match (r.cause, r.owner) {
        (DomainAuthentication, DomainOwner::FreeMail(s)) => Some(b(
            format!("To send from your {s} address, please use {s}'s own sending server (in your mail program's outgoing server settings); to send through our server, please use the address we provide as the sender."),
            format!("{s} のアドレスから送る場合は、メールソフトの送信サーバに {s} の送信サーバを設定してください。当社の送信サーバを使う場合は、当社が提供するメールアドレスを差出人にしてください。"),
        )),
        (DomainAuthentication, DomainOwner::Customer(s)) => Some(b(
            format!("Please ask whoever manages the DNS of {s} (your administrator or DNS provider) to add our sending servers to its SPF record and to set up DKIM; we can tell them the settings."),
            format!("{s} の DNS を管理している方（御社のシステム管理者や DNS の契約先）に、当社の送信サーバを SPF に加えること、また DKIM の設定をご依頼ください。必要な設定内容は当社でご案内いたします。"),
        )),
        (DomainAuthentication, DomainOwner::Unknown) => Some(b(
            "Please ask whoever manages the domain of your sending address to allow mail sent through our servers (SPF and DKIM). If the address is one we provide, tell us the address and we will check it.".into(),
            "差出人アドレスのドメインを管理している方に、当社の送信サーバから送るメールを認める設定（SPF・DKIM）をご依頼ください。当社が提供するアドレスの場合は、当社で確認いたしますので差出人アドレスをお知らせください。".into(),
        )),
        (DomainBlocklisted, DomainOwner::Customer(_) | DomainOwner::Unknown) => Some(b(
            "Please ask whoever manages that domain to remove the cause and request delisting; until then, send from another address.".into(),
            "ドメインの管理者に、原因の解消とブロックリストからの登録解除の申請をご依頼ください。解除されるまでは別のアドレスから送信してください。".into(),
        )),
        (DomainBlocklisted, DomainOwner::FreeMail(_)) => Some(b(
            "Please send from another address until the listing is removed.".into(),
            "登録が解除されるまでは、別のアドレスから送信してください。".into(),
        )),
        (UserUnknown, _) => Some(b(
            "Please check the address for typing mistakes and confirm the correct address with the recipient.".into(),
            "アドレスに誤りがないかご確認のうえ、正しいアドレスを受信者様にご確認ください。".into(),
        )),
        (DomainUnknown, _) => Some(b(
            "Please check the part of the address after the @ for mistakes.".into(),
            "アドレスの @ 以降に誤りがないかご確認ください。".into(),
        )),
        (Suppressed, _) => Some(b(
            "Please confirm the address with the recipient; once it is confirmed, the address can be removed from the suppression list.".into(),
            "受信者様にアドレスをご確認ください。確認できましたら、送信停止リストから削除できます。".into(),
        )),
        (MessageTooLarge, _) => Some(b(
            "Please send it again with smaller or fewer attachments, or share large files by a download link.".into(),
            "添付ファイルを小さくするか減らして再送いただくか、大きなファイルはダウンロード用のリンクでお送りください。".into(),
        )),
        (ContentRefused, _) => Some(b(
            "Please remove or change what may have been refused and send again; if the message is legitimate, ask the recipient to allow it.".into(),
            "拒否の原因となりそうな部分を削除・変更して再送してください。正当なメールであれば、受信者様に受信の許可をご依頼ください。".into(),
        )),
        (MalformedMessage, _) => Some(b(
            "Please send it again from a standard mail program; if a system sent it, ask whoever runs that system.".into(),
            "一般的なメールソフトから改めて送信してください。システムから送信している場合は、そのシステムの提供元にご確認ください。".into(),
        )),
        (SenderAddressRefused, _) => Some(b(
            "Please check that your sending address is correct and exists; if it is, ask the recipient to allow mail from you.".into(),
            "差出人アドレスが正しく実在するかをご確認のうえ、問題がなければ受信者様に受信の許可をご依頼ください。".into(),
        )),
        (AccountSuspended, _) => Some(b(
            "Please change the account's password, check it for forwarding rules you did not set, and contact the account's provider to lift the suspension.".into(),
            "アカウントのパスワードを変更し、覚えのない転送設定がないかご確認のうえ、アカウントの提供元に停止の解除をご依頼ください。".into(),
        )),
        (SenderTooManyToRecipient, _) => Some(b(
            "Please wait a while before sending again, and send fewer messages to this address.".into(),
            "しばらく時間をおいてから再送し、この宛先への送信数を減らしてください。".into(),
        )),
        (DirectFromDynamicIp, _) => Some(b(
            "Please set our sending server as the outgoing server in your mail program, with SMTP authentication turned on.".into(),
            "メールソフトの送信サーバに当社の送信サーバを指定し、SMTP 認証を有効にしてください。".into(),
        )),
        (SubmissionLoginFailed, _) => Some(b(
            "Please check the user name and password of the outgoing server (SMTP) in your mail program, and send again.".into(),
            "メールソフトの送信サーバ（SMTP）のユーザ名とパスワードをご確認のうえ、改めて送信してください。".into(),
        )),
        (ReceiverUnreachable, _) => Some(b(
            "Please check the part of the address after the @ for mistakes; if it is correct, please let us know and we will check the connection to the receiving side.".into(),
            "アドレスの @ 以降に誤りがないかご確認ください。正しい場合は当社までお知らせください。受信側への接続を確認いたします。".into(),
        )),
        (SubmissionAuthRequired, _) => Some(b(
            "Please turn on SMTP authentication in your mail program's outgoing server settings, with your account's user name and password and port 587 (or 465), and send again.".into(),
            "メールソフトの送信サーバ（SMTP）の設定で SMTP 認証を有効にし、メールアカウントのユーザ名とパスワード、ポート番号 587（または 465）を設定してから、改めて送信してください。".into(),
        )),
        (SenderNotOwned, _) => Some(b(
            "Please set the sender address to the address of the account you log in with, and send again.".into(),
            "差出人アドレスを、ログインしているアカウントのアドレスに合わせてから再送してください。".into(),
        )),
        (SendingQuota, _) => Some(b(
            "Please wait a while before sending again; when writing to many recipients, send in smaller groups.".into(),
            "しばらく時間をおいてから再送してください。多くの宛先に送る場合は、何回かに分けて送信してください。".into(),
        )),
        (RelayDenied, _) => Some(b(
            "Please turn on SMTP authentication in your mail program's outgoing server settings and check the recipient's address.".into(),
            "メールソフトの送信サーバの設定で SMTP 認証を有効にし、宛先アドレスに誤りがないかご確認ください。".into(),
        )),
        (MailboxFull, _) => Some(b(
            "Please let the recipient know another way, so that they can free space.".into(),
            "別の方法で受信者様にご連絡いただき、容量を空けていただくようお伝えください。".into(),
        )),
        (MailboxDisabled, _) => Some(b(
            "Please reach the recipient another way and confirm their current address.".into(),
            "別の方法で受信者様にご連絡いただき、現在のアドレスをご確認ください。".into(),
        )),
        (RecipientRefused, _) => Some(b(
            "Please check the address, then ask the recipient to allow mail from you.".into(),
            "アドレスをご確認のうえ、受信者様に受信許可の設定をご依頼ください。".into(),
        )),
        (RecipientOrgBlock, _) => Some(b(
            "Please ask the recipient to have their administrators allow mail from you.".into(),
            "受信者様から組織の管理者に、お客様からのメールの受信許可をご依頼いただくようお伝えください。".into(),
        )),
        (RecipientRateLimited, _) if !r.retry => Some(b(
            "Please send again a little later.".into(),
            "少し時間をおいてから再送してください。".into(),
        )),
        (AutoReply, _) => Some(b(
            "There is no need to send again.".into(),
            "再送の必要はありません。".into(),
        )),
        (Quarantined, _) => Some(b(
            format!("Please ask the recipient{prce} to look in their junk or quarantine folder."),
            format!("受信者様{prcj}に、迷惑メールフォルダや隔離されたメールの一覧をご確認いただくようお伝えください。"),
        )),
        (ReceiverPolicy, _) if !r.retry && r.incident.is_none() => Some(b(
            "If you need this message delivered, please tell us; we can ask the receiving side for the reason.".into(),
            "このメールを届ける必要がある場合は当社までお知らせください。受信側に理由を問い合わせることができます。".into(),
        )),
        _ => None,
    };
    if let Some(s) = specific {
        return s;
    }
    if let Some(i) = &r.incident
        && i.resolved
    {
        // The incident says it is over: nothing is being worked on.
        return if r.fate == Fate::Queued || (r.fate == Fate::Unknown && r.retry) {
            b(
                "The cause has been resolved, so you do not need to do anything; if the message has not arrived by tomorrow, please send it again.".into(),
                "原因はすでに解消されていますので、お客様側での操作は不要です。明日になっても届いていない場合は、改めて送信してください。".into(),
            )
        } else {
            b(
                "The cause has been resolved: please send the message again.".into(),
                "原因はすでに解消されていますので、改めて送信してください。".into(),
            )
        };
    }
    // A list operator's notice about our listing: we follow it, and
    // promise no delisting work of our own that the notice may not need.
    if r.incident.is_some() && r.actor == Actor::BlocklistOperator {
        return b(
            "The blocklist's operator has published a notice about this listing. We are following it and will let you know when you can send again.".into(),
            "ブロックリストの運営者がこの登録について情報を公開しています。当社で状況を確認し、送信できるようになりましたらご案内いたします。".into(),
        );
    }
    // Given back, but a later try can pass: only resending delivers it.
    let resend_later = r.fate == Fate::Returned && r.retry_can_help;
    match (r.actor, r.retry && !resend_later) {
        (Actor::SenderProvider, true) => b(
            "We are dealing with the cause; you do not need to do anything.".into(),
            "原因には当社で対応しておりますので、お客様側での操作は不要です。".into(),
        ),
        (Actor::SenderProvider, false) => b(
            "We are dealing with the cause and will let you know when it is fixed; please send the message again after that.".into(),
            "原因には当社で対応しております。対応が済みましたらご案内いたしますので、その後に改めて送信してください。".into(),
        ),
        (Actor::BlocklistOperator, true) => b(
            "We are removing the cause and requesting delisting; you do not need to do anything.".into(),
            "当社で原因の解消と登録解除の手続きを進めておりますので、お客様側での操作は不要です。".into(),
        ),
        (Actor::BlocklistOperator, false) => b(
            "We are removing the cause and requesting delisting, and will let you know when you can send again.".into(),
            "当社で原因の解消と登録解除の手続きを進めております。解除されましたらご案内いたしますので、その後に改めて送信してください。".into(),
        ),
        (Actor::Receiver | Actor::Recipient, true) if r.retry_can_help => b(
            "You do not need to do anything.".into(),
            "お客様側での操作は不要です。".into(),
        ),
        (Actor::Receiver | Actor::Recipient, true) => b(
            "If it has not arrived in a day, please let us know; we will check with the receiving side.".into(),
            "1日たっても届かない場合は当社までお知らせください。受信側に確認いたします。".into(),
        ),
        (Actor::Receiver | Actor::Recipient, false) => b(
            "Please send the message again later; if it keeps failing, let us know.".into(),
            "時間をおいて改めて送信してください。繰り返し届かない場合は当社までお知らせください。".into(),
        ),
        (Actor::Sender | Actor::Unknown, _) => b(
            "If it keeps happening, please tell us the recipient's address and when you sent the message, and we will look into it.".into(),
            "繰り返し発生する場合は、宛先アドレスと送信日時を当社までお知らせください。確認いたします。".into(),
        ),
    }
}

/// Where the cause is on our side, the reply begins with an apology.
fn apology(r: &ReplyInput) -> Option<Bilingual> {
    let ours = matches!(r.actor, Actor::SenderProvider)
        || (r.actor == Actor::BlocklistOperator && cause::sending_ip(r.cause));
    ours.then(|| {
        b(
            "We are sorry for the trouble.".into(),
            "ご迷惑をおかけして申し訳ございません。".into(),
        )
    })
}

/// The whole reply.
pub fn customer_reply(r: &ReplyInput) -> Bilingual {
    let parts = [apology(r), Some(situation(r)), fate(r), Some(request(r))];
    let parts: Vec<Bilingual> = parts.into_iter().flatten().collect();
    b(
        parts
            .iter()
            .map(|p| p.en.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        parts.iter().map(|p| p.ja.as_str()).collect::<String>(),
    )
}

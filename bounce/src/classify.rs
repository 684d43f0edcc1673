//! Why did it bounce? The reason names are those of the widely used
//! open-source classifiers, so accuracy can be measured on their corpora.
//!
//! Order of evidence: (1) what the report's structure says (feedback report,
//! auto-reply, delivered); (2) phrases in the diagnostic text, which are
//! more specific than codes — MTAs answer 550 5.1.1 for full mailboxes and
//! 550 5.7.1 for a dozen different policies; (3) the enhanced status
//! (RFC 3463, and the registry's later additions); (4) the reply code.

use std::sync::LazyLock;

use serde::Serialize;

use crate::Fact;
use crate::phrases::Matcher;

/// The bounce reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Reason {
    AuthFailure,
    BadReputation,
    Blocked,
    ContentError,
    Delivered,
    EmailTooLarge,
    Expired,
    FailedStartTls,
    Feedback,
    Filtered,
    HasMoved,
    HostUnknown,
    MailboxFull,
    MailerError,
    NetworkError,
    NoRelaying,
    NotAccept,
    NotCompliantRfc,
    OnHold,
    PolicyViolation,
    RateLimited,
    Rejected,
    RequirePtr,
    SecurityError,
    SpamDetected,
    /// The sending service refused to try: the address is on its suppression list.
    Suppressed,
    Suspend,
    SyntaxError,
    SystemError,
    SystemFull,
    #[default]
    Undefined,
    UserUnknown,
    Vacation,
    VirusDetected,
}

impl Reason {
    /// The reason's name.
    pub fn as_str(self) -> &'static str {
        use Reason::*;
        match self {
            AuthFailure => "authfailure",
            BadReputation => "badreputation",
            Blocked => "blocked",
            ContentError => "contenterror",
            Delivered => "delivered",
            EmailTooLarge => "emailtoolarge",
            Expired => "expired",
            FailedStartTls => "failedstarttls",
            Feedback => "feedback",
            Filtered => "filtered",
            HasMoved => "hasmoved",
            HostUnknown => "hostunknown",
            MailboxFull => "mailboxfull",
            MailerError => "mailererror",
            NetworkError => "networkerror",
            NoRelaying => "norelaying",
            NotAccept => "notaccept",
            NotCompliantRfc => "notcompliantrfc",
            OnHold => "onhold",
            PolicyViolation => "policyviolation",
            RateLimited => "ratelimited",
            Rejected => "rejected",
            RequirePtr => "requireptr",
            SecurityError => "securityerror",
            SpamDetected => "spamdetected",
            Suppressed => "suppressed",
            Suspend => "suspend",
            SyntaxError => "syntaxerror",
            SystemError => "systemerror",
            SystemFull => "systemfull",
            Undefined => "undefined",
            UserUnknown => "userunknown",
            Vacation => "vacation",
            VirusDetected => "virusdetected",
        }
    }

    /// The reason when the local delivery program (a pipe, procmail,
    /// maildrop) failed: what it printed is its own problem unless it speaks
    /// of the mailbox itself.
    pub fn for_local_mailer(self) -> Reason {
        use Reason::*;
        match self {
            MailboxFull | SystemFull | EmailTooLarge | Suspend | Delivered | Feedback => self,
            _ => MailerError,
        }
    }
}

/// Phrase rules, most specific first: the first reason with a matching
/// phrase wins. Patterns are case-insensitive and see collapsed whitespace.
const RULES: &[(Reason, &[&str])] = &[
    // A local delivery program failed: whatever it printed (often "no such
    // user") is its own problem, not the address's.
    (
        Reason::MailerError,
        &[
            r"x-unix",
            r"\bprocmail\b",
            r"\bmaildrop: (?:error|signal|unable)",
            r"command (?:died|failed|output)",
            r"mailer error",
        ],
    ),
    // The message itself breaks the format rules; receivers often mention
    // the header's name (DKIM-Signature, Subject) or spam in the same breath.
    (
        Reason::NotCompliantRfc,
        &[
            r"not (?:rfc[ -]?)?(?:5322|2822|822)?[ -]?compliant",
            r"rfc ?(?:5322|2822|822) (?:compliant|specific|requirement|standard|violation)",
            r"(?:duplicate|multiple|missing|malformed|invalid) (?:\S+ )?headers?\b",
            r"multiple addresses in from",
            r"bare (?:lf|cr)",
            r"not conform",
        ],
    ),
    // Loops and hop limits: a routing fault, whatever the reply code says.
    (
        Reason::NetworkError,
        &[
            r"too many hops",
            r"hop count exceeded",
            r"mail loop",
            r"routing loop",
            r"loops? back to (?:me|myself)",
            r"dns query failed",
            r"host not found, try again",
        ],
    ),
    // Spam verdicts that also name SPF or "rejected".
    (
        Reason::SpamDetected,
        &[
            r"spam classification",
            r"(?:rejected|blocked|refused) (?:due to|because of|as) (?:suspected )?spam",
            r"(?:black|block)listed (?:url|uri|link|domain) in (?:the )?message",
            r"\buribl\b",
            // Orange (France): "Mail rejete" for spam content.
            r"\bofr_?506\b",
        ],
    ),
    // The sending IP or HELO is refused, in words other rules read otherwise.
    (
        Reason::Blocked,
        &[
            r"my name was rejected",
            // Postfix's reject_unknown_helo_hostname and its siblings
            // (smtpd_check.c): "Helo command rejected: Host not found",
            // "…: need fully-qualified hostname" — the sending host's name.
            r"helo command rejected",
            r"client host blocked",
            r"adresse ip source bloquee",
            r"aup#[a-z]*rbl\b",
            r"invalid ip for sending",
            // Outlook.com's refusals of the sending IP.
            r"\bsc-00[1-4]\b",
            r"not accepting connections",
        ],
    ),
    (
        Reason::PolicyViolation,
        &[r"(?:rejected|refused|not accepted) for policy reasons"],
    ),
    // au (KDDI) refuses senders its subscriber filters with an empty field
    // before "User unknown" ("550 : User unknown"), unlike its real 5.1.1.
    (Reason::Filtered, &[r"\b5[0-9][0-9]:? : user unknown"]),
    // Exchange Online's directory-based edge blocking: the address is not
    // in the tenant's directory ("550 5.4.1 ... Access denied").
    (
        Reason::UserUnknown,
        &[r"recipient address rejected: access denied"],
    ),
    (
        Reason::NoRelaying,
        &[
            r"relay(?:ing)? (?:access )?(?:denied|not (?:permitted|allowed)|prohibited)",
            r"(?:not permitted|unable|cannot) to relay",
            r"we do not relay",
            // qmail-smtpd.c: "553 sorry, that domain isn't in my list of
            // allowed rcpthosts (#5.7.1)".
            r"isn't in my list of allowed rcpthosts",
            r"no relaying",
            r"relay not permitted",
            r"not configured to relay",
        ],
    ),
    (
        Reason::VirusDetected,
        &[r"\bvirus", r"malware", r"\binfected\b", r"trojan"],
    ),
    (
        Reason::FailedStartTls,
        &[
            r"starttls (?:negotiation )?failed",
            r"tls (?:handshake|negotiation) failed",
            r"could not (?:start|establish) tls",
            r"does not support (?:tls|starttls)",
        ],
    ),
    (
        Reason::Rejected,
        &[
            r"sender address rejected",
            r"sender (?:address )?(?:rejected|refused|invalid|unknown)",
            r"(?:bad|invalid|unknown) sender",
            r"domain of sender address",
            r"sender domain (?:\S+ )?(?:does not exist|not found|rejected|invalid|unknown|must resolve)",
            r"mail from .{0,60}(?:rejected|refused)",
            r"sender verif(?:y|ication) failed",
            r"5\.1\.[78]\b",
            r"sender (?:\S+ )?(?:does not exist|not exist)",
            r"(?:from|sender):? domain is invalid",
            r"provide a valid from",
            r"not a member of (?:this|the) (?:mailing )?list",
            r"(?:mail ?from|sender) domain (?:is )?listed",
            // The address, not the connecting host, is on the list.
            r"(?:sender|from|an) address (?:that )?(?:has been |is )(?:black|block)listed",
        ],
    ),
    (
        Reason::RequirePtr,
        &[
            r"reverse (?:dns|lookup|hostname|dns lookup)",
            r"\bptr\b",
            r"no (?:rdns|reverse)",
            r"cannot find your (?:hostname|reverse)",
            r"ip name (?:lookup|possibly forged)",
            r"client host rejected: cannot find",
            r"hostname does not resolve",
            r"unresolvable (?:address|hostname)",
            r"does not have a (?:valid )?(?:ptr|reverse)",
            r"rdns",
            r"unverif(?:i|y)able sending ip",
        ],
    ),
    (
        Reason::AuthFailure,
        &[
            r"\bspf\b",
            r"\bdkim\b",
            r"\bdmarc\b",
            r"sender policy framework",
            // RFC 7372: x.7.23–26 (SPF, reverse DNS, multiple checks);
            // x.7.27 is RFC 7505's null MX, a refused sender.
            r"5\.7\.2[3-6]\b",
            r"5\.7\.509\b",
            r"domain authentication",
            r"not pass(?:es)? (?:authentication|spf|dkim)",
            r"unauthenticated (?:email|mail)",
            r"sender is unauthenticated",
            r"does not have authentication information",
            r"authentication (?:checks? )?(?:did not pass|failed) .{0,40}(?:domain|sender)",
        ],
    ),
    (
        Reason::HasMoved,
        &[
            r"has moved",
            r"\bmoved to\b",
            r"no longer (?:at|with|available at|in use|valid)",
            r"address (?:has )?changed",
            r"5\.1\.6\b",
        ],
    ),
    (
        Reason::NotAccept,
        &[
            r"indicated no smtp service",
            r"not accepting network messages",
        ],
    ),
    // RFC 7505 §4.2: the sender's domain publishes a null MX (before the
    // null MX of a recipient's domain below).
    (Reason::Rejected, &[r"sender address has null mx"]),
    (
        Reason::NotAccept,
        &[
            r"does not accept (?:e-?)?mail",
            r"accepts? no mail",
            r"not accepting (?:any )?(?:e-?)?mail",
            r"null ?mx",
            r"not configured to accept",
            // qmail-remote.c perm_nomx(): the domain resolves but gives no
            // host to deliver to (an MX without addresses, a null MX);
            // a domain that does not exist is perm_dns(), "couldn't find
            // any host named".
            r"couldn't find a mail exchanger",
            r"no mx record",
            r"type=mx: malformed",
        ],
    ),
    (
        Reason::HostUnknown,
        &[
            r"host (?:or domain name )?not found",
            r"domain (?:name )?not found",
            r"unknown (?:host|domain)",
            r"no such (?:domain|host)",
            r"host unknown",
            r"domain (?:\S+ )?does not exist",
            r"name or service not known",
            r"unrout(?:e)?able (?:mail )?domain",
            r"couldn't find any host",
            r"could not find any host",
            r"nonexistent domain",
            r"domain is not (?:configured|valid)",
            r"dns (?:error|lookup failed).{0,40}(?:domain|host)",
            r"host \S+ not found",
            r"invalid domain",
            r"unknown mail domain",
            r"recipient domain .{0,40}(?:not found|unknown)",
            // Exim: route.c when no router takes the address (a remote
            // domain dnslookup cannot find), routers/dnslookup.c and
            // transports/smtp.c when every MX or address lookup fails.
            r"unrouteable address",
            r"mx records point to non-existent hosts",
            r"all host address lookups failed permanently",
            r"nxdomain",
            r"domain is not reachable",
            r"host name lookup failure",
            r"ドメインが(?:存在しません|見つかりません)",
            r"bad destination system address",
            r"or domain may not exist",
        ],
    ),
    (
        Reason::Suspend,
        &[
            r"(?:account|mailbox|user|address|recipient)(?: \S+)? (?:is |has been |was )?(?:temporarily )?(?:disabled|suspended|deactivated|inactive|frozen|locked|blocked by the administrator)",
            r"(?:disabled|suspended|inactive|deactivated|expired) (?:account|mailbox|user)",
            r"not (?:an )?active (?:account|mailbox|user)",
            r"account (?:has )?expired",
            r"mailbox (?:is )?(?:not )?(?:currently )?unavailable.{0,20}(?:disabled|suspended)",
            r"5\.7\.13\b",
            r"service (?:is )?(?:suspended|stopped) for",
            r"this account has been",
            r"temporar(?:y|ily) locked",
            r"inactive (?:e-?mail )?(?:address|account|mailbox)",
            r"user (?:is )?(?:on )?hold",
            r"recipient (?:is )?(?:inactive|suspended)",
            r"(?:recipient|user)(?:'s)? account is blocked",
            // Orange (France): the recipient's account is blocked.
            r"\blpn007_426\b",
            r"(?:利用|アカウントが|サービスが)停止",
        ],
    ),
    (
        Reason::MailboxFull,
        &[
            r"mailbox (?:is )?(?:full|over ?quota)",
            r"over ?quota",
            r"quota (?:exceeded|full|violation)",
            r"exceeded (?:the )?(?:storage|quota|mailbox)",
            r"not enough (?:space|storage)",
            r"mailbox (?:has )?exceed",
            r"mailbox exceeds",
            r"容量(?:を|が)?(?:超え|超過|オーバー|不足|一杯|いっぱい)",
            r"メールボックスが(?:一杯|いっぱい|満杯)",
            r"mailbox size limit",
            r"full mailbox",
            r"(?:user|account|recipient)(?:'s)? (?:mailbox )?is (?:full|over)",
            r"exceeds? (?:its |the |their )?(?:storage|quota|mailbox size)",
            r"too many messages (?:in|on) (?:the |this )?(?:mailbox|user)",
            r"mailfolder is full",
            r"disk quota",
            r"inbox is full",
            r"storage (?:limit|quota)",
            r"5\.2\.2\b",
            r"4\.2\.2\b",
        ],
    ),
    (
        Reason::EmailTooLarge,
        &[
            r"message (?:size|length) exceeds",
            r"message (?:is )?too (?:big|large)",
            r"exceeds? (?:the )?(?:maximum|max|fixed|allowed) (?:message |mail )?size",
            r"size limit",
            r"mail size",
            r"too big for",
            r"message size \d+ exceeds",
            r"exceeded (?:the )?(?:maximum )?(?:message )?size",
            r"5\.3\.4\b",
            r"5\.2\.3\b",
            r"size exceeds",
            r"message length",
            r"line limit exceeded",
        ],
    ),
    (
        Reason::UserUnknown,
        &[
            r"user (?:unknown|not found|does not exist|doesn't exist|not exist)",
            r"unknown (?:user|recipient|local ?part|mailbox|address|addressee)",
            r"no such (?:user|mailbox|recipient|address|account|local user|person)",
            r"(?:mailbox|recipient|address|account|addressee|e-?mail address)(?: \S+)? (?:is )?(?:not found|unknown|does(?: not|n't) exist|not exist|invalid|unavailable|not valid)",
            r"invalid (?:recipient|mailbox|address|user)",
            r"no mailbox",
            r"not a (?:valid|known) (?:user|mailbox|recipient)",
            r"bad destination mailbox address",
            r"the email account that you tried to reach does not exist",
            r"not (?:our|a local) (?:customer|user)",
            r"\bdoes not exist\b",
            r"no account by that name",
            r"(?:user|recipient) not (?:listed|in (?:local )?(?:recipient|user) (?:table|list))",
            r"mailbox unavailable",
            r"unknown or illegal alias",
            r"address couldn't be found",
            r"doesn't have an? \S+ account",
            r"invalid final delivery userid",
            r"addressee unknown",
            r"account (?:\S+ )?(?:not|isn't) (?:found|available)",
            r"no (?:valid )?recipients?",
            r"destination address (?:is )?(?:invalid|unknown)",
            r"not listed in",
            r"recipient (?:\S+ )?unknown",
            r"(?:アドレス|ユーザー?|宛先|アカウント)(?:は|が)?(?:存在しません|見つかりません|不明)",
            r"宛先不明",
            // Lotus Notes in Japanese: "not in the directory's list".
            r"ディレクトリ(?:のリスト)?に(?:ありません|存在しません|登録されていません)",
        ],
    ),
    (
        Reason::SecurityError,
        &[
            r"authentication (?:is )?required",
            r"must (?:issue a )?starttls",
            r"(?:tls|encryption|starttls) (?:is )?required",
            r"certificate",
            r"smtp auth",
            r"authentication (?:failed|failure|unsuccessful)",
            r"(?:sender|client) (?:is )?not authenticated",
            r"login failed",
            r"auth (?:mechanism|failed)",
            r"unauthenticated senders? not allowed",
            r"delivery not authorized",
        ],
    ),
    (
        Reason::BadReputation,
        &[
            r"reputation",
            r"sender score",
            r"low (?:trust|score)",
            r"user complaints",
        ],
    ),
    (
        Reason::RateLimited,
        &[
            r"too many (?:messages|mails|e-?mails|connections|sessions|concurrent)",
            // Google's SMTP error reference, 4.2.1: one recipient receiving
            // faster than it accepts (a rate limit, not a disabled mailbox,
            // whatever x.2.1 means in RFC 3463).
            r"receiving mail (?:at a rate|too quickly)",
            r"rate[ -]?limit",
            r"throttl",
            r"sending (?:too )?fast",
            r"too much (?:mail|traffic)",
            r"connection rate",
            r"exceeded (?:the )?(?:daily |hourly )?(?:sending |message |mail )?(?:limit|rate)",
            r"\brp-00[123]\b",
            r"4\.7\.28\b",
            r"try again later.{0,40}(?:rate|volume)",
            r"unusual rate",
            r"over (?:the )?(?:sending )?limit",
            r"server (?:is )?(?:too )?busy",
            r"too many recipients",
            r"4\.7\.5\d\d\b",
            r"frequency limit",
            r"(?:送信|受信)(?:数|量)の上限",
        ],
    ),
    (
        Reason::SpamDetected,
        &[
            r"\bspam\b",
            r"\bspam(?:my|ming|med|mer|assassin)",
            r"junk mail",
            r"迷惑メール",
            r"\bbulk (?:mail|e-?mail)",
            r"unsolicited",
            r"classified as (?:junk|bulk)",
            r"looks like (?:junk|bulk)",
            r"content (?:scanner|filter) (?:rejected|flagged)",
            r"message (?:was |has been )?(?:identified|classified|detected|considered) as",
            r"scored too high",
            r"message content rejected",
            r"\bube\b",
            r"high (?:spam )?score",
        ],
    ),
    // Policy phrases that also say "blocked"/"denied": the policy is the reason.
    (
        Reason::PolicyViolation,
        &[
            r"denied by policy",
            r"blocked because (?:its|the) content",
            r"policy violation",
        ],
    ),
    // qmail says the sender was refused at MAIL FROM in its own words
    // ("Connected to … but sender was rejected"), whatever the remote added
    // ("Access denied"); reputation, spam and rate words above come first.
    (
        Reason::Rejected,
        &[
            r"sender was rejected",
            // Mimecast's published codes: the envelope sender's domain
            // does not resolve ("451 … unresolvable RFC.5321 from address").
            r"unresolvable rfc\.?5321 from address",
        ],
    ),
    (
        Reason::Blocked,
        &[
            r"black ?list",
            r"ブラックリスト|ブロックリスト",
            r"block ?list",
            r"\bblocked\b",
            r"\blisted (?:on|in|at|by)\b",
            r"\bdnsbl\b",
            r"\brbl\b",
            r"spamhaus",
            r"spamcop",
            r"barracuda",
            r"sorbs",
            r"(?:client|sender|your) (?:host|ip|address|server)(?: \S+)? (?:is |has been |was )?(?:rejected|denied|refused|banned|not allowed)",
            r"access denied",
            r"banned",
            r"service refus",
            r"refused to talk to me",
            r"dynamic (?:ip|address|pool)",
            r"dial-?up",
            r"residential",
            r"use the (?:smtp|mail) server of your isp",
            r"connection (?:not accepted|rejected|refused) from",
            r"your (?:ip|network|host) (?:address )?(?:is|has been)",
            r"not allowed to send",
            r"refused to accept",
            r"denied by (?:policy|administrator)",
            r"5\.7\.606\b",
            r"as\(\d+\)",
            r"poor (?:ip|sender)",
            r"\bbl\b.{0,30}listed",
        ],
    ),
    (
        Reason::Filtered,
        &[
            r"filter",
            r"refused by (?:the )?recipient",
            r"recipient (?:has )?(?:rejected|refused|blocked)",
            r"(?:user|recipient) (?:has )?(?:chosen|set) (?:not )?to",
            r"not authorized to (?:receive|send)",
            r"recipient(?:'s)? preferences",
            r"message (?:was )?rejected by (?:the )?(?:recipient|user)",
            r"restricted",
            r"not accepting messages from",
            r"受信(?:を)?拒否",
        ],
    ),
    (
        Reason::Expired,
        &[
            r"delivery time expired",
            r"message expired",
            r"retry time(?:out)? (?:not reached|exceeded)",
            r"too many (?:delivery )?(?:retries|attempts)",
            r"(?:could not|cannot) be delivered (?:for|within|in) \d+ (?:days|hours)",
            r"maximum (?:queue )?time",
            r"message timed out",
            r"could not deliver for the last \d+",
            r"unable to deliver in \d+",
            r"did not accept our requests to connect",
            r"4\.4\.7\b",
            r"delivery period expired",
            r"expired after",
            r"was not delivered within",
            r"retry limit",
            r"undeliverable for \d+",
            r"unable to deliver .{0,60}within",
            r"no (?:longer )?retrying",
            r"unable to deliver (?:this|the) message after \d+",
            r"envelope expired",
            r"will be retried for",
            r"could not be delivered for",
            r"expired in (?:the )?queue",
            r"have been failing for a long time",
            // qmail gave up retrying, whatever the last attempt said.
            r"(?:queue|queued) (?:for )?too long",
            r"aborted after [0-9.]+ hour",
        ],
    ),
    (
        Reason::NotCompliantRfc,
        &[r"rfc ?(?:5322|2822|822|5321) (?:says|requires)"],
    ),
    (
        Reason::ContentError,
        &[
            r"content",
            r"\bmime\b",
            r"attachment",
            r"invalid character",
            r"8-?bit",
            r"encoding",
            r"header error",
            r"media error",
            r"5\.6\.\d+\b",
        ],
    ),
    (
        Reason::PolicyViolation,
        &[
            r"polic(?:y|ies)",
            r"violat",
            r"prohibited",
            r"not (?:allowed|permitted)",
        ],
    ),
    (
        Reason::SystemFull,
        &[
            r"system (?:disk |storage )?(?:is )?full",
            r"insufficient (?:system |disk )?(?:storage|space)",
            r"4\.3\.1\b",
            r"out of (?:disk|storage)",
        ],
    ),
    (
        Reason::MailerError,
        &[
            r"\bpipe\b",
            r"exit (?:status|code)",
            r"local delivery failed",
        ],
    ),
    (
        Reason::SyntaxError,
        &[
            r"syntax error",
            r"malformed address",
            r"parameter not implemented",
            r"command (?:not )?(?:unrecognized|recognized|implemented)",
            r"unrecognized command",
            r"bad sequence of commands",
            r"line too long",
        ],
    ),
    (
        Reason::NetworkError,
        &[
            r"connection (?:refused|reset|timed? ?out|closed|lost|dropped)",
            r"network (?:is )?unreachable",
            r"no route to host",
            r"(?:could|can) ?not connect",
            r"(?:unable|wasn't able|was not able) to establish",
            r"lost connection",
            r"timed? ?out",
            r"loops? back",
            r"conversation with",
            r"unable to connect",
            r"dns (?:error|lookup|failure|timeout)",
            r"temporary (?:dns|lookup) failure",
            r"host unreachable",
            r"broken pipe",
            r"no answer",
        ],
    ),
    (
        Reason::SystemError,
        &[
            r"system error",
            r"internal (?:server )?error",
            r"server error",
            r"local error",
            r"temporary (?:local )?(?:failure|problem|error)",
            r"service (?:is )?(?:temporarily )?unavailable",
            r"out of memory",
            r"configuration error",
            r"try again later",
            r"resources temporarily",
            r"system (?:not|is not) available",
            r"i/o error",
            r"upstream error",
            r"service currently unavailable",
            r"transaction failed",
            r"unable to contact ldap",
            r"file write error",
            r"duplicated message-id",
        ],
    ),
    (Reason::OnHold, &[r"\bon hold\b"]),
];

/// The rules, compiled with their literal prefilter (see `phrases`).
static COMPILED: LazyLock<Matcher> = LazyLock::new(|| {
    let rules: Vec<Vec<String>> = RULES
        .iter()
        .map(|(_, patterns)| patterns.iter().map(|p| ascii_boundaries(p)).collect())
        .collect();
    Matcher::new(rules.iter().map(Vec::as_slice))
});

/// `\b` as an ASCII word boundary: a Unicode `\b` stops the regex crate's
/// lazy DFA on non-ASCII text (every Japanese bounce) and falls back to a
/// much slower engine. The phrases themselves are ASCII.
pub(crate) fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

/// How much of a diagnostic the phrase rules read.
const MAX_CLASSIFIED_BYTES: usize = 2048;

/// The reason a phrase rule gives for `text`, if any.
pub fn by_text(text: &str) -> Option<Reason> {
    if text.is_empty() {
        return None;
    }
    // What decides the reason is near the start; long tails are boilerplate
    // (and cost a scan per rule).
    // Rules are lowercase and case-sensitive (a test checks it); the text is
    // lowercased once. Case-insensitive literals defeat the regex crate's
    // SIMD literal search and made this the costliest step of parsing.
    let text =
        text[..super::smtp::floor_char_boundary(text, MAX_CLASSIFIED_BYTES)].to_ascii_lowercase();
    by_lowered_text(&text)
}

/// [`by_text`] on text the caller has already ASCII-lowercased.
fn by_lowered_text(lowered: &str) -> Option<Reason> {
    let text = &lowered[..super::smtp::floor_char_boundary(lowered, MAX_CLASSIFIED_BYTES)];
    COMPILED.first(text).map(|(rule, _)| RULES[rule].0)
}

/// The reason an enhanced status code gives, when it is specific enough.
pub fn by_status(status: &str) -> Option<Reason> {
    let mut parts = status.split('.');
    let class = parts.next()?;
    let (subject, detail): (u16, u16) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    use Reason::*;
    Some(match (subject, detail) {
        (1, 1) | (1, 3) | (1, 0) => UserUnknown,
        (1, 2) => HostUnknown,
        (1, 4) => UserUnknown,
        (1, 5) => UserUnknown,
        (1, 6) => HasMoved,
        (1, 7) | (1, 8) => Rejected,
        (1, 10) => NotAccept,
        (2, 0) => Filtered,
        (2, 1) => Suspend,
        (2, 2) => MailboxFull,
        (2, 3) => EmailTooLarge,
        (2, 4) => MailerError,
        (3, 0) => SystemError,
        (3, 1) => SystemFull,
        (3, 2) => NotAccept,
        (3, 3) => SystemError,
        (3, 4) => EmailTooLarge,
        (3, 5) => SystemError,
        (4, 1) if class == "4" => Expired,
        (4, 1) | (4, 2) | (4, 6) => NetworkError,
        (4, 3) => SystemError,
        (4, 4) => HostUnknown,
        (4, 5) => SystemError,
        (4, 7) => Expired,
        // x.5.0 is "other or undefined protocol status" (RFC 3463), which
        // Sendmail puts on any 554 without a code of its own: it says
        // nothing, and the reply code decides. x.5.3: too many recipients.
        (5, 0) => return None,
        (5, 3) => RateLimited,
        (5, _) => SyntaxError,
        (6, _) => ContentError,
        (7, 1) => Rejected,
        // RFC 3463 (x.7.4–7: security features, cryptography, integrity)
        // and RFC 4954 (x.7.8–9: authentication credentials, mechanism).
        (7, 4..=9) => SecurityError,
        (7, 13) | (7, 14) => Suspend,
        (7, 23) | (7, 24) | (7, 25) if detail == 25 => RequirePtr,
        // RFC 7505: x.7.27 "sender address has null MX".
        (7, 27) => Rejected,
        (7, 23..=26) | (7, 509) => AuthFailure,
        (7, 28) => RateLimited,
        (7, 500..=699) => Blocked,
        (7, 0) => SecurityError,
        (7, _) => PolicyViolation,
        _ => return None,
    })
}

/// Classifies a fact whose structure did not already decide.
pub fn classify(fact: &Fact) -> Reason {
    classify_lowered(fact, &super::smtp::lowered_prefix(&fact.diagnostic))
}

/// [`classify`], given the fact's diagnostic as [`super::smtp::lowered_prefix`] made it.
pub(crate) fn classify_lowered(fact: &Fact, lowered_diagnostic: &str) -> Reason {
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
    reason
}

/// The reason the fact's words, status, code and action give.
fn by_evidence(fact: &Fact, lowered_diagnostic: &str) -> Reason {
    if fact.action.as_deref().is_some_and(|a| {
        ["delivered", "deliverable", "relayed", "expanded"]
            .iter()
            .any(|d| a.eq_ignore_ascii_case(d))
    }) {
        return Reason::Delivered;
    }
    // "No answer from host" (4.4.1) in a failure report: connection attempts
    // timed out until the queue lifetime ran out.
    let failed_report = fact
        .action
        .as_deref()
        .is_some_and(|a| a.eq_ignore_ascii_case("failed"));
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
        let transient = fact.status.as_deref().is_some_and(|s| s.starts_with('4'))
            || fact.reply_code.is_some_and(|r| (400..500).contains(&r));
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
    // A failure report that still carries a temporary status or reply, with
    // nothing more specific said: the MTA retried until its queue lifetime
    // ran out.
    let temporary = match fact.status.as_deref() {
        Some(status) => status.starts_with("4."),
        None => fact.reply_code.is_some_and(|r| (400..500).contains(&r)),
    };
    if failed_report && temporary {
        return Reason::Expired;
    }
    let status = fact
        .status
        .as_deref()
        .filter(|s| !super::smtp::is_generic_status(s));
    if let Some(reason) = status.and_then(by_status) {
        return reason;
    }
    if fact
        .action
        .as_deref()
        .is_some_and(|a| a.eq_ignore_ascii_case("delayed"))
    {
        return Reason::Expired;
    }
    // Refused at the greeting, before any sender or recipient was named:
    // the refusal is of the connecting host.
    if matches!(fact.command.as_deref(), Some("CONN" | "HELO")) {
        return Reason::Blocked;
    }
    let permanent = fact.reply_code.is_some_and(|c| c >= 500);
    // A refusal that quotes the sending IP back ("554 IP=192.0.2.9 - …")
    // and says nothing else is about that IP.
    if permanent && fact.sender_ip.is_some() {
        return Reason::Blocked;
    }
    // A code without a conventional meaning that names only the recipient
    // ("542 a@example.net Rejected") is about the address, as a bare 550 is.
    let names_recipient = || {
        fact.recipient.as_deref().is_some_and(|r| {
            r.contains('@') && lowered_diagnostic.contains(&r.to_ascii_lowercase())
        })
    };
    match fact.reply_code {
        Some(550) | Some(551) | Some(553) => Reason::UserUnknown,
        Some(552) => Reason::MailboxFull,
        Some(554) => Reason::Rejected,
        Some(421) | Some(450) | Some(451) => Reason::SystemError,
        Some(452) => Reason::SystemFull,
        Some(c) if c >= 500 && names_recipient() => Reason::UserUnknown,
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
    // ("550 : User unknown").
    if fact.recipient_domain.as_deref().is_some_and(is_kddi_domain)
        && lowered_diagnostic.contains(">: user unknown")
    {
        return Reason::UserUnknown;
    }
    // The local delivery agent's own lookup ("mail.local: unknown user"):
    // the final directory, whatever the stage.
    if ["mail.local:", "maildrop:", "local delivery"]
        .iter()
        .any(|agent| lowered_diagnostic.contains(agent))
    {
        return Reason::UserUnknown;
    }
    if fact.command.is_none()
        && !status.starts_with("5.1.")
        && says_stock_unknown(lowered_diagnostic)
    {
        if status == "5.2.1" {
            return Reason::Suspend;
        }
        return Reason::Filtered;
    }
    // NTT docomo answers a sender its subscriber has refused with "550
    // Unknown user" at DATA; without 5.1.1 that is the filter.
    if fact
        .recipient_domain
        .as_deref()
        .is_some_and(|d| is_within(d, "docomo.ne.jp"))
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
    let Some(recipient_domain) = fact.recipient_domain.as_deref() else {
        return false;
    };
    // Not the recipient's domain, nor a parent of it.
    BARE_DOMAIN_MISSING
        .captures(lowered_diagnostic)
        .is_some_and(|c| !is_within(recipient_domain, &c[1]))
}

/// `domain` is `parent` or a subdomain of it. (The schema's
/// `Domain::is_within` needs validated names; facts carry raw text.)
fn is_within(domain: &str, parent: &str) -> bool {
    domain
        .strip_suffix(parent)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

fn is_kddi_domain(domain: &str) -> bool {
    ["ezweb.ne.jp", "au.com"]
        .iter()
        .any(|parent| is_within(domain, parent))
}

/// The stock words a filter reuses when it refuses an address ("user
/// unknown", "no such user"), as against a directory's own answer
/// ("invalid recipient", "doesn't have a … account").
pub(super) fn says_stock_unknown(lowered_diagnostic: &str) -> bool {
    [
        "user unknown",
        "unknown user",
        "no such user",
        "user not exist",
    ]
    .iter()
    .any(|p| lowered_diagnostic.contains(p))
}

/// Hard bounces: the address or domain itself is wrong, and retrying or
/// waiting will not help. A temporary (4xx) answer is never hard.
pub fn is_hard(reason: Reason, status: Option<&str>, reply: Option<u16>) -> bool {
    let transient = status.is_some_and(|s| s.starts_with('4'))
        || reply.is_some_and(|r| (400..500).contains(&r));
    matches!(
        reason,
        Reason::UserUnknown | Reason::HostUnknown | Reason::HasMoved | Reason::NotAccept
    ) && !transient
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_beat_codes() {
        assert_eq!(
            by_text("550 5.1.1 <a@b>: Mailbox is full"),
            Some(Reason::MailboxFull)
        );
        assert_eq!(
            by_text("550 5.1.1 <a@example.jp>... User Unknown"),
            Some(Reason::UserUnknown)
        );
        assert_eq!(
            by_text("451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)"),
            Some(Reason::RateLimited)
        );
        assert_eq!(
            by_text("421 4.7.28 Our system has detected an unusual rate of unsolicited mail"),
            Some(Reason::RateLimited)
        );
        assert_eq!(
            by_text(
                "550 5.7.26 This mail has been blocked because the sender is unauthenticated. DMARC"
            ),
            Some(Reason::AuthFailure)
        );
    }

    #[test]
    fn statuses() {
        assert_eq!(by_status("5.1.1"), Some(Reason::UserUnknown));
        assert_eq!(by_status("4.4.7"), Some(Reason::Expired));
        assert_eq!(by_status("5.7.25"), Some(Reason::RequirePtr));
        assert_eq!(by_status("5.7.26"), Some(Reason::AuthFailure));
        assert_eq!(by_status("5.5.2"), Some(Reason::SyntaxError));
        assert_eq!(by_status("5.5.0"), None);
        assert_eq!(by_status("4.5.3"), Some(Reason::RateLimited));
        assert!(is_hard(Reason::UserUnknown, Some("5.1.1"), Some(550)));
        assert!(!is_hard(Reason::UserUnknown, Some("4.1.1"), Some(450)));
    }
}

#[cfg(test)]
mod rule_tests {
    use super::*;

    /// The prefiltered matcher answers exactly what trying every rule's
    /// patterns in order answers.
    #[test]
    fn prefilter_agrees_with_trying_every_rule() {
        let naive: Vec<regex::RegexSet> = RULES
            .iter()
            .map(|(_, p)| regex::RegexSet::new(p.iter().map(|p| ascii_boundaries(p))).unwrap())
            .collect();
        // Every rule's own patterns, made into text (regex syntax dropped),
        // alone and after a neighbour's, plus real diagnostics.
        let mut texts: Vec<String> = RULES
            .iter()
            .flat_map(|(_, p)| p.iter())
            .map(|p| {
                p.replace(
                    ['(', ')', '?', ':', '\\', '|', '[', ']', '*', '+', '^', '$'],
                    " ",
                )
            })
            .collect();
        let joined: Vec<String> = texts
            .windows(2)
            .map(|w| format!("{} {}", w[1], w[0]))
            .collect();
        texts.extend(joined);
        texts.extend(
            [
                "550 5.1.1 <a@example.jp>: recipient address rejected: user unknown in local recipient table",
                "451 4.7.500 server busy. please try again later from [203.0.113.7]. (as761)",
                "550 : user unknown",
                "554 5.7.9 message not accepted for policy reasons",
                "受信者のメールボックスの容量を超えているため",
                "",
            ]
            .map(str::to_owned),
        );
        for text in &texts {
            let text = text.to_ascii_lowercase();
            let slow = naive
                .iter()
                .position(|s| s.is_match(&text))
                .map(|r| RULES[r].0);
            assert_eq!(
                COMPILED.first(&text).map(|(r, _)| RULES[r].0),
                slow,
                "{text}"
            );
        }
    }

    /// The rules match lowercased text case-sensitively, so a capital letter
    /// in a literal would never match.
    #[test]
    fn rule_literals_are_lowercase() {
        for (reason, patterns) in RULES {
            for p in *patterns {
                let mut escaped = false;
                for c in p.chars() {
                    assert!(
                        escaped || !c.is_ascii_uppercase(),
                        "{reason:?}: `{p}` has an uppercase literal"
                    );
                    escaped = !escaped && c == '\\';
                }
            }
        }
    }
}

#[cfg(test)]
mod evidence_tests {
    use super::*;

    fn fact(diagnostic: &str, command: Option<&str>, status: Option<&str>, reply: u16) -> Fact {
        Fact {
            recipient_domain: Some("example.net".into()),
            diagnostic: diagnostic.into(),
            command: command.map(str::to_owned),
            status: status.map(str::to_owned),
            reply_code: Some(reply),
            action: Some("failed".into()),
            ..Fact::default()
        }
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
    fn stock_words_at_no_named_stage_are_a_filter_unless_a_code_says_otherwise() {
        let unstaged = fact("550 Unknown user a@example.net", None, None, 550);
        assert_eq!(classify(&unstaged), Reason::Filtered);
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
        expired.status = Some("4.4.1".into());
        expired.action = Some("delayed".into());
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
        // The same words from elsewhere say nothing of the stage.
        let other = fact("550 <a@example.net>: User unknown", None, None, 550);
        assert_eq!(classify(&other), Reason::Filtered);
        assert!(!is_kddi_domain("notezweb.ne.jp"));
        assert!(is_kddi_domain("biz.ezweb.ne.jp"));
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
        // It names only the recipient: the address is refused.
        let mut address = fact("542 yui@example.net Rejected", None, Some("5.0.0"), 542);
        address.recipient = Some("yui@example.net".into());
        assert_eq!(classify(&address), Reason::UserUnknown);
        // Naming neither, a bare 5xx stays undecided.
        let mut neither = fact("542 Rejected", None, Some("5.0.0"), 542);
        neither.recipient = Some("yui@example.net".into());
        assert_eq!(classify(&neither), Reason::OnHold);
        // A code with a meaning of its own keeps it.
        let mut full = fact("552 yui@example.net", None, Some("5.0.0"), 552);
        full.recipient = Some("yui@example.net".into());
        assert_eq!(classify(&full), Reason::MailboxFull);
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
        let rcpt = fact("554 mx.example.net not available", Some("RCPT"), None, 554);
        assert_eq!(classify(&rcpt), Reason::Rejected);
    }

    #[test]
    fn a_failure_report_with_a_temporary_reply_and_no_words_expired() {
        let mut f = fact("Error, ERROR_CODE :421", None, None, 421);
        assert_eq!(classify(&f), Reason::Expired);
        f.action = Some("delayed".into());
        assert_eq!(classify(&f), Reason::Expired);
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

//! The phrase rules: what mail servers and providers write when they
//! refuse or fail a delivery, grouped by the reason each group gives, most
//! specific first (the first group with a matching phrase wins). Matched
//! with a literal prefilter (`crate::phrases`).

use std::sync::LazyLock;

use super::Reason;
use crate::phrases::Matcher;

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
        text[..crate::smtp::floor_char_boundary(text, MAX_CLASSIFIED_BYTES)].to_ascii_lowercase();
    by_lowered_text(&text)
}

/// [`by_text`] on text the caller has already ASCII-lowercased.
pub(crate) fn by_lowered_text(lowered: &str) -> Option<Reason> {
    let text = &lowered[..crate::smtp::floor_char_boundary(lowered, MAX_CLASSIFIED_BYTES)];
    COMPILED.first(text).map(|(rule, _)| RULES[rule].0)
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

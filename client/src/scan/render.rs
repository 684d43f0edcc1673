//! The scan's summary as a table for a terminal, as JSON, or as CSV.

use std::fmt::Write as _;

use super::Scan;
use super::messages::State;
use super::summary::Group;

/// A time in the system's zone (TZ), as the operator's other tools show it.
fn time(t: Option<jiff::Timestamp>) -> String {
    static ZONE: std::sync::LazyLock<jiff::tz::TimeZone> = std::sync::LazyLock::new(|| {
        jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC)
    });
    t.map_or_else(
        || "-".to_owned(),
        |t| {
            t.to_zoned(ZONE.clone())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    )
}

fn zone_name() -> String {
    jiff::tz::TimeZone::try_system()
        .ok()
        .and_then(|z| z.iana_name().map(str::to_owned))
        .unwrap_or_else(|| "UTC".to_owned())
}

/// The table's words in one language: every text `dix scan` prints to
/// people is here.
struct Words {
    read: fn(usize, usize, u64, u64, u64, u64, u64) -> String,
    nothing_failed: &'static str,
    headings: [&'static str; 11],
    delivered: fn(u64, &str) -> String,
    more_replies: fn(u64, u64) -> String,
    incident: &'static str,
    by: &'static str,
    legend: &'static str,
    zone: fn(&str) -> String,
    no_incident: fn(&str) -> String,
    message_headings: [&'static str; 9],
    state: fn(State) -> &'static str,
    reason: fn(&str) -> &str,
}

const EN: Words = Words {
    read: |inputs, logs, lines, recipients, messages, delivered, failed| {
        format!(
            "Read {inputs} input(s) ({logs} log(s), {lines} log lines): {messages} message(s) to {recipients} recipient(s); {delivered} delivered without a failure, {failed} with failures (each recipient counted once)."
        )
    },
    nothing_failed: "No failed delivery.",
    headings: [
        "DOMAIN",
        "REASON",
        "RECIPIENTS",
        "PERMANENT",
        "TEMPORARY",
        "RETURNED",
        "LATER",
        "WAITING",
        "ATTEMPTS",
        "FIRST",
        "LAST",
    ],
    delivered: |n, domain| {
        format!("{n} other recipient(s) at {domain} delivered without a failure")
    },
    more_replies: |replies, messages| {
        format!(
            "… and {replies} other repl(ies), to {messages} recipient(s) (--json or --messages for all)"
        )
    },
    incident: "incident",
    by: "by",
    legend: "PERMANENT: returned to the sender, or refused with a 5xx reply; TEMPORARY: deferred with a 4xx reply; RETURNED: bounced or expired back to the sender; LATER: delivered after deferrals; WAITING: still deferred when the log ends.",
    zone: |zone| format!("Times in {zone}."),
    no_incident: |node| format!("No incident published on {node} matches these failures."),
    message_headings: [
        "SOURCE",
        "RECIPIENT",
        "SENDER",
        "MESSAGE-ID",
        "STATE",
        "ATTEMPTS",
        "FIRST",
        "LAST",
        "REASON",
    ],
    state: |s| match s {
        State::Delivered => "delivered",
        State::Deferred => "deferred",
        State::Bounced => "bounced",
        State::Expired => "expired",
    },
    reason: |r| r,
};

const JA: Words = Words {
    read: |inputs, logs, lines, recipients, messages, delivered, failed| {
        format!(
            "{inputs} 件の入力（ログ {logs} 件、{lines} 行）を読みました。メッセージ {messages} 通、宛先 {recipients} 件のうち、失敗なく配送 {delivered} 件、失敗あり {failed} 件です（宛先ごとに数えています）。"
        )
    },
    nothing_failed: "配送に失敗したメッセージはありません。",
    headings: [
        "宛先ドメイン",
        "理由",
        "宛先数",
        "恒久",
        "一時",
        "返送",
        "後で配送",
        "再送待ち",
        "試行",
        "最初",
        "最後",
    ],
    delivered: |n, domain| format!("{domain} 宛てのほか {n} 件は失敗なく配送されました"),
    more_replies: |replies, messages| {
        format!(
            "…ほかに {replies} 種類の応答（宛先 {messages} 件）があります（すべては --json か --messages で）"
        )
    },
    incident: "インシデント",
    by: "発行者",
    legend: "恒久：送信者に返送された、または 5xx の応答で拒否された失敗、一時：4xx の応答で再送待ちになった失敗、返送：送信者に返送（バウンスまたは期限切れ）、後で配送：再送の後に配送済み、再送待ち：ログの終わりの時点でまだ再送待ち。",
    zone: |zone| format!("時刻は {zone} です。"),
    no_incident: |node| {
        format!("{node} に公開されたインシデントのうち、これらの失敗に一致するものはありません。")
    },
    message_headings: [
        "読んだ場所",
        "宛先",
        "送信者",
        "Message-ID",
        "状態",
        "試行",
        "最初",
        "最後",
        "理由",
    ],
    state: |s| match s {
        State::Delivered => "配送済み",
        State::Deferred => "再送待ち",
        State::Bounced => "返送",
        State::Expired => "期限切れ",
    },
    reason: reason_ja,
};

/// The parser's reasons in Japanese (`bounce::Reason::as_str` names).
fn reason_ja(reason: &str) -> &str {
    match reason {
        "authfailure" => "送信ドメイン認証の失敗",
        "badreputation" => "送信元の評価の低さ",
        "blocked" => "送信元の拒否",
        "contenterror" => "内容の不備",
        "delivered" => "配送済み",
        "emailtoolarge" => "サイズ超過",
        "expired" => "期限切れ",
        "failedstarttls" => "TLS の失敗",
        "feedback" => "苦情の報告",
        "filtered" => "受信側のフィルタ",
        "hasmoved" => "宛先の移転",
        "hostunknown" => "宛先ドメインの不存在",
        "mailboxfull" => "メールボックスの容量超過",
        "mailererror" => "配送プログラムのエラー",
        "networkerror" => "ネットワークのエラー",
        "norelaying" => "中継の拒否",
        "notaccept" => "メールを受け付けないドメイン",
        "notcompliantrfc" => "RFC に沿わない形式",
        "onhold" => "保留",
        "policyviolation" => "ポリシー違反",
        "ratelimited" => "受信量の制限",
        "rejected" => "差出人の拒否",
        "requireptr" => "逆引きの不備",
        "securityerror" => "セキュリティのエラー",
        "spamdetected" => "迷惑メールとの判定",
        "suppressed" => "送信停止リスト",
        "suspend" => "宛先の停止",
        "syntaxerror" => "SMTP の構文エラー",
        "systemerror" => "受信側のシステムエラー",
        "systemfull" => "受信側の容量不足",
        "undefined" => "不明",
        "userunknown" => "宛先アドレスの不存在",
        "vacation" => "自動応答",
        "virusdetected" => "ウイルスの検出",
        other => other,
    }
}

/// How much of a reply the table shows (CSV and JSON have it whole).
const TABLE_REPLY_CHARS: usize = 200;

fn words(lang: &str) -> &'static Words {
    if lang == "ja" { &JA } else { &EN }
}

/// A readable table, in `lang` (`ja` or English): totals, then one row per
/// domain and reason with its top replies and matched incidents beneath.
/// Domains and replies are shown as read.
pub fn table(scan: &Scan, lang: &str) -> String {
    let words = words(lang);
    let s = &scan.summary;
    let logs = scan.inputs.iter().filter(|i| i.kind == "log").count();
    let lines: u64 = scan
        .inputs
        .iter()
        .filter(|i| i.kind == "log")
        .map(|i| i.units)
        .sum();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        (words.read)(
            scan.inputs.len(),
            logs,
            lines,
            s.messages,
            s.distinct_messages,
            s.delivered,
            s.with_failures
        )
    );
    if s.groups.is_empty() {
        let _ = writeln!(out, "{}", words.nothing_failed);
        return out;
    }
    out.push('\n');
    let width = s
        .groups
        .iter()
        .map(|g| width_of(&g.domain))
        .max()
        .unwrap_or(6)
        .clamp(12, 40);
    let reason_width = s
        .groups
        .iter()
        .map(|g| width_of((words.reason)(g.reason)))
        .max()
        .unwrap_or(6)
        .clamp(15, 30);
    let h = words.headings;
    let line = |cells: [&str; 11]| {
        let mut line = format!("{}  {}", pad(cells[0], width), pad(cells[1], reason_width));
        for (heading, cell) in h.iter().zip(cells).take(9).skip(2) {
            let _ = write!(line, " {}", lpad(cell, width_of(heading).max(6)));
        }
        format!("{line}  {}  {}", pad(cells[9], 20), cells[10])
    };
    let _ = writeln!(out, "{}", line(h));
    for g in &s.groups {
        let (first, last) = (time(g.first_seen), time(g.last_seen));
        let numbers = [
            g.messages,
            g.hard,
            g.soft,
            g.returned,
            g.delivered_later,
            g.still_deferred,
            g.attempts,
        ]
        .map(|n| n.to_string());
        let _ = writeln!(
            out,
            "{}",
            line([
                &g.domain,
                (words.reason)(g.reason),
                &numbers[0],
                &numbers[1],
                &numbers[2],
                &numbers[3],
                &numbers[4],
                &numbers[5],
                &numbers[6],
                &first,
                &last,
            ])
        );
        let delivered = s.domains.get(&g.domain).map_or(0, |d| d.delivered);
        if delivered > 0 {
            let _ = writeln!(out, "    {}", (words.delivered)(delivered, &g.domain));
        }
        for reply in &g.top_replies {
            let text = match reply.text.char_indices().nth(TABLE_REPLY_CHARS) {
                Some((at, _)) => format!("{}…", &reply.text[..at]),
                None => reply.text.clone(),
            };
            let _ = writeln!(out, "    {:>6} × {text}", reply.count);
        }
        if g.other_replies > 0 {
            let _ = writeln!(
                out,
                "           {}",
                (words.more_replies)(g.other_replies, g.other_reply_messages)
            );
        }
        for m in &g.incidents {
            let summary = m.summary.get(lang);
            let summary = if summary.is_empty() {
                m.summary.get("en")
            } else {
                summary
            };
            let _ = writeln!(
                out,
                "    {} {} {} {} ({}, {}): {}",
                words.incident, m.incident, words.by, m.issuer, m.kind, m.status, summary
            );
        }
    }
    let _ = writeln!(out, "\n{} {}", words.legend, (words.zone)(&zone_name()));
    out
}

/// The line saying that `node` was asked and matched nothing.
pub fn no_incident(node: &str, lang: &str) -> String {
    (words(lang).no_incident)(node)
}

/// `--messages`: each failed message, one a line under a header, times in
/// the system's zone like the table's, tab-separated for `cut` and `awk`.
pub fn messages(scan: &Scan, lang: &str) -> String {
    let words = words(lang);
    let mut out = words.message_headings.join("\t");
    out.push('\n');
    for m in &scan.failed_messages {
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            m.source,
            m.recipient,
            m.sender.as_deref().filter(|s| !s.is_empty()).unwrap_or("-"),
            m.message_id.as_deref().unwrap_or("-"),
            (words.state)(m.state),
            m.attempts,
            time(m.first_attempt),
            time(m.last_attempt),
            m.failure
                .as_ref()
                .map_or("", |f| (words.reason)(f.reason.as_str())),
        );
    }
    let _ = writeln!(out, "{}", (words.zone)(&zone_name()));
    out
}

/// Display width: a CJK character takes two columns.
fn width_of(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(width_of(text))))
}

fn lpad(text: &str, width: usize) -> String {
    format!("{}{text}", " ".repeat(width.saturating_sub(width_of(text))))
}

/// The whole scan as one JSON document.
pub fn json(scan: &Scan) -> String {
    serde_json::to_string_pretty(scan).expect("the scan serialises")
}

const CSV_HEADER: [&str; 14] = [
    "domain",
    "reason",
    "messages",
    "hard",
    "soft",
    "delivered_later",
    "still_deferred",
    "returned",
    "attempts",
    "first_seen",
    "last_seen",
    "top_reply",
    "top_reply_count",
    "incidents",
];

/// One CSV row per domain and reason.
pub fn csv(scan: &Scan) -> Result<String, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_HEADER).map_err(|e| e.to_string())?;
    for g in &scan.summary.groups {
        writer.write_record(csv_row(g)).map_err(|e| e.to_string())?;
    }
    let bytes = writer.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

fn csv_row(g: &Group) -> [String; 14] {
    let stamp = |t: Option<jiff::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    let top = g.top_replies.first();
    [
        g.domain.clone(),
        g.reason.to_owned(),
        g.messages.to_string(),
        g.hard.to_string(),
        g.soft.to_string(),
        g.delivered_later.to_string(),
        g.still_deferred.to_string(),
        g.returned.to_string(),
        g.attempts.to_string(),
        stamp(g.first_seen),
        stamp(g.last_seen),
        top.map(|r| r.text.clone()).unwrap_or_default(),
        top.map(|r| r.count.to_string()).unwrap_or_default(),
        g.incidents
            .iter()
            .map(|m| format!("{}/{}", m.issuer, m.incident))
            .collect::<Vec<_>>()
            .join(" "),
    ]
}

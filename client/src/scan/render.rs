//! The scan's summary as a table for a terminal, as JSON, or as CSV.

use std::fmt::Write as _;

use super::Scan;
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

/// The table's words in one language.
struct Words {
    read: fn(usize, usize, u64, u64, u64, u64) -> String,
    nothing_failed: &'static str,
    headings: [&'static str; 10],
    delivered: fn(u64, &str) -> String,
    incident: &'static str,
    by: &'static str,
    legend: &'static str,
    zone: fn(&str) -> String,
}

const EN: Words = Words {
    read: |inputs, logs, lines, messages, delivered, failed| {
        format!(
            "Read {inputs} input(s) ({logs} log(s), {lines} log lines): {messages} message(s), {delivered} delivered without a failure, {failed} with failures."
        )
    },
    nothing_failed: "No failed delivery.",
    headings: [
        "DOMAIN", "REASON", "MESSAGES", "HARD", "SOFT", "LATER", "WAITING", "ATTEMPTS", "FIRST",
        "LAST",
    ],
    delivered: |n, domain| format!("{n} other message(s) to {domain} delivered without a failure"),
    incident: "incident",
    by: "by",
    legend: "HARD: permanent failures; SOFT: temporary; LATER: delivered after deferrals; WAITING: still deferred when the log ends.",
    zone: |zone| format!("Times in {zone}."),
};

const JA: Words = Words {
    read: |inputs, logs, lines, messages, delivered, failed| {
        format!(
            "{inputs} 件の入力（ログ {logs} 件、{lines} 行）を読みました。メッセージ {messages} 通のうち、失敗なく配送 {delivered} 通、失敗あり {failed} 通です。"
        )
    },
    nothing_failed: "配送に失敗したメッセージはありません。",
    headings: [
        "宛先ドメイン",
        "理由",
        "通数",
        "恒久",
        "一時",
        "後で配送",
        "再送待ち",
        "試行",
        "最初",
        "最後",
    ],
    delivered: |n, domain| format!("{domain} 宛てのほか {n} 通は失敗なく配送されました"),
    incident: "インシデント",
    by: "発行者",
    legend: "恒久：再送しても届かない失敗、一時：一時的な失敗、後で配送：再送の後に配送済み、再送待ち：ログの終わりの時点でまだ再送待ち。",
    zone: |zone| format!("時刻は {zone} です。"),
};

/// A readable table, in `lang` (`ja` or English): totals, then one row per
/// domain and reason with its top replies and matched incidents beneath.
/// Domains, reasons and replies are shown as read.
pub fn table(scan: &Scan, lang: &str) -> String {
    let words = if lang == "ja" { &JA } else { &EN };
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
        .map(|g| g.domain.len())
        .max()
        .unwrap_or(6)
        .clamp(12, 40);
    let h = words.headings;
    let _ = writeln!(
        out,
        "{}  {}  {} {} {} {} {} {}  {}  {}",
        pad(h[0], width),
        pad(h[1], 15),
        lpad(h[2], 8),
        lpad(h[3], 6),
        lpad(h[4], 6),
        lpad(h[5], 8),
        lpad(h[6], 8),
        lpad(h[7], 8),
        pad(h[8], 20),
        h[9]
    );
    for g in &s.groups {
        let delivered = s.domains.get(&g.domain).map_or(0, |d| d.delivered);
        let _ = writeln!(
            out,
            "{}  {}  {} {} {} {} {} {}  {}  {}",
            pad(&g.domain, width),
            pad(g.reason, 15),
            lpad(&g.messages.to_string(), 8),
            lpad(&g.hard.to_string(), 6),
            lpad(&g.soft.to_string(), 6),
            lpad(&g.delivered_later.to_string(), 8),
            lpad(&g.still_deferred.to_string(), 8),
            lpad(&g.attempts.to_string(), 8),
            pad(&time(g.first_seen), 20),
            time(g.last_seen)
        );
        let _ = writeln!(out, "    {}", (words.delivered)(delivered, &g.domain));
        for reply in &g.top_replies {
            let _ = writeln!(out, "    {:>6} × {}", reply.count, reply.text);
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

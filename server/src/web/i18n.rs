//! The pages' language: `?lang=ja|en` first, else the browser's
//! `Accept-Language`, else English; kept on every link. The words of the
//! pages in both languages (the answers' own words are dix-bounce's).

use axum::http::HeaderMap;

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    /// From `?lang=` when given, else the first of ja/en in `Accept-Language`
    /// by preference.
    pub fn pick(query: Option<&str>, headers: &HeaderMap) -> Self {
        match query {
            Some("ja") => return Self::Ja,
            Some("en") => return Self::En,
            _ => {}
        }
        let accept = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let mut best: Option<(f32, Self)> = None;
        for part in accept.split(',') {
            let mut it = part.trim().split(';');
            let tag = it.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = if tag == "ja" || tag.starts_with("ja-") {
                Self::Ja
            } else if tag == "en" || tag.starts_with("en-") {
                Self::En
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Self::En, |(_, l)| l)
    }

    /// `ja` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Ja => "ja",
            Self::En => "en",
        }
    }

    /// The other language.
    pub fn other(self) -> Self {
        match self {
            Self::Ja => Self::En,
            Self::En => Self::Ja,
        }
    }

    /// `path` with this language kept (`path` may carry a query already).
    pub fn href(self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{path}{sep}lang={}", self.code())
    }

    /// The words of the pages.
    pub fn t(self) -> &'static Words {
        match self {
            Self::Ja => &JA,
            Self::En => &EN,
        }
    }
}

/// Every fixed text of the pages.
pub struct Words {
    /// `：` in Japanese, `: ` in English.
    pub colon: &'static str,
    pub switch_to: &'static str,
    pub skip: &'static str,
    pub nav_label: &'static str,
    pub nav_home: &'static str,
    pub nav_incidents: &'static str,
    pub home_title: &'static str,
    pub home_lead: &'static str,
    pub paste_label: &'static str,
    pub paste_hint: &'static str,
    pub upload_label: &'static str,
    pub explain_button: &'static str,
    pub samples: &'static str,
    pub answer_title: &'static str,
    pub what_happened: &'static str,
    pub who_acts: &'static str,
    pub what_to_do: &'static str,
    pub nothing_to_do: &'static str,
    pub matching: &'static str,
    pub no_matching: &'static str,
    pub score: &'static str,
    pub unverified: &'static str,
    pub knowledge: &'static str,
    pub basis: &'static str,
    pub reply_title: &'static str,
    pub reply_hint: &'static str,
    pub copy: &'static str,
    pub evidence: &'static str,
    pub another: &'static str,
    pub incidents_title: &'static str,
    pub filter: &'static str,
    pub issuer: &'static str,
    pub kind: &'static str,
    pub status: &'static str,
    pub domain: &'static str,
    pub any: &'static str,
    pub started: &'static str,
    pub ended: &'static str,
    pub summary: &'static str,
    pub none_found: &'static str,
    pub timeline: &'static str,
    pub timeline_desc: &'static str,
    pub incident_title: &'static str,
    pub revisions: &'static str,
    pub seq: &'static str,
    pub published: &'static str,
    pub received: &'static str,
    pub source: &'static str,
    pub signature: &'static str,
    pub signature_ok: &'static str,
    pub scope: &'static str,
    pub claim: &'static str,
    pub verified: &'static str,
    pub not_verified: &'static str,
    pub symptoms: &'static str,
    pub advice: &'static str,
    pub contact: &'static str,
    pub links: &'static str,
    pub equivocation: &'static str,
    pub equivocation_note: &'static str,
    pub issuer_title: &'static str,
    pub keys: &'static str,
    pub selector: &'static str,
    pub key_source: &'static str,
    pub pinned: &'static str,
    pub first_seen: &'static str,
    pub last_seen: &'static str,
    pub flagged: &'static str,
    pub not_flagged: &'static str,
    pub history: &'static str,
    pub ambiguous: &'static str,
    pub error_title: &'static str,
    pub empty_input: &'static str,
    pub unreadable_upload: &'static str,
    pub too_large: &'static str,
    /// Above an answer that rests on no provider's entry and no incident.
    pub general_answer: &'static str,
    pub not_found: &'static str,
    pub busy: &'static str,
    pub internal: &'static str,
    pub back_home: &'static str,
    pub footer: &'static str,
    /// The mark of an incident whose scope this node could not verify.
    pub unverified_claim: &'static str,
    /// What that mark means.
    pub unverified_claim_note: &'static str,
}

const JA: Words = Words {
    colon: "：",
    switch_to: "English",
    skip: "本文へ移動",
    nav_label: "サイト内の移動",
    nav_home: "エラーの解説",
    nav_incidents: "障害情報",
    home_title: "このメールはなぜ届かなかったのか",
    home_lead: "お客様から届いたエラーメール、SMTP の応答、メールサーバのログの行を貼り付けるか、.eml ファイルを選んでください。何が起きたか、誰が対応するか、お客様への返信文を表示します。",
    paste_label: "エラーメール・応答・ログの行",
    paste_hint: "例：451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)",
    upload_label: ".eml ファイル（任意）",
    explain_button: "解説する",
    samples: "例を試す",
    answer_title: "解説",
    what_happened: "何が起きたか",
    who_acts: "誰が対応するか",
    what_to_do: "すべきこと",
    nothing_to_do: "対応不要：自動で再送されます",
    matching: "一致した障害情報",
    no_matching: "このエラーに一致する公開された障害情報はありません。",
    score: "一致度",
    unverified: "未検証（回答には使用していません）",
    knowledge: "知識ベースの解説",
    basis: "根拠",
    reply_title: "お客様への返信文",
    reply_hint: "このまま貼り付けて送れます。",
    copy: "返信文をコピー",
    evidence: "判断材料",
    another: "別のエラーを解説する",
    incidents_title: "障害情報",
    filter: "絞り込む",
    issuer: "発行者",
    kind: "種類",
    status: "状況",
    domain: "宛先ドメイン",
    any: "すべて",
    started: "開始",
    ended: "終了",
    summary: "概要",
    none_found: "条件に合う障害情報はありません。",
    timeline: "宛先ドメインごとの障害（過去30日）",
    timeline_desc: "横軸は日付、各行は宛先ドメイン、帯は障害の期間です。",
    incident_title: "障害情報",
    revisions: "改訂の履歴",
    seq: "版",
    published: "公開",
    received: "受信",
    source: "受信元",
    signature: "署名",
    signature_ok: "検証済み",
    scope: "対象範囲",
    claim: "主張",
    verified: "検証済み",
    not_verified: "未検証",
    symptoms: "症状",
    advice: "発行者の助言",
    contact: "連絡先",
    links: "関連リンク",
    equivocation: "矛盾する通知",
    equivocation_note: "同じ発行者が同じ版番号で内容の異なる通知を出しています。両方を並べて示します。",
    issuer_title: "発行者",
    keys: "公開鍵",
    selector: "セレクタ",
    key_source: "取得元",
    pinned: "設定で固定",
    first_seen: "初出",
    last_seen: "最終確認",
    flagged: "この発行者は矛盾する通知を出しています。",
    not_flagged: "矛盾する通知は見つかっていません。",
    history: "障害情報の履歴",
    ambiguous: "複数の発行者がこの ID を使っています。発行者を選んでください。",
    error_title: "エラー",
    empty_input: "何も入力されていません。エラーメール、SMTP の応答、ログの行のいずれかを貼り付けるか、.eml ファイルを選んでください。",
    unreadable_upload: "アップロードされたファイルを読めませんでした。.eml ファイル（メールの原文）を選んでください。",
    too_large: "ファイルが大きすぎます。添付ファイルを除いたエラーメール、またはエラーの部分だけを貼り付けてください。受け付ける上限",
    general_answer: "一般的な回答です。この応答に当てはまる事業者の情報も、公開された障害情報もないため、応答コードの意味から考えられることを示しています。原因を断定するものではありません。",
    not_found: "このページは見つかりませんでした。",
    busy: "ただいま混み合っています。少し待ってからもう一度お試しください。",
    internal: "このノードで問題が起きました。少し待ってからもう一度お試しください。続く場合はノードの運用者にお知らせください。",
    back_home: "エラーの解説に戻る",
    footer: "dix — Delivery Incident eXchange。障害情報は各発行者が Ed25519 で署名し、このノードが検証しています。",
    unverified_claim: "未検証の主張",
    unverified_claim_note: "発行者が対象のすべてについて発信できることを、このノードは確認できていません。回答の判断には使いません。",
};

const EN: Words = Words {
    colon: ": ",
    switch_to: "日本語",
    skip: "Skip to content",
    nav_label: "Site",
    nav_home: "Explain a bounce",
    nav_incidents: "Incidents",
    home_title: "Why did this mail bounce?",
    home_lead: "Paste the bounce a customer sent you, an SMTP reply or a mail log line, or choose an .eml file. You get what happened, who has to act, and a reply to send the customer.",
    paste_label: "Bounce, reply or log line",
    paste_hint: "For example: 451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)",
    upload_label: ".eml file (optional)",
    explain_button: "Explain",
    samples: "Try an example",
    answer_title: "Explanation",
    what_happened: "What happened",
    who_acts: "Who must act",
    what_to_do: "What to do",
    nothing_to_do: "Nothing to do: it will be retried",
    matching: "Matching incidents",
    no_matching: "No published incident matches this bounce.",
    score: "score",
    unverified: "unverified (not used for the answer)",
    knowledge: "Knowledge base",
    basis: "Basis",
    reply_title: "Reply to the customer",
    reply_hint: "Ready to paste and send.",
    copy: "Copy the reply",
    evidence: "Evidence",
    another: "Explain another bounce",
    incidents_title: "Incidents",
    filter: "Filter",
    issuer: "Issuer",
    kind: "Kind",
    status: "Status",
    domain: "Destination domain",
    any: "any",
    started: "Started",
    ended: "Ended",
    summary: "Summary",
    none_found: "No incident matches these filters.",
    timeline: "Incidents per destination domain, last 30 days",
    timeline_desc: "Days run left to right, one row per destination domain; each bar is an incident's time.",
    incident_title: "Incident",
    revisions: "Revisions",
    seq: "Revision",
    published: "Published",
    received: "Received",
    source: "Received from",
    signature: "Signature",
    signature_ok: "verified",
    scope: "Scope",
    claim: "Claim",
    verified: "verified",
    not_verified: "not verified",
    symptoms: "Symptoms",
    advice: "Issuer's advice",
    contact: "Contact",
    links: "Links",
    equivocation: "Conflicting notices",
    equivocation_note: "The same issuer published two different notices with the same revision number; both are shown side by side.",
    issuer_title: "Issuer",
    keys: "Public keys",
    selector: "Selector",
    key_source: "From",
    pinned: "pinned in the configuration",
    first_seen: "First seen",
    last_seen: "Last seen",
    flagged: "This issuer has published conflicting notices.",
    not_flagged: "No conflicting notices seen.",
    history: "Incident history",
    ambiguous: "Several issuers use this incident id. Choose the issuer.",
    error_title: "Error",
    empty_input: "Nothing was entered. Paste a bounce message, an SMTP reply or a log line, or choose an .eml file.",
    unreadable_upload: "The uploaded file could not be read. Choose an .eml file (the raw message).",
    too_large: "The file is too large. Paste the bounce without its attachments, or only the error part. The limit is",
    general_answer: "A general answer: no provider's entry and no published incident covers this reply, so this says what its code means and what is likely. It does not establish the cause.",
    not_found: "This page does not exist.",
    busy: "The node is busy. Wait a moment and try again.",
    internal: "Something went wrong on this node. Try again in a moment; if it lasts, tell the node's operator.",
    back_home: "Back to explaining a bounce",
    footer: "dix — Delivery Incident eXchange. Incidents are signed by their issuers with Ed25519 and verified by this node.",
    unverified_claim: "unverified claim",
    unverified_claim_note: "This node could not confirm that the issuer may speak for everything this incident names; it decides no answer.",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::ACCEPT_LANGUAGE, accept.parse().unwrap());
        h
    }

    #[test]
    fn the_query_beats_the_browser_and_the_browser_beats_the_default() {
        assert_eq!(Lang::pick(Some("en"), &headers("ja")), Lang::En);
        assert_eq!(
            Lang::pick(None, &headers("ja-JP,ja;q=0.9,en;q=0.8")),
            Lang::Ja
        );
        assert_eq!(
            Lang::pick(None, &headers("en-US,en;q=0.9,ja;q=0.8")),
            Lang::En
        );
        assert_eq!(Lang::pick(None, &headers("fr, ja;q=0.5")), Lang::Ja);
        assert_eq!(Lang::pick(None, &HeaderMap::new()), Lang::En);
        assert_eq!(
            Lang::Ja.href("/incidents?kind=outage"),
            "/incidents?kind=outage&lang=ja"
        );
    }
}

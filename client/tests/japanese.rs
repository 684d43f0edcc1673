//! Japanese bounces, our own fixtures (`tests/fixtures/`, modelled on the
//! formats the carriers' and ISPs' support pages show), in every charset
//! they come in: ISO-2022-JP (text and DSN), Shift_JIS, EUC-JP in base64,
//! UTF-8 in base64 with MIME-encoded subjects; the carriers' own ways of
//! saying no: au's account notices, docomo's "Unknown user" for a refused
//! sender, and an ISP's bilingual "Mail System Error" notice.

#[path = "support/dix.rs"]
mod dix;
use dix::{check, only};

#[test]
fn japanese_dsn_in_iso_2022_jp() {
    let fact = only("ja-dsn-iso-2022-jp.eml");
    check(
        "ja-dsn-iso-2022-jp.eml",
        &fact,
        &[
            ("recipient", "taro.yamada@example.ne.jp".into()),
            ("recipient_domain", "example.ne.jp".into()),
            ("reason", "userunknown".into()),
            ("status", "5.1.1".into()),
            ("reply_code", 550.into()),
            ("hard_bounce", true.into()),
            ("format", "dsn".into()),
            ("remote_host", "mx.example.ne.jp".into()),
            ("reporting_mta", "mx01.example-isp.jp".into()),
            // Last-Attempt-Date, normalised with its offset.
            ("timestamp", "2026-11-03T09:15:02+09:00".into()),
            ("message_id", "<quote-4711@example.co.jp>".into()),
            ("original_subject", "お見積りの件".into()),
        ],
    );
}

#[test]
fn japanese_notice_in_shift_jis_is_a_full_mailbox() {
    let fact = only("ja-text-shift_jis.eml");
    check(
        "ja-text-shift_jis.eml",
        &fact,
        &[
            ("recipient", "hanako@example-mobile.jp".into()),
            ("reason", "mailboxfull".into()),
            ("hard_bounce", false.into()),
            ("format", "text".into()),
        ],
    );
    let diagnostic = fact["diagnostic"].as_str().unwrap();
    assert!(
        diagnostic.contains("受信者のメールボックスの容量を超えている"),
        "decoded from Shift_JIS: {diagnostic}"
    );
}

#[test]
fn japanese_notice_in_euc_jp_is_the_recipients_filter() {
    let fact = only("ja-text-euc-jp.eml");
    check(
        "ja-text-euc-jp.eml",
        &fact,
        &[
            ("recipient", "jiro@example-hosting.jp".into()),
            ("reason", "filtered".into()),
            ("hard_bounce", false.into()),
        ],
    );
    assert!(
        fact["diagnostic"]
            .as_str()
            .unwrap()
            .contains("受信拒否されました"),
        "decoded from base64 EUC-JP: {fact:#}"
    );
}

#[test]
fn a_japanese_contact_address_wrapped_before_its_verb_is_not_a_recipient() {
    // "…場合は、<help-desk@…>" / "へご連絡ください。"
    let fact = only("ja-contact-line.eml");
    check(
        "ja-contact-line.eml",
        &fact,
        &[
            ("recipient", "kenta@example-corp.co.jp".into()),
            ("reason", "userunknown".into()),
            ("status", "5.1.1".into()),
            ("command", "RCPT".into()),
        ],
    );
}

#[test]
fn a_notice_that_says_the_account_is_disabled_outranks_a_stock_user_unknown() {
    // au answers a disabled account with the same "550 user unknown" as a
    // missing one; its notice says which it was.
    let fact = only("kddi-account-disabled.eml");
    check(
        "kddi-account-disabled.eml",
        &fact,
        &[
            ("recipient", "taro.member@ezweb.ne.jp".into()),
            ("command", "RCPT".into()),
            ("reply_code", 550.into()),
            ("reason", "suspend".into()),
            ("hard_bounce", false.into()),
        ],
    );
    let diagnostic = fact["diagnostic"].as_str().unwrap();
    assert!(
        diagnostic.contains("account is disabled") && diagnostic.contains("550 user unknown"),
        "both the notice and the reply are kept: {diagnostic}"
    );
}

/// docomo refuses a sender its subscriber filters with "550 Unknown user"
/// after DATA (NTT Communications' FAQ pid2300000e64 tells senders to ask
/// about 受信拒否 when the address is right); the relay's own notice is a
/// Japanese template in UTF-8, base64, under a MIME-encoded subject.
#[test]
fn docomo_refusal_in_a_utf_8_japanese_report() {
    let fact = only("docomo-refused-utf-8.eml");
    check(
        "docomo-refused-utf-8.eml",
        &fact,
        &[
            ("recipient", "hanako.sato@docomo.ne.jp".into()),
            ("reason", "filtered".into()),
            ("hard_bounce", false.into()),
            ("status", "5.0.0".into()),
            ("reply_code", 550.into()),
            ("remote_host", "mfsmax.docomo.ne.jp".into()),
            ("format", "dsn".into()),
            ("message_id", "<bonenkai-2026@example-isp.ne.jp>".into()),
            ("original_subject", "忘年会のご案内".into()),
        ],
    );
}

/// The bilingual "Mail System Error - Returned Mail" an ISP's mail
/// administrator sends (DTI publishes the layout in its support pages): the
/// English half quotes the remote's stock "User unknown", the Japanese half
/// says the user is not registered — a directory's answer, not a filter.
#[test]
fn an_isps_bilingual_notice_in_iso_2022_jp_is_an_unknown_user() {
    let fact = only("dti-bilingual-iso-2022-jp.eml");
    check(
        "dti-bilingual-iso-2022-jp.eml",
        &fact,
        &[
            ("recipient", "ichiro.suzuki@m1.example-dti.ne.jp".into()),
            ("reason", "userunknown".into()),
            ("hard_bounce", true.into()),
            ("format", "text".into()),
        ],
    );
    let diagnostic = fact["diagnostic"].as_str().unwrap();
    assert!(
        diagnostic.contains("のユーザーは登録されていません"),
        "decoded from ISO-2022-JP: {diagnostic}"
    );
}

/// au's notice for a full mailbox: "The user(s) account is temporarily over
/// quota." above the reply, a 4.2.2 status — soft, the recipient's to fix.
#[test]
fn au_over_quota_is_a_full_mailbox_and_soft() {
    let fact = only("kddi-over-quota.eml");
    check(
        "kddi-over-quota.eml",
        &fact,
        &[
            ("recipient", "jiro.member@ezweb.ne.jp".into()),
            ("reason", "mailboxfull".into()),
            ("hard_bounce", false.into()),
            ("status", "4.2.2".into()),
            ("reply_code", 552.into()),
        ],
    );
}

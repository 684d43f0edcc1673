//! Issue 27's fixtures (`tests/fixtures/`, written by us on the layouts the
//! MTAs document): the failed recipients and only those, whatever form a
//! report names them in; and delay warnings, in each MTA's words, read as
//! `delayed`, never `failed`.

use serde_json::Value;

#[path = "support/dix.rs"]
mod dix;
use dix::{check, parse};

/// Each fact's recipient, action and reason, in order.
fn summary(fixture: &str) -> Vec<(String, String, String)> {
    parse(fixture)
        .iter()
        .map(|f| {
            let field = |name: &str| f.get(name).and_then(Value::as_str).unwrap_or("").to_owned();
            (field("recipient"), field("action"), field("reason"))
        })
        .collect()
}

#[test]
fn exchange_names_x400_and_encapsulated_addresses_only_smtp_ones_are_recipients() {
    // An X.500 name (IMCEAEX), an X.400 address, an SMTP proxy address with
    // a dot glued to it, and an encapsulated SMTP address (IMCEASMTP).
    let got = summary("exchange-x400-and-imcea.eml");
    let recipients: Vec<&str> = got.iter().map(|(r, _, _)| r.as_str()).collect();
    assert_eq!(
        recipients,
        ["Rokuro@contoso.example", "nana@fabrikam.example"],
        "{got:?}"
    );
    assert!(
        got.iter()
            .all(|(_, a, r)| a == "failed" && r == "userunknown"),
        "{got:?}"
    );
}

#[test]
fn a_dsn_recipient_that_is_no_smtp_address_is_the_address_the_sender_gave() {
    // Sun Messaging's route address to its store ("@sto1…:a@ims_daemon"),
    // an X.400 Final-Recipient with an Original-Recipient, and one without
    // any SMTP address, which is left out.
    let got = summary("dsn-route-and-x400-recipients.eml");
    assert_eq!(
        got,
        [
            (
                "hachiro@example-isp.example".into(),
                "failed".into(),
                "mailboxfull".into()
            ),
            (
                "kuro@example-isp.example".into(),
                "failed".into(),
                "userunknown".into()
            ),
        ]
    );
}

#[test]
fn delay_warnings_are_delayed_in_every_mtas_words() {
    for (fixture, recipients, reason) in [
        // Exim, with no delay reason to give and two addresses.
        (
            "exim-delay-two-recipients.eml",
            &["hanako@example.net", "jiro@example.org"][..],
            "undefined",
        ),
        // Postfix's delay notice without its DSN part; the reply wraps.
        (
            "postfix-delayed-prose.eml",
            &["taro@example.net"],
            "networkerror",
        ),
        // Sendmail's four-hour warning.
        (
            "sendmail-warning-4-hours.eml",
            &["saburo@example.net"],
            "networkerror",
        ),
        // Exchange's "Delivery delayed:" notice: late, for no stated reason.
        (
            "exchange-delay.eml",
            &["shiro@contoso.example"],
            "undefined",
        ),
        // Courier's advisory notice.
        ("courier-delayed.eml", &["goro@example.net"], "systemerror"),
    ] {
        let got = summary(fixture);
        let want: Vec<(String, String, String)> = recipients
            .iter()
            .map(|r| (r.to_string(), "delayed".to_string(), reason.to_string()))
            .collect();
        assert_eq!(got, want, "{fixture}");
    }
}

#[test]
fn an_exim_delay_warning_with_a_reason_keeps_it() {
    let facts = parse("gmail-4.7.28.eml");
    check(
        "gmail-4.7.28.eml",
        &facts[0],
        &[
            ("action", "delayed".into()),
            ("reason", "ratelimited".into()),
        ],
    );
}

#[test]
fn groupwise_lists_names_which_the_copied_message_maps_to_addresses() {
    // "tsato" is the address the copy's To gives that name; "stranger" is
    // in no copied header and is left out; each keeps its own reason, not
    // the "Possible reason(s)" boilerplate below the list.
    let got = summary("groupwise-names.eml");
    assert_eq!(
        got,
        [
            (
                "k.ito@gw.example.net".into(),
                "failed".into(),
                "mailboxfull".into()
            ),
            (
                "TSato@gw.example.net".into(),
                "failed".into(),
                "userunknown".into()
            ),
        ]
    );
}

#[test]
fn an_auto_reply_is_flagged_apart_from_failures() {
    let facts = parse("out-of-office.eml");
    assert_eq!(facts.len(), 1, "{facts:?}");
    check(
        "out-of-office.eml",
        &facts[0],
        &[
            ("recipient", "hanako@example.net".into()),
            ("auto_reply", true.into()),
            ("reason", "vacation".into()),
            ("action", Value::Null),
            ("hard_bounce", false.into()),
        ],
    );
    // A failure carries no such flag.
    let failure = parse("exchange-x400-and-imcea.eml");
    assert!(
        failure.iter().all(|f| f.get("auto_reply").is_none()),
        "{failure:?}"
    );
}

#[test]
fn a_list_copys_to_is_the_list_not_the_failed_recipient() {
    // A notice that names no address, over a copy the list sent: the copy's
    // To is the list's own address, which is no failed recipient.
    let facts = parse("list-copy-returned.eml");
    assert_eq!(facts.len(), 1, "{facts:?}");
    assert!(facts[0]["recipient"].is_null(), "{:?}", facts[0]);
    assert_eq!(facts[0]["action"], "failed");
}

//! No input makes a parser of this crate panic: arbitrary bytes, mutations of
//! valid signed notices, truncations, and arbitrary strings for every value
//! type and the key record.

use dix_schema::types::{
    Contact, Domain, DomainPattern, EnhancedStatus, HostPattern, IpRange, Link, Selector,
    ShortText, TextPattern, Timestamp,
};
use dix_schema::{KeyRecord, SecretKey, UnverifiedNotice};
use proptest::prelude::*;

fn valid_notices() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    [
        "valid-throttling.json",
        "valid-blocklist.json",
        "valid-quarantine.json",
        "valid-resolved-outage.json",
    ]
    .iter()
    .map(|f| std::fs::read(dir.join(f)).unwrap())
    .collect()
}

fn check(bytes: &[u8]) {
    let key = SecretKey::from_seed(&[9; 32]).public_key();
    if let Ok(n) = UnverifiedNotice::parse(bytes) {
        let _ = n.verify(&key);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes);
    }

    #[test]
    fn mutated_notices(which in 0usize..4, edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = valid_notices()[which].clone();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        check(&bytes);
    }

    #[test]
    fn truncated_notices(which in 0usize..4, cut in any::<prop::sample::Index>()) {
        let bytes = valid_notices()[which].clone();
        check(&bytes[..cut.index(bytes.len())]);
    }

    #[test]
    fn value_types_and_records(s in "\\PC{0,80}|[0-9a-z.*:/\\[\\]-]{0,40}") {
        let _ = Domain::parse(&s);
        let _ = Domain::parse_lenient(&s);
        let _ = DomainPattern::parse(&s);
        let _ = HostPattern::parse(&s).map(|p| p.matches(&Domain::parse("mx1.example.jp").unwrap()));
        let _ = Selector::parse(&s);
        let _ = EnhancedStatus::parse(&s);
        let _ = TextPattern::parse(&s).map(|p| p.matches(&s));
        let _ = IpRange::parse(&s);
        let _ = Timestamp::parse(&s);
        let _ = ShortText::parse(&s);
        let _ = Link::parse(&s);
        let _ = Contact::parse(&s);
        let _ = KeyRecord::parse(&s);
        let _ = KeyRecord::parse(&format!("v=DIX1; p={s}"));
    }
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let deep = "[".repeat(100_000);
    let err = UnverifiedNotice::parse(deep.as_bytes());
    assert!(err.is_err());
    let deep_object = "{\"a\":".repeat(20_000);
    assert!(UnverifiedNotice::parse(deep_object.as_bytes()).is_err());
}

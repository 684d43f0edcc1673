//! DNS key and delegation records: arbitrary text must never panic the parsers.
#![no_main]

use dix_schema::{DelegationRecord, KeyRecord};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = KeyRecord::parse(text);
        let _ = DelegationRecord::parse(text);
    }
});

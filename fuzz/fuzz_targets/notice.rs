//! Any bytes through the whole notice reader: strict JSON, fields, canonical
//! form, signature decoding and verification. Must never panic.
#![no_main]

use dix_schema::{SecretKey, UnverifiedNotice};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(notice) = UnverifiedNotice::parse(data) {
        let _ = notice.verify(&SecretKey::from_seed(&[7; 32]).public_key());
    }
    let _ = dix_schema::sign_json(data, &SecretKey::from_seed(&[7; 32]));
});

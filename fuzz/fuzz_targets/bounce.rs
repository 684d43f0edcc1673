//! Any bytes through the bounce parser: messages, logs, replies. Must never
//! panic, whatever mail-parser makes of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // libfuzzer-sys aborts on every panic, even one caught by
        // `catch_unwind`; the parser contains mail-parser's own panics that
        // way (see bounce/src/email.rs), so put the default hook back.
        // A panic anywhere else still reaches libFuzzer and is reported.
        let _ = std::panic::take_hook();
    },
    |data: &[u8]| {
        let facts = dix_bounce::parse_bytes(data, "fuzz");
        for fact in &facts {
            let kb = dix_bounce::knowledge::KnowledgeBase::embedded().explain(fact);
            let _ = dix_bounce::verdict::decide(
                fact,
                &kb,
                &[],
                &dix_bounce::verdict::Sending::default(),
            );
        }
    }
);

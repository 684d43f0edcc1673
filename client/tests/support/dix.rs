//! Running `dix parse --json` on a fixture of `tests/fixtures/` and
//! checking the facts it prints: shared by the fixture tests.
#![allow(dead_code)] // each test file uses part of it

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

/// The path of `tests/fixtures/NAME`.
pub fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The facts of `tests/fixtures/FIXTURE`.
pub fn parse(fixture_name: &str) -> Vec<Value> {
    parse_path(&fixture(fixture_name))
}

/// `dix parse --json PATH` found no bounce in `path`: nothing on stdout,
/// exit status 1 (nothing to report is not success), and stderr says
/// which input held none.
pub fn assert_no_bounce(path: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_dix"))
        .args(["parse", "--json", path])
        .output()
        .expect("dix runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.stdout.is_empty(),
        "{path}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(1), "{path}: {stderr}");
    let name = path.rsplit('/').next().unwrap_or(path);
    assert!(
        stderr.contains(&format!("{name}: no bounce")),
        "{path}: {stderr}"
    );
}

/// `dix parse --json PATH`: one JSON object per fact; it must succeed.
pub fn parse_path(path: &str) -> Vec<Value> {
    parse_path_in_zone(path, None)
}

/// [`parse_path`] with `TZ` set for the `dix` process.
pub fn parse_path_in_zone(path: &str, zone: Option<&str>) -> Vec<Value> {
    let mut dix = Command::new(env!("CARGO_BIN_EXE_dix"));
    dix.args(["parse", "--json", path]);
    if let Some(zone) = zone {
        dix.env("TZ", zone);
    }
    let out = dix.output().expect("dix runs");
    assert!(
        out.status.success(),
        "{path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

/// Checks the named fields of one fact; `null` means the field must be absent.
pub fn check(fixture: &str, fact: &Value, expected: &[(&str, Value)]) {
    let want: BTreeMap<_, _> = expected.iter().cloned().collect();
    for (field, value) in want {
        assert_eq!(
            fact.get(field).unwrap_or(&Value::Null),
            &value,
            "{fixture}: field `{field}` in {fact:#}"
        );
    }
}

/// The one fact of a fixture that holds exactly one.
pub fn only(fixture: &str) -> Value {
    let mut facts = parse(fixture);
    assert_eq!(facts.len(), 1, "{fixture}: {facts:#?}");
    facts.remove(0)
}

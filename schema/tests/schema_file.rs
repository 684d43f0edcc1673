//! `schema/notice.schema.json` must be exactly what the types generate.

use std::path::Path;

#[test]
fn committed_schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("notice.schema.json");
    let generated = dix_schema::schema::notice_schema_json();
    if std::env::var_os("DIX_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/notice.schema.json is stale; run DIX_BLESS=1 cargo test -p dix-schema --test schema_file"
    );
}

#[test]
fn schema_describes_every_field_and_refuses_others() {
    let schema: serde_json::Value =
        serde_json::from_str(&dix_schema::schema::notice_schema_json()).unwrap();
    assert_eq!(schema["additionalProperties"], false);
    let props = schema["properties"].as_object().unwrap();
    for field in [
        "v",
        "issuer",
        "key",
        "seq",
        "incident",
        "kind",
        "status",
        "started_at",
        "ended_at",
        "published_at",
        "scope",
        "symptoms",
        "blocklist",
        "quarantine",
        "summary",
        "advice",
        "contact",
        "links",
        "sig",
    ] {
        assert!(props.contains_key(field), "schema lacks {field}");
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for field in [
        "v",
        "issuer",
        "key",
        "seq",
        "incident",
        "kind",
        "status",
        "started_at",
        "published_at",
        "scope",
        "summary",
        "contact",
        "sig",
    ] {
        assert!(required.contains(&field), "{field} should be required");
    }
}

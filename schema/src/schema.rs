//! The JSON Schema of a signed notice, generated from the types so it cannot
//! drift from them. `schema/notice.schema.json` is the committed copy; a test
//! fails when it is stale (regenerate with `DIX_BLESS=1 cargo test -p dix-schema`).

use serde_json::{Value, json};

use crate::notice::Notice;

/// The schema document, pretty-printed with a trailing newline.
pub fn notice_schema_json() -> String {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(Notice)).expect("schemas serialise");
    // `sig` is not a field of `Notice` (it is computed over the others); the
    // wire document carries it, so the schema does.
    let object = schema
        .as_object_mut()
        .expect("a struct's schema is an object");
    object.insert(
        "$id".into(),
        json!("https://dix.example/schema/notice-v1.json"),
    );
    if let Some(Value::Object(props)) = object.get_mut("properties") {
        props.insert(
            "sig".into(),
            json!({
                "type": "string",
                "pattern": "^[A-Za-z0-9_-]{86}$",
                "description": "Ed25519 signature, unpadded base64url, over \"dix-notice-v1\\u0000\" followed by the RFC 8785 canonical form of every other member."
            }),
        );
    }
    if let Some(Value::Array(required)) = object.get_mut("required") {
        required.push(json!("sig"));
    }
    let mut text = serde_json::to_string_pretty(&schema).expect("schemas serialise");
    text.push('\n');
    text
}

//! The OpenAPI 3.1 document of the API. Written here rather than derived by
//! a macro crate: OpenAPI 3.1 schemas are JSON Schema 2020-12, so the notice
//! schema that dix-schema generates (and commits) embeds unchanged, and a
//! second derive would be a second, divergent description of the same types.
//! A test checks every documented operation against the router.

use serde_json::{Value, json};

/// Every documented (method, path), for the router cross-check.
pub const OPERATIONS: &[(&str, &str)] = &[
    ("post", "/v1/notices"),
    ("post", "/v1/explain"),
    ("post", "/v1/match"),
    ("get", "/v1/feed"),
    ("get", "/v1/feed/stream"),
    ("get", "/v1/checkpoint"),
    ("get", "/v1/proof/consistency"),
    ("get", "/v1/peers"),
    ("get", "/v1/webhooks"),
    ("get", "/v1/incidents"),
    ("get", "/v1/incidents.atom"),
    ("get", "/v1/stream"),
    ("get", "/v1/incidents/{id}"),
    ("get", "/v1/incidents/{issuer}/{id}"),
    ("get", "/v1/issuers/{domain}"),
    ("get", "/v1/openapi.json"),
    ("get", "/healthz"),
    ("get", "/metrics"),
];

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

/// The document.
pub fn document() -> Value {
    // Move the notice schema's $defs under components and point refs there.
    let notice_text =
        dix_schema::schema::notice_schema_json().replace("#/$defs/", "#/components/schemas/");
    let mut notice: Value = serde_json::from_str(&notice_text).expect("generated schema is JSON");
    let defs = notice
        .as_object_mut()
        .and_then(|o| o.remove("$defs"))
        .unwrap_or_else(|| json!({}));
    for key in ["$schema", "$id"] {
        notice.as_object_mut().map(|o| o.remove(key));
    }
    let mut schemas = defs.as_object().cloned().unwrap_or_default();
    schemas.insert("Notice".into(), notice);
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object", "required": ["error"],
            "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code, e.g. signature_mismatch, unknown_field, rate_limited."},
                "message": {"type": "string", "description": "What was wrong, for a human."},
                "field": {"type": "string", "description": "JSON path of the offending field or parameter, when there is one."}
            }}}
        }),
    );
    schemas.insert(
        "Incident".into(),
        json!({
            "type": "object",
            "properties": {
                "issuer": {"type": "string"}, "incident": {"type": "string", "format": "uuid"},
                "seq": {"type": "integer"}, "cursor": {"type": "string"},
                "scope_verified": {"type": "boolean", "description": "Every scope entry of the current revision was confirmed."},
                "verification": {"type": "object", "description": "Key source, and each scope entry with `verified` and the basis for it."},
                "notice": {"$ref": "#/components/schemas/Notice"},
                "revisions": {"type": "array", "description": "Only on /v1/incidents/{id}: every stored revision, lowest seq first.", "items": {"type": "object"}}
            }
        }),
    );

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "dix node API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Publish, verify and read signed delivery-incident notices. Every error is JSON with a stable code."
        },
        "paths": {
            "/v1/notices": {"post": {
                "summary": "Publish one signed notice; the signature is the authorisation",
                "requestBody": {"required": true, "description": "The notice's exact RFC 8785 canonical bytes, as `dix notice sign` prints them.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Notice"}}}},
                "responses": {
                    "201": {"description": "Stored durably. `current` says whether it became the incident's current revision; `scope` lists each claim and whether it was verified."},
                    "200": {"description": "Exact replay of a stored notice; nothing changed."},
                    "400": error_response("Malformed JSON, duplicate key, non-integer number or non-canonical bytes."),
                    "403": error_response("signature_mismatch: the signature does not verify under the issuer's key."),
                    "409": error_response("equivocation: a different notice with the same issuer and seq exists; both are kept as evidence."),
                    "413": error_response("too_large"),
                    "422": error_response("A field breaks a rule (unknown_field, invalid_value, ...), the key cannot be found (unknown_issuer, key_not_found, unknown_selector, revoked_key), or published_at is too far from the node's clock (stale_published_at)."),
                    "429": error_response("rate_limited (the client or the issuer's registrable domain publishes too fast) or dns_rate_limited (the DNS queries the notice needs are over the client's or the issuer's budget), with Retry-After."),
                    "503": error_response("dns_unavailable or timeout: try again.")
                }
            }},
            "/v1/explain": {"post": {
                "summary": "Explain a bounce: parsed facts, what the knowledge base says, matching incidents, and who must act (ja/en)",
                "requestBody": {"required": true, "description": "The raw bounce message, SMTP reply or MTA log line; or JSON {\"text\", \"recipient\", \"at\"} for a bare reply.",
                    "content": {"text/plain": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object", "required": ["text"], "properties": {
                        "text": {"type": "string"}, "recipient": {"type": "string"}, "at": {"type": "string", "description": "RFC 3339"},
                        "from": {"type": "string", "description": "The sender's From address: an authentication refusal is its domain owner's to fix"},
                        "our_domains": {"type": "array", "items": {"type": "string"}, "description": "Domains the asking provider signs for: an authentication refusal for them is the provider's"}}}}}},
                "responses": {
                    "200": {"description": "`facts`: for each, `fact`, `reason`, `knowledge`, `matches` (score and reasons) and `verdict` (actor, retry, nothing_to_do, cause and cause_label, category, basis {kind: incident|knowledge|generic, entry, documented, incident}, sending_domain {kind: ours|free_mail|customer|unknown, domain}, what_happened, actor_name, action, who_acts, customer_reply in ja and en, evidence in ja and en)."},
                    "400": error_response("empty_input or invalid_request"),
                    "422": error_response("no_bounce_found")
                }
            }},
            "/v1/match": {"post": {
                "summary": "Find incidents that may explain parsed facts",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["queries"], "properties": {"queries": {"type": "array", "items": {"type": "object", "properties": {
                    "recipient_domain": {"type": "string"}, "remote_host": {"type": "string"}, "remote_ip": {"type": "string"}, "sender_ip": {"type": "string"},
                    "reply_code": {"type": "integer"}, "status": {"type": "string"}, "text": {"type": "string"}, "timestamp": {"type": "string"}}}}}}}}},
                "responses": {"200": {"description": "`results`: one `{matches}` per query, best first, each with `score` (0-1), `reasons` (and `reasons_ja`), `decisive`, and `issuer_role` (`receiver`, `sender_provider` or `blocklist`: the side the issuer speaks for, which decides who acts)."}, "400": error_response("invalid_request or too_many_queries")}
            }},
            "/v1/feed": {"get": {
                "summary": "The append-only feed of signed notices, verbatim, for federation",
                "parameters": [
                    query("after", "Cursor from a previous page's `next` (default: the start).", json!({"type": "string"})),
                    query("limit", "Page size, 1 to the node's max_page (default 100).", json!({"type": "integer"}))
                ],
                "responses": {
                    "200": {"description": "`notices` (signed notices, verbatim), `cursors` (each notice's entry number), `next` (cursor to ask after), `more`. Carries an ETag. Cursors are gap-safe: once served, no entry with a lower one appears later.",
                        "content": {"application/json": {"schema": {"type": "object", "properties": {
                            "notices": {"type": "array", "items": {"$ref": "#/components/schemas/Notice"}},
                            "cursors": {"type": "array", "items": {"type": "string"}},
                            "next": {"type": "string"}, "more": {"type": "boolean"}}}}}},
                    "304": {"description": "Nothing new since the ETag given in If-None-Match."},
                    "400": error_response("invalid_parameter")
                }
            }},
            "/v1/feed/stream": {"get": {
                "summary": "Server-Sent Events: a `head` event carrying the feed's newest cursor on connect and whenever an entry is appended",
                "responses": {"200": {"description": "text/event-stream; `event: head`, `data: <cursor>`; a keep-alive comment every 15 s.", "content": {"text/event-stream": {}}}}
            }},
            "/v1/incidents.atom": {"get": {
                "summary": "The incidents /v1/incidents lists (same filters, e.g. ?domain=example.jp), as an Atom feed: one entry per revision",
                "parameters": [query("lang", "ja or en (default: Accept-Language, else en); the feed's xml:lang", json!({"type": "string", "enum": ["ja", "en"]})),
                    query("domain", "Destination domain", json!({"type": "string"})), query("issuer", "Issuer", json!({"type": "string"})),
                    query("kind", "Notice kind", json!({"type": "string"})), query("status", "Lifecycle status", json!({"type": "string"}))],
                "responses": {"200": {"description": "application/atom+xml", "content": {"application/atom+xml": {}}}, "400": error_response("invalid_parameter")}
            }},
            "/v1/stream": {"get": {
                "summary": "Server-Sent Events of new and changed incidents: an `incident` event per revision stored, for one destination domain or all",
                "parameters": [query("domain", "Only incidents whose recipient_domains cover this domain", json!({"type": "string"})),
                    {"name": "Last-Event-ID", "in": "header", "required": false, "description": "Resume after this event id (a feed cursor); without it the stream starts at the present", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "text/event-stream; `id: <cursor>`, `event: incident`, `data: {issuer, incident, seq, kind, status, started_at, ended_at, recipient_domains, summary, advice, href}`; a keep-alive comment every 15 s.", "content": {"text/event-stream": {}}},
                    "400": error_response("invalid_parameter"), "503": error_response("too_many_streams")}
            }},
            "/v1/webhooks": {"get": {
                "summary": "Each webhook subscription's delivery state ([[webhooks]] in the config; never the secret)",
                "responses": {"200": {"description": "`webhooks`: per subscription `url`, `domains`, `enqueued_through` (feed cursor), `pending`, `delivered`, `last_delivered_at`, and `next` (the oldest pending event: `event_id`, `attempts`, `next_attempt_at`, `last_error`).",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}
            }},
            "/v1/checkpoint": {"get": {
                "summary": "The signed checkpoint of the feed's Merkle log (C2SP signed-note format)",
                "responses": {"200": {"description": "`origin`, `size`, `root` (base64), `node_key` (base64 Ed25519), `note` (the signed note; verify this, not the fields).",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {
                        "origin": {"type": "string"}, "size": {"type": "integer"}, "root": {"type": "string"},
                        "node_key": {"type": "string"}, "note": {"type": "string"}}}}}}}
            }},
            "/v1/proof/consistency": {"get": {
                "summary": "RFC 9162 consistency proof between the log's trees of `from` and `to` entries",
                "parameters": [
                    {"name": "from", "in": "query", "required": true, "description": "The older tree size (> 0).", "schema": {"type": "integer"}},
                    {"name": "to", "in": "query", "required": true, "description": "The newer tree size (<= the log's size).", "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": {"description": "`from`, `to`, `proof` (base64 hashes).", "content": {"application/json": {"schema": {"type": "object", "properties": {
                        "from": {"type": "integer"}, "to": {"type": "integer"}, "proof": {"type": "array", "items": {"type": "string"}}}}}}},
                    "400": error_response("invalid_parameter or invalid_range")
                }
            }},
            "/v1/peers": {"get": {
                "summary": "The peers this node pulls from and how each is doing",
                "responses": {"200": {"description": "`node` (this node's origin and node key) and `peers`: per peer `url`, `cursor`, `last_success`, `last_error` {code, message, at}, `consecutive_failures`, `next_attempt`, `received`, `rejected` (by code), `checkpoint` {state, size, root}, `halted` (evidence), `stream_connected`.",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}
            }},
            "/v1/incidents": {"get": {
                "summary": "Current state of incidents, newest first",
                "parameters": [
                    query("issuer", "Issuer domain.", json!({"type": "string"})),
                    query("kind", "Incident kind.", json!({"$ref": "#/components/schemas/Kind"})),
                    query("status", "Lifecycle status.", json!({"$ref": "#/components/schemas/Status"})),
                    query("active_at", "RFC 3339 time or `now`: incidents whose window covers it.", json!({"type": "string"})),
                    query("domain", "Incidents whose recipient domains cover this domain.", json!({"type": "string"})),
                    query("ip", "Incidents whose sending or receiving ranges contain this IP.", json!({"type": "string"})),
                    query("before", "`next_before` of the previous page.", json!({"type": "string"})),
                    query("limit", "Page size (default 100).", json!({"type": "integer"}))
                ],
                "responses": {
                    "200": {"description": "`incidents` and `next_before`.", "content": {"application/json": {"schema": {"type": "object", "properties": {
                        "incidents": {"type": "array", "items": {"$ref": "#/components/schemas/Incident"}},
                        "next_before": {"type": ["string", "null"]}}}}}},
                    "400": error_response("invalid_parameter, naming the parameter.")
                }
            }},
            "/v1/incidents/{issuer}/{id}": {"get": {
                "summary": "One incident of one issuer: current state and every revision (each marked `equivocation` when another notice has its issuer and seq)",
                "parameters": [
                    {"name": "issuer", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}
                ],
                "responses": {
                    "200": {"description": "The incident.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Incident"}}}},
                    "400": error_response("invalid_parameter"),
                    "404": error_response("not_found")
                }
            }},
            "/v1/incidents/{id}": {"get": {
                "summary": "One incident by id alone, when one issuer uses it; otherwise 409 with `candidates` (issuer and href of each)",
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
                    query("issuer", "Disambiguates an id used by several issuers.", json!({"type": "string"}))
                ],
                "responses": {
                    "200": {"description": "The incident.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Incident"}}}},
                    "404": error_response("not_found"),
                    "409": error_response("ambiguous_incident")
                }
            }},
            "/v1/issuers/{domain}": {"get": {
                "summary": "What the node knows about an issuer: keys seen, pinned selectors, equivocation evidence",
                "parameters": [{"name": "domain", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "`flagged` is true when the issuer has equivocated; `equivocations` holds both notices of each conflict."}, "404": error_response("not_found")}
            }},
            "/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}},
            "/healthz": {"get": {"summary": "Liveness (database reachable)", "responses": {"200": {"description": "ok"}, "503": error_response("database_unavailable")}}},
            "/metrics": {"get": {"summary": "Prometheus metrics (outside the client rate limit; limited to `metrics_allow` when set)", "responses": {"200": {"description": "Text exposition format"}, "403": error_response("forbidden")}}}
        },
        "components": {"schemas": schemas}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_documented_and_every_ref_resolves() {
        let doc = document();
        for (method, path) in OPERATIONS {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} undocumented"
            );
        }
        let text = doc.to_string();
        for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap();
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "dangling $ref to {name}"
            );
        }
        assert!(!text.contains("#/$defs/"));
    }
}

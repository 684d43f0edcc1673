//! Strict JSON: the reading rules a signed notice is held to, before any of
//! its fields are looked at.
//!
//! `serde_json::Value` silently keeps the last of two duplicate keys, so two
//! parsers could disagree on what a signature covers. We read through our own
//! visitor instead, which rejects duplicate keys and any number that is not an
//! integer within ±(2^53−1) (the range every JSON implementation reads exactly,
//! which is what keeps RFC 8785 number formatting trivial), and which records
//! the JSON path of the first problem it meets.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode};

/// The largest integer magnitude allowed anywhere in a notice: 2^53 − 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Parses `bytes` as strict JSON (see the module docs).
pub fn parse_strict(bytes: &[u8]) -> Result<Value, Error> {
    let first_problem = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let seed = StrictSeed {
        problem: &first_problem,
        path: String::new(),
    };
    let parsed = seed
        .deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value));
    match parsed {
        Ok(value) => Ok(value),
        Err(e) => Err(first_problem.into_inner().unwrap_or_else(|| {
            Error::whole(ErrorCode::MalformedJson, format!("not valid JSON: {e}"))
        })),
    }
}

/// RFC 8785 canonical bytes of a value read by [`parse_strict`].
pub fn canonical_bytes(value: &Value) -> Vec<u8> {
    // Serialising a `Value` whose numbers are all integers cannot fail; the
    // canonicaliser only errors on non-finite floats, which `parse_strict`
    // never lets in.
    serde_json_canonicalizer::to_vec(value).expect("strict JSON values always canonicalise")
}

struct StrictSeed<'a> {
    problem: &'a RefCell<Option<Error>>,
    path: String,
}

impl StrictSeed<'_> {
    fn fail<E: de::Error>(&self, code: ErrorCode, message: String) -> E {
        let mut slot = self.problem.borrow_mut();
        if slot.is_none() {
            *slot = Some(Error::new(code, self.path.clone(), message.clone()));
        }
        E::custom(message)
    }

    fn child(&self, path: String) -> StrictSeed<'_> {
        StrictSeed {
            problem: self.problem,
            path,
        }
    }

    fn integer<E: de::Error>(&self, magnitude_ok: bool, value: Value) -> Result<Value, E> {
        if magnitude_ok {
            Ok(value)
        } else {
            Err(self.fail(ErrorCode::NonIntegerNumber, integer_rule()))
        }
    }
}

fn integer_rule() -> String {
    format!(
        "numbers must be integers between -{MAX_SAFE_INTEGER} and {MAX_SAFE_INTEGER} (no fractions or exponents)"
    )
}

impl<'de> DeserializeSeed<'de> for StrictSeed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.integer(v <= MAX_SAFE_INTEGER, Value::from(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.integer(v.unsigned_abs() <= MAX_SAFE_INTEGER, Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Err(self.fail(ErrorCode::NonIntegerNumber, integer_rule()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) =
            seq.next_element_seed(self.child(format!("{}[{}]", self.path, items.len())))?
        {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            if !seen.insert(key.clone()) {
                let child = self.child(path);
                return Err(child.fail(
                    ErrorCode::DuplicateKey,
                    format!("the key `{key}` appears more than once in this object"),
                ));
            }
            let value = map.next_value_seed(self.child(path))?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_found_with_their_path() {
        let err = parse_strict(br#"{"a":{"b":[{"c":1,"c":2}]}}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::DuplicateKey);
        assert_eq!(err.field, "a.b[0].c");
    }

    #[test]
    fn fractions_exponents_and_huge_integers_are_rejected() {
        for doc in [
            &br#"{"x":1.5}"#[..],
            br#"{"x":1e3}"#,
            br#"{"x":9007199254740992}"#,
            br#"{"x":-9007199254740992}"#,
        ] {
            let err = parse_strict(doc).unwrap_err();
            assert_eq!(
                err.code,
                ErrorCode::NonIntegerNumber,
                "{}",
                String::from_utf8_lossy(doc)
            );
            assert_eq!(err.field, "x");
        }
        assert!(parse_strict(br#"{"x":9007199254740991,"y":-9007199254740991}"#).is_ok());
    }

    #[test]
    fn trailing_garbage_and_lone_surrogates_are_malformed() {
        assert_eq!(
            parse_strict(br#"{} x"#).unwrap_err().code,
            ErrorCode::MalformedJson
        );
        assert_eq!(
            parse_strict(br#"{"a":"\ud800"}"#).unwrap_err().code,
            ErrorCode::MalformedJson
        );
        assert_eq!(
            parse_strict(b"").unwrap_err().code,
            ErrorCode::MalformedJson
        );
    }

    /// The examples of RFC 8785 section 3.2.2/3.2.3 that stay inside our
    /// integer-only subset: key ordering by UTF-16 code units, string escaping.
    #[test]
    fn canonical_form_follows_rfc8785() {
        let input = "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\",\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}";
        let value = parse_strict(input.as_bytes()).unwrap();
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
        assert_eq!(
            String::from_utf8(canonical_bytes(&value)).unwrap(),
            expected
        );

        let input = r#"{"numbers":[333333333,4,2e-3,1E30,0,-0],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}"#;
        // Our subset refuses the floats of the RFC's example...
        assert_eq!(
            parse_strict(input.as_bytes()).unwrap_err().code,
            ErrorCode::NonIntegerNumber
        );
        // ...and canonicalises the rest exactly as the RFC prints it (serde_json
        // reads `-0` as a float, so it is refused like one).
        let input = r#"{"numbers":[333333333,4,0],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}"#;
        let value = parse_strict(input.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(canonical_bytes(&value)).unwrap(),
            r#"{"literals":[null,true,false],"numbers":[333333333,4,0],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }
}

//! The one error type of this crate: every rejection carries a stable code,
//! the field it concerns (a JSON path such as `scope.receiving_ips[0]`) and a
//! sentence saying which rule was broken.

use std::fmt;

/// Stable, machine-readable reason a notice or key record was rejected.
///
/// The string forms (`as_str`) are part of the API: nodes return them in
/// HTTP error bodies and the test vectors pin them. Add variants; never
/// rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The bytes are larger than a notice may be.
    TooLarge,
    /// The bytes are not JSON, or not I-JSON (lone surrogates, too deep).
    MalformedJson,
    /// An object has the same key twice.
    DuplicateKey,
    /// A number with a fraction or exponent, or outside ±(2^53−1).
    NonIntegerNumber,
    /// `v` is not a version this code understands.
    UnsupportedVersion,
    /// A field the schema does not define.
    UnknownField,
    /// A required field is absent.
    MissingField,
    /// A field's value breaks that field's own rule.
    InvalidValue,
    /// Fields are individually fine but contradict each other.
    InconsistentFields,
    /// The bytes are valid but not in RFC 8785 canonical form.
    NonCanonical,
    /// `sig` is absent, not base64url, or not 64 bytes.
    MalformedSignature,
    /// The signature does not verify under the given key.
    SignatureMismatch,
    /// A DNS key record that cannot be parsed.
    MalformedKeyRecord,
    /// The key record is well-formed but revoked (`p=` empty).
    RevokedKey,
}

impl ErrorCode {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TooLarge => "too_large",
            Self::MalformedJson => "malformed_json",
            Self::DuplicateKey => "duplicate_key",
            Self::NonIntegerNumber => "non_integer_number",
            Self::UnsupportedVersion => "unsupported_version",
            Self::UnknownField => "unknown_field",
            Self::MissingField => "missing_field",
            Self::InvalidValue => "invalid_value",
            Self::InconsistentFields => "inconsistent_fields",
            Self::NonCanonical => "non_canonical",
            Self::MalformedSignature => "malformed_signature",
            Self::SignatureMismatch => "signature_mismatch",
            Self::MalformedKeyRecord => "malformed_key_record",
            Self::RevokedKey => "revoked_key",
        }
    }

    /// Every code, for tests and documentation.
    pub const ALL: [ErrorCode; 14] = [
        Self::TooLarge,
        Self::MalformedJson,
        Self::DuplicateKey,
        Self::NonIntegerNumber,
        Self::UnsupportedVersion,
        Self::UnknownField,
        Self::MissingField,
        Self::InvalidValue,
        Self::InconsistentFields,
        Self::NonCanonical,
        Self::MalformedSignature,
        Self::SignatureMismatch,
        Self::MalformedKeyRecord,
        Self::RevokedKey,
    ];
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a notice or a key record was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    /// Stable code, see [`ErrorCode`].
    pub code: ErrorCode,
    /// JSON path of the offending field (`scope.mx_hosts[2]`), empty when the
    /// error concerns the whole document.
    pub field: String,
    /// The rule that was broken, in a sentence.
    pub message: String,
}

impl Error {
    pub(crate) fn new(
        code: ErrorCode,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn whole(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(code, "", message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.code, self.message)
        } else {
            write!(f, "{}: {}: {}", self.code, self.field, self.message)
        }
    }
}

//! What an enhanced status code means (RFC 3463 and the IANA registry of
//! RFC 5248, with the codes later RFCs added), as a reason.

use super::Reason;

/// The reason an enhanced status code gives, when it is specific enough.
pub fn by_status(status: &str) -> Option<Reason> {
    let mut parts = status.split('.');
    let class = parts.next()?;
    let (subject, detail): (u16, u16) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    use Reason::*;
    Some(match (subject, detail) {
        (1, 1) | (1, 3) | (1, 0) => UserUnknown,
        (1, 2) => HostUnknown,
        (1, 4) => UserUnknown,
        (1, 5) => UserUnknown,
        (1, 6) => HasMoved,
        (1, 7) | (1, 8) => Rejected,
        (1, 10) => NotAccept,
        (2, 0) => Filtered,
        (2, 1) => Suspend,
        (2, 2) => MailboxFull,
        (2, 3) => EmailTooLarge,
        (2, 4) => MailerError,
        (3, 0) => SystemError,
        (3, 1) => SystemFull,
        (3, 2) => NotAccept,
        (3, 3) => SystemError,
        (3, 4) => EmailTooLarge,
        (3, 5) => SystemError,
        (4, 1) if class == "4" => Expired,
        (4, 1) | (4, 2) | (4, 6) => NetworkError,
        (4, 3) => SystemError,
        (4, 4) => HostUnknown,
        (4, 5) => SystemError,
        (4, 7) => Expired,
        // x.5.0 is "other or undefined protocol status" (RFC 3463), which
        // Sendmail puts on any 554 without a code of its own: it says
        // nothing, and the reply code decides. x.5.3: too many recipients.
        (5, 0) => return None,
        (5, 3) => RateLimited,
        (5, _) => SyntaxError,
        (6, _) => ContentError,
        (7, 1) => Rejected,
        // RFC 3463 (x.7.4–7: security features, cryptography, integrity)
        // and RFC 4954 (x.7.8–9: authentication credentials, mechanism).
        (7, 4..=9) => SecurityError,
        (7, 13) | (7, 14) => Suspend,
        (7, 23) | (7, 24) | (7, 25) if detail == 25 => RequirePtr,
        // RFC 7505: x.7.27 "sender address has null MX".
        (7, 27) => Rejected,
        (7, 23..=26) | (7, 509) => AuthFailure,
        (7, 28) => RateLimited,
        (7, 500..=699) => Blocked,
        (7, 0) => SecurityError,
        (7, _) => PolicyViolation,
        _ => return None,
    })
}

//! A failed recipient as the sender wrote it: the SMTP address inside
//! whatever a report wraps it in.
//!
//! Reports name recipients in more than one way, and only one of them is
//! the address a sender can act on:
//! - DSN address types (RFC 3464 §2.3.2: `rfc822;`), Exchange's proxy
//!   prefix (`SMTP:`), angle brackets, quotes, and the punctuation prose
//!   glues to an address ("…failed: <a@example.net>.", "a@example.net,");
//! - Exchange's encapsulated addresses (IMCEA, "Address Types" in
//!   Microsoft's Exchange documentation): `IMCEASMTP-a+40example+2Enet@…`
//!   carries an SMTP address, hex-escaped as `+XX`; `IMCEAEX-_O=…` an
//!   X.500 distinguished name, which is no SMTP address;
//! - X.400 addresses (`c=US;a= ;p=Org;o=…;s=Doe;g=Jane;`, `/C=US/ADMD=…/`)
//!   and the source routes of RFC 5321 §4.1.2 (`@relay:a@example.net`,
//!   whose last part is the address), and internal names a relay rewrote
//!   the address to (`a@ims_daemon`, `a@mailcluster.local`).
//!
//! [`smtp_address`] gives the SMTP address, or `None` when there is none:
//! a non-SMTP form is left out rather than reported as a recipient.
//! Internationalised addresses (RFC 6531) are kept as they are.

/// The SMTP address in `raw`, domain lowercased; `None` for an X.400 or
/// X.500 form, a name without a domain, or a domain no one outside the
/// reporting site can reach.
pub(crate) fn smtp_address(raw: &str) -> Option<String> {
    let mut text = raw.trim();
    // "rfc822; a@b", "RFC822;<a@b>", "utf-8; 用户@例子.广告": the address
    // type of RFC 3464 (and RFC 6533); an "x400;" address is no SMTP one.
    if let Some((kind, rest)) = text.split_once(';')
        && let kind = kind.trim()
        && !kind.is_empty()
        && kind.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        if kind.eq_ignore_ascii_case("x400") {
            return None;
        }
        text = rest.trim();
    }
    if is_x400(text) {
        return None;
    }
    // "Jane Doe <a@b>": the bracketed part, where there is one.
    if let Some(open) = text.rfind('<')
        && let Some(close) = text[open..].find('>')
    {
        text = &text[open + 1..open + close];
    }
    // A quoted local part ("a..b"@example.net) keeps its quotes.
    let quoted_local = text.trim_start_matches(['<', ' ']).starts_with('"') && text.contains("\"@");
    let text = text
        .trim_start_matches(|c: char| {
            c.is_whitespace()
                || matches!(c, '<' | '(' | '[' | '\'' | '`')
                || (c == '"' && !quoted_local)
        })
        .trim_end_matches(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '>' | ')' | '"' | '\'' | '`' | '.' | ',' | ';' | ':' | '!' | '?'
                )
        });
    // A closing bracket is punctuation unless it closes an address literal.
    let text = match text.strip_suffix(']') {
        Some(rest) if text.matches('[').count() < text.matches(']').count() => rest,
        _ => text,
    };
    let text = strip_prefix_ignore_case(text, "smtp:").unwrap_or(text);
    // A source route: the address is after the last ':'.
    let text = match text.strip_prefix('@') {
        Some(route) => route.rsplit_once(':')?.1,
        None => text,
    };
    let decoded;
    let text = match imcea(text) {
        Some(Imcea::Smtp(address)) => {
            decoded = address;
            decoded.as_str()
        }
        Some(Imcea::Other) => return None,
        None => text,
    };
    let (local, domain) = text.rsplit_once('@')?;
    let domain = domain.trim_end_matches('.');
    if local.is_empty() || local.contains(char::is_whitespace) || !is_reachable_domain(domain) {
        return None;
    }
    let mut address = String::with_capacity(local.len() + 1 + domain.len());
    address.push_str(local);
    address.push('@');
    match domain.is_ascii() {
        true => address.extend(domain.bytes().map(|b| char::from(b.to_ascii_lowercase()))),
        false => address.push_str(&domain.to_lowercase()),
    }
    Some(address)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    (text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &text[prefix.len()..])
}

/// X.400 O/R addresses as MTAs print them: `c=US;a= ;p=…;s=…;` (Exchange's
/// proxy form) or `/C=US/ADMD=…/PRMD=…/S=…/` (RFC 1327's slash form).
fn is_x400(text: &str) -> bool {
    // Every X.400 form has attribute=value pairs; most addresses have no '='.
    if !text.contains('=') {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let lower = lower.strip_prefix("x400:").unwrap_or(&lower);
    (lower.starts_with("c=") && lower.contains(';'))
        || (lower.starts_with("/c=") && lower.contains("/admd="))
        || lower.contains("/prmd=")
}

enum Imcea {
    /// An encapsulated SMTP address, decoded.
    Smtp(String),
    /// Any other encapsulated type (X.500's `EX`, X.400, …).
    Other,
}

/// Exchange's IMCEA encapsulation: `IMCEA<type>-<escaped address>@<domain>`.
fn imcea(text: &str) -> Option<Imcea> {
    let rest = strip_prefix_ignore_case(text, "imcea")?;
    let (kind, escaped) = rest.split_once('-')?;
    if !kind.eq_ignore_ascii_case("smtp") {
        return Some(Imcea::Other);
    }
    // The encapsulating domain follows the last '@'; the address inside is
    // escaped ('@' as +40, '.' as +2E).
    let inner = escaped.rsplit_once('@').map_or(escaped, |(inner, _)| inner);
    let mut out = Vec::with_capacity(inner.len());
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'+'
            && let Some(hex) = inner.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(address) if address.contains('@') => Some(Imcea::Smtp(address)),
        _ => Some(Imcea::Other),
    }
}

/// A domain mail can be sent to from outside: dotted labels of letters,
/// digits, hyphens (or non-ASCII, for internationalised names), or an
/// address literal; not a bare host name nor a name reserved for local use
/// (RFC 6762 `.local`, RFC 2606 `.localhost`, and the `.localdomain`,
/// `.internal`, `.lan` that sites use inside).
fn is_reachable_domain(domain: &str) -> bool {
    if domain.starts_with('[') && domain.ends_with(']') {
        return true;
    }
    let Some((_, top)) = domain.rsplit_once('.') else {
        return false;
    };
    let good_label = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || !b.is_ascii())
    };
    domain.split('.').all(good_label)
        && ![
            "local",
            "localhost",
            "localdomain",
            "internal",
            "lan",
            "intranet",
        ]
        .iter()
        .any(|reserved| top.eq_ignore_ascii_case(reserved))
}

#[cfg(test)]
mod tests {
    use super::smtp_address;

    #[test]
    fn wrappers_and_glued_punctuation_are_stripped() {
        for raw in [
            "a@Example.NET",
            "rfc822; a@example.net",
            "RFC822;<a@example.net>",
            "<a@example.net>.",
            "a@example.net,",
            "(a@example.net):",
            "\"a@example.net\"",
            "SMTP:a@example.net",
            "smtp:<a@example.net>",
            "Jane Doe <a@example.net>",
            "a@example.net.",
        ] {
            assert_eq!(smtp_address(raw).as_deref(), Some("a@example.net"), "{raw}");
        }
        // The local part keeps its case (it may matter to the receiver).
        assert_eq!(
            smtp_address("Petter.G@No.Example.com").as_deref(),
            Some("Petter.G@no.example.com")
        );
        // A quoted local part keeps its quotes.
        assert_eq!(
            smtp_address("rfc822; \"neko..nyaan\"@example.org").as_deref(),
            Some("\"neko..nyaan\"@example.org")
        );
    }

    #[test]
    fn exchange_encapsulated_smtp_is_decoded_and_x500_left_out() {
        assert_eq!(
            smtp_address("IMCEASMTP-jane+2Edoe+40example+2Enet@corp.example.com").as_deref(),
            Some("jane.doe@example.net")
        );
        assert_eq!(
            smtp_address(
                "IMCEAEX-_O=CONTOSO_OU=EXCHANGE+20ADMINISTRATIVE+20GROUP_CN=RECIPIENTS_CN=jdoe@contoso.example.com"
            ),
            None
        );
    }

    #[test]
    fn x400_routes_and_internal_names_are_not_smtp_addresses() {
        for raw in [
            "c=US;a= ;p=Contoso;o=Exchange;s=Doe;g=Jane;",
            "x400; c=US;a= ;p=Contoso;o=Exchange;s=Doe;g=Jane;",
            "/C=US/ADMD=ATTMAIL/PRMD=CONTOSO/S=DOE/G=JANE/",
            "@stov1.example.net:jane@ims_daemon",
            "jane@mailcluster.local",
            "jane",
            "jane@",
            "@example.net",
            "",
        ] {
            assert_eq!(smtp_address(raw), None, "{raw}");
        }
        // A source route to a real address gives the address.
        assert_eq!(
            smtp_address("<@relay.example.org:jane@example.net>").as_deref(),
            Some("jane@example.net")
        );
    }

    #[test]
    fn internationalised_addresses_are_kept() {
        assert_eq!(
            smtp_address("<用户@例子.广告>").as_deref(),
            Some("用户@例子.广告")
        );
        assert_eq!(
            smtp_address("rfc822; jöran@Bücher.example").as_deref(),
            Some("jöran@bücher.example")
        );
        assert_eq!(
            smtp_address("[a@[192.0.2.1]]").as_deref(),
            Some("a@[192.0.2.1]")
        );
    }
}

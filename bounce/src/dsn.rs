//! RFC 3464 delivery-status fields: one per-message block, then one block
//! per recipient, blocks separated by blank lines, continuation lines
//! starting with whitespace.

/// One block's fields, names lowercased, in order.
pub type Fields = Vec<(String, String)>;

/// Splits a `message/delivery-status` body into its blocks.
pub fn blocks(text: &str) -> Vec<Fields> {
    let mut out = Vec::new();
    let mut current: Fields = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim();
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                current.push((name.to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The first value of `name`.
pub fn get<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// `rfc822; a@b` → `a@b`; `dns; host` → `host`.
pub fn typed_value(v: &str) -> &str {
    v.split_once(';')
        .map_or(v, |(_, rest)| rest)
        .trim()
        .trim_matches(|c| c == '<' || c == '>')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_continuations() {
        let text = "Reporting-MTA: dns; mx.example.jp\n\nFinal-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <a@example.net>:\n    user unknown\n";
        let b = blocks(text);
        assert_eq!(b.len(), 2);
        assert_eq!(
            get(&b[1], "diagnostic-code"),
            Some("smtp; 550 5.1.1 <a@example.net>: user unknown")
        );
        assert_eq!(
            typed_value(get(&b[1], "final-recipient").unwrap()),
            "a@example.net"
        );
    }
}

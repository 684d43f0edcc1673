//! Who owns the fix when the sending domain is the cause (authentication,
//! a domain blocklist): the domain named by the reply or by the original
//! message's From. It is the sending provider's when the provider signs for
//! that domain (`our_domains`); a free-mail domain sent through someone
//! else's server can never pass its own DMARC, so that is explained as such;
//! any other domain is the customer's own, and the answer names it.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::Fact;
use crate::types::is_within as within;

/// Whose sending domain it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "domain", rename_all = "snake_case")]
pub enum DomainOwner {
    /// A domain the sending provider signs for: ours to fix.
    Ours(String),
    /// A free-mail or carrier domain, sent through a server that is not its provider's.
    FreeMail(String),
    /// The customer's own domain.
    Customer(String),
    /// The domain is not known from the evidence.
    Unknown,
}

impl DomainOwner {
    /// The domain, if known.
    pub fn domain(&self) -> Option<&str> {
        match self {
            Self::Ours(d) | Self::FreeMail(d) | Self::Customer(d) => Some(d),
            Self::Unknown => None,
        }
    }
}

/// Domains named as the failing sender in providers' authentication and
/// blocklist replies: "Unauthenticated email from D is not accepted", "sending
/// domain D does not pass DMARC", "due to D's DMARC policy", "MailFrom domain
/// is listed", "RFC5321 from domain D".
static NAMED_DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:unauthenticated (?:e-?mail|mail) from|sending domain|rejected due to|due to|from domain|domain of|the domain)\s+\[?<?([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)>?\]?(?:'s)?",
    )
    .expect("valid")
});

fn plausible_domain(d: &str) -> bool {
    let tld = d.rsplit('.').next().unwrap_or_default();
    tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
}

/// The sending domain the evidence names: the reply's own words first, then
/// the original message's From address.
pub fn sending_domain(fact: &Fact) -> Option<String> {
    let named = NAMED_DOMAIN
        .captures_iter(&fact.diagnostic)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str().to_ascii_lowercase())
        .find(|d| plausible_domain(d));
    named.or_else(|| {
        let from = fact.original_from.as_deref()?;
        let addr = from
            .rsplit_once('<')
            .map_or(from, |(_, a)| a.trim_end_matches('>'));
        let (_, domain) = addr.trim().rsplit_once('@')?;
        let domain = domain.trim().trim_end_matches('>').to_ascii_lowercase();
        plausible_domain(&domain).then_some(domain)
    })
}

/// Decides whose the sending domain is.
pub fn owner(fact: &Fact, our_domains: &[String], free_mail: &[String]) -> DomainOwner {
    let Some(domain) = sending_domain(fact) else {
        return DomainOwner::Unknown;
    };
    if our_domains
        .iter()
        .any(|o| within(&domain, &o.to_ascii_lowercase()))
    {
        DomainOwner::Ours(domain)
    } else if free_mail.iter().any(|f| within(&domain, f)) {
        DomainOwner::FreeMail(domain)
    } else {
        DomainOwner::Customer(domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(diagnostic: &str, from: Option<&str>) -> Fact {
        Fact {
            diagnostic: diagnostic.into(),
            original_from: from.map(str::to_owned),
            ..Fact::default()
        }
    }

    #[test]
    fn the_reply_names_the_domain_before_the_from_header() {
        let f = fact(
            "550-5.7.26 Unauthenticated email from example.co.jp is not accepted due to domain's DMARC policy.",
            Some("Taro <taro@other.example>"),
        );
        assert_eq!(sending_domain(&f).as_deref(), Some("example.co.jp"));
        let f = fact(
            "550 5.7.509 Access denied, sending domain [SHOP.EXAMPLE] does not pass DMARC verification",
            None,
        );
        assert_eq!(sending_domain(&f).as_deref(), Some("shop.example"));
        let f = fact(
            "550 5.7.1 Your message was rejected due to example.net's DMARC policy",
            None,
        );
        assert_eq!(sending_domain(&f).as_deref(), Some("example.net"));
        let f = fact(
            "550 5.7.26 unauthenticated",
            Some("Taro <taro@shop.example>"),
        );
        assert_eq!(sending_domain(&f).as_deref(), Some("shop.example"));
        assert_eq!(
            sending_domain(&fact("550 5.7.26 unauthenticated", None)),
            None
        );
    }

    #[test]
    fn ours_free_mail_or_the_customers() {
        let ours = vec!["isp.example".to_owned()];
        let free = vec!["gmail.com".to_owned(), "docomo.ne.jp".to_owned()];
        let of = |from: &str| {
            owner(
                &fact("550 5.7.26 unauthenticated", Some(from)),
                &ours,
                &free,
            )
        };
        assert_eq!(
            of("a@mail.isp.example"),
            DomainOwner::Ours("mail.isp.example".into())
        );
        assert_eq!(of("a@gmail.com"), DomainOwner::FreeMail("gmail.com".into()));
        assert_eq!(
            of("a@notgmail.com"),
            DomainOwner::Customer("notgmail.com".into())
        );
    }
}

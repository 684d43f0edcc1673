//! Who pays for work a stranger can make this node do, and by what key.
//!
//! | limit | key | why this key |
//! |---|---|---|
//! | requests per client | [`client_key`]: an IPv4 address, or an IPv6 /64 | one IPv6 host is handed a /64; per address, it would have 2^64 budgets |
//! | notices per issuer | [`registrable`]: the issuer's registrable domain (the Public Suffix List) | one wildcard TXT record (`*.evil.example`) answers a key for every name under it, so per issuer name it would have unlimited budgets |
//! | DNS queries ([`DnsLimits`]) | the issuer's registrable domain, and the client (direct) or the peer (federation) that brought the notice | a notice's sender chooses every name its scope checks look up |
//!
//! The registrable domain comes from the `psl` crate, which compiles the
//! Public Suffix List into the binary: no list is fetched at run time (a
//! node may have no way out but DNS), and every node of one dix version
//! draws the same boundaries. (`publicsuffix` parses a list the program
//! must supply and keep current itself.)

use std::net::IpAddr;
use std::num::NonZeroU32;

use dix_schema::types::Domain;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The key a client is limited by: its IPv4 address, or the /64 its IPv6
/// address is in (an IPv4-mapped IPv6 address is its IPv4 address).
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

/// The registrable domain `domain` is under (`evil.example` for
/// `a.b.evil.example`, `example.co.uk` for `mx.example.co.uk`); a name that
/// is itself a public suffix, or that the list cannot place, stands for
/// itself.
pub fn registrable(domain: &Domain) -> String {
    psl::domain_str(domain.as_str()).map_or_else(|| domain.as_str().to_owned(), str::to_owned)
}

/// Who brought a notice, for its DNS queries' bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payer {
    /// A client publishing directly, by [`client_key`].
    Client(IpAddr),
    /// A peer, by its URL.
    Peer(String),
    /// The node itself (demo data, re-checks it schedules): no client pays.
    Node,
}

/// A DNS bill that would go over a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRefusal {
    /// Whose budget is spent: `issuer evil.example`, `client 192.0.2.1`,
    /// `peer https://…`.
    pub who: String,
    /// The limit, queries a minute.
    pub per_minute: u32,
    /// Seconds until the bill would fit.
    pub retry_after_secs: u64,
}

/// DNS queries a minute per issuer (registrable domain), per client and per
/// peer.
pub struct DnsLimits {
    issuer: DefaultKeyedRateLimiter<String>,
    client: DefaultKeyedRateLimiter<IpAddr>,
    peer: DefaultKeyedRateLimiter<String>,
    per_minute: (u32, u32, u32),
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("max(1)"))
}

impl DnsLimits {
    /// Limits of `issuer`, `client` and `peer` queries a minute (each at
    /// least 1; a notice's worst case must fit in each for it to pass).
    pub fn new(issuer: u32, client: u32, peer: u32) -> Self {
        Self {
            issuer: RateLimiter::keyed(per_minute(issuer)),
            client: RateLimiter::keyed(per_minute(client)),
            peer: RateLimiter::keyed(per_minute(peer)),
            per_minute: (issuer.max(1), client.max(1), peer.max(1)),
        }
    }

    /// Charges `queries` DNS queries about `issuer`'s notice to `payer` and
    /// to the issuer's registrable domain. Refused when either budget
    /// cannot pay now (then nothing may be asked).
    pub fn charge(&self, issuer: &Domain, payer: &Payer, queries: u32) -> Result<(), DnsRefusal> {
        let Some(n) = NonZeroU32::new(queries) else {
            return Ok(());
        };
        let refusal =
            |who: String, per_minute: u32, wait: Option<std::time::Duration>| DnsRefusal {
                who,
                per_minute,
                retry_after_secs: wait.map_or(60, |w| w.as_secs() + 1),
            };
        let wait = |r: Result<
            Result<(), governor::NotUntil<_>>,
            governor::InsufficientCapacity,
        >|
         -> Result<(), Option<std::time::Duration>> {
            match r {
                Ok(Ok(())) => Ok(()),
                Ok(Err(not_until)) => Err(Some(not_until.wait_time_from(
                    governor::clock::Clock::now(&governor::clock::DefaultClock::default()),
                ))),
                Err(_) => Err(None),
            }
        };
        // The sender's budget first: a bill refused there costs the issuer
        // named in the notice nothing.
        match payer {
            Payer::Client(ip) => {
                let key = client_key(*ip);
                wait(self.client.check_key_n(&key, n))
                    .map_err(|w| refusal(format!("client {key}"), self.per_minute.1, w))?;
            }
            Payer::Peer(url) => wait(self.peer.check_key_n(url, n))
                .map_err(|w| refusal(format!("peer {url}"), self.per_minute.2, w))?,
            Payer::Node => {}
        }
        let domain = registrable(issuer);
        wait(self.issuer.check_key_n(&domain, n))
            .map_err(|w| refusal(format!("issuer {domain}"), self.per_minute.0, w))
    }

    /// Drops idle keys (called once a minute).
    pub fn retain_recent(&self) {
        self.issuer.retain_recent();
        self.client.retain_recent();
        self.peer.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn domain(s: &str) -> Domain {
        Domain::parse(s).unwrap()
    }

    #[test]
    fn ipv6_clients_are_one_per_slash_64() {
        assert_eq!(client_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(
            client_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            client_key(ip("2001:db8:1:2::7"))
        );
        assert_ne!(
            client_key(ip("2001:db8:1:3::1")),
            client_key(ip("2001:db8:1:2::1"))
        );
        assert_eq!(client_key(ip("192.0.2.7")), ip("192.0.2.7"));
        assert_ne!(client_key(ip("192.0.2.7")), client_key(ip("192.0.2.8")));
        assert_eq!(client_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
    }

    #[test]
    fn issuers_are_counted_by_registrable_domain() {
        assert_eq!(registrable(&domain("x1.evil.example")), "evil.example");
        assert_eq!(registrable(&domain("a.b.c.evil.example")), "evil.example");
        assert_eq!(registrable(&domain("evil.example")), "evil.example");
        assert_eq!(registrable(&domain("mx.example.co.uk")), "example.co.uk");
        assert_eq!(registrable(&domain("isp.ne.jp")), "isp.ne.jp");
        assert_eq!(registrable(&domain("mail.isp.ne.jp")), "isp.ne.jp");
        // Hosting suffixes in the list's private section are boundaries too.
        assert_eq!(
            registrable(&domain("a.someone.github.io")),
            "someone.github.io"
        );
        assert_ne!(
            registrable(&domain("someone.github.io")),
            registrable(&domain("other.github.io"))
        );
    }

    #[test]
    fn dns_queries_are_charged_to_the_issuers_domain_and_the_payer() {
        let limits = DnsLimits::new(32, 20, 40);
        let client = Payer::Client(ip("2001:db8::1"));
        let same_64 = Payer::Client(ip("2001:db8::2"));
        // Two issuers under one registrable domain share its budget.
        limits
            .charge(&domain("x1.evil.example"), &client, 16)
            .unwrap();
        let refused = limits
            .charge(&domain("x2.evil.example"), &Payer::Node, 17)
            .unwrap_err();
        assert_eq!(refused.who, "issuer evil.example");
        assert_eq!(refused.per_minute, 32);
        // The client's /64 pays once per query, whichever address it uses.
        let refused = limits
            .charge(&domain("other.example"), &same_64, 5)
            .unwrap_err();
        assert_eq!(refused.who, "client 2001:db8::");
        limits
            .charge(&domain("other.example"), &same_64, 4)
            .unwrap();
        // A peer has its own budget; a query-free notice costs nothing.
        let peer = Payer::Peer("http://peer.example".into());
        limits.charge(&domain("third.example"), &peer, 16).unwrap();
        limits.charge(&domain("x3.evil.example"), &peer, 0).unwrap();
        assert!(limits.charge(&domain("fourth.example"), &peer, 25).is_err());
        assert!(limits.charge(&domain("fifth.example"), &peer, 24).is_ok());
    }
}

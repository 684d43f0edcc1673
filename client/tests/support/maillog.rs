//! A day of Postfix log as a busy outbound relay writes it, for the scan
//! benchmark and tests: submissions (connect, SASL login, cleanup, qmgr,
//! delivery, removal, disconnect), inbound connections rejected before any
//! queue file, TLS and anvil lines, and failures: greylisting, throttling
//! (deferred and retried, several times, then delivered), unknown users and
//! full mailboxes (bounced). Deterministic: the same seed, the same log.
//!
//! Most lines are not deliveries, as in a real log: about one line in five
//! carries `status=`.

use std::fmt::Write as _;

/// What the generator put in, to check a scan against.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    /// Lines written.
    pub lines: u64,
    /// Lines holding `status=`.
    pub status_lines: u64,
    /// Messages (one recipient each).
    pub messages: u64,
    /// Messages delivered at the first attempt.
    pub delivered_first_time: u64,
    /// Messages deferred at least once, then delivered.
    pub delivered_later: u64,
    /// Messages bounced.
    pub bounced: u64,
    /// Deferred attempts in all.
    pub deferrals: u64,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const DOMAINS: [(&str, &str, &str); 6] = [
    ("gmail.com", "gmail-smtp-in.l.google.com", "142.250.157.27"),
    (
        "outlook.com",
        "outlook-com.olc.protection.outlook.com",
        "52.101.68.0",
    ),
    ("yahoo.co.jp", "mx.mail.yahoo.co.jp", "182.22.12.117"),
    ("docomo.ne.jp", "mfsmax.docomo.ne.jp", "203.138.180.112"),
    ("example.net", "mx.example.net", "198.51.100.25"),
    ("ezweb.ne.jp", "lsean.ezweb.ne.jp", "27.86.113.5"),
];

fn stamp(second: u64) -> String {
    let (h, m, s) = (second / 3600 % 24, second / 60 % 60, second % 60);
    format!("Dec  1 {h:02}:{m:02}:{s:02}")
}

/// Writes about `target_lines` lines of log into `out`.
pub fn generate(target_lines: u64, seed: u64, out: &mut String) -> Written {
    let mut rng = Rng(seed | 1);
    let mut w = Written::default();
    let mut second: u64 = 0;
    let mut message: u64 = 0;
    // Deferred messages waiting for their next attempt: (due line count, queue id, domain, recipient, tries left).
    let mut waiting: Vec<(u64, String, usize, String, u32)> = Vec::new();
    let line = |out: &mut String, w: &mut Written, second: u64, text: &str| {
        let _ = writeln!(out, "{} mx1 {text}", stamp(second));
        w.lines += 1;
        if text.contains("status=") {
            w.status_lines += 1;
        }
    };
    while w.lines < target_lines {
        second += rng.below(2);
        let pid = 2000 + rng.below(5000);
        // Noise: inbound connections that never queue anything.
        for _ in 0..rng.below(3) {
            let ip = format!("198.51.100.{}", rng.below(250));
            line(
                out,
                &mut w,
                second,
                &format!("postfix/smtpd[{pid}]: connect from unknown[{ip}]"),
            );
            line(
                out,
                &mut w,
                second,
                &format!(
                    "postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[{ip}]: 554 5.7.1 <x@example.jp>: Relay access denied; from=<spam@example.org> to=<x@example.jp> proto=ESMTP helo=<bot>"
                ),
            );
            line(
                out,
                &mut w,
                second,
                &format!(
                    "postfix/smtpd[{pid}]: disconnect from unknown[{ip}] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4"
                ),
            );
        }
        if rng.below(20) == 0 {
            line(
                out,
                &mut w,
                second,
                "postfix/anvil[1900]: statistics: max connection rate 3/60s for (smtp:198.51.100.7) at Dec  1 09:00:01",
            );
        }
        // A submission.
        message += 1;
        w.messages += 1;
        let queue_id = format!("4T{message:08X}");
        let d = rng.below(DOMAINS.len() as u64) as usize;
        let (domain, host, ip) = DOMAINS[d];
        let recipient = format!("user{}@{domain}", rng.below(100_000));
        let sender = format!("customer{}@example.jp", rng.below(5000));
        line(
            out,
            &mut w,
            second,
            &format!(
                "postfix/submission/smtpd[{pid}]: connect from client.example.jp[203.0.113.{}]",
                rng.below(250)
            ),
        );
        line(
            out,
            &mut w,
            second,
            &format!(
                "postfix/submission/smtpd[{pid}]: Anonymous TLS connection established from client.example.jp[203.0.113.9]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"
            ),
        );
        line(
            out,
            &mut w,
            second,
            &format!(
                "postfix/submission/smtpd[{pid}]: {queue_id}: client=client.example.jp[203.0.113.9], sasl_method=PLAIN, sasl_username={sender}"
            ),
        );
        line(
            out,
            &mut w,
            second,
            &format!(
                "postfix/cleanup[{}]: {queue_id}: message-id=<{message}.{}@example.jp>",
                pid + 1,
                rng.below(1 << 30)
            ),
        );
        line(
            out,
            &mut w,
            second,
            &format!(
                "postfix/qmgr[1100]: {queue_id}: from=<{sender}>, size={}, nrcpt=1 (queue active)",
                1000 + rng.below(90_000)
            ),
        );
        line(
            out,
            &mut w,
            second,
            &format!(
                "postfix/submission/smtpd[{pid}]: disconnect from client.example.jp[203.0.113.9] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8"
            ),
        );
        let roll = rng.below(100);
        let relay = format!(
            "relay={host}[{ip}]:25, delay=0.{}, delays=0.1/0/0.2/0.3",
            rng.below(9)
        );
        line(
            out,
            &mut w,
            second,
            &format!(
                "postfix/smtp[{}]: Trusted TLS connection established to {host}[{ip}]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
                pid + 2
            ),
        );
        if roll < 4 {
            // Deferred; retried later.
            w.deferrals += 1;
            line(
                out,
                &mut w,
                second,
                &format!(
                    "postfix/smtp[{}]: {queue_id}: to=<{recipient}>, {relay}, dsn=4.7.0, status=deferred (host {host}[{ip}] said: 421 4.7.0 Try again later, closing connection. {:x} (in reply to end of DATA command))",
                    pid + 2,
                    rng.next()
                ),
            );
            waiting.push((
                w.lines + 200 + rng.below(2000),
                queue_id.clone(),
                d,
                recipient,
                1 + rng.below(3) as u32,
            ));
        } else if roll < 5 {
            w.bounced += 1;
            line(
                out,
                &mut w,
                second,
                &format!(
                    "postfix/smtp[{}]: {queue_id}: to=<{recipient}>, {relay}, dsn=5.1.1, status=bounced (host {host}[{ip}] said: 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown (in reply to RCPT TO command))",
                    pid + 2
                ),
            );
            line(
                out,
                &mut w,
                second,
                &format!(
                    "postfix/bounce[{}]: {queue_id}: sender non-delivery notification: 4N{message:08X}",
                    pid + 3
                ),
            );
            line(
                out,
                &mut w,
                second,
                &format!("postfix/qmgr[1100]: {queue_id}: removed"),
            );
        } else {
            w.delivered_first_time += 1;
            line(
                out,
                &mut w,
                second,
                &format!(
                    "postfix/smtp[{}]: {queue_id}: to=<{recipient}>, {relay}, dsn=2.0.0, status=sent (250 2.0.0 OK {:x})",
                    pid + 2,
                    rng.next()
                ),
            );
            line(
                out,
                &mut w,
                second,
                &format!("postfix/qmgr[1100]: {queue_id}: removed"),
            );
        }
        // Retries that are due.
        let lines_now = w.lines;
        let mut due: Vec<_> = Vec::new();
        waiting.retain(|entry| {
            if entry.0 <= lines_now {
                due.push(entry.clone());
                false
            } else {
                true
            }
        });
        for (_, queue_id, d, recipient, tries_left) in due {
            let (_, host, ip) = DOMAINS[d];
            let relay = format!("relay={host}[{ip}]:25, delay=900, delays=899/0/0.2/0.3");
            if tries_left > 1 {
                w.deferrals += 1;
                line(
                    out,
                    &mut w,
                    second,
                    &format!(
                        "postfix/smtp[{}]: {queue_id}: to=<{recipient}>, {relay}, dsn=4.7.0, status=deferred (host {host}[{ip}] said: 421 4.7.0 Try again later, closing connection. {:x} (in reply to end of DATA command))",
                        pid + 4,
                        rng.next()
                    ),
                );
                waiting.push((
                    w.lines + 200 + rng.below(2000),
                    queue_id,
                    d,
                    recipient,
                    tries_left - 1,
                ));
            } else {
                w.delivered_later += 1;
                line(
                    out,
                    &mut w,
                    second,
                    &format!(
                        "postfix/smtp[{}]: {queue_id}: to=<{recipient}>, {relay}, dsn=2.0.0, status=sent (250 2.0.0 OK {:x})",
                        pid + 4,
                        rng.next()
                    ),
                );
                line(
                    out,
                    &mut w,
                    second,
                    &format!("postfix/qmgr[1100]: {queue_id}: removed"),
                );
            }
        }
    }
    // Whatever still waits stays deferred: the log ends.
    w
}

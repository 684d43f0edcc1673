//! How long to wait before trying a failing peer again: after `n` failures
//! in a row, min(cap, interval × 2ⁿ), jittered by ±20 % so peers that failed
//! together do not retry together. Never more than the cap (plus jitter):
//! a peer that recovers is back within the cap, never silently dropped.

use std::time::Duration;

/// The wait after `failures` failures in a row (0: the normal interval).
pub fn delay(interval: Duration, cap: Duration, failures: u32, jitter: f64) -> Duration {
    let factor = 2f64.powi(failures.min(30) as i32);
    let base = (interval.as_secs_f64() * factor).min(cap.as_secs_f64().max(interval.as_secs_f64()));
    let jittered = base * (0.8 + 0.4 * jitter.clamp(0.0, 1.0));
    Duration::from_secs_f64(jittered.max(0.05))
}

/// A random number in [0, 1) from the operating system.
pub fn random_unit() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_jitters() {
        let i = Duration::from_secs(60);
        let cap = Duration::from_secs(3600);
        assert_eq!(delay(i, cap, 0, 0.5), Duration::from_secs(60));
        assert_eq!(delay(i, cap, 1, 0.5), Duration::from_secs(120));
        assert_eq!(delay(i, cap, 3, 0.5), Duration::from_secs(480));
        assert_eq!(delay(i, cap, 10, 0.5), cap);
        assert_eq!(delay(i, cap, 1000, 0.5), cap);
        assert_eq!(delay(i, cap, 0, 0.0), Duration::from_secs(48));
        assert_eq!(delay(i, cap, 0, 1.0), Duration::from_secs(72));
        let r = random_unit();
        assert!((0.0..1.0).contains(&r));
    }
}

//! The kubelet's crash-loop and image-pull back-off (client-go
//! `flowcontrol.Backoff` with `backOffPeriod = 10s`, `MaxContainerBackOff =
//! 300s`): the first failure restarts at once; later ones wait 10s, 20s, 40s,
//! … up to 5m; an entry untouched for 2 × max (10 min) starts over.

use crate::time::{MonoDuration, MonoTime};

pub const INITIAL: MonoDuration = MonoDuration(10_000);
pub const MAX: MonoDuration = MonoDuration(300_000);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backoff {
    entry: Option<Entry>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    delay: MonoDuration,
    last_update: MonoTime,
}

impl Backoff {
    /// `IsInBackOffSince(id, finishedAt)`: still waiting after a failure at
    /// `since`?
    pub fn in_backoff_since(&self, since: MonoTime, now: MonoTime) -> bool {
        match self.entry {
            Some(e) if !expired(e, now) => now.since(since) < e.delay,
            _ => false,
        }
    }

    /// When the back-off that began at `since` ends.
    pub fn until(&self, since: MonoTime) -> MonoTime {
        since + self.entry.map_or(MonoDuration::ZERO, |e| e.delay)
    }

    /// The current delay (`10s`, `20s`, …) for messages.
    pub fn delay(&self) -> MonoDuration {
        self.entry.map_or(MonoDuration::ZERO, |e| e.delay)
    }

    /// `Next(id, now)`: records a restart, doubling the delay.
    pub fn next(&mut self, now: MonoTime) {
        let delay = match self.entry {
            Some(e) if !expired(e, now) => MonoDuration(e.delay.0.saturating_mul(2).min(MAX.0)),
            _ => INITIAL,
        };
        self.entry = Some(Entry { delay, last_update: now });
    }
}

fn expired(e: Entry, now: MonoTime) -> bool {
    now.since(e.last_update) > MonoDuration(MAX.0 * 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resets_after_ten_quiet_minutes() {
        let mut b = Backoff::default();
        b.next(MonoTime(0));
        b.next(MonoTime(10_000));
        assert_eq!(b.delay(), MonoDuration(20_000));
        let later = MonoTime(10_000 + 600_001);
        assert!(!b.in_backoff_since(later, later));
        b.next(later);
        assert_eq!(b.delay(), INITIAL);
    }

    /// The facts sheet's vector 11: 0, 10, 20, 40, 80, 160, 300, 300, 300
    /// for a container that keeps crashing at once (the first crash restarts
    /// at once); an entry untouched for exactly 10 minutes still counts, a
    /// millisecond more and it is gone.
    #[test]
    fn vector_11_backoff() {
        let mut b = Backoff::default();
        let mut now = MonoTime(0);
        let mut waits = Vec::new();
        for _ in 0..9 {
            let crashed = now;
            if b.in_backoff_since(crashed, now) {
                now = b.until(crashed);
            }
            waits.push(now.since(crashed).secs());
            b.next(now);
        }
        assert_eq!(waits, [0, 10, 20, 40, 80, 160, 300, 300, 300]);
        let mut b = Backoff::default();
        b.next(MonoTime(0));
        assert!(b.in_backoff_since(MonoTime(600_000), MonoTime(600_000)));
        assert!(!b.in_backoff_since(MonoTime(600_001), MonoTime(600_001)));
        b.next(MonoTime(600_000));
        assert_eq!(b.delay(), MonoDuration(20_000), "touched at exactly 10 minutes: doubles");
        b.next(MonoTime(1_200_001));
        assert_eq!(b.delay(), INITIAL, "untouched for 10 minutes and 1 ms: starts over");
    }
}

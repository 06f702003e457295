//! Time as the kubelet keeps it. podplay-core reads no clock: time comes in
//! as [`MonoTime`], monotonic milliseconds since a run began (virtual ones
//! on the simulated node, real ones on a real node), and an [`Epoch`] says
//! what wall time that zero was, for Kubernetes timestamps ([`Time`]). The
//! virtual node's epoch is [`VIRTUAL_EPOCH`] (`2026-01-01T00:00:00Z`).
//!
//! Two Go formats that Kubernetes prints are here as well:
//! - [`go_duration`]: Go's `time.Duration.String` (`523ms`, `1.5s`, `5m0s`),
//!   used in kubelet events and waiting messages (`back-off 1m20s …`);
//! - [`human_duration`]: apimachinery's `duration.HumanDuration`, kubectl's
//!   AGE and `RESTARTS (… ago)` columns (`5s`, `2m30s`, `10m`, `3h5m`, `2d`).

pub mod civil;

use std::fmt;
use std::ops::{Add, AddAssign};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;

/// Unix seconds of the virtual epoch, `2026-01-01T00:00:00Z`.
pub const VIRTUAL_EPOCH_UNIX_SECONDS: i64 = 1_767_225_600;

/// The virtual epoch as an RFC 3339 string (what `virtual_time(0)` serializes to).
pub const VIRTUAL_EPOCH: &str = "2026-01-01T00:00:00Z";

/// A point of monotonic time: milliseconds since the run began (the
/// Pod's creation). The simulator's programs read it as wall time from
/// [`VIRTUAL_EPOCH`] ([`MonoTime::civil`]).
///
/// `Display` prints the elapsed time as a Go duration (`1.5s`, `523ms`,
/// `5m0s`), as Kubernetes prints durations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct MonoTime(pub u64);

/// A span of monotonic time in milliseconds. `Display` is Go's
/// `time.Duration.String` (`523ms`, `1.5s`, `5m0s`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct MonoDuration(pub u64);

impl MonoDuration {
    pub const ZERO: MonoDuration = MonoDuration(0);

    pub fn from_millis(ms: u64) -> MonoDuration {
        MonoDuration(ms)
    }

    pub fn from_secs(s: u64) -> MonoDuration {
        MonoDuration(s.saturating_mul(1000))
    }

    pub fn millis(self) -> u64 {
        self.0
    }

    /// Whole seconds (truncated).
    pub fn secs(self) -> u64 {
        self.0 / 1000
    }
}

impl fmt::Display for MonoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&go_duration(self.0))
    }
}

impl Add for MonoDuration {
    type Output = MonoDuration;
    fn add(self, rhs: MonoDuration) -> MonoDuration {
        MonoDuration(self.0.saturating_add(rhs.0))
    }
}

impl Add<MonoDuration> for MonoTime {
    type Output = MonoTime;
    fn add(self, rhs: MonoDuration) -> MonoTime {
        MonoTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<MonoDuration> for MonoTime {
    fn add_assign(&mut self, rhs: MonoDuration) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl MonoTime {
    pub const ZERO: MonoTime = MonoTime(0);

    pub fn from_millis(ms: u64) -> MonoTime {
        MonoTime(ms)
    }

    pub fn from_secs(s: u64) -> MonoTime {
        MonoTime(s.saturating_mul(1000))
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: MonoTime) -> MonoDuration {
        MonoDuration(self.0.saturating_sub(earlier.0))
    }

    /// The UTC date and time of this instant on the virtual node's clock
    /// ([`Epoch::VIRTUAL`]), for its `date`, logs and `ls -l`.
    pub fn civil(self) -> civil::Civil {
        civil::Civil::from_unix_millis(unix_millis(self.0))
    }

    /// Unix seconds of this instant on the virtual node's clock.
    pub fn to_unix_seconds(self) -> i64 {
        VIRTUAL_EPOCH_UNIX_SECONDS.saturating_add(i64::try_from(self.0 / 1000).unwrap_or(i64::MAX))
    }

    /// The instant of a Kubernetes timestamp on the virtual node's clock;
    /// `None` before its epoch.
    pub fn from_time(time: &Time) -> Option<MonoTime> {
        let ms = time.0.as_millisecond().checked_sub(VIRTUAL_EPOCH_UNIX_SECONDS * 1000)?;
        u64::try_from(ms).ok().map(MonoTime)
    }
}

impl fmt::Display for MonoTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&go_duration(self.0))
    }
}

/// The wall-clock time at which a run's monotonic time is zero: what turns
/// the kubelet's [`MonoTime`] into API timestamps. The virtual node's epoch is
/// [`VIRTUAL_EPOCH`] (traces stay the same from run to run); a real node's is
/// the real time its run began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Epoch {
    unix_millis: i64,
}

impl Epoch {
    /// `2026-01-01T00:00:00Z`, the virtual node's.
    pub const VIRTUAL: Epoch = Epoch { unix_millis: VIRTUAL_EPOCH_UNIX_SECONDS * 1000 };

    pub fn from_unix_millis(unix_millis: i64) -> Epoch {
        Epoch { unix_millis }
    }

    /// Milliseconds since the Unix epoch at `t` (saturating).
    pub fn unix_millis_at(self, t: MonoTime) -> i64 {
        i64::try_from(t.0).ok().and_then(|ms| self.unix_millis.checked_add(ms)).unwrap_or(i64::MAX)
    }

    /// The Kubernetes timestamp of `t`. Saturates at the largest timestamp
    /// jiff can hold (year 9999); never panics.
    pub fn time(self, t: MonoTime) -> Time {
        let ms = i64::try_from(t.0).ok().and_then(|ms| self.unix_millis.checked_add(ms)).unwrap_or(i64::MAX);
        Time(Timestamp::from_millisecond(ms).unwrap_or(Timestamp::MAX))
    }
}

/// The Kubernetes timestamp `ms` milliseconds after [`VIRTUAL_EPOCH`].
/// Saturates at the largest timestamp jiff can hold (year 9999); never panics.
pub fn virtual_time(ms: u64) -> Time {
    Time(Timestamp::from_millisecond(unix_millis(ms)).unwrap_or(Timestamp::MAX))
}

/// Unix milliseconds `ms` after [`VIRTUAL_EPOCH`], saturating.
fn unix_millis(ms: u64) -> i64 {
    i64::try_from(ms).ok().and_then(|ms| (VIRTUAL_EPOCH_UNIX_SECONDS * 1000).checked_add(ms)).unwrap_or(i64::MAX)
}

/// Milliseconds from `from` to `to` (negative if `to` is earlier).
pub fn millis_between(from: &Time, to: &Time) -> i64 {
    to.0.as_millisecond().saturating_sub(from.0.as_millisecond())
}

/// Go's `time.Duration.String` for a whole number of milliseconds:
/// `0s`, `523ms`, `1s`, `1.5s`, `1m20s`, `5m0s`, `1h0m0s`.
pub fn go_duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let hours = ms / 3_600_000;
    let minutes = ms / 60_000 % 60;
    let seconds = ms / 1000 % 60;
    let millis = ms % 1000;
    let mut out = String::new();
    if hours > 0 {
        out.push_str(&format!("{hours}h"));
    }
    if hours > 0 || minutes > 0 {
        out.push_str(&format!("{minutes}m"));
    }
    out.push_str(&seconds.to_string());
    if millis > 0 {
        let fraction = format!("{millis:03}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push('s');
    out
}

/// apimachinery `duration.HumanDuration` for a signed number of
/// milliseconds: `<invalid>` below -1s, `0s` for (-2s, 0), then `119s`,
/// `2m`, `9m59s`, `10m`, `179m`, `3h`, `7h59m`, `8h`, `47h`, `2d`, `7d23h`,
/// `8d`, …, `2y`, `7y364d`, `8y`.
pub fn human_duration(ms: i64) -> String {
    // Go: int(d.Seconds()) truncates toward zero.
    let seconds = ms / 1000;
    if seconds < -1 {
        return "<invalid>".to_string();
    } else if seconds < 0 {
        return "0s".to_string();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        if s == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{s}s");
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            return format!("{hours}h");
        }
        return format!("{hours}h{m}m");
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            return format!("{}d", hours / 24);
        }
        return format!("{}d{}h", hours / 24, h);
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        return format!("{}y{}d", hours / 24 / 365, dy);
    }
    format!("{}y", hours / 24 / 365)
}

/// kubectl's `translateTimestampSince`: [`human_duration`] from `since` to
/// `now`, or `<unknown>` without a timestamp.
pub fn translate_timestamp_since(since: Option<&Time>, now: &Time) -> String {
    match since {
        None => "<unknown>".to_string(),
        Some(t) => human_duration(millis_between(t, now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_serializes_as_2026() {
        let t = virtual_time(0);
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json, serde_json::json!(VIRTUAL_EPOCH));
        let later = virtual_time(90_500);
        assert_eq!(serde_json::to_value(&later).unwrap(), serde_json::json!("2026-01-01T00:01:30Z"));
        assert_eq!(MonoTime::from_time(&later), Some(MonoTime(90_500)));
        assert_eq!(MonoTime(90_500).to_unix_seconds(), VIRTUAL_EPOCH_UNIX_SECONDS + 90);
    }

    #[test]
    fn huge_virtual_times_saturate() {
        let t = virtual_time(u64::MAX);
        assert_eq!(t.0, Timestamp::MAX);
        let t = Epoch::VIRTUAL.time(MonoTime(u64::MAX / 2));
        assert_eq!(t.0, Timestamp::MAX);
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(523), "523ms");
        assert_eq!(go_duration(1000), "1s");
        assert_eq!(go_duration(1500), "1.5s");
        assert_eq!(go_duration(2512), "2.512s");
        assert_eq!(go_duration(2050), "2.05s");
        assert_eq!(go_duration(10_000), "10s");
        assert_eq!(go_duration(80_000), "1m20s");
        assert_eq!(go_duration(160_000), "2m40s");
        assert_eq!(go_duration(300_000), "5m0s");
        assert_eq!(go_duration(3_600_000), "1h0m0s");
        assert_eq!(go_duration(3_601_500), "1h0m1.5s");
        assert_eq!(MonoTime(1500).to_string(), "1.5s");
        assert_eq!(MonoTime(523).to_string(), "523ms");
        assert_eq!(MonoTime::from_secs(300).to_string(), "5m0s");
        assert_eq!(MonoDuration(80_000).to_string(), "1m20s");
        assert_eq!(MonoTime(5_000).since(MonoTime(1_000)), MonoDuration::from_secs(4));
        assert_eq!(MonoTime(1_000).since(MonoTime(5_000)), MonoDuration::ZERO);
        assert_eq!(MonoTime(1_000) + MonoDuration(500), MonoTime(1_500));
        assert_eq!(MonoDuration::from_secs(42).secs(), 42);
    }

    #[test]
    fn human_durations() {
        let s = |n: i64| human_duration(n * 1000);
        assert_eq!(human_duration(-2500), "<invalid>");
        assert_eq!(human_duration(-1500), "0s");
        assert_eq!(s(0), "0s");
        assert_eq!(s(5), "5s");
        assert_eq!(s(119), "119s");
        assert_eq!(s(120), "2m");
        assert_eq!(s(150), "2m30s");
        assert_eq!(s(599), "9m59s");
        assert_eq!(s(600), "10m");
        assert_eq!(s(179 * 60 + 59), "179m");
        assert_eq!(s(3 * 3600 + 5 * 60), "3h5m");
        assert_eq!(s(3 * 3600), "3h");
        assert_eq!(s(8 * 3600 + 30 * 60), "8h");
        assert_eq!(s(48 * 3600), "2d");
        assert_eq!(s(50 * 3600), "2d2h");
        assert_eq!(s(10 * 86400), "10d");
        assert_eq!(s(2 * 365 * 86400), "2y");
        assert_eq!(s(2 * 365 * 86400 + 86400), "2y1d");
        assert_eq!(s(9 * 365 * 86400), "9y");
        assert_eq!(human_duration(i64::MIN), "<invalid>");
        assert_eq!(human_duration(i64::MAX).chars().last(), Some('y'));
    }

    #[test]
    fn timestamps_since() {
        let now = virtual_time(42_000);
        assert_eq!(translate_timestamp_since(Some(&virtual_time(0)), &now), "42s");
        assert_eq!(translate_timestamp_since(None, &now), "<unknown>");
    }
}

//! The clocks: the one place the drivers read them, and steps of the wall clock seen against
//! the monotonic clock (pure).
//!
//! `clippy.toml` forbids `Instant::now` and `SystemTime::now` everywhere else, so the machine
//! and the decision core cannot read a clock: time reaches them as an argument.
//!
//! Timers run on the monotonic clock, but what the state file records (when an address was
//! accepted, until when the provider holds a host) is wall-clock time, because it must mean
//! the same after a restart. A router without a battery-backed clock boots in 1970 and is
//! stepped decades forward when NTP first answers; an admin may set the clock back. Both
//! clocks advance at the same rate between steps (NTP slews both), so a step shows as a
//! change of their difference, and the daemon moves what it recorded by the same amount.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

/// A change of the wall-minus-monotonic difference larger than this is a step. Below it is
/// rounding and scheduling noise; every recorded time is in whole seconds anyway.
pub const STEP_MIN: Duration = Duration::from_secs(5);

/// A detected step of the wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// How far the clock moved, in seconds (negative: back).
    pub delta: i64,
    /// When this run started, in the clock before the step (Unix seconds): everything
    /// recorded by this run lies at or after it.
    pub run_start: u64,
}

/// Tracks the difference between the wall clock and the monotonic clock of this run.
#[derive(Debug, Clone, Copy)]
pub struct WallClock {
    /// Wall clock minus monotonic time, in milliseconds: the wall time of the run's start.
    offset_ms: i128,
}

impl WallClock {
    /// Starts tracking, from one reading of both clocks (`mono` since the run's start).
    pub fn new(wall: Duration, mono: Duration) -> Self {
        WallClock {
            offset_ms: wall.as_millis() as i128 - mono.as_millis() as i128,
        }
    }

    /// The run's start in the present wall clock (Unix seconds).
    pub fn run_start(&self) -> u64 {
        u64::try_from(self.offset_ms.div_euclid(1000)).unwrap_or(0)
    }

    /// Takes a new reading; returns the step when the wall clock was set since the last one.
    pub fn observe(&mut self, wall: Duration, mono: Duration) -> Option<Step> {
        let offset = wall.as_millis() as i128 - mono.as_millis() as i128;
        let change = offset - self.offset_ms;
        if change.unsigned_abs() <= STEP_MIN.as_millis() {
            return None;
        }
        let run_start = self.run_start();
        self.offset_ms = offset;
        let delta = i64::try_from(change.div_euclid(1000)).unwrap_or(0);
        Some(Step { delta, run_start })
    }
}

/// The wall clock as a duration since the Unix epoch (zero for a clock set before it).
#[allow(clippy::disallowed_methods)] // the one reading of the wall clock
pub fn wall_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// The wall clock in whole Unix seconds, as the state file records it.
pub fn unix_now() -> u64 {
    wall_now().as_secs()
}

/// The monotonic clock, for the drivers' timers. Tokio's, so that tests with a paused runtime
/// clock see it too.
#[allow(clippy::disallowed_methods)] // the one reading of the monotonic clock
pub fn mono_now() -> Instant {
    Instant::now()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    /// Both clocks advancing together, with sub-threshold noise, is no step; a step either
    /// way is reported once with its size and the run's start in the old clock.
    #[test]
    fn steps_are_seen_once() {
        let mut c = WallClock::new(s(1000), s(0));
        assert_eq!(c.run_start(), 1000);
        assert_eq!(c.observe(s(1060), s(60)), None);
        assert_eq!(c.observe(s(1124), s(120)), None, "4 s of noise");
        assert_eq!(
            c.observe(s(1_800_000_000), s(130)),
            Some(Step {
                delta: 1_800_000_000 - 1130,
                run_start: 1000
            })
        );
        assert_eq!(c.run_start(), 1_800_000_000 - 130);
        assert_eq!(c.observe(s(1_800_000_010), s(140)), None);
        assert_eq!(
            c.observe(s(1_800_000_010 - 3600), s(150)),
            Some(Step {
                delta: -3610,
                run_start: 1_800_000_000 - 130
            })
        );
    }

    /// Millisecond readings: a step just over the threshold counts, one just under does not.
    #[test]
    fn a_step_just_over_the_threshold_counts_and_one_just_under_does_not() {
        let mut c = WallClock::new(Duration::from_millis(10_500), s(0));
        assert_eq!(c.observe(Duration::from_millis(15_500), s(0)), None);
        assert!(c.observe(Duration::from_millis(15_501), s(0)).is_some());
    }
}

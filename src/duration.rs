//! Durations as users write them in the config: `"0s"`, `"30s"`, `"10m"`, `"2h"`, `"25d"`, or
//! a sum such as `"1h30m"`; and recorded times (Unix seconds) as people and scripts read them.

use std::time::Duration;

/// The form every duration error ends with.
const FORM: &str = "write a whole number and a unit with no space: s, m, h or d, e.g. \"30s\", \"10m\", \"25d\" (sums like \"1h30m\" work)";

/// Parses a duration string; the error says what was wrong, then the accepted form.
pub fn parse(text: &str) -> Result<Duration, String> {
    parse_units(text).map_err(|why| format!("{why}; {FORM}"))
}

/// The unit a word means, for `"5 minutes"` and the like.
fn unit_of_word(word: &str) -> Option<char> {
    match word.to_ascii_lowercase().as_str() {
        "sec" | "secs" | "second" | "seconds" => Some('s'),
        "min" | "mins" | "minute" | "minutes" => Some('m'),
        "hr" | "hrs" | "hour" | "hours" => Some('h'),
        "day" | "days" => Some('d'),
        _ => None,
    }
}

fn parse_units(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration".into());
    }
    // Words people write ("5 minutes", "2 hours"): name the form they meant.
    let mut words = t.split_whitespace();
    if let (Some(n), Some(word), None) = (words.next(), words.next(), words.next())
        && n.bytes().all(|b| b.is_ascii_digit())
        && let Some(u) = unit_of_word(word)
    {
        return Err(format!("\"{text}\" is written \"{n}{u}\""));
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut rest = t.char_indices().peekable();
    while let Some((_, ch)) = rest.next() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        if ch == '.' || ch == ',' {
            return Err(format!("\"{text}\": whole numbers only"));
        }
        if ch.is_whitespace() {
            return Err(format!("\"{text}\": no spaces"));
        }
        if !ch.is_alphabetic() {
            return Err(format!("unexpected '{ch}' in \"{text}\""));
        }
        // The whole run of letters is the unit: "5min" is not "5m" followed by "in".
        let mut word = ch.to_string();
        while let Some((_, c)) = rest.next_if(|(_, c)| c.is_alphabetic()) {
            word.push(c);
        }
        let unit = match word.as_str() {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86400,
            _ => {
                return Err(match unit_of_word(&word) {
                    Some(u) => format!("\"{text}\": the unit is \"{u}\", not \"{word}\""),
                    None => format!("unknown unit \"{word}\" in \"{text}\""),
                });
            }
        };
        if digits.is_empty() {
            return Err(format!("missing number before \"{word}\" in \"{text}\""));
        }
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("number too large in \"{text}\""))?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("duration too large: \"{text}\""))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!("\"{text}\" has no unit"));
    }
    Ok(Duration::from_secs(total))
}

/// Formats a duration the way the config writes it, largest units first (`"1h30m"`, `"0s"`).
pub fn format(d: Duration) -> String {
    let mut s = d.as_secs();
    if s == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, name) in [(86400, 'd'), (3600, 'h'), (60, 'm'), (1, 's')] {
        if s >= unit {
            out.push_str(&(s / unit).to_string());
            out.push(name);
            s %= unit;
        }
    }
    out
}

/// A duration in words for prose, in its largest whole unit: "30 minutes", "2 hours",
/// "90 seconds".
pub fn words(d: Duration) -> String {
    let s = d.as_secs();
    let (n, unit) = match s {
        _ if s >= 2 * 86_400 && s.is_multiple_of(86_400) => (s / 86_400, "day"),
        _ if s >= 2 * 3600 && s.is_multiple_of(3600) => (s / 3600, "hour"),
        _ if s >= 60 && s.is_multiple_of(60) => (s / 60, "minute"),
        _ => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// Unix seconds as a civil date and time (Howard Hinnant's days-from-civil, inverted).
fn civil(t: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
}

/// Unix seconds in RFC 3339, UTC: `2026-12-01T20:14:49Z` (for `--json`).
pub fn rfc3339(t: u64) -> String {
    let (y, m, d, hh, mm, ss) = civil(i64::try_from(t).unwrap_or(i64::MAX));
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

/// The time zone people read times in: the system's, else UTC. Every time a person reads
/// (status, once, the log) goes through [`Zone::format`], so one time looks the same
/// everywhere.
#[derive(Debug, Clone, Default)]
pub struct Zone(Option<tz::TimeZone>);

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone(None)
    }

    /// The system's zone: `TZ`, else `/etc/localtime`, else OpenWrt's `/etc/TZ` (a POSIX TZ
    /// string), else UTC. Reads files: called by the drivers, once.
    pub fn local() -> Zone {
        Zone::of_reader(std::env::var("TZ").ok().as_deref())
    }

    /// The zone of a reader whose `TZ` is `tz` (the daemon renders `status` in the zone of
    /// the command line that asks): as [`Zone::local`], with that `TZ`. Reads files.
    pub fn of_reader(tz: Option<&str>) -> Zone {
        // As libc does: TZ wins (a POSIX string, a zone name, or ":path").
        if let Some(z) = tz.filter(|t| !t.is_empty()).and_then(Zone::posix) {
            return z;
        }
        if let Ok(z) = tz::TimeZone::local() {
            return Zone(Some(z));
        }
        std::fs::read_to_string("/etc/TZ")
            .ok()
            .and_then(|s| Zone::posix(s.trim()))
            .unwrap_or_default()
    }

    /// A zone from a POSIX TZ string such as `CET-1CEST,M3.5.0,M10.5.0/3`.
    pub fn posix(spec: &str) -> Option<Zone> {
        tz::TimeZone::from_posix_tz(spec)
            .ok()
            .map(|z| Zone(Some(z)))
    }

    /// The zone's offset from UTC at `t`, in seconds.
    pub fn offset(&self, t: u64) -> i32 {
        let t = i64::try_from(t).unwrap_or(i64::MAX);
        self.0
            .as_ref()
            .and_then(|z| z.find_local_time_type(t).ok())
            .map_or(0, |l| l.ut_offset())
    }

    /// Unix seconds as local time with its offset: `2026-12-01 21:14:49 +01:00`.
    pub fn format(&self, t: u64) -> String {
        let off = self.offset(t);
        let local = i64::try_from(t).unwrap_or(i64::MAX) + i64::from(off);
        let (y, m, d, hh, mm, ss) = civil(local);
        let sign = if off < 0 { '-' } else { '+' };
        let a = off.unsigned_abs();
        format!(
            "{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02} {sign}{:02}:{:02}",
            a / 3600,
            a / 60 % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every unit and a compound form parse to the right number of seconds.
    #[test]
    fn every_unit_and_a_compound_form_parse_to_their_seconds() {
        for (t, secs) in [
            ("0s", 0),
            ("30s", 30),
            ("10m", 600),
            ("2h", 7200),
            ("25d", 25 * 86400),
            ("1h30m", 5400),
            (" 5s ", 5),
        ] {
            assert_eq!(parse(t), Ok(Duration::from_secs(secs)), "{t}");
        }
    }

    /// Bad forms are refused with a message that names the problem.
    #[test]
    fn bad_forms_are_refused_with_what_is_wrong() {
        assert!(parse("").unwrap_err().contains("empty"));
        assert!(parse("30").unwrap_err().contains("no unit"));
        assert!(parse("5x").unwrap_err().contains("unknown unit \"x\""));
        assert!(parse("m").unwrap_err().contains("missing number"));
        assert!(parse("-5s").unwrap_err().contains("unexpected '-'"));
        // What users of other programs write: the error names what they meant, then the
        // accepted form, every time.
        for (text, says) in [
            ("5 minutes", "\"5 minutes\" is written \"5m\""),
            ("2 hours", "is written \"2h\""),
            ("1.5s", "\"1.5s\": whole numbers only"),
            ("10 m", "\"10 m\": no spaces"),
            ("5min", "the unit is \"m\", not \"min\""),
            ("3weeks", "unknown unit \"weeks\""),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
            assert!(e.ends_with("(sums like \"1h30m\" work)"), "{text}: {e}");
        }
        assert!(
            parse("99999999999999999999s")
                .unwrap_err()
                .contains("too large")
        );
        assert!(
            parse("999999999999999999d")
                .unwrap_err()
                .contains("too large")
        );
    }

    /// Formatting round-trips through parsing.
    #[test]
    fn formatting_round_trips_through_parsing() {
        for secs in [0, 1, 59, 60, 61, 3600, 5400, 90061, 25 * 86400] {
            let d = Duration::from_secs(secs);
            assert_eq!(parse(&format(d)), Ok(d));
        }
        assert_eq!(format(Duration::from_secs(5400)), "1h30m");
    }

    /// Times in UTC, in RFC 3339, and in a zone with daylight saving time either side of
    /// its change; one formatting for every time a person reads.
    #[test]
    fn times_read_the_same_in_utc_rfc3339_and_across_a_dst_change() {
        let utc = Zone::utc();
        assert_eq!(utc.format(0), "1970-01-01 00:00:00 +00:00");
        assert_eq!(utc.format(1_700_000_000), "2023-11-14 22:13:20 +00:00");
        assert_eq!(utc.format(951_782_400), "2000-02-29 00:00:00 +00:00");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        let cet = Zone::posix("CET-1CEST,M3.5.0,M10.5.0/3").expect("zone");
        // 2026-03-29 01:00 UTC: clocks go from 02:00 CET to 03:00 CEST.
        assert_eq!(cet.format(1_774_745_999), "2026-03-29 01:59:59 +01:00");
        assert_eq!(cet.format(1_774_746_000), "2026-03-29 03:00:00 +02:00");
        let west = Zone::posix("<-03>3").expect("zone");
        assert_eq!(west.format(1_700_000_000), "2023-11-14 19:13:20 -03:00");
    }
}

//! Durations as users write them in the config: `"0s"`, `"30s"`, `"10m"`, `"2h"`, `"25d"`, or
//! a sum such as `"1h30m"`; and recorded times (Unix seconds) in words.

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

/// Formats Unix seconds as UTC `YYYY-MM-DD HH:MM:SS`.
pub fn format_time(t: u64) -> String {
    let days = t / 86400;
    let secs = t % 86400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every unit and a compound form parse to the right number of seconds.
    #[test]
    fn parses_units() {
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
    fn rejects_bad_forms() {
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
    fn format_round_trips() {
        for secs in [0, 1, 59, 60, 61, 3600, 5400, 90061, 25 * 86400] {
            let d = Duration::from_secs(secs);
            assert_eq!(parse(&format(d)), Ok(d));
        }
        assert_eq!(format(Duration::from_secs(5400)), "1h30m");
    }

    /// UTC formatting of Unix time.
    #[test]
    fn time_format() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_time(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(format_time(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}

//! A password or token that cannot be printed by accident.
//!
//! `Debug` and `Display` both show a fixed mask, so a secret that slips into a log field, an
//! error message or `{:?}` output reveals nothing. The only way to the clear text is
//! [`Secret::expose`], which is called where the value is put on the wire.

use std::fmt;

/// What every secret prints as.
pub const MASK: &str = "********";

/// A secret string (password, update key, token).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a clear-text secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The clear text, for the request itself only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// Replaces every occurrence of each secret (and of its percent-encoded form) in `text`.
///
/// Used on anything that may echo a request back: a provider's reply body, a URL built from a
/// template, an error message from the HTTP stack.
pub fn redact(text: &str, secrets: &[&Secret]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        let clear = s.expose();
        if clear.is_empty() {
            continue;
        }
        let encoded =
            percent_encoding::utf8_percent_encode(clear, crate::protocol::dyndns2::COMPONENT)
                .to_string();
        // The mask next to the text around it can spell the secret again (text "ab" and the
        // mask, for the secret "ab********"), so mask until none is left. Every round turns
        // at least one character other than '*' into the mask, so it ends. A pattern of '*'
        // alone is masked once, first: any mask spells it.
        let mut pats = vec![clear, encoded.as_str()];
        pats.dedup();
        let (stars, pats): (Vec<&str>, Vec<&str>) =
            pats.into_iter().partition(|p| p.bytes().all(|b| b == b'*'));
        for p in stars {
            out = out.replace(p, MASK);
        }
        let mut rounds = 0;
        while let Some(p) = pats.iter().find(|p| out.contains(**p)) {
            rounds += 1;
            if rounds > 16 {
                // Only a text built to spell the secret again and again gets here; masking
                // it whole keeps this linear (a reply can be 64 KiB).
                return MASK.to_string();
            }
            out = out.replace(p, MASK);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Masking never leaves the secret in the text, also where the mask and the text around
    /// it spell it again (found by fuzzing the template target).
    #[test]
    fn redaction_leaves_no_occurrence() {
        for (text, secret) in [
            ("https://x/u?p=ab&q=ab", "ab"),
            ("xx********", "x********"),
            ("u?p=xxx********&q=1", "x********"),
            ("a%2Fb and a/b", "a/b"),
        ] {
            let s = Secret::new(secret);
            let shown = redact(text, &[&s]);
            assert!(!shown.contains(secret), "{text} -> {shown}");
        }
        // Built to re-form the secret round after round: masked whole, in bounded time.
        let chain = format!("{}x********", "x".repeat(65_536));
        assert_eq!(redact(&chain, &[&Secret::new("x********")]), MASK);
        // Only '*': masked once; its encoded form is masked like any other.
        assert_eq!(redact("p=**", &[&Secret::new("**")]), "p=********");
        assert_eq!(
            redact("p=%2A%2A&x=**", &[&Secret::new("**")]),
            "p=********&x=********"
        );
    }

    /// Neither formatting path shows the clear text.
    #[test]
    fn neither_formatting_path_shows_the_clear_text() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s}"), MASK);
        assert_eq!(format!("{s:?}"), MASK);
        assert_eq!(format!("{:?}", Some(&s)), format!("Some({MASK})"));
        assert_eq!(s.expose(), "hunter2");
    }

    /// Clear and percent-encoded forms are both removed.
    #[test]
    fn redaction_removes_the_clear_and_the_percent_encoded_form() {
        let s = Secret::new("p@ss word");
        let text = "url ?password=p%40ss%20word and body p@ss word";
        let r = redact(text, &[&s]);
        assert!(!r.contains("p@ss"), "{r}");
        assert!(!r.contains("p%40ss"), "{r}");
        assert_eq!(r, format!("url ?password={MASK} and body {MASK}"));
    }

    /// An empty secret does not turn every gap into a mask.
    #[test]
    fn redact_empty_is_noop() {
        assert_eq!(redact("abc", &[&Secret::new("")]), "abc");
    }
}

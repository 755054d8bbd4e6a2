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
        out = out.replace(clear, MASK);
        if encoded != clear {
            out = out.replace(&encoded, MASK);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Neither formatting path shows the clear text.
    #[test]
    fn formatting_masks() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s}"), MASK);
        assert_eq!(format!("{s:?}"), MASK);
        assert_eq!(format!("{:?}", Some(&s)), format!("Some({MASK})"));
        assert_eq!(s.expose(), "hunter2");
    }

    /// Clear and percent-encoded forms are both removed.
    #[test]
    fn redact_both_forms() {
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

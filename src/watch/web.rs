//! Web check-IP services: read the address out of a reply page (pure).
//!
//! Two page forms are in use (reference section 9): plain text holding only the address
//! (No-IP, Dynu, ipify) and a tiny HTML page reading `Current IP Address: 203.0.113.7`
//! (Dyn, Loopia). The first address-shaped token is taken after the "Current IP Address:"
//! marker if present, else in the page text.

use std::net::IpAddr;

/// The address a check-IP page reports, or `None` when the page holds none.
pub fn parse_page(body: &str) -> Option<IpAddr> {
    let text = crate::protocol::html::text(body);
    let lower = text.to_ascii_lowercase();
    let from = lower
        .find("current ip address:")
        .map(|i| i + "current ip address:".len())
        .unwrap_or(0);
    text[from..]
        .split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':'))
        .filter(|t| !t.is_empty())
        .find_map(|t| t.trim_matches(|c| c == '.' || c == ':').parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    /// Both page forms, IPv6, and pages without an address.
    #[test]
    fn both_page_forms_and_ipv6_read_and_no_address_is_none() {
        assert_eq!(parse_page("203.0.113.7\n"), ip("203.0.113.7"));
        assert_eq!(
            parse_page(
                "<html><head><title>Current IP Check</title></head><body>Current IP Address: 198.51.100.23</body></html>\r\n"
            ),
            ip("198.51.100.23")
        );
        assert_eq!(parse_page("2001:db8::42"), ip("2001:db8::42"));
        assert_eq!(
            parse_page("Current IP Address: 2001:db8:1::5</body>"),
            ip("2001:db8:1::5")
        );
        assert_eq!(
            parse_page("<p>Your address is 192.0.2.44.</p>"),
            ip("192.0.2.44")
        );
        assert_eq!(parse_page(""), None);
        assert_eq!(parse_page("<html>Service unavailable</html>"), None);
        assert_eq!(parse_page("999.1.1.1"), None);
    }
}

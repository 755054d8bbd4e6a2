//! HTML as providers and check-IP services send it, read as text (pure). Both the reply
//! parser and the check-IP page parser read pages through [`text`].

/// The text of an HTML page: tags removed (each leaves a space, so that words in adjacent
/// cells stay apart; `<br>` and `</p>` leave a line break), script and style contents
/// dropped, and the few entities a code or an address could contain decoded.
///
/// Matching is done on bytes: the body may hold any UTF-8, and a byte offset inside a
/// multi-byte character must never be used to slice the text.
pub fn text(body: &str) -> String {
    let bytes = body.as_bytes();
    let starts = |i: usize, pat: &[u8]| {
        bytes.len() >= i + pat.len() && bytes[i..i + pat.len()].eq_ignore_ascii_case(pat)
    };
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut in_tag = false;
    let mut skip_until: Option<&[u8]> = None;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(end) = skip_until {
            if starts(i, end) {
                i += end.len();
                skip_until = None;
                in_tag = false;
            } else {
                i += 1;
            }
            continue;
        }
        let c = bytes[i];
        if !in_tag && c == b'<' {
            // Script and style contents are not text.
            if starts(i, b"<script") {
                skip_until = Some(b"</script>");
            } else if starts(i, b"<style") {
                skip_until = Some(b"</style>");
            } else if starts(i, b"<br") || starts(i, b"</p") {
                out.push(b'\n');
            } else {
                out.push(b' ');
            }
            in_tag = true;
        } else if in_tag && c == b'>' {
            in_tag = false;
        } else if !in_tag {
            out.push(c);
        }
        i += 1;
    }
    // Only ASCII bytes ('<', '>') were removed, so what is left is still UTF-8.
    String::from_utf8_lossy(&out)
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tags leave a space or a line break, script and style are not text, entities decode,
    /// and multi-byte text survives.
    #[test]
    fn html_becomes_text_without_scripts_and_with_entities_decoded() {
        assert_eq!(
            text("<p>good 1.2.3.4</p><p>nochg</p>"),
            " good 1.2.3.4\n nochg\n"
        );
        assert_eq!(text("<td>192.0.2.1</td><td>x</td>"), " 192.0.2.1  x ");
        assert_eq!(
            text("<style>a{}</style><script>badauth</script>ok&amp;&lt;é&gt;"),
            "ok&<é>"
        );
        assert_eq!(text("a<br/>b"), "a\nb");
    }
}

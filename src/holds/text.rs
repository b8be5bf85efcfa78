//! The byte edits of `pins hold` and `pins unhold` on `pins.hcl`: a new block is appended after a
//! blank line, in the file's line endings; a removed block takes its own lines with it (and the
//! blank line before it), so that `hold` then `unhold` gives back the file byte for byte. Nothing
//! else changes: a byte-order mark, comments, CRLF and a missing final newline all survive.

use std::ops::Range;

use hcl::edit::expr::Expression;
use hcl::edit::Decorated;

/// What a new hold block says.
#[derive(Debug, Clone)]
pub(crate) struct NewHold<'a> {
    pub pin: &'a str,
    pub environment: &'a str,
    pub version: &'a str,
    pub reason: &'a str,
    pub since: &'a str,
}

/// A string as an HCL literal, quoted and escaped by hcl-edit (`${` becomes `$${`).
fn quoted(value: &str) -> String {
    Expression::String(Decorated::new(value.to_string())).to_string()
}

/// The line ending the file uses: CRLF when it has any, else LF.
fn eol(text: &str) -> &'static str {
    if text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// The hold block, without a final line ending.
pub(crate) fn render(hold: &NewHold, eol: &str) -> String {
    [
        format!("hold {} {} {{", quoted(hold.pin), quoted(hold.environment)),
        format!("  version = {}", quoted(hold.version)),
        format!("  reason  = {}", quoted(hold.reason)),
        format!("  since   = {}", quoted(hold.since)),
        "}".to_string(),
    ]
    .join(eol)
}

/// `text` with the hold block appended (`text` may be empty: a new `pins.hcl`).
pub(crate) fn add(text: &str, hold: &NewHold) -> String {
    let eol = eol(text);
    let block = render(hold, eol);
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if body.is_empty() {
        return format!("{text}{block}{eol}");
    }
    match text.ends_with('\n') {
        true => format!("{text}{eol}{block}{eol}"),
        // No final newline: keep it that way.
        false => format!("{text}{eol}{eol}{block}"),
    }
}

/// `text` without the block at `span` (a span of the text without its byte-order mark): the
/// block's lines go, with one blank line before them; a block that ended the file without a
/// newline leaves the file ending without one.
pub(crate) fn remove(text: &str, span: Range<usize>) -> String {
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let (start, end) = (span.start + bom, span.end + bom);
    let start = line_start(text, start);
    let (end, had_eol) = line_end(text, end);
    let mut before = text.get(..start).unwrap_or_default().to_string();
    let after = text.get(end..).unwrap_or_default();
    if let Some(shorter) = without_blank_line(&before) {
        before = shorter;
    }
    if !had_eol && after.is_empty() {
        before = strip_eol(&before).to_string();
    }
    before + after
}

/// Where the line of `at` starts, when only spaces and tabs stand before `at` on it.
fn line_start(text: &str, at: usize) -> usize {
    let head = text.get(..at).unwrap_or_default();
    let from = head.rfind('\n').map_or(0, |i| i + 1);
    let from = from.max(if text.starts_with('\u{feff}') { 3 } else { 0 });
    match head
        .get(from..)
        .is_some_and(|s| s.chars().all(|c| c == ' ' || c == '\t'))
    {
        true => from,
        false => at,
    }
}

/// Past the end of the line of `at` (its spaces, a trailing comment and its line ending), and
/// whether it had a line ending.
fn line_end(text: &str, at: usize) -> (usize, bool) {
    let rest = text.get(at..).unwrap_or_default();
    let line = rest.find('\n').map_or(rest.len(), |i| i + 1);
    let tail = rest.get(..line).unwrap_or_default().trim_end_matches(['\r', '\n']);
    let tail = tail.trim_start_matches([' ', '\t']);
    let comment = tail.is_empty() || tail.starts_with('#') || tail.starts_with("//");
    match comment {
        true => (at + line, rest.get(..line).is_some_and(|l| l.ends_with('\n'))),
        false => (at, true),
    }
}

/// `before` (which ends where a line starts) less one blank line at its end, if it ends with one.
fn without_blank_line(before: &str) -> Option<String> {
    let shorter = strip_eol(before);
    let blank = shorter.ends_with('\n') || shorter.trim_start_matches('\u{feff}').is_empty();
    (shorter.len() < before.len() && blank).then(|| shorter.to_string())
}

fn strip_eol(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hold() -> NewHold<'static> {
        NewHold {
            pin: "lambda-x",
            environment: "production",
            version: "1.4.2",
            reason: "1.5.0 leaks \"memory\" at ${load}",
            since: "2026-11-27T18:00:00Z",
        }
    }

    fn span(text: &str) -> Range<usize> {
        let body = crate::config::without_bom(text);
        let start = body.find("hold \"lambda-x\"").unwrap_or(0);
        let end = start
            + body
                .get(start..)
                .and_then(|s| s.find("\n}").or_else(|| s.find("\r\n}").map(|i| i + 1)))
                .unwrap_or(0)
            + 2;
        start..end
    }

    #[test]
    fn a_new_block_escapes_its_strings() {
        assert_eq!(
            render(&hold(), "\n"),
            "hold \"lambda-x\" \"production\" {\n  version = \"1.4.2\"\n  reason  = \"1.5.0 leaks \\\"memory\\\" at $${load}\"\n  since   = \"2026-11-27T18:00:00Z\"\n}"
        );
    }

    #[test]
    fn hold_then_unhold_gives_back_every_file() {
        for text in [
            "",
            "\u{feff}",
            "a = 1\n",
            "a = 1",
            "# only a comment",
            "a = 1\r\n# c\r\n",
            "\u{feff}a = 1\r\n",
            "a = 1\n\n",
            "\u{feff}# c\r\nb = 2",
        ] {
            let held = add(text, &hold());
            assert!(held.starts_with(text), "{text:?}");
            assert_eq!(remove(&held, span(&held)), text, "{held:?}");
            if text.contains("\r\n") {
                assert!(!held.replace("\r\n", "").contains('\n'), "{held:?}");
            }
        }
    }

    #[test]
    fn unhold_takes_only_the_block_and_the_blank_line_before_it() {
        let text = "a = 1\n\n# why\nhold \"lambda-x\" \"production\" {\n  version = \"1\"\n} # note\n\nb = 2\n";
        assert_eq!(remove(text, span(text)), "a = 1\n\n# why\n\nb = 2\n");
        let text = "a = 1\n\nhold \"lambda-x\" \"production\" {\n  version = \"1\"\n}\nb = 2\n";
        assert_eq!(remove(text, span(text)), "a = 1\nb = 2\n");
    }
}

//! The bytes of each top-level attribute together with the comments attached to it, and files
//! made of such pieces: how `init` moves an attribute without changing a byte of it.

use crate::tfvars::TfVars;

const BOM: &str = "\u{feff}";

/// One attribute's bytes: the comment lines right above it (no blank line between), the
/// attribute, and the rest of its last line (a trailing comment), newline included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Chunk {
    pub start: usize,
    pub end: usize,
    /// A blank line separates it from what comes before.
    pub blank_before: bool,
}

/// The chunk of every attribute of `vars`, in file order.
pub(super) fn chunks(vars: &TfVars) -> Vec<Chunk> {
    let text = vars.text();
    let mut out: Vec<Chunk> = Vec::new();
    for attr in vars.iter() {
        let floor = out.last().map_or(0, |c| c.end);
        let first = line_start(text, attr.name_span.start()).max(floor);
        let start = comments_above(text, first, floor);
        let start = if start == 0 && text.starts_with(BOM) {
            BOM.len()
        } else {
            start
        };
        let end = line_end(text, attr.value.span.end());
        let blank_before = is_blank(line_before(text, start));
        out.push(Chunk {
            start,
            end,
            blank_before,
        });
    }
    out
}

/// The text of `chunk`, ending with a newline in the file's style.
pub(super) fn text<'a>(vars: &'a TfVars, chunk: Chunk) -> std::borrow::Cow<'a, str> {
    let piece = vars.text().get(chunk.start..chunk.end).unwrap_or_default();
    if piece.ends_with('\n') {
        piece.into()
    } else {
        format!("{piece}{}", newline(vars.text())).into()
    }
}

/// The newline a file uses (`\r\n` when its first line ends so).
pub(super) fn newline(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes().get(i - 1) == Some(&b'\r') => "\r\n",
        _ => "\n",
    }
}

/// `text` without the given chunks (in file order); a blank line that would double up where a
/// chunk was cut out goes with it.
pub(super) fn without(text: &str, cut: &[Chunk]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for chunk in cut {
        out.push_str(text.get(at..chunk.start).unwrap_or_default());
        at = chunk.end;
        let next = text
            .get(at..)
            .map_or(0, |rest| rest.find('\n').map_or(rest.len(), |i| i + 1));
        let next_is_blank = text.get(at..at + next).is_some_and(is_blank) && next > 0;
        if chunk.blank_before && next_is_blank {
            at += next;
        }
    }
    out.push_str(text.get(at..).unwrap_or_default());
    // Cutting the last attributes must not leave blank lines at the end that were not there.
    let nl = newline(text);
    let blank_end = format!("{nl}{nl}");
    if !text.ends_with(&blank_end) {
        while out.ends_with(&blank_end) {
            out.truncate(out.len() - nl.len());
        }
    }
    out
}

/// A new file: a header comment, then the pieces, with a blank line where the source had one.
pub(super) fn compose(header: &str, newline: &str, pieces: &[(String, bool)]) -> String {
    let mut out = String::new();
    for line in header.lines() {
        out.push_str(if line.is_empty() { "#" } else { "# " });
        out.push_str(line);
        out.push_str(newline);
    }
    for (i, (piece, blank_before)) in pieces.iter().enumerate() {
        if i == 0 || *blank_before {
            out.push_str(newline);
        }
        out.push_str(piece);
    }
    out
}

fn line_start(text: &str, offset: usize) -> usize {
    text.get(..offset).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1)
}

/// One past the newline that ends the line holding `offset`, past a block comment opened there.
fn line_end(text: &str, offset: usize) -> usize {
    let rest = text.get(offset..).unwrap_or_default();
    let line_len = rest.find('\n').map_or(rest.len(), |i| i + 1);
    let line = rest.get(..line_len).unwrap_or_default();
    let opens_block = match (line.find('#'), line.find("//"), line.find("/*")) {
        (h, s, Some(b)) => {
            h.is_none_or(|h| b < h) && s.is_none_or(|s| b < s) && !line.get(b..).is_some_and(|l| l.contains("*/"))
        }
        _ => false,
    };
    if !opens_block {
        return offset + line_len;
    }
    match rest.find("*/") {
        Some(close) => line_end(text, offset + close + 2),
        None => text.len(),
    }
}

/// Where the comment lines directly above the line starting at `start` begin (not below `floor`).
fn comments_above(text: &str, start: usize, floor: usize) -> usize {
    let mut start = start;
    while start > floor {
        let above = line_start(text, start - 1).max(floor);
        let line = text.get(above..start).unwrap_or_default().trim();
        let line = line.trim_start_matches(BOM);
        if line.starts_with('#') || line.starts_with("//") {
            start = above;
        } else if line.ends_with("*/") {
            match block_start(text, start, floor) {
                Some(s) => start = s,
                None => break,
            }
        } else {
            break;
        }
    }
    start
}

/// The start of the line where the block comment that ends on the line above `start` opens, if
/// nothing but blanks precede `/*` there.
fn block_start(text: &str, start: usize, floor: usize) -> Option<usize> {
    let open = text.get(floor..start)?.rfind("/*")? + floor;
    let line = line_start(text, open).max(floor);
    text.get(line..open)?
        .trim()
        .trim_start_matches(BOM)
        .is_empty()
        .then_some(line)
}

fn line_before(text: &str, start: usize) -> &str {
    if start == 0 {
        return "x";
    }
    let above = line_start(text, start - 1);
    text.get(above..start).unwrap_or_default()
}

fn is_blank(line: &str) -> bool {
    line.trim().trim_start_matches(BOM).is_empty()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)]
    use super::*;

    fn pieces(text: &str) -> Vec<String> {
        let vars = TfVars::parse("t.tfvars", text.as_bytes().to_vec()).unwrap();
        chunks(&vars)
            .into_iter()
            .map(|c| text[c.start..c.end].to_string())
            .collect()
    }

    #[test]
    fn a_chunk_holds_its_comments_and_trailing_comment() {
        let text =
            "# header\n\n# about a\n// more\na = \"1.0.0\" # trailing\nb = {\n  x = 1\n}\n\n/* block\n */\nc = 3";
        assert_eq!(
            pieces(text),
            [
                "# about a\n// more\na = \"1.0.0\" # trailing\n",
                "b = {\n  x = 1\n}\n",
                "/* block\n */\nc = 3"
            ]
        );
    }

    #[test]
    fn a_block_comment_opened_after_a_value_belongs_to_it() {
        assert_eq!(pieces("a = 1 /* x\ny */\nb = 2\n"), ["a = 1 /* x\ny */\n", "b = 2\n"]);
    }

    #[test]
    fn bom_and_crlf_stay_outside_and_inside() {
        let text = "\u{feff}a = 1\r\nb = 2\r\n";
        assert_eq!(pieces(text), ["a = 1\r\n", "b = 2\r\n"]);
        let vars = TfVars::parse("t", text.as_bytes().to_vec()).unwrap();
        let cut = chunks(&vars);
        assert_eq!(without(text, &cut[..1]), "\u{feff}b = 2\r\n");
        assert_eq!(newline(text), "\r\n");
    }

    #[test]
    fn cutting_does_not_leave_double_blank_lines() {
        let text = "a = 1\n\n# b\nb = 2\n\nc = 3\n";
        let vars = TfVars::parse("t", text.as_bytes().to_vec()).unwrap();
        let cut = chunks(&vars);
        assert_eq!(without(text, &cut[1..2]), "a = 1\n\nc = 3\n");
    }
}

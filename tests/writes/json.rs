//! JSON layouts of the generated pin files (`*.tfvars.json`): indentation of two or four spaces or
//! a tab, one-line or multi-line objects, `:` with or without blanks, `\u` escapes in keys and
//! versions, a top-level `"//"` comment property, CRLF and a missing final newline.

use super::{Attr, Entry, Rng, Style};

/// How one JSON file is written.
struct Layout {
    eol: &'static str,
    unit: &'static str,
    colon: &'static str,
    comma: &'static str,
    multiline: bool,
}

/// A JSON string literal of `text`, sometimes with its first character `\u`-escaped.
fn literal(rng: &mut Rng, text: &str) -> String {
    let plain = serde_json::to_string(text).unwrap();
    match text.chars().next() {
        Some(c) if c.is_ascii_alphanumeric() && rng.one_in(6) => format!("\"\\u{:04x}{}", c as u32, &plain[2..]),
        _ => plain,
    }
}

fn map(rng: &mut Rng, layout: &Layout, entries: &[Entry]) -> String {
    let body: Vec<String> = entries
        .iter()
        .map(|e| format!("{}{}{}", literal(rng, &e.key), layout.colon, literal(rng, &e.value)))
        .collect();
    if !layout.multiline || rng.one_in(4) {
        let blank = if rng.one_in(4) { " " } else { "" };
        return format!("{{{blank}{}{blank}}}", body.join(layout.comma));
    }
    if body.is_empty() {
        return format!("{{{}{}}}", layout.eol, layout.unit);
    }
    let inner = format!("{}{}{}", layout.eol, layout.unit, layout.unit);
    format!(
        "{{{inner}{}{}{}}}",
        body.join(&format!(",{inner}")),
        layout.eol,
        layout.unit
    )
}

/// Renders the attributes as one JSON object; every choice is one Terraform accepts.
pub fn render_file(rng: &mut Rng, attrs: &[Attr], style: Style) -> String {
    let layout = Layout {
        eol: if style.crlf { "\r\n" } else { "\n" },
        unit: ["  ", "    ", "\t"][rng.below(3)],
        colon: [": ", ":", " : "][rng.below(3)],
        comma: [", ", ","][rng.below(2)],
        multiline: !rng.one_in(5),
    };
    let mut members: Vec<String> = Vec::new();
    for a in attrs {
        if rng.one_in(6) {
            members.push(format!("\"//\"{}\"section\"", layout.colon));
        }
        let (name, value) = match a {
            Attr::Pin(name, v) => (name, literal(rng, v)),
            Attr::Map(name, entries) => (name, map(rng, &layout, entries)),
            Attr::Neighbour(name, _, value) => (name, serde_json::to_string(value).unwrap()),
        };
        members.push(format!("{}{}{value}", literal(rng, name), layout.colon));
    }
    let mut out = if layout.multiline {
        let gap = format!("{}{}", layout.eol, layout.unit);
        format!("{{{gap}{}{}}}", members.join(&format!(",{gap}")), layout.eol)
    } else {
        format!("{{{}}}", members.join(layout.comma))
    };
    if style.final_newline {
        out.push_str(layout.eol);
    }
    out
}

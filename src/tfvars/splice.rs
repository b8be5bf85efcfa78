//! Format-preserving edits: each edit replaces one byte span of the original text (an insertion
//! is an empty span), so comments, alignment, quoting, line endings, a byte-order mark and a
//! missing final newline all survive.
//!
//! String slicing here is on offsets that are char boundaries by construction: they come from the
//! parser's positions after ASCII delimiters, from `char_indices`, or from `find` of ASCII text.
//! The fuzz target (`fuzz/`) and the property tests check that no input makes it panic.
#![allow(clippy::string_slice)]

use crate::tfvars::{Attribute, Form, Node, Span, TfVars, Value};

/// Replace the bytes of `span` with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

/// Applies non-overlapping edits to `source`.
pub fn apply(source: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start(), e.span.end()));
    let mut out = String::with_capacity(source.len() + 64);
    let mut at = 0;
    for edit in sorted {
        out.push_str(&source[at..edit.span.start().max(at)]);
        out.push_str(&edit.text);
        at = at.max(edit.span.end());
    }
    out.push_str(&source[at..]);
    out
}

/// An HCL quoted string literal holding exactly `value`.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Replaces a quoted string value with `new`; other forms (heredocs, computed values) are refused.
pub fn replace_string(node: &Node, new: &str) -> Result<Edit, String> {
    match (&node.value, node.form) {
        (Value::String(_), Form::Quoted) => Ok(Edit {
            span: node.span,
            text: quote(new),
        }),
        _ => Err(format!(
            "the value is {} written as {}, which pins does not edit; write it as a quoted string",
            node.kind(),
            form_name(node.form)
        )),
    }
}

fn form_name(form: Form) -> &'static str {
    match form {
        Form::Quoted => "a quoted string",
        Form::Heredoc => "a heredoc",
        Form::Other => "an expression",
    }
}

/// A map key as written: bare when it is an identifier and the map's keys are not all quoted.
pub fn render_key(key: &str, quote_all: bool) -> String {
    let bare = key.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !matches!(key, "true" | "false" | "null");
    if bare && !quote_all {
        key.to_string()
    } else {
        quote(key)
    }
}

/// The line ending the file uses around `offset`.
fn line_ending(text: &str, offset: usize) -> &'static str {
    let end = text[offset..].find('\n').map(|i| offset + i);
    match end {
        Some(i) if i > 0 && text.as_bytes().get(i - 1) == Some(&b'\r') => "\r\n",
        Some(_) => "\n",
        None if text.contains("\r\n") => "\r\n",
        None => "\n",
    }
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of the line holding `offset`, after its line break (or the end of the text).
fn line_end(text: &str, offset: usize) -> usize {
    text[offset..].find('\n').map_or(text.len(), |i| offset + i + 1)
}

/// Inserts new `key = "value"` entries at the end of an object, matching its neighbours:
/// one per line with their indentation, `=` alignment and trailing commas, or inline in a
/// one-line map.
pub fn insert_entries(vars: &TfVars, object: &Node, new: &[(String, String)]) -> Edit {
    let text = vars.text();
    let entries = object.entries().unwrap_or_default();
    let quote_all = !entries.is_empty() && entries.iter().all(|e| e.quoted);
    let Some(last) = entries.last() else {
        let body: Vec<String> = new
            .iter()
            .map(|(k, v)| format!("{} = {}", render_key(k, false), quote(v)))
            .collect();
        return Edit {
            span: object.span,
            text: format!("{{ {} }}", body.join(", ")),
        };
    };
    let after_value = skip_inline(text, last.value.span.end());
    let comma = text[after_value..].starts_with(',');
    let multi_line = vars.position(last.key_span.start()).line != vars.position(object.span.start()).line
        && vars.position(object.span.end() - 1).line != vars.position(last.value.span.end()).line;
    if !multi_line {
        let body: Vec<String> = new
            .iter()
            .map(|(k, v)| format!("{} = {}", render_key(k, quote_all), quote(v)))
            .collect();
        let (at, piece) = if comma {
            (after_value + 1, format!(" {},", body.join(", ")))
        } else {
            (last.value.span.end(), format!(", {}", body.join(", ")))
        };
        return Edit {
            span: Span::new(at, at),
            text: piece,
        };
    }
    let start = line_start(text, last.key_span.start());
    let indent = &text[start..last.key_span.start()];
    let eol = line_ending(text, last.value.span.end());
    let assign_at = skip_inline(text, last.key_span.end());
    let assign = &text[assign_at..assign_at + 1];
    let assign_col = text[start..assign_at].chars().count();
    let value_gap = &text[assign_at + 1..last.value.span.start()];
    let mut lines = String::new();
    for (k, v) in new {
        let key = render_key(k, quote_all);
        let used = indent.chars().count() + key.chars().count();
        let pad = if assign == ":" {
            0
        } else {
            assign_col.saturating_sub(used).max(1)
        };
        let trailing = if comma { "," } else { "" };
        lines.push_str(&format!(
            "{indent}{key}{}{assign}{value_gap}{}{trailing}{eol}",
            " ".repeat(pad),
            quote(v)
        ));
    }
    let at = line_end(text, last.value.span.end());
    let lines = if at == text.len() && !text.ends_with('\n') {
        format!("{eol}{}", lines.trim_end_matches(eol))
    } else {
        lines
    };
    Edit {
        span: Span::new(at, at),
        text: lines,
    }
}

/// Appends new top-level `name = value` attributes at the end of the file, keeping a missing final
/// newline missing; `value` is already HCL text.
pub fn append_attributes(vars: &TfVars, new: &[(String, String)]) -> Edit {
    let text = vars.text();
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<String> = new.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    let body = lines.join(eol);
    let piece = if text.is_empty() || text == "\u{feff}" || text.ends_with('\n') {
        format!("{body}{eol}")
    } else {
        format!("{eol}{body}")
    };
    Edit {
        span: Span::new(text.len(), text.len()),
        text: piece,
    }
}

/// HCL text of a new multi-line map holding `entries`.
pub fn render_map(entries: &[(String, String)], eol: &str) -> String {
    let width = entries
        .iter()
        .map(|(k, _)| render_key(k, false).chars().count())
        .max()
        .unwrap_or(0);
    let mut out = format!("{{{eol}");
    for (k, v) in entries {
        out.push_str(&format!("  {:<width$} = {}{eol}", render_key(k, false), quote(v)));
    }
    out.push('}');
    out
}

/// Removes one entry of an object: its whole line when it stands alone on it, else the entry and
/// one adjacent comma.
pub fn remove_entry(vars: &TfVars, object: &Node, index: usize) -> Edit {
    let text = vars.text();
    let entries = object.entries().unwrap_or_default();
    let Some(entry) = entries.get(index) else {
        return Edit {
            span: Span::new(0, 0),
            text: String::new(),
        };
    };
    let start = line_start(text, entry.key_span.start());
    let mut after = skip_inline(text, entry.value.span.end());
    if text[after..].starts_with(',') {
        after = skip_inline(text, after + 1);
    }
    let alone_before = text[start..entry.key_span.start()].trim().is_empty();
    let rest = &text[after..];
    let alone_after =
        rest.starts_with('\n') || rest.starts_with("\r\n") || rest.starts_with('#') || rest.starts_with("//");
    if alone_before && alone_after {
        return Edit {
            span: Span::new(start, line_end(text, after)),
            text: String::new(),
        };
    }
    if after > entry.value.span.end() && text[entry.value.span.end()..after].contains(',') {
        return Edit {
            span: Span::new(entry.key_span.start(), after),
            text: String::new(),
        };
    }
    let prev_end = index
        .checked_sub(1)
        .and_then(|i| entries.get(i))
        .map(|e| e.value.span.end());
    match prev_end {
        Some(p) => Edit {
            span: Span::new(p, entry.value.span.end()),
            text: String::new(),
        },
        None => Edit {
            span: Span::new(entry.key_span.start(), entry.value.span.end()),
            text: String::new(),
        },
    }
}

/// Removes a top-level attribute's lines.
pub fn remove_attribute(vars: &TfVars, attribute: &Attribute) -> Edit {
    let text = vars.text();
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let start = line_start(text, attribute.name_span.start()).max(bom);
    Edit {
        span: Span::new(start, line_end(text, attribute.value.span.end())),
        text: String::new(),
    }
}

fn skip_inline(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while matches!(bytes.get(at), Some(b' ' | b'\t')) {
        at += 1;
    }
    at
}

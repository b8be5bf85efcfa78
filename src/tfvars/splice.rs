//! Format-preserving edits: each edit replaces one byte span of the original text (an insertion
//! is an empty span), so comments, alignment, quoting, line endings, a byte-order mark and a
//! missing final newline all survive.
//!
//! String slicing here is on offsets that are char boundaries by construction: they come from the
//! parser's positions after ASCII delimiters, from `char_indices`, or from `find` of ASCII text.
//! The fuzz target (`fuzz/`) and the property tests check that no input makes it panic.
#![allow(clippy::string_slice)]

use crate::tfvars::json::splice::{self as json, Object};
use crate::tfvars::trivia::{self, is_blank, line_start, Slot, Trivia};
use crate::tfvars::{Attribute, Entry, Form, Node, Span, TfVars, Value};

/// The value of a new variable or map entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewValue {
    /// A version string.
    Version(String),
    /// A map of pins: keys and versions.
    Map(Vec<(String, String)>),
}

/// Replace the bytes of `span` with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

impl Edit {
    /// Inserts `text` at `at`.
    pub fn insert(at: usize, text: impl Into<String>) -> Edit {
        Edit {
            span: Span::new(at, at),
            text: text.into(),
        }
    }

    /// Deletes the bytes from `start` up to `end`.
    pub fn delete(start: usize, end: usize) -> Edit {
        Edit {
            span: Span::new(start, end),
            text: String::new(),
        }
    }
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
        (Value::String(_), Form::Json) => Ok(Edit {
            span: node.span,
            text: json::quote(new),
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
        Form::Json => "a JSON string",
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

/// Inserts new `key = "value"` entries at the end of an object (see `edit_entries`).
pub fn insert_entries(vars: &TfVars, object: &Node, new: &[(String, String)]) -> Edit {
    let mut edits = edit_entries(vars, object, &[], new);
    edits.pop().unwrap_or_else(|| Edit::insert(0, ""))
}

/// Removes the entries at `remove` from an object and adds `new` ones at its end, as edits that
/// apply together. A removed entry takes its whole line when it stands alone on it (with its
/// trailing comment), else its own comma; new entries follow the last kept entry, one per line
/// with the indentation, `=` alignment and trailing commas of the entries that start a line, or
/// inline when the map closes on that entry's line. Nothing lands inside a comment.
pub fn edit_entries(vars: &TfVars, object: &Node, remove: &[usize], new: &[(String, String)]) -> Vec<Edit> {
    if vars.json_root().is_some() {
        let new: Vec<(String, NewValue)> = new
            .iter()
            .map(|(k, v)| (k.clone(), NewValue::Version(v.clone())))
            .collect();
        return json::edit(vars, &Object::of(object), remove, &new);
    }
    let text = vars.text();
    let slots = trivia::slots(text, object);
    let mut edits: Vec<Edit> = remove
        .iter()
        .map(|&i| remove_one(text, object, &slots, i, new.is_empty()))
        .collect();
    if !new.is_empty() {
        edits.push(insert(text, object, &slots, remove, new));
    }
    edits
}

fn insert(text: &str, object: &Node, slots: &[Slot], remove: &[usize], new: &[(String, String)]) -> Edit {
    let entries = object.entries().unwrap_or_default();
    let quote_all = !entries.is_empty() && entries.iter().all(|e| e.quoted);
    let kept = (0..entries.len()).rev().find(|i| !remove.contains(i));
    let (Some(last), Some(slot)) = (kept.and_then(|i| entries.get(i)), kept.and_then(|i| slots.get(i))) else {
        return insert_into_empty(text, object, new, quote_all);
    };
    let Some(newline) = slot.newline else {
        let body = inline_body(new, quote_all);
        let trailing = if slots.last().is_some_and(|s| s.comma.is_some()) {
            ","
        } else {
            ""
        };
        return match slot.comma {
            Some(comma) => Edit::insert(comma.end(), format!(" {body}{trailing}")),
            None => Edit::insert(last.value.span.end(), format!(", {body}")),
        };
    };
    let model = entries.iter().zip(slots).rev().find(|(_, s)| s.starts_line);
    let style = match model {
        Some((entry, _)) => Style::of(text, entry),
        None => Style::fallback(text, object),
    };
    let eol = &text[newline.start()..newline.end()];
    let trailing = if slot.comma.is_some() { "," } else { "" };
    let lines: String = new
        .iter()
        .map(|(k, v)| style.line(&render_key(k, quote_all), &quote(v), trailing, eol))
        .collect();
    Edit::insert(newline.end(), lines)
}

/// `k = "v", k2 = "v2"`, for a one-line map.
fn inline_body(new: &[(String, String)], quote_all: bool) -> String {
    let body: Vec<String> = new
        .iter()
        .map(|(k, v)| format!("{} = {}", render_key(k, quote_all), quote(v)))
        .collect();
    body.join(", ")
}

/// Entries into a map with no kept entries: inline when the braces share a line, else one line
/// each before the `}`.
fn insert_into_empty(text: &str, object: &Node, new: &[(String, String)], quote_all: bool) -> Edit {
    let (open, close) = (object.span.start() + 1, object.span.end() - 1);
    let body = inline_body(new, quote_all);
    if !text[open..close].contains('\n') {
        // Blanks, or entries that all go (their removals overlap this edit), unless a comment
        // would go with them.
        return match !text[open..close].contains("/*") {
            true => Edit {
                span: Span::new(open, close),
                text: format!(" {body} "),
            },
            false => Edit::insert(open, format!(" {body}")),
        };
    }
    let eol = if text[open..close].contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let start = line_start(text, close);
    let closing_alone = start > open && is_blank(&text[start..close]);
    let style = Style::fallback(text, object);
    let lines: String = new
        .iter()
        .map(|(k, v)| style.line(&render_key(k, quote_all), &quote(v), "", eol))
        .collect();
    match closing_alone {
        true => Edit::insert(start, lines),
        false => Edit::insert(close, format!("{eol}{lines}")),
    }
}

/// How an entry line is laid out: indentation, the column of `=` (when aligned), `=` or `:`, and
/// the blanks before the value.
struct Style {
    indent: String,
    assign_col: Option<usize>,
    assign: char,
    gap: String,
}

impl Style {
    /// The layout of `entry`, which starts its line.
    fn of(text: &str, entry: &Entry) -> Style {
        let start = line_start(text, entry.key_span.start());
        let key_end = entry.key_span.end();
        let pieces = trivia::scan(text, key_end);
        let assign_at = pieces.last().map_or(key_end, |(_, s)| s.end());
        let plain = pieces.iter().all(|(k, _)| *k == Trivia::Blank);
        let gap = &text[(assign_at + 1).min(entry.value.span.start())..entry.value.span.start()];
        Style {
            indent: text[start..entry.key_span.start()].to_string(),
            assign_col: plain.then(|| text[start..assign_at].chars().count()),
            assign: text[assign_at..].chars().next().unwrap_or('='),
            gap: if is_blank(gap) { gap.to_string() } else { " ".into() },
        }
    }

    /// Two spaces deeper than the `}` when it starts its line, else two spaces.
    fn fallback(text: &str, object: &Node) -> Style {
        let close = object.span.end() - 1;
        let start = line_start(text, close);
        let base = if start > object.span.start() && is_blank(&text[start..close]) {
            &text[start..close]
        } else {
            ""
        };
        Style {
            indent: format!("{base}  "),
            assign_col: None,
            assign: '=',
            gap: " ".into(),
        }
    }

    fn line(&self, key: &str, value: &str, trailing: &str, eol: &str) -> String {
        let used = self.indent.chars().count() + key.chars().count();
        let pad = match (self.assign, self.assign_col) {
            (':', _) => 0,
            (_, Some(col)) => col.saturating_sub(used).max(1),
            (_, None) => 1,
        };
        format!(
            "{}{key}{}{}{}{value}{trailing}{eol}",
            self.indent,
            " ".repeat(pad),
            self.assign,
            self.gap
        )
    }
}

/// Removes whole top-level variables and appends new ones, as edits that apply together (a JSON
/// var file's commas depend on both).
pub fn edit_top_level(vars: &TfVars, remove: &[&Attribute], new: &[(String, NewValue)]) -> Vec<Edit> {
    if let Some(root) = vars.json_root() {
        let at: Vec<usize> = (0..root.members.len())
            .filter(|&i| {
                root.members
                    .get(i)
                    .is_some_and(|m| remove.iter().any(|a| a.name_span == m.key))
            })
            .collect();
        return json::edit(vars, &Object::root(root), &at, new);
    }
    let mut edits: Vec<Edit> = remove.iter().map(|a| remove_attribute(vars, a)).collect();
    if !new.is_empty() {
        edits.push(append_attributes(vars, new));
    }
    edits
}

/// Appends new top-level `name = value` attributes at the end of the file, keeping a missing final
/// newline missing (in a JSON var file, new properties at the end of its object).
pub fn append_attributes(vars: &TfVars, new: &[(String, NewValue)]) -> Edit {
    if let Some(root) = vars.json_root() {
        let mut edits = json::edit(vars, &Object::root(root), &[], new);
        return edits.pop().unwrap_or_else(|| Edit::insert(0, ""));
    }
    let text = vars.text();
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<String> = new
        .iter()
        .map(|(k, v)| match v {
            NewValue::Version(v) => format!("{k} = {}", quote(v)),
            NewValue::Map(entries) => format!("{k} = {}", render_map(entries, eol)),
        })
        .collect();
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

/// Removes one entry of an object (see `edit_entries`).
pub fn remove_entry(vars: &TfVars, object: &Node, index: usize) -> Edit {
    let slots = trivia::slots(vars.text(), object);
    remove_one(vars.text(), object, &slots, index, true)
}

/// The edit removing entry `index`. With `tidy` (nothing is inserted into this map), an entry
/// without a comma of its own takes the comma before it, so `{ a = "1", b = "2" }` loses `b`
/// cleanly; an insertion may need that comma, so without `tidy` it stays (a trailing comma is
/// valid HCL). Edits removing several entries of one map may overlap; `apply` takes their union.
fn remove_one(text: &str, object: &Node, slots: &[Slot], index: usize, tidy: bool) -> Edit {
    let entries = object.entries().unwrap_or_default();
    let (Some(entry), Some(slot)) = (entries.get(index), slots.get(index)) else {
        return Edit::insert(0, "");
    };
    let start = entry.key_span.start();
    if let (true, Some(newline), false) = (slot.starts_line, slot.newline, slot.block_comment) {
        return Edit::delete(line_start(text, start), newline.end());
    }
    if let Some(comma) = slot.comma {
        let blanks = trivia::scan(text, comma.end())
            .into_iter()
            .take_while(|(k, _)| *k == Trivia::Blank)
            .last();
        return Edit::delete(start, blanks.map_or(comma.end(), |(_, s)| s.end()));
    }
    let previous_comma = index.checked_sub(1).and_then(|i| slots.get(i)).and_then(|s| s.comma);
    match previous_comma {
        Some(comma) if tidy => Edit::delete(comma.start(), entry.value.span.end()),
        _ => {
            let line = line_start(text, start).max(object.span.start() + 1);
            let blank_from = text[line..start].trim_end_matches([' ', '\t']).len() + line;
            Edit::delete(blank_from, entry.value.span.end())
        }
    }
}

/// Removes a top-level attribute: its lines through the line break after it (a comment that
/// shares its first line goes with it, one that ends there stays).
pub fn remove_attribute(vars: &TfVars, attribute: &Attribute) -> Edit {
    let text = vars.text();
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let name = attribute.name_span.start();
    let line = line_start(text, name).max(bom);
    let start = if is_blank(&text[line..name]) { line } else { name };
    let value_end = attribute.value.span.end();
    let pieces = trivia::scan(text, value_end);
    let end = match pieces.iter().find(|(k, _)| *k == Trivia::Newline) {
        Some((_, newline)) => newline.end(),
        None => pieces.last().map_or(value_end, |(_, s)| s.end()),
    };
    Edit::delete(start, end)
}
